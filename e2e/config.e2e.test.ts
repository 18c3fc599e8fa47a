// One configuration document, end to end (docs/security.md, "Configuration"; README "Configuration"):
// the real composed demo kiosk (SQLite in a temp data directory, simulated devices on socat pty
// pairs), the browser host and Debian's Chromium.
// - A change made on the Settings panel is in config.json (read back from the file), applied (the
//   next passage is decided by it) and audited (a `config-changed` row naming the path).
// - A misspelt key stops a first start of `node bin/kiosk.js start` with a message naming it.
// - A kiosk with a last good configuration starts on it when config.json is broken by hand, with the
//   red chip naming the path; the chip follows later edits of the file without a restart.
// The status bar turning stale on its own with the network down is e2e/status-tick.e2e.test.ts.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureDemoConfig, DEMO_ADMIN_PIN } from '../src/app/compose.js';
import { configPath } from '../src/core/config/config.js';
import { closeKiosks, printKioskLogs, startComposedKiosk, type ComposedTestKiosk } from './support/composed-kiosk.js';
import { until } from './support/until.js';
import { launchChromium, ROOT, saveScreenshot, scratchDir } from './support/harness.js';

type Running = ComposedTestKiosk;

const scratch = scratchDir('kiosk-config-e2e-');
let running: Running[] = [];
let browser: Browser | null = null;

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') printKioskLogs(running);
  await browser?.close();
  browser = null;
  await closeKiosks(running);
  running = [];
});
afterAll(() => scratch.remove());

/** The demo kiosk on `dataDir`; the demo configuration is written only when there is none. */
async function startDemo(dataDir: string): Promise<Running> {
  const r = await startComposedKiosk({
    dataDir,
    configure: (dir) => {
      if (!existsSync(configPath(dir))) ensureDemoConfig(dir, { checkpoint: { collectWindowMs: 2000, resetAfterMs: 2500 } });
    },
  });
  running.push(r);
  return r;
}

async function openPage(r: Running, viewport = { width: 800, height: 1280 }): Promise<Page> {
  browser ??= await launchChromium();
  const page = await (await browser.newContext({ viewport })).newPage();
  page.on('pageerror', (e) => r.logs.push(`pageerror: ${e.message.slice(0, 300)}`));
  page.on('console', (m) => r.logs.push(`console: ${m.text().slice(0, 300)}`));
  await page.goto(r.kiosk.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return page;
}

/** Sets the simulated thermometer and waits until core has a stable reading of it. */
async function setTemperature(r: Running, celsius: number): Promise<void> {
  let seen = false;
  const off = r.composed.devices!.onEvent((e) => {
    if (e.type === 'temperature' && e.reading.valid && Math.abs(e.reading.celsius - celsius) < 0.05) seen = true;
  });
  try {
    r.composed.demo!.thermometer.setTemperature(celsius);
    await until(`the kiosk to read ${celsius} from the thermometer`, () => seen);
  } finally {
    off();
  }
}

/** Presents a demo person's ID card and waits for the entry it makes. */
async function cardPassage(r: Running, key: string) {
  const store = r.composed.store!;
  const before = store.lastSeq();
  // A new person steps up to the sensor (the room between two people, then their temperature).
  await r.composed.demo!.thermometer.nextPerson();
  r.composed.demo!.idcard.present(key);
  await until(`${key}'s entry`, () => store.lastSeq() > before, 15_000);
  const entry = store.lastEntries(1)[0]!;
  // Off the reader, and the result off the screen, before the next person steps up.
  r.composed.demo!.idcard.remove();
  return entry;
}

const fileOf = (dataDir: string) => JSON.parse(readFileSync(configPath(dataDir), 'utf8')) as Record<string, unknown> & { revision: number; policy?: Record<string, unknown> };

describe('one configuration document (browser host, Chromium, the composed demo kiosk)', () => {
  it('a change made on the Settings panel is in config.json, decides the next passage and is audited', async () => {
    const dataDir = join(scratch.dir, 'settings');
    mkdirSync(dataDir, { recursive: true });
    const r = await startDemo(dataDir);
    await setTemperature(r, 36.6);
    const page = await openPage(r);
    await page.locator('#admin-open').click();
    await page.waitForSelector('#console-pin');
    await page.locator('#console-pin').fill(DEMO_ADMIN_PIN);
    await page.locator('#console-pin-submit').click();
    await page.waitForSelector('.console[data-state="open"]');
    await page.locator('#console-nav-settings').click();
    await page.waitForSelector('[data-testid="settings-revision"]');
    const revision = fileOf(dataDir).revision;
    expect(await page.locator('[data-testid="settings-revision"]').textContent()).toBe(`版本 ${revision}`);
    const fever = page.locator('[data-testid="setting-policy-feverThresholdC"]');
    expect(await fever.inputValue()).toBe('37.3');

    // Before: 36.6 °C is no fever under the default 37.3 °C.
    expect(await cardPassage(r, 'grandma')).toMatchObject({ decision: 'admit', reason: null });

    // A bad value is caught on the screen by the contract's schema, named at its field, and not sent.
    await fever.fill('热');
    await page.locator('#settings-save').click();
    await page.waitForSelector('[data-testid="setting-policy-feverThresholdC-error"]');
    expect(await page.locator('[data-testid="setting-policy-feverThresholdC-error"]').textContent()).toMatch(/^policy\.feverThresholdC: /);
    expect(fileOf(dataDir).revision).toBe(revision);
    await saveScreenshot(page, 'config-settings-invalid-field');

    // The venue lowers the fever threshold to 36.5 °C (spec §4 rule 6) and lengthens the session idle time.
    await fever.fill('36.5');
    await page.locator('[data-testid="setting-admin-sessionIdleSeconds"]').fill('300');
    await page.locator('[data-testid="setting-checkpoint-antiPassbackMinutes"]').fill('5');
    await page.locator('#settings-save').click();
    await page.waitForSelector('#settings-notice[data-tone="ok"]');
    expect(await page.locator('[data-testid="settings-applied"]').textContent()).toBe('已生效: admin.sessionIdleSeconds, checkpoint.antiPassbackMinutes, policy.feverThresholdC');
    expect(await page.locator('[data-testid="settings-revision"]').textContent()).toBe(`版本 ${revision + 1}`);
    // The panel at the three kiosk screens (portrait 800×1280 and 1080×1920, landscape 1024×600).
    for (const size of [{ width: 800, height: 1280 }, { width: 1080, height: 1920 }, { width: 1024, height: 600 }]) {
      await page.setViewportSize(size);
      await page.locator('#settings-notice').scrollIntoViewIfNeeded();
      await saveScreenshot(page, `config-settings-saved-${size.width}x${size.height}`);
    }
    await page.setViewportSize({ width: 800, height: 1280 });

    // In the file: the new values, the next revision, and only what was written plus the change.
    const file = fileOf(dataDir);
    expect(file.revision).toBe(revision + 1);
    // The demo's own dccAccept (docs/dcc-trust.md, "Demo") and the one key saved: no defaults written.
    expect(file.policy).toEqual({ dccAccept: true, feverThresholdC: 36.5 });
    expect(file.admin).toMatchObject({ sessionIdleSeconds: 300 });
    expect(file).not.toHaveProperty('upload');

    // Applied: the next person at 36.6 °C is stopped for fever, without a restart.
    expect(await cardPassage(r, 'lisi')).toMatchObject({ decision: 'deny', reason: 'FEVER' });
    await page.waitForSelector('#console-banner[data-tone="stop"]');
    await saveScreenshot(page, 'config-settings-applied-fever-stop');

    // Audited: who, the revision, the paths; never the values.
    const row = r.composed.store!.auditOf(['config-changed'], 1)[0]!;
    expect(row.detail).toMatchObject({ revision: revision + 1, paths: ['admin.sessionIdleSeconds', 'checkpoint.antiPassbackMinutes', 'policy.feverThresholdC'] });
    expect(String(row.detail.by)).toMatch(/^browser:/);
    expect(JSON.stringify(row.detail)).not.toMatch(/36\.5|300/);

    // `kiosk admin set-pin` on the running kiosk: the file keeps what it had, and the new PIN works
    // at once (the kiosk reloads the changed file), with no restart.
    const beforePin = fileOf(dataDir);
    const setPin = spawnSync(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'admin', 'set-pin', '--data-dir', dataDir], { cwd: ROOT, input: '97531\n', encoding: 'utf8', timeout: 60_000 });
    expect(setPin.status, setPin.stderr).toBe(0);
    const afterPin = fileOf(dataDir);
    expect(afterPin.revision).toBe(beforePin.revision + 1);
    expect({ ...afterPin, admin: undefined, revision: undefined }).toEqual({ ...beforePin, admin: undefined, revision: undefined });
    await until('the kiosk to reload the new PIN', () => r.composed.checkpoint.liveConfig.revision === afterPin.revision);
    const other = { host: 'browser' as const, clientId: 'e2e-other-screen' };
    expect(await r.composed.service.openAdminSession({ pin: '97531' }, other)).toMatchObject({ ok: true });
    expect(r.composed.store!.auditOf(['config-changed'], 1)[0]!.detail).toMatchObject({ by: 'config.json', revision: afterPin.revision, paths: ['admin.pin.hash', 'admin.pin.salt'] });
  });

  it('a misspelt key in config.json stops a first start, naming it', () => {
    const dataDir = join(scratch.dir, 'first-start');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(configPath(dataDir), JSON.stringify({ kioskId: 'lane-2', chekpoint: { collectWindowMs: 3000 } }));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'start', '--data-dir', dataDir, '--no-browser', '--no-camera'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).not.toBe(0);
    expect(r.status).toBe(78);
    expect(r.stderr).toContain(`kiosk: CONFIG_INVALID: ${configPath(dataDir)}: chekpoint: unknown key`);
    // Nothing was started on defaults: no entry log, no last good copy of a file that never ran.
    expect(existsSync(join(dataDir, 'config.last-good.json'))).toBe(false);
  });

  it('a kiosk with a last good configuration starts on it with the red chip naming the path; the chip follows the file', async () => {
    const dataDir = join(scratch.dir, 'last-good');
    mkdirSync(dataDir, { recursive: true });
    const first = await startDemo(dataDir);
    await first.kiosk.close();
    running = running.filter((x) => x !== first);
    expect(existsSync(join(dataDir, 'config.last-good.json'))).toBe(true);

    // A hand edit breaks the file: a misspelt key.
    const good = readFileSync(configPath(dataDir), 'utf8');
    const broken = { ...JSON.parse(good), checkpoint: { colectWindowMs: 3000 } };
    writeFileSync(configPath(dataDir), JSON.stringify(broken, null, 2));

    const r = await startDemo(dataDir);
    expect(r.composed.configProblem?.problems.map((p) => p.path)).toEqual(['checkpoint.colectWindowMs']);
    const page = await openPage(r);
    const chip = page.locator('#status-items li[data-id="config"]');
    await chip.waitFor();
    expect(await chip.getAttribute('data-level')).toBe('bad');
    expect(await chip.textContent()).toBe('配置错误: checkpoint.colectWindowMs');
    // Red: the chip's background is dominated by its red channel.
    const background = String(await page.evaluate(`getComputedStyle(document.querySelector('#status-items li[data-id="config"]')).backgroundColor`));
    const [red, green, blue] = (background.match(/\d+/g) ?? []).map(Number);
    expect(red, background).toBeGreaterThan(2 * green!);
    expect(red, background).toBeGreaterThan(2 * blue!);
    await saveScreenshot(page, 'config-red-chip-last-good');
    // The door still decides on the last good configuration.
    expect(await cardPassage(r, 'grandma')).toMatchObject({ decision: 'admit' });

    // Fixed by hand while running: the chip goes without a restart.
    writeFileSync(configPath(dataDir), good);
    await page.waitForSelector('#status-items li[data-id="config"]', { state: 'detached', timeout: 10_000 });

    // Broken again while running: not applied, the chip names the path, in English too.
    writeFileSync(configPath(dataDir), JSON.stringify({ ...JSON.parse(good), devices: { thermometer: { port: '/dev/null', protocol: { name: 'modbus' } } } }, null, 2));
    await chip.waitFor({ timeout: 10_000 });
    expect(await chip.textContent()).toBe('配置错误: devices.thermometer.protocol.name');
    await r.composed.service.setLanguage({ language: 'en' }, { host: 'browser', clientId: 'test' });
    await until('the English chip', async () => (await chip.textContent()) === 'Config error: devices.thermometer.protocol.name');
    await saveScreenshot(page, 'config-red-chip-live-reload-en');
    expect(r.logs.some((l) => l.startsWith('CONFIG_INVALID devices.thermometer.protocol.name'))).toBe(true);
  });
});
