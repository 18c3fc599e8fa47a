// A dead core never invites people in (docs/guard-screen.md, "Out of service"): the real `kiosk start
// --demo` in its own process, its screen in Debian's Chromium. Stopping the process (SIGSTOP: the
// socket stays open, only the heartbeat stops) turns the screen out of service in both languages
// with every chip grey; continuing it (SIGCONT) brings the screen back by itself; ending it (the
// socket closes) turns it out of service at once. How long the screen took is printed, not asserted
// (tests never assert wall-clock time; the 2 s bound is checked on an injected clock in
// src/renderer/liveness.test.ts).
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT, launchChromium, openKioskPage, saveScreenshot, scratchDir } from './support/harness.js';

const scratch = scratchDir('kiosk-e2e-core-loss-');
afterAll(() => scratch.remove());

async function startKioskProcess(): Promise<{ child: ChildProcess; url: string; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'start', '--demo', '--data-dir', join(scratch.dir, 'data')], {
    env: { ...process.env, KIOSK_NO_BROWSER: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  while (!/kiosk ready (\S+)/.test(out) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  const url = /kiosk ready (\S+)/.exec(out)?.[1];
  if (!url) throw new Error(`kiosk start did not get ready:\n${out}`);
  return { child, url, output: () => out, exited };
}

/** Levels of every status chip, by id. */
async function chipLevels(page: Page): Promise<Record<string, string>> {
  return Object.fromEntries(
    await page.locator('#status-items li').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-id') ?? '', li.getAttribute('data-level') ?? ''])),
  );
}

async function expectOutOfService(page: Page): Promise<void> {
  expect(await page.locator('#guard').getAttribute('data-tone')).toBe('out');
  expect(await page.locator('body').getAttribute('data-core-alive')).toBe('false');
  expect(await page.locator('#headline').textContent()).toBe('暂停服务');
  expect(await page.locator('#subline').textContent()).toBe('Out of service');
  expect(await page.locator('#hints').textContent()).toContain('Do not enter');
  // Nothing that invites anyone in: no "show your code", no preview with an aiming frame, no verdict.
  expect(await page.locator('#guard').textContent()).not.toMatch(/出示|健康码|通过|PASS/);
  expect(await page.locator('#preview').getAttribute('data-visible')).toBe('false');
  const levels = await chipLevels(page);
  expect(levels.core).toBe('bad');
  const others = Object.entries(levels).filter(([id]) => id !== 'core');
  expect(others.length).toBeGreaterThanOrEqual(5);
  expect(others.filter(([, level]) => level !== 'off')).toEqual([]);
}

describe('a dead core never invites people in', () => {
  let browser: Browser | undefined;
  let kiosk: Awaited<ReturnType<typeof startKioskProcess>> | undefined;
  afterAll(async () => {
    await browser?.close();
    if (kiosk && kiosk.child.exitCode === null) {
      kiosk.child.kill('SIGCONT');
      kiosk.child.kill('SIGTERM');
      await kiosk.exited;
    }
  });

  it('stopped core process (socket open, heartbeat silent) → out of service, both languages, every chip grey; continued → back by itself; ended → out of service', async () => {
    kiosk = await startKioskProcess();
    browser = await launchChromium();
    const page = await openKioskPage(browser, kiosk.url);
    await page.waitForSelector('body[data-core-alive="true"] #guard[data-tone="idle"]');
    const before = await chipLevels(page);
    expect(Object.values(before)).toContain('ok');
    expect(before.core).toBeUndefined();

    const stoppedAt = Date.now();
    kiosk.child.kill('SIGSTOP');
    await page.waitForSelector('#guard[data-tone="out"]', { timeout: 15_000 });
    const noticedMs = Date.now() - stoppedAt;
    process.stdout.write(`core-loss: screen out of service ${noticedMs} ms after SIGSTOP (socket still open)\n`);
    await expectOutOfService(page);
    await saveScreenshot(page, 'core-loss-stopped');

    kiosk.child.kill('SIGCONT');
    await page.waitForSelector('body[data-core-alive="true"] #guard[data-tone="idle"]', { timeout: 15_000 });
    expect(await page.locator('#headline').textContent()).toMatch(/请出示健康码/);
    const after = await chipLevels(page);
    expect(after.core).toBeUndefined();
    expect(Object.values(after)).toContain('ok');
    await saveScreenshot(page, 'core-loss-recovered');

    const endedAt = Date.now();
    kiosk.child.kill('SIGTERM');
    expect(await kiosk.exited).toBe(0);
    await page.waitForSelector('#guard[data-tone="out"]', { timeout: 15_000 });
    process.stdout.write(`core-loss: screen out of service ${Date.now() - endedAt} ms after SIGTERM (socket closed)\n`);
    await expectOutOfService(page);
  });
});
