// The integrator's uploads screen end to end (docs/integrator-setup.md, "Uploads";
// docs/upload-protocol.md §1): the real composed demo kiosk behind the browser host, Debian's
// Chromium, the console opened with the integrator's PIN, and a real collector on 127.0.0.1 with its
// own SQLite file. The kiosk is configured with a kioskId that is not its device key's id: the
// screen warns. The connection test runs while a person scans at the door (the passage is decided
// and logged): the collector answers, this kiosk is "not registered". The QR on screen is
// photographed (an element screenshot) and decoded with the project's own decoder (zxing, as
// `kiosk decode-image` does): its text is the registration command, which the operator runs with
// the real CLI against the collector's database. Tested again: registered. The one-tap fix sets
// kioskId to the key's id and the warning goes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startCollector, type RunningCollector } from '../src/collector/server.js';
import { loadOrCreateDeviceKey } from '../src/core/identity/device-key.js';
import { decodeImageFiles } from '../src/cli/commands/decode-image.js';
import { main } from '../src/cli/main.js';
import { DEFAULT_CAMERA_CONFIG } from '../src/contract/api.js';
import { IntegratorRig, openIntegratorConsole, passageDecided, screenshotsAtBothShapes } from './support/integrator.js';
import { until } from './support/until.js';

const rig = new IntegratorRig();
const dirs: string[] = [];
let collector: RunningCollector | null = null;
afterEach(async (c) => {
  await rig.tearDown(c.task.result?.state === 'fail');
  await collector?.close();
  collector = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/** The command line as a POSIX shell splits it (words, single quotes, '\'' escapes): what the operator's shell does. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error('unterminated quote');
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '\\') {
      word += line[++i] ?? '';
      inWord = true;
    } else if (c === ' ') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

async function runCli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const code = await main(args, { stdout, stderr, stdin: new PassThrough() });
  return { code, out, err };
}

const stepState = (page: Page, step: string) => page.locator(`#uploads-steps li[data-step="${step}"]`).getAttribute('data-state');
const stepReason = (page: Page, step: string) => page.locator(`#uploads-steps li[data-step="${step}"]`).getAttribute('data-reason');

/** Clicks Test and, while the test runs in core, lets a person pass the door. */
async function testWhileGuardDecides(page: Page, r: Parameters<typeof passageDecided>[0], person: string): Promise<string> {
  const [decision] = await Promise.all([passageDecided(r, person), page.locator('#uploads-test').click()]);
  await page.waitForSelector('#uploads-result', { timeout: 20_000 });
  return decision;
}

describe('uploads setup (docs/integrator-setup.md)', () => {
  it('tests the collector (not registered), shows a QR that decodes to the registration command, registers with it, tests again (registered), and fixes a kioskId that is not the key id', async () => {
    const work = tempDir('kiosk-e2e-uploads-');
    const database = join(work, 'collector.sqlite3');
    collector = await startCollector({ database });
    const dataDir = join(work, 'kiosk');
    const r = await rig.startDemo({ dataDir, edit: (c) => void (c.kioskId = 'lane-1') });
    const key = loadOrCreateDeviceKey(dataDir);
    const page = await rig.openPage(r);
    await openIntegratorConsole(page, 'uploads');
    await page.waitForSelector('#uploads-fingerprint');

    // Both ids, the mismatch named with both.
    expect(await page.locator('[data-testid="uploads-device-kiosk-id"]').textContent()).toBe(key.kioskId);
    expect(await page.locator('[data-testid="uploads-kiosk-id"]').textContent()).toBe('lane-1');
    const warning = await page.locator('#uploads-mismatch').textContent();
    expect(warning).toContain('lane-1');
    expect(warning).toContain(key.kioskId);
    // The fingerprint in groups of four; its first four groups are the key id.
    const fingerprint = (await page.locator('#uploads-fingerprint').textContent())!.trim();
    expect(fingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    expect(fingerprint.replace(/ /g, '').slice(0, 16)).toBe(key.kioskId);

    // A typo in the URL is refused on the form with the reason, before anything is sent.
    await page.locator('#uploads-url').fill('htp//collector');
    await page.waitForSelector('#uploads-url-problem');
    expect(await page.locator('#uploads-test').isDisabled()).toBe(true);

    // The test against the real collector, a passage decided meanwhile: not registered.
    await page.locator('#uploads-url').fill(collector.url);
    await until('the URL accepted', async () => (await page.locator('#uploads-url-problem').count()) === 0, 5_000);
    const decided = await testWhileGuardDecides(page, r, 'zhangsan');
    expect(['admit', 'deny', 'review']).toContain(decided);
    expect(await stepState(page, 'address')).toBe('ok');
    expect(await stepState(page, 'tls')).toBe('ok');
    expect(await stepState(page, 'collector')).toBe('ok');
    expect(await stepState(page, 'registered')).toBe('failed');
    expect(await stepReason(page, 'registered')).toBe('KIOSK_UNKNOWN');
    expect(await page.locator('#uploads-result').getAttribute('data-all-ok')).toBe('false');
    await screenshotsAtBothShapes(page, 'uploads-not-registered');

    // The QR, photographed off the screen and decoded with zxing, is the registration text shown under it.
    const shown = (await page.locator('#uploads-registration-text').textContent())!;
    expect(shown).toBe(`kiosk collector register ${key.publicKeyB64} --name 'Lane 1'`);
    // Shown after it: the collector's own database, which only the operator knows, and where to run it.
    expect(await page.locator('#uploads-registration-db').textContent()).toMatch(/^--db <.+>$/);
    expect(await page.locator('#uploads-registration-hint').textContent()).toMatch(/--db/);
    await page.setViewportSize({ width: 800, height: 1280 });
    const png = join(work, 'qr.png');
    writeFileSync(png, await page.locator('#uploads-qr').screenshot());
    const [decoded] = await decodeImageFiles([png], DEFAULT_CAMERA_CONFIG.engine);
    expect(decoded).toMatchObject({ status: 'OK', text: shown });

    // The operator runs exactly that on the collector host.
    const words = shellWords(decoded!.text!);
    expect(words.slice(0, 3)).toEqual(['kiosk', 'collector', 'register']);
    const registered = await runCli([...words.slice(1), '--db', database]);
    expect(registered, registered.err).toMatchObject({ code: 0 });
    expect(JSON.parse(registered.out)).toEqual({ registered: key.kioskId, name: 'Lane 1' });

    // Tested again, the guard still deciding: every step passes.
    expect(await testWhileGuardDecides(page, r, 'lisi')).toMatch(/^(admit|deny|review)$/);
    await until('all steps passed', async () => (await page.locator('#uploads-result').getAttribute('data-all-ok')) === 'true', 20_000);
    expect(await stepState(page, 'registered')).toBe('ok');
    const registeredStep = page.locator('#uploads-steps li[data-step="registered"] .uploads-step-detail');
    expect(await registeredStep.textContent()).toContain('"Lane 1"');
    // The details are worded in the screen's language when shown (src/renderer/console/step-details.ts).
    expect(await registeredStep.textContent()).toMatch(/^本机 \S+ 已登记，名称 "Lane 1"$/);
    await screenshotsAtBothShapes(page, 'uploads-registered');

    // Saved: the uploader takes the URL at the next start, and the screen says so.
    await page.locator('#uploads-save').click();
    await until('saved', async () => (await page.locator('#uploads-notice').getAttribute('data-tone')) === 'ok', 10_000);
    expect(await page.locator('#uploads-notice').textContent()).toMatch(/restart|重启/);
    expect(await page.locator('#uploads-running').getAttribute('data-pending')).toBe('true');
    // The URL that passed is saved but not running yet: the result says to restart, not "can upload".
    expect(await page.locator('#uploads-result-restart').textContent()).toMatch(/systemctl restart checkpoint-kiosk/);
    // The language toggled with the result and the notice on screen: both re-worded, not left in Chinese.
    await page.locator('#console-language').click();
    await page.waitForSelector('.console[lang="en"]');
    expect(await registeredStep.textContent()).toMatch(/^kiosk \S+ is registered as "Lane 1"$/);
    expect(await page.locator('#uploads-notice').textContent()).toMatch(/restart/);
    await page.locator('#console-language').click();
    await page.waitForSelector('.console[lang="zh-CN"]');

    // The one-tap fix: kioskId becomes the key id, the warning goes.
    await page.locator('#uploads-use-key-id').click();
    await until('the mismatch warning gone', async () => (await page.locator('#uploads-mismatch').count()) === 0, 10_000);
    expect(await page.locator('[data-testid="uploads-kiosk-id"]').textContent()).toBe(key.kioskId);
    await screenshotsAtBothShapes(page, 'uploads-fixed');
  });
});
