// The admin console end to end (docs/admin-console.md): the real composed demo kiosk (SQLite in a
// temp data directory, simulated devices on socat pty pairs), the browser host, Debian's Chromium.
// The console is its own bundle loaded when the admin button is pressed; the PIN opens a session in
// core; the door keeps working under the console. Screenshots under test-results/e2e/, each at a
// portrait 800×1280 and a landscape 1024×600 kiosk screen.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { ensureDemoConfig, DEMO_ADMIN_PIN } from '../src/app/compose.js';
import { ManualClock } from '../src/core/checkpoint/clock.js';
import type { CheckpointSettingsInput } from '../src/core/checkpoint/config.js';
import type { VenuePolicyInput } from '../src/core/policy/policy.js';
import { databasePath } from '../src/core/store/db.js';
import { closeKiosks, printKioskLogs, startComposedKiosk, type ComposedTestKiosk } from './support/composed-kiosk.js';
import { until } from './support/until.js';
import { launchChromium, saveScreenshot, scratchDir } from './support/harness.js';

type Running = ComposedTestKiosk;

const scratch = scratchDir('kiosk-admin-console-');
let running: Running[] = [];
let browser: Browser | null = null;
/** Admin session tokens the pages received (read off the WebSocket), newest last. */
let tokensSeen: string[] = [];
/** Answers to touchAdminSession the pages received (a value with `idleMs` and no session). */
let touchesAnswered = 0;

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') printKioskLogs(running);
  await browser?.close();
  browser = null;
  await closeKiosks(running);
  running = [];
  tokensSeen = [];
  touchesAnswered = 0;
});
afterAll(() => scratch.remove());

/** The demo kiosk; `dataDir` reuses a directory (a restart), `clock` injects core's clock. */
async function startDemo(options: { dataDir?: string; clock?: ManualClock; settings?: CheckpointSettingsInput; policy?: VenuePolicyInput } = {}): Promise<Running> {
  const r = await startComposedKiosk({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    configure: (dataDir) =>
      ensureDemoConfig(dataDir, { checkpoint: { collectWindowMs: 2000, resetAfterMs: 4000, ...options.settings }, ...(options.policy ? { policy: options.policy } : {}) }),
  });
  running.push(r);
  return r;
}

async function openPage(r: Running, viewport = { width: 800, height: 1280 }): Promise<Page> {
  browser ??= await launchChromium();
  const page = await (await browser.newContext({ viewport })).newPage();
  page.on('pageerror', (e) => r.logs.push(`pageerror: ${e.message.slice(0, 300)}`));
  page.on('response', (res) => {
    if (res.status() >= 400) r.logs.push(`HTTP ${res.status()} ${new URL(res.url()).pathname}`);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') r.logs.push(`console error: ${m.text().slice(0, 300)}`);
  });
  page.on('websocket', (ws) =>
    ws.on('framereceived', (frame) => {
      const msg = JSON.parse(String(frame.payload)) as { result?: { ok?: boolean; value?: { session?: unknown } } };
      if (msg.result?.ok && typeof msg.result.value?.session === 'string') tokensSeen.push(msg.result.value.session);
      const value = msg.result?.value as Record<string, unknown> | undefined;
      if (msg.result?.ok && value && Object.keys(value).join() === 'idleMs') touchesAnswered++;
    }),
  );
  await page.goto(r.kiosk.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return page;
}

/** Saves the page at both kiosk screen shapes (portrait 800×1280, landscape 1024×600). */
async function screenshots(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  for (const size of [{ width: 800, height: 1280 }, { width: 1024, height: 600 }]) {
    await page.setViewportSize(size);
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    await saveScreenshot(page, `${name}-${size.width}x${size.height}`);
  }
  if (original) await page.setViewportSize(original);
}

async function typePin(page: Page, pin: string): Promise<void> {
  await page.locator('#console-pin').fill(pin);
  await page.locator('#console-pin-submit').click();
}

async function openConsole(page: Page): Promise<void> {
  await page.locator('#admin-open').click();
  await page.waitForSelector('#console-pin');
  await typePin(page, DEMO_ADMIN_PIN);
  await page.waitForSelector('.console[data-state="open"]');
}

/** Polls until `check` holds (device events travel over real serial lines). */
/**
 * Sets the simulated thermometer and waits until core has heard it: a stable reading of `celsius`,
 * or for null (nobody there) a reading of the room, which is no body temperature.
 */
async function setTemperature(r: Running, celsius: number | null): Promise<void> {
  let seen = false;
  const off = r.composed.devices!.onEvent((e) => {
    if (e.type !== 'temperature') return;
    if (celsius === null ? !e.reading.valid && e.reading.reason === 'THERMO_OUT_OF_RANGE' : e.reading.valid && Math.abs(e.reading.celsius - celsius) < 0.05) seen = true;
  });
  try {
    r.composed.demo!.thermometer.setTemperature(celsius);
    await until(`the kiosk to read ${celsius ?? 'the room'} from the thermometer`, () => seen);
  } finally {
    off();
  }
}

/** The seconds the PIN line says to wait ("... try again in 27 s"). */
async function secondsShown(page: Page): Promise<number> {
  const text = (await page.locator('#console-pin-error').textContent()) ?? '';
  const m = /(\d+)\s*(?:s|秒)/.exec(text);
  if (!m) throw new Error(`no wait in "${text}"`);
  return Number(m[1]);
}

describe('admin console (browser host, Chromium, the composed demo kiosk)', () => {
  it('the console is not part of the guard screen: its bundle loads only when the admin button is pressed', async () => {
    const r = await startDemo();
    const page = await openPage(r);
    const loaded = async () => (await page.evaluate("performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)")) as string[];
    expect(await loaded()).not.toContain('/console/console.js');
    await page.locator('#admin-open').click();
    await page.waitForSelector('#console-pin');
    expect(await loaded()).toContain('/console/console.js');
  });

  it('PIN lockout survives a restart: locked with the wait shown, still locked after restarting on the same data directory', async () => {
    const dataDir = scratch.dir + '/lockout';
    const first = await startDemo({ dataDir });
    let page = await openPage(first);
    await page.locator('#admin-open').click();
    await page.waitForSelector('#console-pin');
    await typePin(page, '9999');
    await page.waitForSelector('#console-pin-error:has-text("密码错误")');
    expect(await page.locator('#console-pin-error').textContent()).toBe('密码错误');
    // Three wrong PINs are free (docs/security.md, "Admin PIN"); the fourth closes the gate for 30 s.
    for (let i = 0; i < 3; i++) await typePin(page, '9999');
    await page.waitForSelector('#console-pin-error[data-locked="true"]');
    expect(await page.locator('#console-pin-error').textContent()).toMatch(/^密码错误，已锁定，请 \d+ 秒后再试$/);
    // Even the right PIN is refused while locked, and the screen says locked (not "not authorised").
    await typePin(page, DEMO_ADMIN_PIN);
    await page.waitForSelector('#console-pin-error[data-reason="PIN_LOCKED"]');
    expect(await page.locator('#console-pin-error').textContent()).toMatch(/^密码错误次数过多，已锁定，请 \d+ 秒后再试$/);
    const before = await secondsShown(page);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThanOrEqual(30);
    // The countdown is live: it moves without any input.
    await until('the countdown to move', async () => (await secondsShown(page)) < before, 3000);
    await browser?.close();
    browser = null;

    // Restart: a new composition on the same data directory (the lock is counted from the audit table).
    await first.kiosk.close();
    running = running.filter((r) => r !== first);
    const second = await startDemo({ dataDir });
    page = await openPage(second);
    await page.locator('#admin-open').click();
    await page.waitForSelector('#console-pin');
    await typePin(page, DEMO_ADMIN_PIN);
    await page.waitForSelector('#console-pin-error[data-reason="PIN_LOCKED"]');
    const after = await secondsShown(page);
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(before);
    expect(await page.locator('#console-pin-submit').isDisabled()).toBe(true);
    expect(await page.locator('.console[data-state="open"]').count()).toBe(0);
    await screenshots(page, 'admin-console-locked-after-restart');
  });

  it('a session ends after the idle time without input: the console closes itself with a notice, and the old token is refused', async () => {
    // Core's clock is injected: the idle time passes by advancing it, not by waiting.
    const clock = new ManualClock(Date.now());
    const r = await startDemo({ clock });
    const page = await openPage(r);
    await openConsole(page);
    await page.waitForSelector('[data-testid="today-total"]');
    const token = tokensSeen.at(-1);
    expect(token).toMatch(/^[\w-]{16,64}$/);
    expect(await page.locator('#console-idle').textContent()).toBe('无操作 2 分钟 后自动退出');
    clock.advance(119_000);
    await page.waitForTimeout(300);
    expect(await page.locator('.console[data-state="open"]').count()).toBe(1);
    clock.advance(1_000);
    await page.waitForSelector('#admin', { state: 'hidden' });
    expect(await page.locator('#admin-notice').textContent()).toBe('管理会话已结束：2 分钟无操作');
    expect(await page.locator('#guard').isVisible()).toBe(true);
    await screenshots(page, 'admin-console-session-expired');
    // The old token, sent on this very screen's connection, is refused.
    // Run in the page (a string: this file is type-checked without the DOM's types).
    const answer = (await page.evaluate(`(async () => {
      const ws = new WebSocket('ws://' + location.host + '/kiosk');
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      const reply = new Promise((resolve) => {
        ws.onmessage = (m) => {
          const msg = JSON.parse(String(m.data));
          if (msg.kind === 'result' && msg.id === 99) resolve(msg);
        };
      });
      ws.send(JSON.stringify({ kind: 'call', id: 99, method: 'getTodayFigures', params: { session: ${JSON.stringify(token)} } }));
      const msg = await reply;
      ws.close();
      return msg;
    })()`)) as { result: { ok: boolean; reason?: string } };
    expect(answer.result).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
  });

  it('input on the console keeps the session open past the idle time; without input it still ends', async () => {
    const clock = new ManualClock(Date.now());
    const r = await startDemo({ clock });
    const page = await openPage(r);
    await openConsole(page);
    await page.waitForSelector('[data-testid="today-total"]');
    // An admin reading the figures taps the panel now and then: each tap tells core they are there.
    const before = touchesAnswered;
    clock.advance(110_000);
    await page.locator('#console-body').click({ position: { x: 5, y: 5 } });
    await expect.poll(() => touchesAnswered, { timeout: 10_000 }).toBeGreaterThan(before);
    clock.advance(110_000);
    await page.waitForTimeout(300);
    // 220 s after the last admin call, but 110 s after the last input: still open.
    expect(await page.locator('.console[data-state="open"]').count()).toBe(1);
    clock.advance(10_000);
    await page.waitForSelector('#admin', { state: 'hidden' });
    expect(await page.locator('#admin-notice').textContent()).toBe('管理会话已结束：2 分钟无操作');
  });

  it("the console's idle hint follows a changed admin.sessionIdleSeconds without a restart", async () => {
    const r = await startDemo();
    const page = await openPage(r);
    await openConsole(page);
    await page.waitForSelector('[data-testid="today-total"]');
    expect(await page.locator('#console-idle').textContent()).toBe('无操作 2 分钟 后自动退出');
    // An edit of config.json while the kiosk runs (as `kiosk admin set-pin` or a hand edit does).
    const file = join(r.kiosk.dataDir, 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as { admin: Record<string, unknown> };
    config.admin.sessionIdleSeconds = 300;
    writeFileSync(file, JSON.stringify(config, null, 2));
    await page.locator('#console-idle', { hasText: '无操作 5 分钟 后自动退出' }).waitFor({ timeout: 10_000 });
    await screenshots(page, 'admin-console-idle-hint-after-config');
  });

  it('the door keeps working under the console: a passage is decided, logged and shown in a banner; a review waits above the console with allow/deny', async () => {
    const r = await startDemo({ policy: { requireTemperature: true } });
    const demo = r.composed.demo!;
    const store = r.composed.store!;
    await setTemperature(r, 36.6);
    const page = await openPage(r);
    await openConsole(page);
    await page.waitForSelector('[data-testid="today-total"]');

    // A passage while the console is open: the card reader and thermometer feed core as usual.
    const before = store.lastSeq();
    demo.idcard.present('grandma');
    await page.waitForSelector('#console-banner[data-tone="pass"]', { timeout: 15_000 });
    expect(store.lastSeq()).toBe(before + 1);
    expect(await page.locator('#console-banner').getAttribute('data-entry-id')).toBe(String(before + 1));
    expect(await page.locator('#console-banner-name').textContent()).toBe('孙**');
    expect(await page.locator('.console[data-state="open"]').count()).toBe(1);
    await until('the gate relay to pulse', () => demo.gate.pulses.length === 1);
    // The status bar and the Today panel count the uploads pending from one source: they agree.
    await page.locator('#today-refresh').click();
    await until('the figures to count the entry', async () => (await page.locator('[data-testid="today-total"]').textContent()) === '1');
    const pendingPanel = await page.locator('[data-testid="today-uploads-pending"]').textContent();
    await until('the status bar to agree', async () => (await page.locator('#status-items li[data-id="uploads"]').textContent())?.includes(pendingPanel ?? '?') ?? false);
    expect(Number(pendingPanel)).toBeGreaterThan(0);
    await screenshots(page, 'admin-console-passage-banner');
    demo.idcard.remove();

    // A review: temperature required, nobody at the thermometer. It is not hidden by the console.
    await until('the passage to reset', () => r.composed.checkpoint.flow.view().state === 'idle', 15_000);
    await setTemperature(r, null);
    demo.idcard.present('lisi');
    await page.waitForSelector('#console-banner[data-review="true"]', { timeout: 15_000 });
    expect(await page.locator('#console-review-allow').isVisible()).toBe(true);
    expect(await page.locator('#console-review-deny').isVisible()).toBe(true);
    expect(await page.locator('#console-banner-reason').textContent()).toBe('未测体温');
    await screenshots(page, 'admin-console-review-waiting');
    // The review stays until the guard decides (it does not time out like a result banner).
    await page.waitForTimeout(6500);
    expect(await page.locator('#console-review-allow').isVisible()).toBe(true);
    await page.locator('#console-review-allow').click();
    await page.waitForSelector('#console-banner[data-tone="pass"]');
    await until('the gate relay to pulse after the guard allowed', () => demo.gate.pulses.length === 2);
    const db = new Database(databasePath(r.kiosk.dataDir), { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare('SELECT entry_seq, decision, note FROM entry_overrides').all()).toEqual([{ entry_seq: before + 2, decision: 'admit', note: 'GUARD_ALLOWED' }]);
    } finally {
      db.close();
    }
    expect(store.lastSeq()).toBe(before + 2);
  });

  it('a lost core is never hidden by the console: the out-of-service screen shows over it', async () => {
    const r = await startDemo();
    const page = await openPage(r);
    await openConsole(page);
    expect(await page.locator('#admin').isVisible()).toBe(true);
    await r.kiosk.close();
    running = running.filter((x) => x !== r);
    await page.waitForSelector('body[data-core-alive="false"]', { timeout: 10_000 });
    await page.waitForSelector('#guard[data-tone="out"]');
    expect(await page.locator('#admin').isVisible()).toBe(false);
    expect(await page.locator('#headline').isVisible()).toBe(true);
    await screenshots(page, 'admin-console-core-lost');
  });

  it('the language toggle changes the whole console body at once', async () => {
    const r = await startDemo();
    const page = await openPage(r);
    await openConsole(page);
    await page.waitForSelector('[data-testid="today-total"]');
    expect(await page.locator('#console-body h2').textContent()).toContain('今日统计');
    expect(await page.locator('#console-body').textContent()).toContain('待上传');
    await screenshots(page, 'admin-console-zh');
    await page.locator('#console-language').click();
    await page.waitForSelector('#console-body h2:has-text("Today\'s figures")');
    const body = (await page.locator('#console-body').textContent()) ?? '';
    expect(body).toContain('Uploads pending');
    expect(body).not.toMatch(/[\u4e00-\u9fff]/);
    expect(await page.locator('#console-nav-today').textContent()).toBe('Today');
    expect(await page.locator('#console-close').textContent()).toBe('Close console');
    await screenshots(page, 'admin-console-en');
    await page.locator('#console-close').click();
    await page.waitForSelector('#admin', { state: 'hidden' });
    expect(await page.locator('#admin-notice').isVisible()).toBe(false);
  });
});
