import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminPinMatches, adminPinOf, guardsOf } from '../../core/checkpoint/admin-pin.js';
import { runCli } from '../testing/run-cli.js';

describe('kiosk admin set-pin', () => {
  it('stores only a scrypt hash of the PIN read from stdin, keeping the rest of the config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-admin-'));
    await runCli(['pki', 'demo', join(dir, 'pki'), '--seed', 'a', '--install', '--data-dir', dir]);
    const r = await runCli(['admin', 'set-pin', '--data-dir', dir], '482916\n');
    expect(r.code).toBe(0);
    const raw = readFileSync(join(dir, 'config.json'), 'utf8');
    expect(raw).not.toContain('482916');
    const config = JSON.parse(raw);
    expect(config.roots).toHaveLength(1);
    const record = adminPinOf(config)!;
    expect(adminPinMatches('482916', record)).toBe(true);
    expect(adminPinMatches('000000', record)).toBe(false);
  });
  it('writes back only admin.pin: the keys the integrator wrote stay as written, no defaults are filled in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-admin-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ kioskId: 'gate-3', policy: { requireTemperature: true } }));
    expect((await runCli(['admin', 'set-pin', '--data-dir', dir], '482916\n')).code).toBe(0);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    // `revision` is the kiosk's own bookkeeping: one more with every save (src/core/config/config.ts).
    expect(Object.keys(config).sort()).toEqual(['admin', 'kioskId', 'policy', 'revision']);
    expect(config.revision).toBe(1);
    expect(config.policy).toEqual({ requireTemperature: true });
    expect(Object.keys(config.admin)).toEqual(['pin']);
    expect(adminPinMatches('482916', adminPinOf(config)!)).toBe(true);
    // With no config.json at all, the file written holds the PIN and nothing else.
    const fresh = mkdtempSync(join(tmpdir(), 'kiosk-admin-'));
    expect((await runCli(['admin', 'set-pin', '--data-dir', fresh], '482916\n')).code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(join(fresh, 'config.json'), 'utf8'))).sort()).toEqual(['admin', 'revision']);
  });
  it('refuses a PIN that is not 4–12 digits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-admin-'));
    const r = await runCli(['admin', 'set-pin', '--data-dir', dir], '12a4\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BAD_REQUEST/);
  });
});

describe('kiosk admin set-guard-pin', () => {
  it('stores a guard\'s PIN as a scrypt hash under the badge id, and refuses a PIN another guard has', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-admin-'));
    expect((await runCli(['admin', 'set-guard-pin', 'G-017', '--data-dir', dir], '4711\n')).code).toBe(0);
    expect((await runCli(['admin', 'set-guard-pin', 'G-020', '--data-dir', dir], '8080\n')).code).toBe(0);
    const same = await runCli(['admin', 'set-guard-pin', 'G-021', '--data-dir', dir], '4711\n');
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/another guard already has this PIN/);
    const raw = readFileSync(join(dir, 'config.json'), 'utf8');
    expect(raw).not.toMatch(/4711|8080/);
    const guards = guardsOf(JSON.parse(raw));
    expect(guards.map((g) => g.id)).toEqual(['G-017', 'G-020']);
    expect(adminPinMatches('8080', guards[1]!.pin)).toBe(true);
    expect((await runCli(['admin', 'set-guard-pin', 'bad id!', '--data-dir', dir], '1234\n')).code).toBe(2);
  });
});

describe('kiosk admin set-integrator-pin', () => {
  it('stores the integrator PIN as a hash beside the admin PIN and refuses the admin PIN for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-admin-'));
    expect((await runCli(['admin', 'set-pin', '--data-dir', dir], '482916\n')).code).toBe(0);
    const same = await runCli(['admin', 'set-integrator-pin', '--data-dir', dir], '482916\n');
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/BAD_REQUEST: the integrator PIN must differ from the admin PIN/);
    expect((await runCli(['admin', 'set-integrator-pin', '--data-dir', dir], '75319\n')).code).toBe(0);
    const raw = readFileSync(join(dir, 'config.json'), 'utf8');
    expect(raw).not.toContain('75319');
    const config = JSON.parse(raw);
    expect(Object.keys(config.admin).sort()).toEqual(['integratorPin', 'pin']);
    expect(adminPinMatches('75319', config.admin.integratorPin)).toBe(true);
    // And the admin PIN may not become the integrator's.
    const back = await runCli(['admin', 'set-pin', '--data-dir', dir], '75319\n');
    expect(back.code).toBe(2);
    expect(back.stderr).toMatch(/must differ from the integrator PIN/);
  });
});

describe('a data directory that is not there', () => {
  it.each([['set-pin'], ['set-integrator-pin'], ['set-guard-pin', 'G-1']])('admin %s refuses it (a typo is no kiosk) and creates nothing', async (...cmd) => {
    const missing = join(mkdtempSync(join(tmpdir(), 'kiosk-admin-')), 'nope-dir');
    const r = await runCli(['admin', ...cmd, '--data-dir', missing], '4321\n');
    expect(r).toEqual({ code: 2, stdout: '', stderr: `kiosk: BAD_REQUEST: no data directory ${missing} (a typo? create it, or run kiosk start once)\n` });
    expect(existsSync(missing)).toBe(false);
  });
  it('without --data-dir: the default directory (KIOSK_DATA_DIR) must exist too', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'kiosk-admin-')), 'default-dir');
    const saved = process.env.KIOSK_DATA_DIR;
    process.env.KIOSK_DATA_DIR = missing;
    try {
      const r = await runCli(['admin', 'set-integrator-pin'], '4321\n');
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`no data directory ${missing}`);
      expect(existsSync(missing)).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.KIOSK_DATA_DIR;
      else process.env.KIOSK_DATA_DIR = saved;
    }
  });
});
