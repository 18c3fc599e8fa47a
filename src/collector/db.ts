// The collector's SQLite backend (the embedded default): registered kiosks, accepted batches and
// entries in one file, for one collector process. Deduplication lives in primary keys, so "exactly
// once" holds even across a collector restart or two requests racing for the same batch: (kiosk,
// batch id) for batches, (kiosk, entry id) for entries. The PostgreSQL backend (pg.ts) answers the
// same interface (storage.ts) for several processes sharing one database.
import Database from 'better-sqlite3';
import type { BatchBody, HeartbeatBody } from '../core/upload/protocol.js';
import { preparePrivateDbFiles, tightenDbFiles } from './files.js';
import { consoleMigration, consoleStore, sqliteExec, type ConsoleStore } from './console-store.js';
import { fleetConfigMigration, sqliteFleetConfigStore, type FleetConfigStore } from './fleet-config.js';
import { TokenBuckets, type RateLimit } from './rate-limit.js';
import { alertCounts, fleetKiosk, fleetTotal, fleetParams, fleetSql, LATEST_COLUMNS, latestRow, sqliteParams, type FleetPage, type FleetQuery, type HeartbeatRetention, type StoredHeartbeat } from './fleet.js';
import {
  entryKioskIdOf,
  indexedFields,
  type CollectorStorage,
  type CoPresentEntry,
  type KioskRow,
  type StoreBatchResult,
  type StoredBatch,
  type StoredEntry,
  type TraceAuditRow,
  type TracePassage,
  type TraceQuery,
} from './storage.js';

export type { KioskRow, StoreBatchResult } from './storage.js';

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
  // 2: tracing (the keyed document hash, venue and decision beside the record, indexed), its audit,
  // retention by scan time, and the collector's own settings (the trace key's check value).
  `ALTER TABLE entries ADD COLUMN venue_id TEXT;
   ALTER TABLE entries ADD COLUMN doc_key BLOB;
   ALTER TABLE entries ADD COLUMN decision TEXT;
   CREATE INDEX entries_by_doc ON entries (doc_key, scanned_at) WHERE doc_key IS NOT NULL;
   CREATE INDEX entries_by_venue ON entries (venue_id, scanned_at);
   CREATE INDEX entries_by_time ON entries (scanned_at);
   CREATE INDEX batches_by_time ON batches (received_at);
   CREATE TABLE collector_meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) STRICT;
   CREATE TABLE trace_audit (
     id INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     operator TEXT NOT NULL,
     reason TEXT NOT NULL,
     kind TEXT NOT NULL,
     doc_key_hex TEXT NOT NULL,
     from_ms INTEGER NOT NULL,
     to_ms INTEGER NOT NULL,
     window_minutes INTEGER,
     passages INTEGER NOT NULL,
     co_present INTEGER NOT NULL,
     via TEXT NOT NULL
   ) STRICT;`,
  // 3: the configured kioskId the kiosk's entries carry, beside the key's id it is registered under
  // (storage.ts KioskRow.entryKioskId): shown together, a difference flagged.
  `ALTER TABLE kiosks ADD COLUMN entry_kiosk_id TEXT;`,
  // 4: heartbeats (docs/upload-protocol.md §11): each kiosk's latest (what the fleet view reads, one
  // row per kiosk) and a bounded history keyed by the kiosk's sentAt (a replay is a duplicate key).
  `CREATE TABLE kiosk_heartbeats_latest (
     kiosk_id TEXT PRIMARY KEY REFERENCES kiosks(kiosk_id),
     received_at INTEGER NOT NULL,
     sent_at INTEGER NOT NULL,
     clock_offset_ms INTEGER NOT NULL,
     venue_id TEXT,
     software_version TEXT NOT NULL,
     config_revision INTEGER,
     trust_state TEXT NOT NULL,
     trust_seq INTEGER,
     trust_issued_est INTEGER,
     status_state TEXT NOT NULL,
     status_seq INTEGER,
     status_issued_est INTEGER,
     backlog INTEGER NOT NULL,
     free_disk_bytes INTEGER,
     devices_down INTEGER NOT NULL,
     body TEXT NOT NULL
   ) STRICT;
   CREATE INDEX heartbeats_latest_by_venue ON kiosk_heartbeats_latest (venue_id);
   CREATE TABLE kiosk_heartbeats (
     kiosk_id TEXT NOT NULL,
     sent_at INTEGER NOT NULL,
     received_at INTEGER NOT NULL,
     clock_offset_ms INTEGER NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (kiosk_id, sent_at)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX heartbeats_by_arrival ON kiosk_heartbeats (kiosk_id, received_at);`,
  // 5: the fleet console (docs/fleet.md): operator accounts, login failures, sessions, its audit.
  consoleMigration('sqlite'),
  // 6: signed fleet configuration bundles (docs/upload-protocol.md §12).
  fleetConfigMigration('sqlite'),
];

export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

export class CollectorDb implements CollectorStorage {
  readonly backend = 'sqlite' as const;
  readonly db: Database.Database;
  private readonly stmts;
  /**
   * Rate limits live in this process: a SQLite collector is one process on one host (several
   * processes on one file would queue on its single writer anyway), so its memory is the whole of
   * the state; writing a row per request would cost an fsync each under synchronous = FULL.
   */
  private readonly buckets = new Map<string, TokenBuckets>();
  private bucketNow = 0;
  /** The fleet console's accounts, sessions and audit (console-store.ts). */
  readonly console: ConsoleStore;
  /** Signed fleet configuration bundles (fleet-config.ts). */
  readonly fleetConfig: FleetConfigStore;

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
    this.console = consoleStore(sqliteExec(this.db));
    this.fleetConfig = sqliteFleetConfigStore(this.db);
    this.stmts = {
      kiosk: this.db.prepare<[string], { public_key: Buffer; enabled: number }>('SELECT public_key, enabled FROM kiosks WHERE kiosk_id = ?'),
      batch: this.db.prepare<[string, string], { first_seq: number; last_seq: number; entry_count: number; accepted: number; duplicates: number }>(
        'SELECT first_seq, last_seq, entry_count, accepted, duplicates FROM batches WHERE kiosk_id = ? AND batch_id = ?',
      ),
      insertBatch: this.db.prepare(
        'INSERT INTO batches (kiosk_id, batch_id, first_seq, last_seq, entry_count, accepted, duplicates, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertEntry: this.db.prepare(
        'INSERT OR IGNORE INTO entries (kiosk_id, entry_id, seq, scanned_at, batch_id, received_at, record, venue_id, doc_key, decision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      seen: this.db.prepare('UPDATE kiosks SET last_seen_at = ?, backlog = ? WHERE kiosk_id = ?'),
      uploaded: this.db.prepare('UPDATE kiosks SET last_upload_at = ?, last_seq = max(coalesce(last_seq, 0), ?), entry_count = entry_count + ?, entry_kiosk_id = coalesce(?, entry_kiosk_id) WHERE kiosk_id = ?'),
    };
  }

  get location(): string {
    return this.path;
  }

  /**
   * The version is read again under the write lock (BEGIN IMMEDIATE) before migrating: two processes
   * opening a file that is behind (`kiosk collector serve` starting while `kiosk collector register`
   * runs, or both after an upgrade) otherwise both read the old version, and the second re-ran a
   * migration and failed ("duplicate column name", "table kiosks already exists"). PostgreSQL takes
   * an advisory lock for the same reason (pg.ts). An up-to-date file takes no write lock.
   */
  private migrate(): void {
    const version = (): number => {
      const v = this.db.pragma('user_version', { simple: true }) as number;
      if (v > MIGRATIONS.length) throw new Error(`collector database ${this.path} has schema version ${v}, newer than this collector (${MIGRATIONS.length})`);
      return v;
    };
    if (version() === MIGRATIONS.length) return;
    this.db
      .transaction(() => {
        for (let v = version(); v < MIGRATIONS.length; v++) {
          this.db.exec(MIGRATIONS[v]!);
          this.db.pragma(`user_version = ${v + 1}`);
        }
      })
      .immediate();
  }

  async registerKiosk(kioskId: string, publicKey: Uint8Array, name: string | null, now = Date.now()): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO kiosks (kiosk_id, public_key, name, registered_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kiosk_id) DO UPDATE SET public_key = excluded.public_key, name = coalesce(excluded.name, kiosks.name), enabled = 1`,
      )
      .run(kioskId, Buffer.from(publicKey), name, now);
  }

  async removeKiosk(kioskId: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM kiosks WHERE kiosk_id = ? AND NOT EXISTS (SELECT 1 FROM batches WHERE kiosk_id = ?)').run(kioskId, kioskId).changes === 1;
  }

  async setKioskEnabled(kioskId: string, enabled: boolean): Promise<boolean> {
    return this.db.prepare('UPDATE kiosks SET enabled = ? WHERE kiosk_id = ?').run(enabled ? 1 : 0, kioskId).changes === 1;
  }

  async kioskKey(kioskId: string): Promise<{ publicKey: Uint8Array; enabled: boolean } | null> {
    const row = this.stmts.kiosk.get(kioskId);
    return row ? { publicKey: new Uint8Array(row.public_key), enabled: row.enabled === 1 } : null;
  }

  async storeBatch(batch: BatchBody, docKeyOf: (record: Record<string, unknown>) => string | null, now = Date.now()): Promise<StoreBatchResult> {
    return this.db.transaction((): StoreBatchResult => {
      this.stmts.seen.run(now, batch.backlog, batch.kioskId);
      const prior = this.stmts.batch.get(batch.kioskId, batch.batchId);
      if (prior) {
        const same = prior.first_seq === batch.firstSeq && prior.last_seq === batch.lastSeq && prior.entry_count === batch.entries.length;
        return { accepted: 0, duplicates: same ? batch.entries.length : 0, replay: same, conflict: !same };
      }
      let accepted = 0;
      for (const e of batch.entries) {
        const { venueId, decision } = indexedFields(e.r);
        const docKey = docKeyOf(e.r);
        accepted += this.stmts.insertEntry.run(batch.kioskId, e.id, e.s, e.t, batch.batchId, now, JSON.stringify(e.r), venueId, docKey === null ? null : Buffer.from(docKey, 'hex'), decision).changes;
      }
      const duplicates = batch.entries.length - accepted;
      this.stmts.insertBatch.run(batch.kioskId, batch.batchId, batch.firstSeq, batch.lastSeq, batch.entries.length, accepted, duplicates, now);
      this.stmts.uploaded.run(now, batch.lastSeq, accepted, entryKioskIdOf(batch.entries), batch.kioskId);
      return { accepted, duplicates, replay: false, conflict: false };
    })();
  }

  async kiosks(): Promise<KioskRow[]> {
    const rows = this.db
      .prepare<[], { kiosk_id: string; name: string | null; registered_at: number; enabled: number; last_seen_at: number | null; last_upload_at: number | null; last_seq: number | null; backlog: number | null; entry_count: number; entry_kiosk_id: string | null }>(
        'SELECT kiosk_id, name, registered_at, enabled, last_seen_at, last_upload_at, last_seq, backlog, entry_count, entry_kiosk_id FROM kiosks ORDER BY kiosk_id',
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
      entryKioskId: r.entry_kiosk_id,
    }));
  }

  async entrySeqs(kioskId: string): Promise<{ entryId: string; seq: number; scannedAt: number }[]> {
    return this.db
      .prepare<[string], { entry_id: string; seq: number; scanned_at: number }>('SELECT entry_id, seq, scanned_at FROM entries WHERE kiosk_id = ? ORDER BY seq')
      .all(kioskId)
      .map((r) => ({ entryId: r.entry_id, seq: r.seq, scannedAt: r.scanned_at }));
  }

  async entries(kioskId: string): Promise<StoredEntry[]> {
    return this.db
      .prepare<[string], { entry_id: string; seq: number; scanned_at: number; batch_id: string; record: string }>('SELECT entry_id, seq, scanned_at, batch_id, record FROM entries WHERE kiosk_id = ? ORDER BY seq')
      .all(kioskId)
      .map((r) => ({ entryId: r.entry_id, seq: r.seq, scannedAt: r.scanned_at, batchId: r.batch_id, record: JSON.parse(r.record) as Record<string, unknown> }));
  }

  async batches(): Promise<StoredBatch[]> {
    return this.db
      .prepare<[], { kiosk_id: string; batch_id: string; first_seq: number; last_seq: number; entry_count: number; accepted: number; duplicates: number }>(
        'SELECT kiosk_id, batch_id, first_seq, last_seq, entry_count, accepted, duplicates FROM batches ORDER BY rowid',
      )
      .all()
      .map((r) => ({ kioskId: r.kiosk_id, batchId: r.batch_id, firstSeq: r.first_seq, lastSeq: r.last_seq, entryCount: r.entry_count, accepted: r.accepted, duplicates: r.duplicates }));
  }

  async counts(): Promise<{ entries: number; distinctSeqs: number; batches: number; acceptedSum: number }> {
    const e = this.db.prepare<[], { n: number; d: number }>('SELECT count(*) AS n, (SELECT count(*) FROM (SELECT DISTINCT kiosk_id, seq FROM entries)) AS d FROM entries').get()!;
    const b = this.db.prepare<[], { n: number; a: number | null }>('SELECT count(*) AS n, sum(accepted) AS a FROM batches').get()!;
    return { entries: e.n, distinctSeqs: e.d, batches: b.n, acceptedSum: b.a ?? 0 };
  }

  async takeRateToken(key: string, limit: RateLimit, nowMs: number): Promise<number> {
    const id = `${limit.burst}/${limit.perSecond}`;
    let buckets = this.buckets.get(id);
    if (!buckets) {
      buckets = new TokenBuckets(limit, () => this.bucketNow);
      this.buckets.set(id, buckets);
    }
    this.bucketNow = nowMs;
    return buckets.take(key);
  }

  async traceKeyCheck(check: string): Promise<'set' | 'same' | 'different'> {
    const row = this.db.prepare<[string], { value: Buffer | string }>('SELECT value FROM collector_meta WHERE key = ?').get('trace_key_check');
    if (!row) {
      this.db.prepare('INSERT INTO collector_meta (key, value) VALUES (?, ?)').run('trace_key_check', Buffer.from(check, 'utf8'));
      return 'set';
    }
    return Buffer.from(row.value).toString('utf8') === check ? 'same' : 'different';
  }

  async storedTraceKey(make: () => Buffer): Promise<Buffer> {
    return this.db.transaction(() => {
      const row = this.db.prepare<[string], { value: Buffer }>('SELECT value FROM collector_meta WHERE key = ?').get('trace_key');
      if (row) return Buffer.from(row.value);
      const key = make();
      this.db.prepare('INSERT INTO collector_meta (key, value) VALUES (?, ?)').run('trace_key', key);
      return key;
    })();
  }

  async trace(query: TraceQuery): Promise<{ passages: TracePassage[]; coPresent: CoPresentEntry[] }> {
    // Found by the indexed keyed hash (entries_by_doc), never by reading records.
    const passages = this.db
      .prepare<[Buffer, number, number], { kiosk_id: string; entry_id: string; venue_id: string | null; scanned_at: number; decision: string | null }>(
        'SELECT kiosk_id, entry_id, venue_id, scanned_at, decision FROM entries WHERE doc_key = ? AND scanned_at BETWEEN ? AND ? ORDER BY scanned_at, kiosk_id, entry_id',
      )
      .all(query.docKey, query.from, query.to)
      .map(toPassage);
    const coPresent: CoPresentEntry[] = [];
    if (query.windowMinutes !== undefined) {
      const w = query.windowMinutes * 60_000;
      const limit = query.coPresentLimit ?? 10_000;
      const near = this.db.prepare<[string, number, number, Buffer], { kiosk_id: string; entry_id: string; venue_id: string | null; scanned_at: number; decision: string | null; record: string }>(
        `SELECT kiosk_id, entry_id, venue_id, scanned_at, decision, record FROM entries
         WHERE venue_id = ? AND scanned_at BETWEEN ? AND ? AND (doc_key IS NULL OR doc_key <> ?)
         ORDER BY scanned_at, kiosk_id, entry_id`,
      );
      for (const p of passages) {
        if (p.venueId === null) continue;
        for (const r of near.all(p.venueId, p.scannedAt - w, p.scannedAt + w, query.docKey)) {
          if (coPresent.length >= limit) break;
          coPresent.push({ ...toPassage(r), ...people(r.record), nearEntryId: p.entryId });
        }
      }
    }
    return { passages, coPresent };
  }

  async audit(row: TraceAuditRow): Promise<void> {
    this.db
      .prepare('INSERT INTO trace_audit (at, operator, reason, kind, doc_key_hex, from_ms, to_ms, window_minutes, passages, co_present, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(row.at, row.operator, row.reason, row.kind, row.docKeyHex, row.from, row.to, row.windowMinutes, row.passages, row.coPresent, row.via);
  }

  async auditRows(): Promise<TraceAuditRow[]> {
    return this.db
      .prepare<[], Record<string, unknown>>('SELECT at, operator, reason, kind, doc_key_hex, from_ms, to_ms, window_minutes, passages, co_present, via FROM trace_audit ORDER BY id')
      .all()
      .map(auditRow);
  }

  async purgeBatch(cutoffMs: number, limit: number): Promise<number> {
    // Short transactions of `limit` rows: the single writer is held only that long, so ingest goes on
    // between them (docs/upload-protocol.md §9).
    return this.db.transaction(() => {
      const gone = this.db
        .prepare('DELETE FROM entries WHERE (kiosk_id, entry_id) IN (SELECT kiosk_id, entry_id FROM entries WHERE scanned_at < ? LIMIT ?)')
        .run(cutoffMs, limit).changes;
      if (gone < limit) this.db.prepare('DELETE FROM batches WHERE rowid IN (SELECT rowid FROM batches WHERE received_at < ? LIMIT ?)').run(cutoffMs, limit - gone);
      return gone;
    })();
  }

  async storeHeartbeat(hb: HeartbeatBody, receivedAt: number, clockOffsetMs: number, keep: HeartbeatRetention): Promise<'stored' | 'duplicate'> {
    const row = latestRow(hb, receivedAt, clockOffsetMs);
    return this.db.transaction((): 'stored' | 'duplicate' => {
      const added = this.db
        .prepare('INSERT OR IGNORE INTO kiosk_heartbeats (kiosk_id, sent_at, received_at, clock_offset_ms, body) VALUES (?, ?, ?, ?, ?)')
        .run(hb.kioskId, hb.sentAt, receivedAt, clockOffsetMs, row.body).changes;
      if (added === 0) return 'duplicate';
      // A heartbeat is the kiosk heard from, as a batch is: the status list's "last seen" and backlog
      // (docs/upload-protocol.md §11, "What the collector keeps"), so a kiosk with nothing to upload
      // does not look gone there while the fleet view shows it reporting.
      this.stmts.seen.run(receivedAt, hb.backlog, hb.kioskId);
      this.db
        .prepare(`INSERT OR REPLACE INTO kiosk_heartbeats_latest (${LATEST_COLUMNS.join(', ')}) VALUES (${LATEST_COLUMNS.map((c) => `@${c}`).join(', ')})`)
        .run(row);
      // Bounded work per heartbeat: normally one row falls off (the oldest by age, or the one past
      // `keep.count`), found through heartbeats_by_arrival; at most a few after a gap.
      this.db
        .prepare(
          `DELETE FROM kiosk_heartbeats WHERE kiosk_id = @k AND sent_at IN (
             SELECT sent_at FROM kiosk_heartbeats WHERE kiosk_id = @k AND received_at < @cut ORDER BY received_at LIMIT 16)`,
        )
        .run({ k: hb.kioskId, cut: receivedAt - keep.ms });
      this.db
        .prepare(
          `DELETE FROM kiosk_heartbeats WHERE kiosk_id = @k AND sent_at IN (
             SELECT sent_at FROM kiosk_heartbeats WHERE kiosk_id = @k ORDER BY received_at DESC, sent_at DESC LIMIT 16 OFFSET @keep)`,
        )
        .run({ k: hb.kioskId, keep: keep.count });
      return 'stored';
    })();
  }

  async heartbeatHistory(kioskId: string, limit: number): Promise<StoredHeartbeat[]> {
    return this.db
      .prepare<[string, number], { received_at: number; clock_offset_ms: number; body: string }>(
        'SELECT received_at, clock_offset_ms, body FROM kiosk_heartbeats WHERE kiosk_id = ? ORDER BY received_at DESC, sent_at DESC LIMIT ?',
      )
      .all(kioskId, limit)
      .map((r) => ({ kioskId, receivedAt: r.received_at, clockOffsetMs: r.clock_offset_ms, body: JSON.parse(r.body) as HeartbeatBody }));
  }

  async fleet(query: FleetQuery): Promise<FleetPage> {
    const sql = fleetSql('k.enabled = 1', { venue: Boolean(query.venue) });
    const params = fleetParams(query);
    const page = sqliteParams(sql.page, params);
    const rows = this.db.prepare(page.sql).all(page.params) as Record<string, unknown>[];
    const counts = sqliteParams(sql.counts, { ...params, alert: null });
    const c = this.db.prepare(counts.sql).get(counts.params) as Record<string, unknown>;
    return {
      total: fleetTotal(c, query),
      page: query.page,
      pageSize: query.pageSize,
      alertCounts: alertCounts(c),
      kiosks: rows.map((r) => fleetKiosk(r, query.now)),
    };
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toPassage(r: { kiosk_id: string; entry_id: string; venue_id: string | null; scanned_at: number | string; decision: string | null }): TracePassage {
  return { kioskId: r.kiosk_id, entryId: r.entry_id, venueId: r.venue_id, scannedAt: Number(r.scanned_at), decision: r.decision };
}

/** Name and number of a co-present person, from the record as the kiosk uploaded it. */
export function people(record: string | Record<string, unknown>): { holderName: string | null; documentNumber: string | null } {
  const r = typeof record === 'string' ? (JSON.parse(record) as Record<string, unknown>) : record;
  return { holderName: typeof r.holderName === 'string' ? r.holderName : null, documentNumber: typeof r.documentNumber === 'string' ? r.documentNumber : null };
}

export function auditRow(r: Record<string, unknown>): TraceAuditRow {
  return {
    at: Number(r.at),
    operator: String(r.operator),
    reason: String(r.reason),
    kind: String(r.kind),
    docKeyHex: String(r.doc_key_hex),
    from: Number(r.from_ms),
    to: Number(r.to_ms),
    windowMinutes: r.window_minutes === null ? null : Number(r.window_minutes),
    passages: Number(r.passages),
    coPresent: Number(r.co_present),
    via: String(r.via),
  };
}
