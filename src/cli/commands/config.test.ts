// `kiosk config check FILE` on real files: the kiosk's own parser decides, and a problem is printed
// the way `kiosk start` prints it (CONFIG_INVALID, the file, the path, what is wrong).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.js';
import { EXIT_CONFIG_INVALID } from '../main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-config-check-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = {
  venueId: 'mall-east',
  kioskId: 'lane-3',
  policy: { feverThresholdC: 37.5 },
  checkpoint: { antiPassbackMinutes: 30 },
  devices: { thermometer: { port: '/dev/ttyUSB1', baudRate: 9600, protocol: { name: 'modbus-rtu', address: 2 } } },
};

function file(name: string, doc: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2));
  return path;
}

describe('kiosk config check', () => {
  it('says ok and exits 0 for a valid configuration', async () => {
    const path = file('good.json', GOOD);
    const run = await runCli(['config', 'check', path]);
    expect(run).toEqual({ code: 0, stdout: `ok ${path}\n`, stderr: '' });
  });

  it('names a misspelt key at its path, as start would', async () => {
    // The README's old spellings: `baud` for baudRate, `antiPassback` for antiPassbackMinutes.
    const path = file('misspelt.json', { ...GOOD, checkpoint: { antiPassback: 30 }, devices: { thermometer: { port: '/dev/ttyUSB1', baud: 9600, protocol: { name: 'lu90614' } } } });
    const run = await runCli(['config', 'check', path]);
    expect(run.code).toBe(EXIT_CONFIG_INVALID);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([`kiosk: CONFIG_INVALID: ${path}: checkpoint.antiPassback: unknown key`, `kiosk: CONFIG_INVALID: ${path}: devices.thermometer.baud: unknown key`]),
    );
    expect(lines.every((l) => l.startsWith(`kiosk: CONFIG_INVALID: ${path}: `))).toBe(true);
  });

  it('names a bad value at its path with what is wrong', async () => {
    const path = file('bad-value.json', { ...GOOD, policy: { feverThresholdC: 'high' } });
    const run = await runCli(['config', 'check', path]);
    expect(run.code).toBe(EXIT_CONFIG_INVALID);
    expect(run.stderr).toMatch(new RegExp(`^kiosk: CONFIG_INVALID: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: policy\\.feverThresholdC: .+\\n$`));
  });

  it('says a file that is not JSON is not JSON, and a missing file cannot be read', async () => {
    const broken = file('broken.json', '{ "venueId": "x", }');
    const run = await runCli(['config', 'check', broken]);
    expect(run.code).toBe(EXIT_CONFIG_INVALID);
    expect(run.stderr).toMatch(/^kiosk: CONFIG_INVALID: .*broken\.json: \(file\): not JSON/);
    const missing = await runCli(['config', 'check', join(dir, 'nope.json')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`kiosk: BAD_REQUEST: cannot read ${join(dir, 'nope.json')}: ENOENT\n`);
  });
});
