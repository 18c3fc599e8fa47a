// `kiosk log …` and `kiosk export` through the real CLI entry (in process, real SQLite files).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliRun } from '../testing/run-cli.js';
import { tempDataDir } from '../../core/store/test-support.js';
import { ENTRY_CHAIN_COLUMNS, legacyChainHash, type ChainValue } from '../../core/store/chain.js';

let tmp: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  tmp = tempDataDir('kiosk-cli-log-');
});
afterEach(() => tmp.cleanup());

function kiosk(...args: string[]): Promise<CliRun> {
  return kioskWithStdin('', ...args);
}

/** The shared CLI test runner, on this test's data directory. */
function kioskWithStdin(stdin: string, ...args: string[]): Promise<CliRun> {
  return runCli([...args, '--data-dir', tmp.dir], stdin);
}

describe('kiosk log', () => {
  it('seeds entries and verifies the chain', async () => {
    const seeded = await kiosk('log', 'seed', '300', '--from', '2026-11-01', '--to', '2026-11-03');
    expect(seeded.code).toBe(0);
    expect(JSON.parse(seeded.stdout)).toMatchObject({ written: 300, firstSeq: 1, lastSeq: 300 });
    const verified = await kiosk('log', 'verify');
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, chains: [{ chain: 'entries', rowsChecked: 300 }, { chain: 'entry_overrides', rowsChecked: 0 }] });
  });

  it('catches a log rewritten by someone without the key: one row edited, the plain SHA-256 chain recomputed after it', async () => {
    await kiosk('log', 'seed', '30');
    const db = new Database(join(tmp.dir, 'kiosk.sqlite3'));
    db.prepare(`UPDATE entries SET decision = 'admit', reason = NULL WHERE seq = 9`).run();
    const rows = db.prepare(`SELECT ${ENTRY_CHAIN_COLUMNS.join(', ')} FROM entries WHERE seq >= 9 ORDER BY seq`).raw(true).all() as ChainValue[][];
    let prev = db.prepare('SELECT hash FROM entries WHERE seq = 8').pluck().get() as Buffer;
    for (const values of rows) {
      const hash = legacyChainHash(prev, values);
      db.prepare('UPDATE entries SET prev_hash = ?, hash = ? WHERE seq = ?').run(prev, hash, values[0]);
      prev = hash;
    }
    db.close();
    const r = await kiosk('log', 'verify');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/first broken row seq 9 .*HASH_MISMATCH/);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, chainKey: 'data-dir' });
  });

  it('names the first broken row and exits non-zero after tampering', async () => {
    await kiosk('log', 'seed', '50');
    const db = new Database(join(tmp.dir, 'kiosk.sqlite3'));
    db.prepare(`UPDATE entries SET temperature_c = 36.5, decision = 'admit', reason = NULL WHERE seq = 23`).run();
    db.prepare(`UPDATE entries SET kiosk_id = 'forged' WHERE seq = 40`).run();
    db.close();
    const r = await kiosk('log', 'verify');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^kiosk: CHAIN_BROKEN: entries: first broken row seq 23 \(id [0-9a-f-]+\): HASH_MISMATCH/);
    expect(JSON.parse(r.stdout).chains[0]).toMatchObject({ ok: false, rowsChecked: 22, firstBroken: { seq: 23 } });
  });

  it('purges by retention days from the command line and audits it', async () => {
    await kiosk('log', 'seed', '100', '--from', '2020-01-01', '--to', '2020-01-02');
    const r = await kiosk('log', 'purge', '--retention-days', '30');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ retentionDays: 30, entriesDeleted: 100 });
    expect(JSON.parse((await kiosk('log', 'audit', '1')).stdout)[0]).toMatchObject({ action: 'purge' });
    expect((await kiosk('log', 'verify')).code).toBe(0);
  });

  it('reads retentionDays from config.json and rejects a bad value clearly', async () => {
    writeFileSync(join(tmp.dir, 'config.json'), JSON.stringify({ store: { retentionDays: 0 } }));
    const r = await kiosk('log', 'purge');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BAD_REQUEST');
    expect(r.stderr).toContain('store.retentionDays');
  });

  it('shows the last entries masked', async () => {
    await kiosk('log', 'seed', '20');
    const r = await kiosk('log', 'tail', '5');
    const rows = JSON.parse(r.stdout) as Array<{ documentNumber: string; holderName: string }>;
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.documentNumber).toMatch(/^.{4}\*+.{4}$/);
  });

  it('tail shows each entry at the venue\'s local time with UTC beside it', async () => {
    await kiosk('log', 'seed', '5');
    const rows = JSON.parse((await kiosk('log', 'tail', '5', '--time-zone', 'Asia/Shanghai')).stdout) as Array<{ at: number; localTime: string; utc: string; timeZone: string }>;
    expect(rows).toHaveLength(5);
    for (const row of rows) {
      // China keeps UTC+8 all year: the wall clock is UTC plus eight hours.
      expect(row.localTime).toBe(`${new Date(row.at + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ')} +08:00`);
      expect(row.utc).toBe(new Date(row.at).toISOString());
      expect(row.timeZone).toBe('Asia/Shanghai');
    }
    // Without --time-zone, the kiosk's own zone.
    const own = JSON.parse((await kiosk('log', 'tail', '1')).stdout) as Array<{ timeZone: string }>;
    expect(own[0]!.timeZone).toBe(new Intl.DateTimeFormat().resolvedOptions().timeZone);
    const bad = await kiosk('log', 'tail', '1', '--time-zone', 'Mars/Olympus');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('BAD_REQUEST');
  });

  it('restores a checked backup over a damaged database, keeping the damaged file', async () => {
    await kiosk('log', 'seed', '40');
    const backup = join(tmp.dir, 'backup.sqlite3');
    expect((await kiosk('log', 'backup', backup)).code).toBe(0);
    // Damage the live database: the start-up check must refuse it and name the way out.
    const db = new Database(join(tmp.dir, 'kiosk.sqlite3'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const live = join(tmp.dir, 'kiosk.sqlite3');
    const bytes = readFileSync(live);
    bytes.fill(0xff, 4096 * 3, 4096 * 6);
    writeFileSync(live, bytes);
    const refused = await kiosk('log', 'verify');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^kiosk: STORAGE_UNAVAILABLE: CORRUPT: .*kiosk log restore/);
    const restored = await kiosk('log', 'restore', backup);
    expect(restored.code).toBe(0);
    expect(JSON.parse(restored.stdout)).toMatchObject({ restoredEntries: 40 });
    expect(readdirSync(tmp.dir).some((f) => f.startsWith('kiosk.sqlite3.damaged-'))).toBe(true);
    expect((await kiosk('log', 'verify')).code).toBe(0);
    expect(JSON.parse((await kiosk('log', 'stats')).stdout)).toMatchObject({ entries: 40 });
  });

  it('refuses to restore a damaged backup', async () => {
    const bad = join(tmp.dir, 'bad.sqlite3');
    writeFileSync(bad, Buffer.alloc(4096, 0x42));
    const r = await kiosk('log', 'restore', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('STORAGE_UNAVAILABLE');
  });
});

describe('kiosk export', () => {
  beforeEach(async () => {
    await kiosk('log', 'seed', '200', '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-02T23:00:00Z');
  });

  it('exports a date range to CSV, masked, and records it in the audit log', async () => {
    const out = join(tmp.dir, 'out.csv');
    const r = await kiosk('export', '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-03T00:00:00Z', '--out', out, '--by', 'officer-1');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 200, format: 'csv', revealed: false });
    const text = readFileSync(out, 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.trim().split('\r\n')).toHaveLength(201);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(JSON.parse((await kiosk('log', 'audit', '1')).stdout)[0]).toMatchObject({ action: 'export', detail: { rows: 200, revealed: false, requestedBy: 'officer-1' } });
  });

  it('takes the format from the extension, filters by decision, and reveals only with --reveal and the admin PIN', async () => {
    expect((await kioskWithStdin('482916\n', 'admin', 'set-pin')).code).toBe(0);
    const out = join(tmp.dir, 'deny.ndjson');
    const r = await kioskWithStdin('482916\n', 'export', '--from', '2026-11-01T00:00:00Z', '--to', '2026-11-03T00:00:00Z', '--decision', 'deny', '--reveal', '--out', out);
    expect(r.code).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { decision: string; document_number: string; holder_name: string });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((x) => x.decision === 'deny')).toBe(true);
    expect(rows.every((x) => !x.document_number.includes('*') && !x.holder_name.includes('*'))).toBe(true);
  });

  it('rejects bad dates, a bad decision and an existing file with clear reasons', async () => {
    const out = join(tmp.dir, 'x.csv');
    const bad = await kiosk('export', '--from', '2026-13-01', '--to', '2026-11-03', '--out', out);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^kiosk: BAD_REQUEST: --from/);
    expect((await kiosk('export', '--from', '2026-11-03', '--to', '2026-11-01', '--out', out)).stderr).toContain('--to must be after --from');
    expect((await kiosk('export', '--from', '2026-11-01', '--to', '2026-11-03', '--decision', 'maybe', '--out', out)).code).toBe(2);
    const nowhere = await kiosk('export', '--from', '2026-11-01', '--to', '2026-11-03', '--out', join(tmp.dir, 'no-such-dir', 'x.csv'));
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^kiosk: STORAGE_UNAVAILABLE: IO_ERROR: creating .*no-such-dir/);
    writeFileSync(out, 'keep me');
    const exists = await kiosk('export', '--from', '2026-11-01', '--to', '2026-11-03', '--out', out);
    expect(exists.code).toBe(2);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
  });
});
