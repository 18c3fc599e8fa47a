// The guard screen and the browser host in Debian's Chromium: the page opened through the one-time
// launch URL connects over the WebSocket and shows the idle screen; a browser that never opened the
// launch URL, a spent launch URL and another origin get nothing; the fake camera's QR text reaches core untouched and the result is drawn, sounded and
// (for `review`) decided by the guard; the status bar reflects device and list health.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT, launchChromium, openKioskPage, saveScreenshot, scanLatencies, scratchDir, startTestKiosk, waitForResult, type TestKiosk } from './support/harness.js';
import { writeQrY4m } from './support/y4m.js';
import { scriptedService, shownPassage } from './support/scripted-service.js';

/** As long as a real PHC1 code (about 300 characters), in the Base45 alphabet, spaces included. */
const LONG_TEXT = 'PHC1:NCF OA0 $%*+-./:' + 'E2E TEST CODE 0123456789 '.repeat(12);

/** Runs in the page: opens a WebSocket and reports whether the host let it open. */
const tryWebSocket = (url: string) =>
  `new Promise((resolve) => { const ws = new WebSocket(${JSON.stringify(url)}); ws.onopen = () => { ws.close(); resolve('open'); }; ws.onerror = () => resolve('refused'); })`;

describe('kiosk start composition in Chromium', () => {
  let kiosk: TestKiosk;
  let browser: Browser;
  beforeAll(async () => {
    kiosk = await startTestKiosk();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await kiosk?.close();
  });

  it('loads through the launch URL, connects over the WebSocket, and shows the idle screen in zh-CN', async () => {
    const page = await openKioskPage(browser, kiosk.url);
    expect(await page.locator('body').getAttribute('data-transport')).toBe('websocket');
    expect(await page.locator('body').getAttribute('data-connected')).toBe('true');
    expect(await page.locator('#guard').getAttribute('data-tone')).toBe('idle');
    // The demo venue accepts EU certificates (policy dccAccept), so the invitation names them too.
    expect(await page.locator('#headline').textContent()).toBe('请出示健康码或欧盟证书，或刷身份证');
    expect(kiosk.running.host.connectedClients()).toBe(1);
    await saveScreenshot(page, 'idle-screen');
    await page.context().close();
  });

  it('gives a browser that never opened the launch URL nothing, and a launch URL works once', async () => {
    const launchUrl = kiosk.url;
    const screen = await openKioskPage(browser, launchUrl);
    // A second browser profile on the same machine: no cookie, so no page and no WebSocket.
    const stranger = await browser.newContext();
    const page = await stranger.newPage();
    const plain = await page.goto(kiosk.running.host.url);
    expect(plain?.status()).toBe(401);
    expect(await page.content()).not.toContain('guard');
    expect(await page.evaluate(tryWebSocket(kiosk.running.host.wsUrl))).toBe('refused');
    const spent = await page.goto(launchUrl);
    expect(spent?.status()).toBe(403);
    expect((await stranger.cookies()).length).toBe(0);
    expect(kiosk.logLines.some((l) => l.includes('no screen session'))).toBe(true);
    // The launched screen is still the one connected.
    expect(await screen.locator('body').getAttribute('data-connected')).toBe('true');
    expect(kiosk.running.host.connectedClients()).toBe(1);
    await stranger.close();
    await screen.context().close();
  });

  it('refuses another origin, and it cannot read the page', async () => {
    const other: Server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>elsewhere</title>');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    const port = (other.address() as { port: number }).port;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    expect(await page.evaluate(tryWebSocket(kiosk.running.host.wsUrl))).toBe('refused');
    const read = await page.evaluate(`fetch(${JSON.stringify(kiosk.running.host.url)}).then((r) => r.text()).then(() => 'read', () => 'blocked')`);
    expect(read).toBe('blocked');
    await context.close();
    await new Promise<void>((r) => other.close(() => r()));
    expect(kiosk.logLines.some((l) => l.includes('wrong Origin'))).toBe(true);
  });
});

describe('`kiosk start --demo` as a new user runs it (what `npm start` runs)', () => {
  it('starts the demo on a fresh data directory, prints `kiosk ready <url>`, serves the kiosk, and stops cleanly on SIGTERM', async () => {
    const scratch = scratchDir('kiosk-e2e-start-');
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'start', '--demo', '--data-dir', join(scratch.dir, 'data')], {
      env: { ...process.env, KIOSK_NO_BROWSER: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    let browser: Browser | undefined;
    try {
      const deadline = Date.now() + 60_000;
      while (!/kiosk ready (\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      const url = /kiosk ready (\S+)/.exec(out)?.[1];
      // KIOSK_NO_BROWSER: the one-time launch URL is what it prints, and what a person opens.
      expect(url, out).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?launch=[\w-]{43}$/);
      expect(out).toContain('demo');
      browser = await launchChromium();
      const page = await openKioskPage(browser, url!);
      expect(await page.locator('#demo-badge').isVisible()).toBe(true);
      expect(await page.locator('#guard').getAttribute('data-tone')).toBe('idle');
      await saveScreenshot(page, 'npm-start-demo');
      // `launch` on the console: a fresh one-time URL for another browser (the first is signed out).
      child.stdin.write('launch\n');
      while (!/open (\S+) in Chromium \(it works once\)\n/.test(out.slice(out.indexOf('kiosk ready'))) && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      const again = /open (\S+) in Chromium \(it works once\)\n/.exec(out.slice(out.indexOf('kiosk ready')))?.[1];
      expect(again).toMatch(/\?launch=[\w-]{43}$/);
      expect(again).not.toBe(url);
      const second = await openKioskPage(browser, again!);
      expect(await second.locator('body').getAttribute('data-connected')).toBe('true');
    } finally {
      await browser?.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      scratch.remove();
    }
  });
});

describe('guard screen with a scripted core', () => {
  let kiosk: TestKiosk | undefined;
  let browser: Browser | undefined;
  const scratch = scratchDir();
  afterEach(async () => {
    await browser?.close();
    await kiosk?.close();
    browser = undefined;
    kiosk = undefined;
  });
  afterAll(() => scratch.remove());

  it('sends the camera QR text untouched, then shows PASS with the masked name, province and sound', async () => {
    // Spaces are legal Base45: the text must arrive exactly as encoded (double and trailing spaces too).
    const text = LONG_TEXT + 'PASS  ';
    const clip = writeQrY4m(join(scratch.dir, 'pass.y4m'), text, { blankFrames: 5, frames: 10 });
    const scripted = scriptedService((_t, id) => shownPassage(id, { decision: 'admit' }));
    kiosk = await startTestKiosk({ serviceHandle: async () => ({ service: scripted.service, banner: [], close: async () => {} }) });
    browser = await launchChromium({ fakeVideo: clip });
    const page = await openKioskPage(browser, kiosk.url);
    const result = await waitForResult(page);
    expect(scripted.scans[0]).toBe(text);
    expect(result).toMatchObject({ tone: 'pass', decision: 'admit', headline: '通过' });
    expect(await page.locator('#person-name').textContent()).toBe('张*');
    expect(await page.locator('#person-province').textContent()).toBe('浙江');
    expect(await page.locator('#person-temperature').textContent()).toBe('36.5 °C');
    expect(await page.locator('#countdown').textContent()).toMatch(/秒后复位/);
    expect(Number(await page.locator('body').getAttribute('data-sounds-played'))).toBeGreaterThanOrEqual(1);
    expect(await page.locator('#status-items li[data-id="device-camera"]').getAttribute('data-level')).toBe('ok');
    const latencies = await scanLatencies(page);
    expect(latencies).toHaveLength(1);
    // The page measured this passage's scan-to-decision time; how long it is belongs to the scan
    // benchmark (`npm run bench -- scan`), which reads the same list.
    expect(latencies[0]).toBeGreaterThan(0);
    await saveScreenshot(page, 'scripted-pass');
  });

  it('shows CHECK with allow/deny for a review, and the guard’s verdict', async () => {
    const clip = writeQrY4m(join(scratch.dir, 'review.y4m'), LONG_TEXT + 'REVIEW', { frames: 5 });
    const scripted = scriptedService((_t, id) =>
      shownPassage(id, { decision: 'review', reason: 'TEMPERATURE_MISSING', awaitingGuard: true, temperatureC: null, resetInMs: null }),
    );
    kiosk = await startTestKiosk({ serviceHandle: async () => ({ service: scripted.service, banner: [], close: async () => {} }) });
    browser = await launchChromium({ fakeVideo: clip });
    const page = await openKioskPage(browser, kiosk.url);
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'check', reason: 'TEMPERATURE_MISSING', headline: '人工核验' });
    expect(await page.locator('#reason').textContent()).toBe('未测体温');
    expect(await page.locator('#review-panel').isVisible()).toBe(true);
    await saveScreenshot(page, 'scripted-review-waiting');
    await page.locator('#review-allow').click();
    await page.waitForSelector('#guard[data-tone="pass"]');
    expect(scripted.reviews).toEqual([{ passageId: result.passageId, verdict: 'allow' }]);
    expect(await page.locator('#review-panel').isVisible()).toBe(false);
    expect(await page.locator('#reason').textContent()).toBe('安保人员已放行');
    await saveScreenshot(page, 'scripted-review-allowed');
  });

  it('asks for the deciding guard’s own PIN when guards are configured, and sends it with the verdict', async () => {
    const clip = writeQrY4m(join(scratch.dir, 'review-pin.y4m'), LONG_TEXT + 'REVIEW PIN', { frames: 5 });
    const scripted = scriptedService(
      (_t, id) => shownPassage(id, { decision: 'review', reason: 'ANTI_PASSBACK', reasons: ['ANTI_PASSBACK'], awaitingGuard: true, resetInMs: null }),
      {},
      { guardPin: '4321' },
    );
    kiosk = await startTestKiosk({ serviceHandle: async () => ({ service: scripted.service, banner: [], close: async () => {} }) });
    browser = await launchChromium({ fakeVideo: clip });
    const page = await openKioskPage(browser, kiosk.url);
    await waitForResult(page);
    await page.waitForSelector('#review-pin:not([hidden])');
    await page.locator('#review-allow').click();
    expect(await page.locator('#error-line').textContent()).toBe('请先输入安保人员密码');
    expect(scripted.reviews).toEqual([]);
    await page.locator('#review-pin').fill('4321');
    await saveScreenshot(page, 'scripted-review-guard-pin');
    await page.locator('#review-allow').click();
    await page.waitForSelector('#guard[data-tone="pass"]');
    expect(scripted.reviews).toEqual([expect.objectContaining({ verdict: 'allow', guardPin: '4321' })]);
    expect(await page.locator('#review-pin').inputValue()).toBe('');
  });

  it('shows STOP with the reason in English, and a status bar with stale list, clock warning and offline devices', async () => {
    const now = Date.now();
    const clip = writeQrY4m(join(scratch.dir, 'stop.y4m'), LONG_TEXT + 'RED', { frames: 5 });
    const scripted = scriptedService((_t, id) => shownPassage(id, { decision: 'deny', reason: 'STATUS_RED', trustListStale: true }), {
      trustList: { state: 'stale', seq: 7, issuedAt: now - 10 * 86_400_000, nextUpdateAt: now - 3 * 86_400_000 },
      clock: { warning: true, now, newestSeenAt: now + 3_600_000 },
    });
    kiosk = await startTestKiosk({ serviceHandle: async () => ({ service: scripted.service, banner: [], close: async () => {} }) });
    browser = await launchChromium({ fakeVideo: clip });
    const page = await openKioskPage(browser, kiosk.url);
    await page.locator('#language-toggle').click();
    await page.waitForSelector('html[lang="en"]');
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'stop', reason: 'STATUS_RED', headline: 'STOP' });
    expect(await page.locator('#reason').textContent()).toBe('Red code: no entry');
    expect(await page.locator('#trust-stale').textContent()).toBe('Key list due for update');
    const level = (id: string) => page.locator(`#status-items li[data-id="${id}"]`).getAttribute('data-level');
    expect(await level('trust-list')).toBe('warn');
    expect(await level('clock')).toBe('bad');
    expect(await level('device-thermo')).toBe('bad');
    expect(await level('device-reader')).toBe('ok');
    expect(await level('network')).toBe('warn');
    expect(await page.locator('#status-items li[data-id="uploads"]').textContent()).toBe('3 to upload');
    await saveScreenshot(page, 'scripted-stop-en');
  });

  it('shows today’s figures in the admin view only with the right PIN', async () => {
    const scripted = scriptedService((_t, id) => shownPassage(id, { decision: 'admit' }));
    kiosk = await startTestKiosk({ serviceHandle: async () => ({ service: scripted.service, banner: [], close: async () => {} }) });
    browser = await launchChromium();
    const page = await openKioskPage(browser, kiosk.url);
    await page.locator('#admin-open').click();
    await page.locator('#console-pin').fill('0000');
    await page.locator('#console-pin-submit').click();
    await page.waitForSelector('#console-pin-error:has-text("密码错误")');
    expect(await page.locator('[data-testid="today-total"]').count()).toBe(0);
    await page.locator('#console-pin').fill('1234');
    await page.locator('#console-pin-submit').click();
    await page.waitForSelector('#today-reasons td');
    expect(await page.locator('#today-reasons').textContent()).toContain('红码，禁止通行');
    await saveScreenshot(page, 'admin-figures');
  });
});
