// `kiosk identity` and `kiosk collector register/kiosks/disable` through the CLI entry point.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.js';
import { kioskIdOf, loadOrCreateDeviceKey } from '../../core/identity/device-key.js';
import { saveConfig } from '../../core/config/config.js';
import { openCollectorStorage } from '../../collector/storage.js';
import { decodeBatch, encodeBatch, toBatchBody } from '../../core/upload/protocol.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-collector-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('kiosk identity + kiosk collector', () => {
  it('prints the kiosk id and public key, registers it with the collector, lists and disables it', async () => {
    const kioskDir = join(dir, 'kiosk');
    const id = await runCli(['identity', '--data-dir', kioskDir]);
    expect(id, id.stderr).toMatchObject({ code: 0 });
    const ident = JSON.parse(id.stdout) as { kioskId: string; publicKey: string; created: boolean };
    expect(ident.created).toBe(true);
    expect(JSON.parse((await runCli(['identity', '--data-dir', kioskDir])).stdout)).toMatchObject({ kioskId: ident.kioskId, created: false });

    const db = join(dir, 'collector.sqlite3');
    const reg = await runCli(['collector', 'register', ident.publicKey, '--name', 'north gate', '--db', db]);
    expect(reg, reg.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(reg.stdout)).toEqual({ registered: ident.kioskId, name: 'north gate' });
    // No database was there: the new one is said, with the way to reach the one a collector serves.
    expect(reg.stderr).toContain(`there was no collector database at ${db}; this made a new, empty one`);
    expect(reg.stderr).toContain('give this command the same option');
    const listed = await runCli(['collector', 'kiosks', '--db', db]);
    // The database exists now: nothing to say.
    expect(listed.stderr).toBe('');
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(listed.stdout)).toMatchObject([{ kioskId: ident.kioskId, name: 'north gate', enabled: true, entries: 0 }]);
    const disabled = await runCli(['collector', 'disable', ident.kioskId, '--db', db]);
    expect(disabled, disabled.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse((await runCli(['collector', 'kiosks', '--db', db])).stdout)).toMatchObject([{ enabled: false }]);
  });

  // One base64url key in 64 begins with '-' (and one in 4096 with '--'): `kiosk identity` makes a
  // random key, so the test above met such a key now and then and the register step failed with
  // commander's "unknown option". These keys are fixed, so the case runs on every run.
  it.each([
    ['-', Buffer.alloc(32, 0xf8)],
    ['--', Buffer.concat([Buffer.from([0xfb, 0xef]), Buffer.alloc(30, 0x11)])],
    ['-h (the help flag)', Buffer.concat([Buffer.from([0xfa, 0x1f]), Buffer.alloc(30, 0x22)])],
  ])('registers a public key that begins with %s, before or after the options and after --', async (_, raw) => {
    const publicKey = raw.toString('base64url');
    const kioskId = kioskIdOf(raw);
    const db = join(dir, 'collector.sqlite3');
    for (const args of [
      [publicKey, '--name', 'north gate', '--db', db],
      ['--name', 'north gate', '--db', db, publicKey],
      ['--db', db, '--name', 'north gate', '--', publicKey],
    ]) {
      const reg = await runCli(['collector', 'register', ...args]);
      expect(reg, reg.stderr).toMatchObject({ code: 0 });
      expect(JSON.parse(reg.stdout)).toEqual({ registered: kioskId, name: 'north gate' });
    }
    const listed = await runCli(['collector', 'kiosks', '--db', db]);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ kioskId, name: 'north gate', enabled: true }]);
    // After an option that takes a value, the word is that value (a name), not the key.
    const asName = await runCli(['collector', 'register', '--db', db, '--name', publicKey]);
    expect(asName.code).toBe(2);
    expect(asName.stderr).toMatch(/missing required argument 'public-key'/);
  });

  it('refuses a malformed public key and an unknown kiosk with a reason, not a stack trace', async () => {
    const db = join(dir, 'collector.sqlite3');
    const bad = await runCli(['collector', 'register', 'not-a-key', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kiosk: BAD_REQUEST: /);
    const unknown = await runCli(['collector', 'disable', '0123456789abcdef', '--db', db]);
    expect(unknown.code).toBe(1);
    // A database that was not there (a mistyped --db): the kiosk is unknown to it, and the note says why.
    expect(unknown.stderr).toMatch(/^kiosk: note: there was no collector database at .*\nkiosk: KIOSK_UNKNOWN: /);
  });

  it('kiosk identity prints the key id beside the configured kioskId and warns when they differ', async () => {
    const kioskDir = join(dir, 'kiosk');
    const key = loadOrCreateDeviceKey(kioskDir);
    saveConfig(kioskDir, { kioskId: 'kiosk-1', kioskName: 'north gate' } as never);
    const differs = await runCli(['identity', '--data-dir', kioskDir]);
    expect(differs, differs.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(differs.stdout)).toMatchObject({ kioskId: key.kioskId, configuredKioskId: 'kiosk-1', kioskIdMismatch: true, register: `kiosk collector register ${key.publicKeyB64} --name 'north gate'` });
    expect(JSON.parse(differs.stdout).fingerprint.replace(/ /g, '').slice(0, 16)).toBe(key.kioskId);
    expect(differs.stderr).toContain(`warning: config kioskId "kiosk-1" differs from the device key's id ${key.kioskId}`);

    saveConfig(kioskDir, { kioskId: key.kioskId } as never);
    const same = await runCli(['identity', '--data-dir', kioskDir]);
    expect(JSON.parse(same.stdout)).toMatchObject({ kioskId: key.kioskId, configuredKioskId: key.kioskId, kioskIdMismatch: false });
    expect(same.stderr).toBe('');
  });

  it('kiosk collector kiosks shows the kioskId the entries carry beside the key id and warns on a difference', async () => {
    const key = loadOrCreateDeviceKey(join(dir, 'kiosk'));
    const db = join(dir, 'collector.sqlite3');
    expect((await runCli(['collector', 'register', key.publicKeyB64, '--name', 'north gate', '--db', db])).code).toBe(0);
    // Entries as a kiosk configured with kioskId "kiosk-1" uploads them (stored as the server stores a verified batch).
    const storage = await openCollectorStorage(db);
    const batch = decodeBatch(encodeBatch(toBatchBody(key.kioskId, 'b1', [{ seq: 1, entryId: 'e-1', at: 1_700_000_000_000, record: { kioskId: 'kiosk-1', decision: 'admit' } }], 0)), 1 << 20);
    await storage.storeBatch(batch, () => null);
    await storage.close();
    const listed = await runCli(['collector', 'kiosks', '--db', db]);
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(listed.stdout)).toMatchObject([{ kioskId: key.kioskId, entryKioskId: 'kiosk-1', kioskIdMismatch: true, name: 'north gate' }]);
    expect(listed.stderr).toContain(`warning: kiosk ${key.kioskId} (north gate): its entries carry kioskId "kiosk-1"`);
  });

  it('collector serve: a URL that is not postgres:// is refused before anything is made of it; a bad port or retention is refused', async () => {
    const url = 'postgress://collector:S3cret@db.internal/kiosk';
    for (const cmd of [['collector', 'serve', '--database', url, '--data-dir', dir], ['collector', 'register', 'A'.repeat(43), '--database', url, '--data-dir', dir]]) {
      const r = await runCli(cmd, '');
      expect([r.code, r.stderr]).toEqual([2, 'kiosk: BAD_REQUEST: "postgress://" is not a database this collector opens: a postgres:// (or postgresql://) URL, or a SQLite file path\n']);
    }
    // Nothing named after the URL (nor its password) was made, here or in the working directory.
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync('postgress:')).toBe(false);
    const db = join(dir, 'c.sqlite3');
    expect((await runCli(['collector', 'serve', '--db', db, '--port', '99999'])).stderr).toContain('BAD_REQUEST: --port must be 0–65535');
    expect((await runCli(['collector', 'serve', '--db', db, '--retention-days', '0'])).stderr).toContain('BAD_REQUEST: --retention-days must be at least 1');
  });

  it('collector serve refuses a trace tokens file other users can read, and with one only its owner reads, a listed operator may trace', async () => {
    const tokens = join(dir, 'trace-tokens');
    writeFileSync(tokens, '# who may trace\ndr-li: operator-trace-token-0123456789\n', { mode: 0o644 });
    chmodSync(tokens, 0o644);
    const db = join(dir, 'c.sqlite3');
    const open = await runCli(['collector', 'serve', '--db', db, '--port', '0', '--trace-tokens-file', tokens]);
    expect([open.code, open.stderr]).toEqual([2, `kiosk: BAD_REQUEST: ${tokens} is open to other users of this host (mode 0644); its tokens open real-name entries: chmod 600 ${tokens}\n`]);
    chmodSync(tokens, 0o600);
    // Each mistake in the file is named with its line, never quoting the line (it holds a token).
    for (const [text, says] of [
      ['dr-li operator-trace-token-0123456789\n', 'line 1: no colon'],
      ['# ops\ndr-li: short\n', 'line 2: the token is 5 characters; at least 16'],
      [': operator-trace-token-0123456789\n', 'line 1: no operator name before the colon'],
      ['dr-li: operator-trace-token-0123456789\ndr-li: operator-trace-token-9876543210\n', 'line 2: operator "dr-li" is named twice'],
      ['# nobody yet\n', 'names no operator'],
    ] as const) {
      writeFileSync(tokens, text);
      const refused = await runCli(['collector', 'serve', '--db', db, '--port', '0', '--trace-tokens-file', tokens]);
      expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining(says)]);
      expect(refused.stderr).not.toContain('operator-trace-token');
    }
    writeFileSync(tokens, '# who may trace\ndr-li: operator-trace-token-0123456789\n');
    const bin = fileURLToPath(new URL('../../../bin/kiosk.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'collector', 'serve', '--db', db, '--port', '0', '--trace-tokens-file', tokens], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString('utf8');
          // The start-up line (printJson, indented) names where it listens.
          const listening = /"url": "([^"]+)"/.exec(out);
          if (listening) resolve(listening[1]!);
        });
        child.once('exit', (c) => reject(new Error(`collector ended (${c}) before it listened`)));
      });
      const ask = (token: string) =>
        fetch(`${url}/v1/trace`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify({ documentNumber: 'G12345678', from: '2026-11-01T00:00:00+08:00', to: '2026-11-30T23:59:59+08:00', reason: 'case 121' }) });
      const asked = await ask('operator-trace-token-0123456789');
      expect(asked.status, await asked.clone().text()).toBe(200);
      expect((await ask('operator-trace-token-wrong')).status).toBe(401);
      // The start-up line says tracing is on and for how many; the refused question is in the log.
      expect((JSON.parse(stdout) as { tracing: unknown }).tracing).toEqual({ http: `on: POST /v1/trace for 1 operator(s) of ${tokens}`, key: 'kept in the database' });
      // The log line is written after the answer is sent: wait for it (bounded) rather than race it.
      for (let i = 0; i < 100 && !stderr.includes('trace refused'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toContain('collector: trace refused: 401 TRACE_UNAUTHORIZED from 127.0.0.1');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(stderr).toContain('collector: stopping (SIGTERM)');
    expect(stderr).not.toContain('operator-trace-token');
    // A trace or its audit asked of a database that is not there is an error, not an empty answer.
    const typo = join(dir, 'typo', 'c.sqlite3');
    for (const args of [['trace', 'G12345678', '--from', '2026-11-01', '--to', '2026-11-30', '--reason', 'case 121'], ['trace-audit']]) {
      const missing = await runCli(['collector', ...args, '--db', typo]);
      expect([missing.code, missing.stderr]).toEqual([2, `kiosk: BAD_REQUEST: there is no collector database at ${typo}: give the --db, --database or --data-dir the collector serves with\n`]);
    }
    expect(existsSync(join(dir, 'typo'))).toBe(false);
  });

  it('collector serve on a port another program holds says so and the process ends (a supervisor sees it fail)', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as AddressInfo).port;
    try {
      // The real command in its own process: an open database pool must not keep it alive.
      const bin = fileURLToPath(new URL('../../../bin/kiosk.js', import.meta.url));
      const child = spawn(process.execPath, [bin, 'collector', 'serve', '--db', join(dir, 'c.sqlite3'), '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      // 2, as every start-up refusal of the collector's configuration (CollectorConfigError).
      expect(code).toBe(2);
      expect(stderr).toContain(`kiosk: PORT_UNAVAILABLE: cannot listen on 127.0.0.1:${port}: in use by another program`);
    } finally {
      holder.close();
    }
  });
});
