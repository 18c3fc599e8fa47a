// `kiosk config check FILE` on real files: the kiosk's own parser decides, and a problem is printed
// the way `kiosk start` prints it (CONFIG_INVALID, the file, the path, what is wrong).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.js';
import { EXIT_CONFIG_INVALID } from '../main.js';
import { EXIT_NOT_CONFIGURED } from './start.js';
import { makeDemoPki } from '../../core/codes/pki.js';
import { hashAdminPin } from '../../core/checkpoint/admin-pin.js';
import { exportSetup, setupFileText } from '../../core/config/clone.js';
import { kioskConfigSchema } from '../../contract/config.js';

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
  roots: makeDemoPki({ seed: 'config-check', now: 1_700_000_000 }).roots,
  admin: { pin: hashAdminPin('2468') },
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
    // Asked wrongly (a path that is not there) is a usage error, exit 2, as for every BAD_REQUEST.
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`kiosk: BAD_REQUEST: cannot read ${join(dir, 'nope.json')}: ENOENT\n`);
  });

  it('says what start would refuse in a file that parses: each key a production start needs, exit 78 as start', async () => {
    const bare = file('bare.json', { admin: { integratorPin: hashAdminPin('4321') } });
    const run = await runCli(['config', 'check', bare]);
    expect(run.code).toBe(EXIT_NOT_CONFIGURED);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines.map((l) => l.split(': ').slice(0, 4).join(': '))).toEqual(['venueId', 'kioskId', 'roots', 'admin.pin'].map((k) => `kiosk: NOT_CONFIGURED: ${bare}: ${k}`));
    expect(run.stderr).toContain('a kiosk needs at least one pinned root');
    // The same lines as `kiosk start` prints for that file as a kiosk's config.json.
    const dataDir = join(dir, 'kiosk');
    mkdirSync(dataDir);
    copyFileSync(bare, join(dataDir, 'config.json'));
    const start = await runCli(['start', '--host', 'browser', '--no-browser', '--data-dir', dataDir]);
    expect(start.code).toBe(EXIT_NOT_CONFIGURED);
    expect(start.stdout).not.toContain('kiosk ready');
    expect(start.stderr.replaceAll(join(dataDir, 'config.json'), bare)).toBe(run.stderr);
  });

  it('recognises a setup file from kiosk config export and checks it as an import would, saying so', async () => {
    const setup = exportSetup(kioskConfigSchema.parse(GOOD), Date.UTC(2026, 0, 2));
    const path = file('setup.json', setupFileText(setup));
    const run = await runCli(['config', 'check', path]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`ok ${path} (a setup file from kiosk config export: checked as an import would check it; import it with kiosk config import)\n`);
    const typo = JSON.parse(setupFileText(setup));
    typo.config.policy.feverTreshold = 38;
    const typoPath = file('setup-typo.json', typo);
    expect(await runCli(['config', 'check', typoPath])).toEqual({ code: EXIT_CONFIG_INVALID, stdout: '', stderr: `kiosk: CONFIG_INVALID: ${typoPath}: policy.feverTreshold: unknown key\n` });
    const noRoots = JSON.parse(setupFileText(setup));
    noRoots.config.roots = [];
    const noRootsPath = file('setup-no-roots.json', noRoots);
    const r = await runCli(['config', 'check', noRootsPath]);
    expect(r.code).toBe(EXIT_CONFIG_INVALID);
    expect(r.stderr).toMatch(/: roots: .*a kiosk needs at least one pinned root/);
  });
});
