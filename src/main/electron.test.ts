// Electron-only: launches the real Electron host when a binary is installed and checks the window,
// the preload verbs and the sender check. Where the binary could not be downloaded (machines that
// reach only the npm registry), these tests are skipped and say so.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findElectronBinary } from '../host/electron-binary.js';
import { electronMainEntry } from '../host/paths.js';

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
      // Navigation away is blocked: the page stays ours.
      await page.evaluate('location.href = "https://example.com/"').catch(() => {});
      await new Promise((r) => setTimeout(r, 500));
      expect(page.url()).toBe('kiosk://app/index.html');
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('Electron host availability', () => {
  it('reports why the browser host is used instead when there is no binary', () => {
    if (binary) expect(existsSync(binary)).toBe(true);
    else expect('missing' in electron && electron.missing.length).toBeGreaterThan(0);
  });
});
