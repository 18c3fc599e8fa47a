// An invalid config.json is the integrator's to fix, so every command that reads it says
// CONFIG_INVALID with the file and the path (never INTERNAL) and exits with EX_CONFIG.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CONFIG_INVALID } from './main.js';
import { runCli } from './testing/run-cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-config-invalid-'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ kioskId: 'lane-1', devices: { thermometer: { port: '/dev/null', protocol: { name: 'fluke' } } } }), { mode: 0o600 });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('an invalid config.json on the command line', () => {
  it.each([
    [['start', '--host', 'browser', '--no-browser', '--port', '0']],
    [['devices', 'test', 'thermometer', '--timeout', '200']],
  ])('%j stops with CONFIG_INVALID naming the file and the path', async (args) => {
    const t = await runCli([...args, '--data-dir', dir]);
    expect(t.code).toBe(EXIT_CONFIG_INVALID);
    expect(t.stderr).toMatch(/^kiosk: CONFIG_INVALID: /);
    expect(t.stderr).toContain(`${join(dir, 'config.json')}: devices.thermometer.protocol.name: `);
    expect(t.stdout).not.toContain('kiosk ready');
  });
});
