import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, schemaVersion } from './db.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';
import { storeErrorOf } from './test-support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-migrate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('openDatabase', () => {
  it('creates the file in WAL mode with synchronous=FULL, foreign keys on and every migration applied', () => {
    const db = openDatabase(join(dir, 'k.sqlite3'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['entries', 'entry_overrides', 'chain_anchors', 'audit']));
    db.close();
  });

  it('applies only the pending steps when a new migration is appended', () => {
    const file = join(dir, 'k.sqlite3');
    openDatabase(file).close();
    const extra: Migration = { version: MIGRATIONS.length + 1, name: 'extra', up: (db) => db.exec('CREATE TABLE extra (x INTEGER)') };
    const db = openDatabase(file, { migrations: [...MIGRATIONS, extra] });
    expect(schemaVersion(db)).toBe(MIGRATIONS.length + 1);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'extra'`).pluck().get()).toBe(1);
    db.close();
  });

  it('rolls back every step, user_version included, when one step fails', () => {
    const file = join(dir, 'k.sqlite3');
    const good: Migration = { version: 1, name: 'good', up: (db) => db.exec('CREATE TABLE a (x)') };
    const bad: Migration = { version: 2, name: 'bad', up: (db) => db.exec('CREATE TABLE b (x); THIS IS NOT SQL') };
    const err = storeErrorOf(() => openDatabase(file, { migrations: [good, bad] }));
    expect(err.detail).toBe('SCHEMA_INVALID');
    expect(err.message).toContain('migration 2 (bad)');
    const raw = new Database(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(0);
    expect(raw.prepare(`SELECT count(*) FROM sqlite_master WHERE name IN ('a', 'b')`).pluck().get()).toBe(0);
    raw.close();
  });

  it('refuses a database written by newer code', () => {
    const file = join(dir, 'k.sqlite3');
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    raw.close();
    const err = storeErrorOf(() => openDatabase(file));
    expect(err.reason).toBe('STORAGE_UNAVAILABLE');
    expect(err.detail).toBe('SCHEMA_TOO_NEW');
    expect(err.message).toMatch(/newer version/);
  });

  it('refuses a migration list with a gap', () => {
    const m = (version: number): Migration => ({ version, name: `m${version}`, up: () => undefined });
    const err = storeErrorOf(() => openDatabase(join(dir, 'k.sqlite3'), { migrations: [m(1), m(3)] }));
    expect(err.detail).toBe('SCHEMA_INVALID');
  });

  it('reports a file that is not a database as CORRUPT with the restore path', () => {
    const file = join(dir, 'k.sqlite3');
    writeFileSync(file, Buffer.alloc(8192, 0x41));
    const err = storeErrorOf(() => openDatabase(file));
    expect(err.reason).toBe('STORAGE_UNAVAILABLE');
    expect(err.detail).toBe('CORRUPT');
  });

  it('reports damaged pages found by quick_check with the restore command', () => {
    const file = join(dir, 'k.sqlite3');
    const db = openDatabase(file);
    db.exec('CREATE TABLE filler (x TEXT)');
    const ins = db.prepare('INSERT INTO filler VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) ins.run('x'.repeat(200) + i);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    // Overwrite the middle of the file (b-tree pages of `filler`) with garbage, keeping the header.
    const garbage = Buffer.alloc(4096 * 4, 0xff);
    const h = openSync(file, 'r+');
    writeSync(h, garbage, 0, garbage.length, 4096 * 8);
    closeSync(h);
    const err = storeErrorOf(() => openDatabase(file));
    expect(err.detail).toBe('CORRUPT');
    expect(err.message).toContain('kiosk log restore');
  });
});

