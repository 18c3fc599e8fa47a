// Electron-only: launches the real Electron host when a binary is installed and checks the window,
// the preload verbs and the sender check. Where the binary could not be downloaded (machines that
// reach only the npm registry), these tests are skipped and say so.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findElectronBinary } from '../app/electron-binary.js';
import { electronMainEntry } from '../app/paths.js';

const kioskBin = fileURLToPath(new URL('../../bin/kiosk.js', import.meta.url));
const electron = findElectronBinary();
const binary = 'path' in electron ? electron.path : null;
if (!binary) {
  console.log(`Electron host tests SKIPPED: no Electron binary on this machine (${'missing' in electron ? electron.missing : ''})`);
}

describe.skipIf(!binary)('Electron host (needs an Electron binary)', () => {
  it('opens the kiosk page with the preload verbs and no Node in the page', async () => {
    const { _electron } = await import('playwright-core');
    expect(existsSync(electronMainEntry())).toBe(true);
    const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-electron-'));
    const app = await _electron.launch({
      executablePath: binary!,
      args: [electronMainEntry(), '--no-sandbox', '--disable-gpu'],
      env: { ...process.env, KIOSK_DATA_DIR: dataDir, KIOSK_START_OPTIONS: JSON.stringify({ camera: { enabled: false } }) },
    });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      expect(page.url()).toBe('kiosk://app/index.html');
      expect(await page.locator('body').getAttribute('data-transport')).toBe('electron');
      expect(await page.evaluate('typeof require')).toBe('undefined');
      expect(await page.evaluate('typeof window.kioskBridge.getStatus')).toBe('function');
      expect(await page.evaluate('typeof window.kioskBridge.invoke')).toBe('undefined');
      const bad = await page.evaluate('window.kioskBridge.submitScan({ text: 42 })');
      expect(bad).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
      // The admin console is its own bundle, loaded from our scheme when the admin button is pressed
      // (docs/admin-console.md, "Loading"): its PIN form appears, and the PIN reaches core over IPC.
      await page.locator('#admin-open').click();
      await page.waitForSelector('#console-pin', { timeout: 10_000 });
      await page.locator('#console-pin').fill('0000');
      await page.locator('#console-pin-submit').click();
      await page.waitForSelector('#console-pin-error[data-reason]:not([data-reason=""])', { timeout: 10_000 });
      await page.locator('#console-pin-cancel').click();
      // Navigation away is blocked, read from the main process's own 'will-navigate' event (our
      // listener runs after main.ts's, so it sees whether that one refused), not from a pause.
      await app.evaluate(({ BrowserWindow }) => {
        const contents = BrowserWindow.getAllWindows()[0]!.webContents;
        (globalThis as { navigationSeen?: Promise<{ url: string; refused: boolean }> }).navigationSeen = new Promise((resolve) => {
          contents.once('will-navigate', (event, url) => resolve({ url, refused: event.defaultPrevented }));
        });
      });
      await page.evaluate('location.href = "https://example.com/"').catch(() => {});
      const seen = await app.evaluate(() => (globalThis as { navigationSeen?: Promise<{ url: string; refused: boolean }> }).navigationSeen!);
      expect(seen).toEqual({ url: 'https://example.com/', refused: true });
      expect(page.url()).toBe('kiosk://app/index.html');
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('Electron host availability', () => {
  it('reports why the browser host is used instead when there is no binary', async () => {
    // No binary, whatever this machine has: the electron package is pointed at an empty folder
    // (ELECTRON_OVERRIDE_DIST_PATH, read by its index.js). Then `kiosk start --host electron` must
    // refuse with the reason, not start anything.
    const empty = mkdtempSync(join(tmpdir(), 'kiosk-no-electron-'));
    try {
      const child = spawnSync(process.execPath, [kioskBin, 'start', '--demo', '--host', 'electron', '--data-dir', join(empty, 'data')], {
        env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(child.status).not.toBe(0);
      expect(child.stderr).toMatch(/^kiosk: DEVICE_UNAVAILABLE: no Electron binary: .+/m);
      expect(child.stdout).not.toContain('kiosk ready');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
