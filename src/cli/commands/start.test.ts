// `kiosk start` flag handling: bad values are refused with a reason and exit code 2 before anything
// starts (the running kiosk itself is exercised by CI's `npm start` check and the e2e journeys).
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.js';
import { EXIT_NOT_CONFIGURED, cameraFromOptions } from './start.js';

describe('kiosk start flags', () => {
  it('turns camera flags into camera settings', () => {
    expect(cameraFromOptions({ camera: true })).toEqual({});
    expect(cameraFromOptions({ camera: false, cameraDevice: 'abc', cameraSize: '1280x720', cameraEngine: 'zxing-wasm' })).toEqual({
      enabled: false,
      deviceId: 'abc',
      width: 1280,
      height: 720,
      engine: 'zxing-wasm',
    });
  });

  it.each([
    [['--camera-size', '640*480'], /--camera-size/],
    [['--camera-engine', 'quagga'], /--camera-engine/],
    [['--port', '70000'], /--port/],
    [['--language', 'fr'], /--language/],
    [['--host', 'qt'], /--host/],
  ])('refuses %j with BAD_REQUEST and exit code 2', async (args, message) => {
    const t = await runCli(['start', '--data-dir', '/nonexistent/never-created', ...args]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/^kiosk: BAD_REQUEST: /);
    expect(t.stderr).toMatch(message);
    expect(t.stdout).not.toContain('kiosk ready');
  });
});

describe('kiosk start without configuration', () => {
  it('refuses to start (no demo behind anyone\'s back) and says what to configure', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-start-unconfigured-'));
    try {
      const t = await runCli(['start', '--host', 'browser', '--data-dir', dataDir]);
      expect(t.code).toBe(EXIT_NOT_CONFIGURED);
      expect(t.stderr).toMatch(/^kiosk: NOT_CONFIGURED: /);
      expect(t.stderr).toContain(join(dataDir, 'config.json'));
      for (const key of ['venueId', 'kioskId', 'roots', 'admin.pin', '--demo']) expect(t.stderr).toContain(key);
      expect(t.stdout).not.toContain('kiosk ready');
      // Nothing was made: no demo PKI, no demo PIN, no database.
      expect(existsSync(join(dataDir, 'config.json'))).toBe(false);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
