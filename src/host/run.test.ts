// runBrowserHost's window handling with a stand-in browser executable (a shell script that records
// its arguments and exits), so the reopen-after-exit rule is tested without a display.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBrowserHost, type RunningBrowserHost } from './run.js';
import { DEFAULT_CAMERA_CONFIG, ok, fail, type KioskService } from '../contract/api.js';
import { serviceWith } from '../contract/service-with.js';

const quietService: KioskService = serviceWith({
  getStatus: async () => fail('STORAGE_UNAVAILABLE', 'test'),
  submitScan: async () => fail('STORAGE_UNAVAILABLE', 'test'),
  guardReview: async () => fail('BAD_REQUEST', 'test'),
  getTodayFigures: async () => fail('STORAGE_UNAVAILABLE', 'test'),
  setLanguage: async (r) => ok({ language: r.language }),
  getRendererConfig: async () => ok({ camera: DEFAULT_CAMERA_CONFIG, language: 'zh-CN', sounds: true, kioskName: '' }),
  reportCamera: async () => ok({}),
  subscribe: () => () => {},
});

let dir = '';
let running: RunningBrowserHost | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function setup() {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-run-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<html><head></head></html>');
  const launches = join(dir, 'launches.txt');
  const browser = join(dir, 'fake-chromium.sh');
  writeFileSync(browser, `#!/bin/sh\necho "$@" >> ${launches}\nexit 0\n`);
  chmodSync(browser, 0o755);
  return { launches, browser };
}

describe('browser host window', () => {
  it('opens the app window with the URL and reopens it after it exits', async () => {
    const { launches, browser } = setup();
    const logs: string[] = [];
    running = await runBrowserHost({
      dataDir: join(dir, 'data'),
      window: 'app',
      rendererDir: join(dir, 'renderer'),
      env: { DISPLAY: ':99' },
      chromium: browser,
      log: (l) => logs.push(l),
      serviceHandle: { service: quietService, banner: [], close: async () => {} },
    });
    expect(running.noWindowReason).toBeNull();
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline && (!existsSync(launches) || readFileSync(launches, 'utf8').trim().split('\n').length < 2)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const lines = readFileSync(launches, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // Blank until the control pipe navigates it: the one-time launch URL is never on the command line.
    expect(lines[0]).toContain('--app=about:blank');
    expect(lines[0]).toContain('--remote-debugging-pipe');
    expect(lines.join('\n')).not.toContain('launch=');
    expect(lines[0]).toContain(`--user-data-dir=${join(dir, 'data', 'chromium-profile')}`);
    expect(logs.some((l) => l.includes('reopening'))).toBe(true);
  });

  it('prints instead of opening when there is no display, and refuses an unbuilt renderer', async () => {
    const { browser } = setup();
    running = await runBrowserHost({
      dataDir: join(dir, 'data'),
      window: 'app',
      rendererDir: join(dir, 'renderer'),
      env: {},
      chromium: browser,
      log: () => {},
      serviceHandle: { service: quietService, banner: [], close: async () => {} },
    });
    expect(running.noWindowReason).toMatch(/no display/);
    expect(running.window).toBeNull();
    // What `kiosk start` prints instead: a launch URL that works once.
    expect(running.launchUrl).toMatch(new RegExp(`^${running.host.origin}/\\?launch=[\\w-]{43}$`));
    const first = await fetch(running.launchUrl!, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect((await fetch(running.launchUrl!, { redirect: 'manual' })).status).toBe(403);
    await expect(
      runBrowserHost({ dataDir: join(dir, 'data'), window: 'none', rendererDir: join(dir, 'missing'), log: () => {}, serviceHandle: { service: quietService, banner: [], close: async () => {} } }),
    ).rejects.toThrow(/not built/);
  });
});
