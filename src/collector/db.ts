// The collector's own SQLite database: registered kiosks, accepted batches and entries.
// Deduplication lives in primary keys, so "exactly once" holds even across a collector restart or
// two requests racing for the same batch: (kiosk, batch id) for batches, (kiosk, entry id) for entries.
import Database from 'better-sqlite3';
import type { BatchBody } from '../core/upload/protocol.js';
import { preparePrivateDbFiles, tightenDbFiles } from './files.js';

const MIGRATIONS: readonly string[] = [
  // 1: initial schema
  `CREATE TABLE kiosks (
     kiosk_id TEXT PRIMARY KEY,
     public_key BLOB NOT NULL,
     name TEXT,
     registered_at INTEGER NOT NULL,
     enabled INTEGER NOT NULL DEFAULT 1,
     last_seen_at INTEGER,
     last_upload_at INTEGER,
     last_seq INTEGER,
     backlog INTEGER,
     -- kept by storeBatch so the status page never counts millions of rows
     entry_count INTEGER NOT NULL DEFAULT 0
   ) STRICT;
   CREATE TABLE batches (
     kiosk_id TEXT NOT NULL REFERENCES kiosks(kiosk_id),
     batch_id TEXT NOT NULL,
     first_seq INTEGER NOT NULL,
     last_seq INTEGER NOT NULL,
     entry_count INTEGER NOT NULL,
     accepted INTEGER NOT NULL,
     duplicates INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     PRIMARY KEY (kiosk_id, batch_id)
   ) STRICT;
   CREATE TABLE entries (
     kiosk_id TEXT NOT NULL,
     entry_id TEXT NOT NULL,
     seq INTEGER NOT NULL,
     scanned_at INTEGER NOT NULL,
     batch_id TEXT NOT NULL,
     received_at INTEGER NOT NULL,
     record TEXT NOT NULL,
     PRIMARY KEY (kiosk_id, entry_id)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX entries_by_seq ON entries (kiosk_id, seq);`,
];

export interface KioskRow {
  kioskId: string;
  name: string | null;
  registeredAt: number;
  enabled: boolean;
  lastSeenAt: number | null;
  lastUploadAt: number | null;
  lastSeq: number | null;
  backlog: number | null;
  entries: number;
}

export interface StoreBatchResult {
  accepted: number;
  duplicates: number;
  replay: boolean;
  /** Set when this batch id was already used for a different range of entries. */
  conflict: boolean;
}

export class CollectorDb {
  readonly db: Database.Database;
  private readonly stmts;

  constructor(readonly path: string) {
    // Every kiosk's names and document numbers end up here: 0600 files in a 0700 directory (files.ts).
    if (path !== ':memory:') preparePrivateDbFiles(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // A -wal/-shm left 0644 by an older version is tightened too; new ones take the database's mode.
    if (path !== ':memory:') tightenDbFiles(path);
    // FULL: the collector answers "accepted" only for entries that survive a power cut on its side.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.stmts = {
      kiosk: this.db.prepare<[string], { public_key: Buffer; enabled: number }>('SELECT public_key, enabled FROM kiosks WHERE kiosk_id = ?'),
      batch: this.db.prepare<[string, string], { first_seq: number; last_seq: number; entry_count: number; accepted: number; duplicates: number }>(
        'SELECT first_seq, last_seq, entry_count, accepted, duplicates FROM batches WHERE kiosk_id = ? AND batch_id = ?',
      ),
      insertBatch: this.db.prepare(
        'INSERT INTO batches (kiosk_id, batch_id, first_seq, last_seq, entry_count, accepted, duplicates, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertEntry: this.db.prepare(
        'INSERT OR IGNORE INTO entries (kiosk_id, entry_id, seq, scanned_at, batch_id, received_at, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      seen: this.db.prepare('UPDATE kiosks SET last_seen_at = ?, backlog = ? WHERE kiosk_id = ?'),
      uploaded: this.db.prepare('UPDATE kiosks SET last_upload_at = ?, last_seq = max(coalesce(last_seq, 0), ?), entry_count = entry_count + ? WHERE kiosk_id = ?'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw new Error(`collector database ${this.path} has schema version ${version}, newer than this collector (${MIGRATIONS.length})`);
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  registerKiosk(kioskId: string, publicKey: Uint8Array, name: string | null, now = Date.now()): void {
    this.db
      .prepare(
        `INSERT INTO kiosks (kiosk_id, public_key, name, registered_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kiosk_id) DO UPDATE SET public_key = excluded.public_key, name = coalesce(excluded.name, kiosks.name), enabled = 1`,
      )
      .run(kioskId, Buffer.from(publicKey), name, now);
  }

  setKioskEnabled(kioskId: string, enabled: boolean): boolean {
    return this.db.prepare('UPDATE kiosks SET enabled = ? WHERE kiosk_id = ?').run(enabled ? 1 : 0, kioskId).changes === 1;
  }

  kioskKey(kioskId: string): { publicKey: Uint8Array; enabled: boolean } | null {
    const row = this.stmts.kiosk.get(kioskId);
    return row ? { publicKey: new Uint8Array(row.public_key), enabled: row.enabled === 1 } : null;
  }

  /**
   * Stores a verified batch in one transaction. A batch id seen before with the same range is a
   * replay (the kiosk never got our answer): nothing is written and the first answer is repeated.
   */
  storeBatch(batch: BatchBody, now = Date.now()): StoreBatchResult {
    return this.db.transaction((): StoreBatchResult => {
      this.stmts.seen.run(now, batch.backlog, batch.kioskId);
      const prior = this.stmts.batch.get(batch.kioskId, batch.batchId);
      if (prior) {
        const same = prior.first_seq === batch.firstSeq && prior.last_seq === batch.lastSeq && prior.entry_count === batch.entries.length;
        return { accepted: 0, duplicates: same ? batch.entries.length : 0, replay: same, conflict: !same };
      }
      let accepted = 0;
      for (const e of batch.entries) {
        accepted += this.stmts.insertEntry.run(batch.kioskId, e.id, e.s, e.t, batch.batchId, now, JSON.stringify(e.r)).changes;
      }
      const duplicates = batch.entries.length - accepted;
      this.stmts.insertBatch.run(batch.kioskId, batch.batchId, batch.firstSeq, batch.lastSeq, batch.entries.length, accepted, duplicates, now);
      this.stmts.uploaded.run(now, batch.lastSeq, accepted, batch.kioskId);
      return { accepted, duplicates, replay: false, conflict: false };
    })();
  }

  kiosks(): KioskRow[] {
    const rows = this.db
      .prepare<[], { kiosk_id: string; name: string | null; registered_at: number; enabled: number; last_seen_at: number | null; last_upload_at: number | null; last_seq: number | null; backlog: number | null; entry_count: number }>(
        'SELECT * FROM kiosks ORDER BY kiosk_id',
      )
      .all();
    return rows.map((r) => ({
      kioskId: r.kiosk_id,
      name: r.name,
      registeredAt: r.registered_at,
      enabled: r.enabled === 1,
      lastSeenAt: r.last_seen_at,
      lastUploadAt: r.last_upload_at,
      lastSeq: r.last_seq,
      backlog: r.backlog,
      entries: r.entry_count,
    }));
  }

  /** Entry ids and seqs of one kiosk in seq order (tests and operators check completeness with it). */
  entrySeqs(kioskId: string): { entryId: string; seq: number; scannedAt: number }[] {
    return this.db
      .prepare<[string], { entry_id: string; seq: number; scanned_at: number }>('SELECT entry_id, seq, scanned_at FROM entries WHERE kiosk_id = ? ORDER BY seq')
      .all(kioskId)
      .map((r) => ({ entryId: r.entry_id, seq: r.seq, scannedAt: r.scanned_at }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
