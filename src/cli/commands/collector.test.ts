// `kiosk identity` and `kiosk collector register/kiosks/disable` through the CLI entry point.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../main.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-collector-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const code = await main(args, { stdout, stderr, stdin: new PassThrough() });
  return { code, out, err };
}

describe('kiosk identity + kiosk collector', () => {
  it('prints the kiosk id and public key, registers it with the collector, lists and disables it', async () => {
    const kioskDir = join(dir, 'kiosk');
    const id = await run(['identity', '--data-dir', kioskDir]);
    expect(id.code).toBe(0);
    const ident = JSON.parse(id.out) as { kioskId: string; publicKey: string; created: boolean };
    expect(ident.created).toBe(true);
    expect(JSON.parse((await run(['identity', '--data-dir', kioskDir])).out)).toMatchObject({ kioskId: ident.kioskId, created: false });

    const db = join(dir, 'collector.sqlite3');
    const reg = await run(['collector', 'register', ident.publicKey, '--name', 'north gate', '--db', db]);
    expect(reg.code).toBe(0);
    expect(JSON.parse(reg.out)).toEqual({ registered: ident.kioskId, name: 'north gate' });
    const kiosks = JSON.parse((await run(['collector', 'kiosks', '--db', db])).out) as { kioskId: string; enabled: boolean }[];
    expect(kiosks).toMatchObject([{ kioskId: ident.kioskId, name: 'north gate', enabled: true, entries: 0 }]);
    expect((await run(['collector', 'disable', ident.kioskId, '--db', db])).code).toBe(0);
    expect(JSON.parse((await run(['collector', 'kiosks', '--db', db])).out)).toMatchObject([{ enabled: false }]);
  });

  it('refuses a malformed public key and an unknown kiosk with a reason, not a stack trace', async () => {
    const db = join(dir, 'collector.sqlite3');
    const bad = await run(['collector', 'register', 'not-a-key', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^kiosk: BAD_REQUEST: /);
    const unknown = await run(['collector', 'disable', '0123456789abcdef', '--db', db]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^kiosk: KIOSK_UNKNOWN: /);
  });
});
