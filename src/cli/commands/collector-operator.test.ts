// `kiosk collector operator add/list/disable` through the CLI entry point (docs/fleet.md): the
// password from stdin only, kept as a scrypt hash, each change an audit row of the console's trail.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.js';
import { openCollectorStorage } from '../../collector/storage.js';
import { operatorPasswordMatches } from '../../collector/console-http.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-operator-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('kiosk collector operator', () => {
  it('adds an operator with a password from stdin, refuses short passwords, bad names and duplicates, lists and disables', async () => {
    const db = join(dir, 'collector.sqlite3');
    const short = await runCli(['collector', 'operator', 'add', 'alice', '--db', db], 'short\n');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 10 characters/);
    expect((await runCli(['collector', 'operator', 'add', 'bad name', '--db', db], 'long enough password\n')).code).toBe(2);
    const added = await runCli(['collector', 'operator', 'add', 'alice', '--db', db], 'long enough password\n');
    expect(added, added.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(added.stdout)).toEqual({ added: 'alice' });
    expect((await runCli(['collector', 'operator', 'add', 'alice', '--db', db], 'another password!!\n')).stderr).toMatch(/exists already/);
    // Only a salted scrypt hash is in the file, never the password.
    expect(readFileSync(db).includes(Buffer.from('long enough password'))).toBe(false);
    const listed = JSON.parse((await runCli(['collector', 'operator', 'list', '--db', db])).stdout) as { name: string; enabled: boolean }[];
    expect(listed).toMatchObject([{ name: 'alice', enabled: true, lastLoginAt: null }]);
    const disabled = await runCli(['collector', 'operator', 'disable', 'alice', '--db', db]);
    expect(JSON.parse(disabled.stdout)).toEqual({ disabled: 'alice' });
    expect((await runCli(['collector', 'operator', 'disable', 'nobody', '--db', db])).code).toBe(2);
    const storage = await openCollectorStorage(db);
    try {
      const account = await storage.console.operatorForLogin('alice');
      expect(account).toMatchObject({ enabled: false });
      expect(await operatorPasswordMatches('long enough password', account!.passwordHash)).toBe(true);
      expect((await storage.console.auditRows(10)).map((r) => [r.action, r.detail.name, r.address])).toEqual([
        ['operator-disable', 'alice', 'cli'],
        ['operator-add', 'alice', 'cli'],
      ]);
    } finally {
      await storage.close();
    }
  });
});
