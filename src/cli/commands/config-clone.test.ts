// `kiosk config export` and `kiosk config import` on real data directories: a setup exported from
// one kiosk and imported into another shows each difference and what is kept local, writes nothing
// without --yes, and with --yes saves the file's setup with this kiosk's ports and PINs kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.js';
import { EXIT_CONFIG_INVALID } from '../main.js';
import { hashAdminPin } from '../../core/checkpoint/admin-pin.js';
import { loadConfig, saveConfig } from '../../core/config/config.js';
import { ListCache } from '../../core/codes/list-cache.js';
import { makeDemoPki } from '../../core/codes/pki.js';
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

let dir: string;
let a: string;
let b: string;
const bPin = hashAdminPin('8642');
// Both kiosks pin the site's national root: an import must leave at least one.
const ROOTS = makeDemoPki({ seed: 'config-clone-site', now: Math.floor(Date.now() / 1000) }).roots;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-config-clone-'));
  a = join(dir, 'a');
  b = join(dir, 'b');
  mkdirSync(a);
  mkdirSync(b);
  saveConfig(a, {
    venueId: 'mall-east',
    kioskId: 'lane-1',
    policy: { feverThresholdC: 37.8 },
    devices: { thermometer: { port: '/dev/ttyA0', protocol: { name: 'lu90614' }, offsetC: 0.5 } },
    admin: { pin: hashAdminPin('2468') },
    roots: ROOTS,
  });
  saveConfig(b, { kioskId: 'lane-2', roots: ROOTS, devices: { thermometer: { port: '/dev/ttyUSB1', protocol: { name: 'lu90614' } } }, admin: { pin: bPin } });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('kiosk config export / import', () => {
  it('exports from A, shows the differences on B without writing, applies them with --yes', async () => {
    const setup = join(dir, 'setup.json');
    const exported = await runCli(['config', 'export', setup, '--data-dir', a]);
    expect(exported).toEqual({ code: 0, stdout: `exported ${setup} (no PINs, no ports, no calibration, no kiosk id)\n`, stderr: '' });
    const text = readFileSync(setup, 'utf8');
    expect(text).not.toContain('/dev/ttyA0');
    expect(text).not.toContain(loadConfig(a).admin.pin!.hash);
    // Not written over.
    expect((await runCli(['config', 'export', setup, '--data-dir', a])).stderr).toBe(`kiosk: BAD_REQUEST: ${setup} exists: not written over\n`);

    const bBefore = readFileSync(join(b, 'config.json'), 'utf8');
    const dry = await runCli(['config', 'import', setup, '--data-dir', b]);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toBe('');
    const lines = dry.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^setup of mall-east \(kiosk lane-1, exported \d{4}-\d\d-\d\dT/);
    expect(lines).toEqual(
      expect.arrayContaining([
        'change policy.feverThresholdC: 37.3 -> 37.8',
        'change venueId: "demo-venue" -> "mall-east"',
        'kept local: devices.thermometer.port',
        'kept local: devices.thermometer.offsetC',
        'kept local: admin.pin',
        'kept local: kioskId',
        'nothing written: run again with --yes to apply',
      ]),
    );
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe(bBefore);

    const applied = await runCli(['config', 'import', setup, '--data-dir', b, '--yes']);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/applied: revision 2 /);
    const after = loadConfig(b);
    expect(after.policy.feverThresholdC).toBe(37.8);
    expect(after.venueId).toBe('mall-east');
    expect(after.kioskId).toBe('lane-2');
    expect(after.devices.thermometer).toMatchObject({ port: '/dev/ttyUSB1', offsetC: 0 });
    expect(after.admin.pin).toEqual(bPin);
    // Again: nothing left to change.
    expect((await runCli(['config', 'import', setup, '--data-dir', b])).stdout).toContain('no differences: this kiosk already has this setup\n');
  });

  it('export without a file writes the setup to stdout', async () => {
    const run = await runCli(['config', 'export', '--data-dir', a]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ format: 'checkpoint-kiosk-setup', version: 1, config: { venueId: 'mall-east' } });
  });

  it('refuses a typo with its path and a garbage file with the reason, writing nothing', async () => {
    const setup = join(dir, 'setup.json');
    await runCli(['config', 'export', setup, '--data-dir', a]);
    const file = JSON.parse(readFileSync(setup, 'utf8'));
    file.config.policy.feverTreshold = 38;
    const typo = join(dir, 'typo.json');
    writeFileSync(typo, JSON.stringify(file));
    const bBefore = readFileSync(join(b, 'config.json'), 'utf8');
    const run = await runCli(['config', 'import', typo, '--data-dir', b, '--yes']);
    expect(run).toEqual({ code: EXIT_CONFIG_INVALID, stdout: '', stderr: `kiosk: CONFIG_INVALID: ${typo}: policy.feverTreshold: unknown key\n` });
    const garbage = join(dir, 'garbage.json');
    writeFileSync(garbage, Buffer.from([0xff, 0x00, 0x13, 0x37]));
    const g = await runCli(['config', 'import', garbage, '--data-dir', b, '--yes']);
    expect(g.code).toBe(EXIT_CONFIG_INVALID);
    expect(g.stderr).toMatch(new RegExp(`^kiosk: CONFIG_INVALID: .*garbage\\.json: \\(file\\): not JSON`));
    const huge = join(dir, 'huge.json');
    writeFileSync(huge, ' '.repeat(300_000));
    expect((await runCli(['config', 'import', huge, '--data-dir', b])).stderr).toMatch(/CONFIG_INVALID: .*huge\.json: \(file\): too large \(300000 bytes/);
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe(bBefore);
  });

  it('refuses a data directory that is not there, and one with no config.json to export, writing nothing', async () => {
    const missing = join(dir, 'does-not-exist');
    const setup = join(dir, 'setup.json');
    expect(await runCli(['config', 'export', setup, '--data-dir', missing])).toEqual({ code: 2, stdout: '', stderr: `kiosk: BAD_REQUEST: no data directory ${missing} (a typo? create it, or run kiosk start once)\n` });
    expect(await runCli(['config', 'export', '--data-dir', missing])).toMatchObject({ code: 2, stdout: '' });
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const none = await runCli(['config', 'export', setup, '--data-dir', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^kiosk: BAD_REQUEST: nothing to export: .*config\.json does not exist/);
    expect(existsSync(setup)).toBe(false);
    await runCli(['config', 'export', setup, '--data-dir', a]);
    expect(await runCli(['config', 'import', setup, '--data-dir', missing, '--yes'])).toMatchObject({ code: 2, stdout: '' });
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses an import that leaves no pinned root, or roots that sign none of the installed lists, as the screen does', async () => {
    const pki = makeDemoPki({ seed: 'config-clone-cli', now: Math.floor(Date.now() / 1000) });
    saveConfig(a, { venueId: 'mall-east', kioskId: 'lane-1', roots: pki.roots, admin: { pin: hashAdminPin('2468') } });
    saveConfig(b, { kioskId: 'lane-2', roots: pki.roots, admin: { pin: bPin } });
    const lists = new ListCache(b, pki.roots).load();
    lists.installTrust(pki.trustListJws);
    lists.installStatus(pki.statusListJws);
    const setup = join(dir, 'setup.json');
    await runCli(['config', 'export', setup, '--data-dir', a]);
    const file = JSON.parse(readFileSync(setup, 'utf8'));
    const bBefore = readFileSync(join(b, 'config.json'), 'utf8');

    file.config.roots = [];
    writeFileSync(setup + '.none', JSON.stringify(file));
    const none = await runCli(['config', 'import', setup + '.none', '--data-dir', b, '--yes']);
    expect(none.code).toBe(EXIT_CONFIG_INVALID);
    expect(none.stderr).toMatch(/^kiosk: CONFIG_INVALID: .*: roots: .*a kiosk needs at least one pinned root/);

    file.config.roots = makeDemoPki({ seed: 'another-root', now: Math.floor(Date.now() / 1000) }).roots;
    writeFileSync(setup + '.foreign', JSON.stringify(file));
    const foreign = await runCli(['config', 'import', setup + '.foreign', '--data-dir', b, '--yes']);
    expect(foreign.code).toBe(EXIT_CONFIG_INVALID);
    expect(foreign.stderr).toMatch(/roots: the file's roots do not sign the installed trust list and the installed status list/);
    expect(readFileSync(join(b, 'config.json'), 'utf8')).toBe(bBefore);
  });

  it('ends quietly when the reader goes away (| head): no stack trace, exit 0, the import still applied', async () => {
    const setup = join(dir, 'setup.json');
    await runCli(['config', 'export', setup, '--data-dir', a]);
    // A real process writing into a real pipe whose reading end is closed at once, as `| head` that
    // has exited: its first write fails with EPIPE.
    const mainTs = fileURLToPath(new URL('../main.ts', import.meta.url));
    const args = ['config', 'import', setup, '--data-dir', b, '--yes'];
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `const { main } = await import(${JSON.stringify(pathToFileURL(mainTs).href)}); process.exitCode = await main(${JSON.stringify(args)});`], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.destroy();
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(loadConfig(b).venueId).toBe('mall-east');
  }, 60_000);
});
