// The SQLite collector database opened by two processes at once while it is behind: the migrations
// run once (db.ts migrate), as they do on PostgreSQL under its advisory lock (pg.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { CollectorDb, SQLITE_SCHEMA_VERSION } from './db.js';

const runner = fileURLToPath(new URL('./testing/open-db-runner.ts', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'collector-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The schema statements of an up-to-date collector database, in the order SQLite keeps them. */
async function currentSchema(): Promise<string[]> {
  const db = new CollectorDb(join(dir, 'reference.sqlite3'));
  try {
    return db.db.prepare<[], { sql: string }>('SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid').all().map((r) => r.sql);
  } finally {
    await db.close();
  }
}

describe('collector SQLite migrations', () => {
  it('a process that opened the file while another one was migrating it does not migrate it again', async () => {
    const schema = await currentSchema();
    const path = join(dir, 'collector.sqlite3');
    // "Another collector process": holds the write lock on a new (version 0) file.
    const other = new Database(path);
    other.pragma('journal_mode = WAL');
    other.exec('BEGIN IMMEDIATE');

    const child = spawn(process.execPath, ['--import', 'tsx', runner, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      while (!out.includes('opening') && child.exitCode === null) await sleep(20);
      // Give the child time to read the schema version (0, the other's transaction is not committed)
      // and queue on the write lock (its busy timeout is 5 s, so waiting here cannot fail it). Should
      // the child be slower than this, it reads the migrated version and the test passes without
      // exercising the race: it can miss the race, never report one that did not happen.
      await sleep(1000);
      for (const sql of schema) other.exec(sql);
      other.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
      other.exec('COMMIT');
      expect(await exited, err).toBe(0);
      expect(out.trim().split('\n'), err).toEqual(['opening', 'ok']);
      expect(other.pragma('user_version', { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      if (child.exitCode === null) child.kill();
    }
  });

  it('refuses a database newer than this collector with a message that says so', async () => {
    const path = join(dir, 'newer.sqlite3');
    await new CollectorDb(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => new CollectorDb(path)).toThrow(`has schema version ${SQLITE_SCHEMA_VERSION + 1}, newer than this collector (${SQLITE_SCHEMA_VERSION})`);
  });
});
