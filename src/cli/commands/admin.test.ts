import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminPinMatches, adminPinOf } from '../../core/checkpoint/admin-pin.js';
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
  it('refuses a PIN that is not 4–12 digits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-admin-'));
    const r = await runCli(['admin', 'set-pin', '--data-dir', dir], '12a4\n');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BAD_REQUEST/);
  });
});
