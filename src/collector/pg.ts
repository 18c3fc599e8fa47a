// The collector's PostgreSQL backend: one database shared by any number of collector processes on
// any number of hosts (docs/upload-protocol.md §7). Nothing that matters lives in a process:
// exactly-once is in primary keys (ON CONFLICT DO NOTHING), the replay window is the batches table,
// and the per-kiosk rate limit is a row per kiosk updated in one statement, so N processes behind a
// balancer give a kiosk one budget, not N. Parameterised queries only; a batch goes in by one call
// of the store_batch function (migration 7): one INSERT … SELECT FROM unnest(…) for its entries and
// the kiosk and batch rows around it, one round trip.
import pg from 'pg';
import type { BatchBody, HeartbeatBody } from '../core/upload/protocol.js';
import type { RateLimit } from './rate-limit.js';
import { alertCounts, fleetKiosk, fleetParams, fleetSql, fleetTotal, LATEST_COLUMNS, latestRow, pgParams, type FleetPage, type FleetQuery, type HeartbeatRetention, type StoredHeartbeat } from './fleet.js';
import { auditRow, people } from './db.js';
import { consoleMigration, consoleStore, pgExec, type ConsoleStore } from './console-store.js';
import { fleetConfigMigration, pgFleetConfigStore, type FleetConfigStore } from './fleet-config.js';
import {
  entryKioskIdOf,
  indexedFields,
  redactDatabaseUrl,
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

/** Numbered migrations; `collector_schema` records which ran. Each runs in its own transaction. */
const MIGRATIONS: readonly string[] = [
  // 1: the schema of SQLite's migrations 1 and 2 together, in PostgreSQL's types.
  `CREATE TABLE kiosks (
     kiosk_id text PRIMARY KEY,
     public_key bytea NOT NULL,
     name text,
     registered_at bigint NOT NULL,
     enabled boolean NOT NULL DEFAULT true,
     last_seen_at bigint,
     last_upload_at bigint,
     last_seq bigint,
     backlog bigint,
     -- kept by storeBatch so the status page never counts millions of rows
     entry_count bigint NOT NULL DEFAULT 0
   );
   CREATE TABLE batches (
     arrival bigserial NOT NULL,
     kiosk_id text NOT NULL REFERENCES kiosks (kiosk_id),
     batch_id text NOT NULL,
     first_seq bigint NOT NULL,
     last_seq bigint NOT NULL,
     entry_count integer NOT NULL,
     accepted integer NOT NULL,
     duplicates integer NOT NULL,
     received_at bigint NOT NULL,
     PRIMARY KEY (kiosk_id, batch_id)
   );
   CREATE INDEX batches_by_time ON batches (received_at);
   CREATE TABLE entries (
     kiosk_id text NOT NULL,
     entry_id text NOT NULL,
     seq bigint NOT NULL,
     scanned_at bigint NOT NULL,
     batch_id text NOT NULL,
     received_at bigint NOT NULL,
     record text NOT NULL,
     venue_id text,
     doc_key bytea,
     decision text,
     PRIMARY KEY (kiosk_id, entry_id)
   );
   CREATE INDEX entries_by_seq ON entries (kiosk_id, seq);
   CREATE INDEX entries_by_doc ON entries (doc_key, scanned_at) WHERE doc_key IS NOT NULL;
   CREATE INDEX entries_by_venue ON entries (venue_id, scanned_at);
   -- Rows arrive roughly in scan-time order: a BRIN index finds the retention's old rows for a few
   -- pages of index, where a B-tree would cost every insert another descent.
   CREATE INDEX entries_by_time ON entries USING brin (scanned_at);
   CREATE TABLE collector_meta (key text PRIMARY KEY, value bytea NOT NULL);
   CREATE TABLE trace_audit (
     id bigserial PRIMARY KEY,
     at bigint NOT NULL,
     operator text NOT NULL,
     reason text NOT NULL,
     kind text NOT NULL,
     doc_key_hex text NOT NULL,
     from_ms bigint NOT NULL,
     to_ms bigint NOT NULL,
     window_minutes integer,
     passages integer NOT NULL,
     co_present integer NOT NULL,
     via text NOT NULL
   );
   -- UNLOGGED: a rate limit's state is worth nothing after a crash, and its updates then cost no WAL.
   CREATE UNLOGGED TABLE rate_buckets (key text PRIMARY KEY, tokens double precision NOT NULL, at_ms bigint NOT NULL, ok boolean NOT NULL);`,
  // 2: SQLite's migration 3: the configured kioskId the kiosk's entries carry (storage.ts KioskRow.entryKioskId).
  `ALTER TABLE kiosks ADD COLUMN entry_kiosk_id text;`,
  // 3: SQLite's migration 4: heartbeats (docs/upload-protocol.md §11), each kiosk's latest and a
  // bounded history keyed by the kiosk's sentAt (a replay is a duplicate key).
  `CREATE TABLE kiosk_heartbeats_latest (
     kiosk_id text PRIMARY KEY REFERENCES kiosks (kiosk_id),
     received_at bigint NOT NULL,
     sent_at bigint NOT NULL,
     clock_offset_ms bigint NOT NULL,
     venue_id text,
     software_version text NOT NULL,
     config_revision bigint,
     trust_state text NOT NULL,
     trust_seq bigint,
     trust_issued_est bigint,
     status_state text NOT NULL,
     status_seq bigint,
     status_issued_est bigint,
     backlog bigint NOT NULL,
     free_disk_bytes bigint,
     devices_down integer NOT NULL,
     body text NOT NULL
   );
   CREATE INDEX heartbeats_latest_by_venue ON kiosk_heartbeats_latest (venue_id);
   CREATE TABLE kiosk_heartbeats (
     kiosk_id text NOT NULL,
     sent_at bigint NOT NULL,
     received_at bigint NOT NULL,
     clock_offset_ms bigint NOT NULL,
     body text NOT NULL,
     PRIMARY KEY (kiosk_id, sent_at)
   );
   CREATE INDEX heartbeats_by_arrival ON kiosk_heartbeats (kiosk_id, received_at);`,
  // 4: entries_by_seq goes. No query needs it: exactly-once is the primary key (kiosk, entry id);
  // tracing goes through entries_by_doc (since migration 8, entries_by_doc_tag) and entries_by_venue,
  // retention through the BRIN; a kiosk's entries in seq order (an operator's export, the tests) take
  // the primary key's kiosk prefix and a sort. Every stored row paid for it: one more B-tree insert and its WAL, a tenth of PostgreSQL's
  // CPU per row in the fleet benchmark (docs/upload-protocol.md §10).
  `DROP INDEX IF EXISTS entries_by_seq;`,
  // 5: SQLite's migration 5: the fleet console (docs/fleet.md): operator accounts, login failures,
  // sessions, its audit.
  consoleMigration('postgres'),
  // 6: SQLite's migration 6: signed fleet configuration bundles (docs/upload-protocol.md §12).
  fleetConfigMigration('postgres'),
  // 7: storeBatch in one round trip (docs/upload-protocol.md §10): the kiosk row, the batch row, the
  // entries and both counters in one call, where they were six statements and BEGIN/COMMIT, each
  // parsed and planned again on every batch; plpgsql keeps its statements' plans. The entries go in
  // by a plain INSERT first: ON CONFLICT pays a speculative insertion per row (an extra probe of the
  // primary key and an extra WAL record to confirm the row), and a verified batch under a fresh batch
  // id almost never repeats an entry. When one does, the primary key refuses it (unique_violation),
  // the block's subtransaction undoes the plain INSERT and the same rows go in with ON CONFLICT DO
  // NOTHING: exactly-once stays in the primary key either way. Document hashes come as one bytea,
  // 32 bytes an entry, all zero for none (an HMAC-SHA256 is all zero with odds of 2^-256): one
  // binary parameter, not an array of hex texts.
  `CREATE FUNCTION store_batch(
     p_kiosk text, p_batch text, p_first bigint, p_last bigint, p_backlog bigint, p_now bigint, p_entry_kiosk text,
     p_ids text[], p_seqs bigint[], p_times bigint[], p_records text, p_venues text[], p_keys bytea, p_decisions text[],
     OUT accepted integer, OUT duplicates integer, OUT replay boolean, OUT conflict boolean)
   LANGUAGE plpgsql AS $fn$
   DECLARE
     n integer := cardinality(p_ids);
     no_key constant bytea := decode(repeat('00', 32), 'hex');
     prior record;
   BEGIN
     -- The kiosk's row first: a kiosk's batches (and two processes racing with the same one) queue
     -- here, and every transaction takes its locks in the same order.
     UPDATE kiosks SET last_seen_at = p_now, backlog = p_backlog WHERE kiosk_id = p_kiosk;
     INSERT INTO batches (kiosk_id, batch_id, first_seq, last_seq, entry_count, accepted, duplicates, received_at)
       VALUES (p_kiosk, p_batch, p_first, p_last, n, 0, 0, p_now) ON CONFLICT (kiosk_id, batch_id) DO NOTHING;
     IF NOT FOUND THEN
       SELECT b.first_seq, b.last_seq, b.entry_count INTO prior FROM batches b WHERE b.kiosk_id = p_kiosk AND b.batch_id = p_batch;
       replay := prior.first_seq = p_first AND prior.last_seq = p_last AND prior.entry_count = n;
       accepted := 0;
       duplicates := CASE WHEN replay THEN n ELSE 0 END;
       conflict := NOT replay;
       RETURN;
     END IF;
     BEGIN
       INSERT INTO entries (kiosk_id, entry_id, seq, scanned_at, batch_id, received_at, record, venue_id, doc_key, decision)
         SELECT p_kiosk, t.id, t.s, t.t, p_batch, p_now, t.r, t.v, nullif(substring(p_keys FROM t.i::integer * 32 - 31 FOR 32), no_key), t.d
           FROM unnest(p_ids, p_seqs, p_times, string_to_array(p_records, E'\\n'), p_venues, p_decisions) WITH ORDINALITY AS t(id, s, t, r, v, d, i);
       GET DIAGNOSTICS accepted = ROW_COUNT;
     EXCEPTION WHEN unique_violation THEN
       INSERT INTO entries (kiosk_id, entry_id, seq, scanned_at, batch_id, received_at, record, venue_id, doc_key, decision)
         SELECT p_kiosk, t.id, t.s, t.t, p_batch, p_now, t.r, t.v, nullif(substring(p_keys FROM t.i::integer * 32 - 31 FOR 32), no_key), t.d
           FROM unnest(p_ids, p_seqs, p_times, string_to_array(p_records, E'\\n'), p_venues, p_decisions) WITH ORDINALITY AS t(id, s, t, r, v, d, i)
         ON CONFLICT (kiosk_id, entry_id) DO NOTHING;
       GET DIAGNOSTICS accepted = ROW_COUNT;
     END;
     duplicates := n - accepted;
     replay := false;
     conflict := false;
     UPDATE batches SET accepted = store_batch.accepted, duplicates = store_batch.duplicates WHERE kiosk_id = p_kiosk AND batch_id = p_batch;
     UPDATE kiosks SET last_upload_at = p_now, last_seq = greatest(coalesce(last_seq, 0), p_last), entry_count = entry_count + store_batch.accepted,
                       entry_kiosk_id = coalesce(p_entry_kiosk, entry_kiosk_id)
      WHERE kiosk_id = p_kiosk;
   END
   $fn$;`,
  // 8: tracing finds a person through an 8-byte tag, the hash's first 8 bytes as a bigint
  // (doc_tag(doc_key), entries_by_doc_tag), where entries_by_doc held the whole 32-byte hash. Each
  // stored entry makes one insert at a random place in this index (hashes are random), and that is
  // most of what PostgreSQL spends on a row: the smaller the index, the fewer pages the inserts touch,
  // fault in and write whole to the WAL after a checkpoint (docs/upload-protocol.md §10). Two people
  // may share a tag (odds 2^-64 a pair), so a trace asks for the whole hash as well: the tag only finds
  // the rows. An index on an expression, not a column the collector fills: upgrading rewrites no row
  // (a column would have to be filled in for every stored entry under the table's lock), and the
  // index is built once from the hashes already there (docs/upload-protocol.md §7, "Upgrading").
  `CREATE FUNCTION doc_tag(bytea) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
     AS $$ SELECT ('x' || encode(substring($1 FROM 1 FOR 8), 'hex'))::bit(64)::bigint $$;
   CREATE INDEX entries_by_doc_tag ON entries (doc_tag(doc_key), scanned_at) WHERE doc_key IS NOT NULL;
   DROP INDEX entries_by_doc;`,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;
/** The migrations' SQL, for the test that upgrades a database made by an older collector. */
export const PG_MIGRATIONS = MIGRATIONS;

/** Any number advisory-locks the migrations: collectors starting together migrate once. */
const MIGRATION_LOCK = 0x6b696f736b; // "kiosk"

export class PgCollectorStorage implements CollectorStorage {
  readonly backend = 'postgres' as const;
  readonly location: string;
  /** The fleet console's accounts, sessions and audit (console-store.ts). */
  readonly console: ConsoleStore;
  /** Signed fleet configuration bundles (fleet-config.ts). */
  readonly fleetConfig: FleetConfigStore;

  private constructor(private readonly pool: pg.Pool, url: string) {
    this.location = redactDatabaseUrl(url);
    this.console = consoleStore(pgExec(pool));
    this.fleetConfig = pgFleetConfigStore(pool);
  }

  static async open(url: string, options: { poolSize?: number } = {}): Promise<PgCollectorStorage> {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 8, idleTimeoutMillis: 30_000 });
    // An idle connection the server ended (a restart, a failover) must not end the process; the next
    // query gets a new connection.
    pool.on('error', () => undefined);
    const storage = new PgCollectorStorage(pool, url);
    try {
      await storage.migrate();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return storage;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await client.query('CREATE TABLE IF NOT EXISTS collector_schema (version integer PRIMARY KEY, applied_at bigint NOT NULL)');
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM collector_schema');
      const version = rows[0]?.v ?? 0;
      if (version > MIGRATIONS.length) throw new Error(`collector database ${this.location} has schema version ${version}, newer than this collector (${MIGRATIONS.length})`);
      for (let v = version; v < MIGRATIONS.length; v++) {
        await client.query(MIGRATIONS[v]!);
        await client.query('INSERT INTO collector_schema (version, applied_at) VALUES ($1, $2)', [v + 1, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await work(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async registerKiosk(kioskId: string, publicKey: Uint8Array, name: string | null, now = Date.now()): Promise<void> {
    await this.pool.query(
      `INSERT INTO kiosks (kiosk_id, public_key, name, registered_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kiosk_id) DO UPDATE SET public_key = excluded.public_key, name = coalesce(excluded.name, kiosks.name), enabled = true`,
      [kioskId, Buffer.from(publicKey), name, now],
    );
  }

  async removeKiosk(kioskId: string): Promise<boolean> {
    const r = await this.pool.query('DELETE FROM kiosks WHERE kiosk_id = $1 AND NOT EXISTS (SELECT 1 FROM batches WHERE kiosk_id = $1)', [kioskId]);
    return r.rowCount === 1;
  }

  async setKioskEnabled(kioskId: string, enabled: boolean): Promise<boolean> {
    return (await this.pool.query('UPDATE kiosks SET enabled = $1 WHERE kiosk_id = $2', [enabled, kioskId])).rowCount === 1;
  }

  async kioskKey(kioskId: string): Promise<{ publicKey: Uint8Array; enabled: boolean } | null> {
    const { rows } = await this.pool.query<{ public_key: Buffer; enabled: boolean }>('SELECT public_key, enabled FROM kiosks WHERE kiosk_id = $1', [kioskId]);
    const row = rows[0];
    return row ? { publicKey: new Uint8Array(row.public_key), enabled: row.enabled } : null;
  }

  async storeBatch(batch: BatchBody, docKeyOf: (record: Record<string, unknown>) => string | null, now = Date.now()): Promise<StoreBatchResult> {
    const n = batch.entries.length;
    const ids = new Array<string>(n);
    const seqs = new Array<number>(n);
    const times = new Array<number>(n);
    const records = new Array<string>(n);
    let recordBytes = n - 1;
    const venues = new Array<string | null>(n);
    const decisions = new Array<string | null>(n);
    // Zero-filled: an entry with no document keeps the all-zero hash migration 7 reads as none.
    const keys = Buffer.alloc(n * 32);
    for (let i = 0; i < n; i++) {
      const e = batch.entries[i]!;
      const f = indexedFields(e.r);
      ids[i] = e.id;
      seqs[i] = e.s;
      times[i] = e.t;
      const record = JSON.stringify(e.r);
      records[i] = record;
      recordBytes += Buffer.byteLength(record);
      venues[i] = f.venueId;
      decisions[i] = f.decision;
      const key = docKeyOf(e.r);
      if (key !== null) keys.write(key, i * 32, 32, 'hex');
    }
    // One call (migration 7's store_batch), one transaction of its own. The records go as one text,
    // one per line, split by string_to_array: JSON.stringify never writes a raw line feed (it escapes
    // control characters inside strings and adds no whitespace), so the split gives back each record
    // exactly; and a text parameter is sent as it is, where a text[] element is quoted and every `"`
    // and `\` in it escaped, on the collector's CPU, and parsed back by array_in on PostgreSQL's
    // (docs/upload-protocol.md §10). That text is written as UTF-8 straight into a Buffer (node-postgres
    // sends a Buffer in binary format, which for text is its UTF-8 bytes): joined into one string
    // first, a batch's records (hundreds of KB) made a string V8 puts in its large-object space, a
    // fresh mapping every batch whose every page faults in, which cost more than the rest of the
    // records' handling (§10, "fourth round"). The hashes are a Buffer too.
    const recordText = Buffer.allocUnsafe(Math.max(0, recordBytes));
    for (let i = 0, at = 0; i < n; i++) {
      if (i > 0) recordText[at++] = 0x0a;
      at += recordText.write(records[i]!, at);
    }
    const { rows } = await this.pool.query<StoreBatchResult>('SELECT accepted, duplicates, replay, conflict FROM store_batch($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)', [
      batch.kioskId,
      batch.batchId,
      batch.firstSeq,
      batch.lastSeq,
      batch.backlog,
      now,
      entryKioskIdOf(batch.entries),
      textArrayLiteral(ids),
      integerArrayLiteral(seqs),
      integerArrayLiteral(times),
      recordText,
      textArrayLiteral(venues),
      keys,
      textArrayLiteral(decisions),
    ]);
    const r = rows[0]!;
    return { accepted: r.accepted, duplicates: r.duplicates, replay: r.replay, conflict: r.conflict };
  }

  async kiosks(): Promise<KioskRow[]> {
    const { rows } = await this.pool.query<Record<string, string | number | boolean | null>>(
      'SELECT kiosk_id, name, registered_at, enabled, last_seen_at, last_upload_at, last_seq, backlog, entry_count, entry_kiosk_id FROM kiosks ORDER BY kiosk_id',
    );
    const num = (v: unknown) => (v === null ? null : Number(v));
    return rows.map((r) => ({
      kioskId: String(r.kiosk_id),
      name: r.name === null ? null : String(r.name),
      registeredAt: Number(r.registered_at),
      enabled: r.enabled === true,
      lastSeenAt: num(r.last_seen_at),
      lastUploadAt: num(r.last_upload_at),
      lastSeq: num(r.last_seq),
      backlog: num(r.backlog),
      entries: Number(r.entry_count),
      entryKioskId: r.entry_kiosk_id === null ? null : String(r.entry_kiosk_id),
    }));
  }

  async entrySeqs(kioskId: string): Promise<{ entryId: string; seq: number; scannedAt: number }[]> {
    const { rows } = await this.pool.query<{ entry_id: string; seq: string; scanned_at: string }>('SELECT entry_id, seq, scanned_at FROM entries WHERE kiosk_id = $1 ORDER BY seq', [kioskId]);
    return rows.map((r) => ({ entryId: r.entry_id, seq: Number(r.seq), scannedAt: Number(r.scanned_at) }));
  }

  async entries(kioskId: string): Promise<StoredEntry[]> {
    const { rows } = await this.pool.query<{ entry_id: string; seq: string; scanned_at: string; batch_id: string; record: string }>(
      'SELECT entry_id, seq, scanned_at, batch_id, record FROM entries WHERE kiosk_id = $1 ORDER BY seq',
      [kioskId],
    );
    return rows.map((r) => ({ entryId: r.entry_id, seq: Number(r.seq), scannedAt: Number(r.scanned_at), batchId: r.batch_id, record: JSON.parse(r.record) as Record<string, unknown> }));
  }

  async batches(): Promise<StoredBatch[]> {
    const { rows } = await this.pool.query<Record<string, string | number>>(
      'SELECT kiosk_id, batch_id, first_seq, last_seq, entry_count, accepted, duplicates FROM batches ORDER BY arrival',
    );
    return rows.map((r) => ({
      kioskId: String(r.kiosk_id),
      batchId: String(r.batch_id),
      firstSeq: Number(r.first_seq),
      lastSeq: Number(r.last_seq),
      entryCount: Number(r.entry_count),
      accepted: Number(r.accepted),
      duplicates: Number(r.duplicates),
    }));
  }

  async counts(): Promise<{ entries: number; distinctSeqs: number; batches: number; acceptedSum: number }> {
    const { rows } = await this.pool.query<{ n: string; d: string; b: string; a: string | null }>(
      `SELECT (SELECT count(*) FROM entries) AS n,
              (SELECT count(*) FROM (SELECT DISTINCT kiosk_id, seq FROM entries) s) AS d,
              (SELECT count(*) FROM batches) AS b,
              (SELECT sum(accepted) FROM batches) AS a`,
    );
    const r = rows[0]!;
    return { entries: Number(r.n), distinctSeqs: Number(r.d), batches: Number(r.b), acceptedSum: Number(r.a ?? 0) };
  }

  async takeRateToken(key: string, limit: RateLimit, nowMs: number): Promise<number> {
    // One statement, atomic under concurrent processes: refill by the time passed, take one if there is one.
    const { rows } = await this.pool.query<{ tokens: number; ok: boolean }>(
      `INSERT INTO rate_buckets AS b (key, tokens, at_ms, ok) VALUES ($1, $2::float8 - 1, $3, true)
       ON CONFLICT (key) DO UPDATE SET
         tokens = CASE WHEN least($2::float8, b.tokens + greatest(0, $3 - b.at_ms) / 1000.0 * $4::float8) >= 1
                       THEN least($2::float8, b.tokens + greatest(0, $3 - b.at_ms) / 1000.0 * $4::float8) - 1
                       ELSE least($2::float8, b.tokens + greatest(0, $3 - b.at_ms) / 1000.0 * $4::float8) END,
         ok = least($2::float8, b.tokens + greatest(0, $3 - b.at_ms) / 1000.0 * $4::float8) >= 1,
         at_ms = greatest(b.at_ms, $3)
       RETURNING tokens, ok`,
      [key, limit.burst, Math.floor(nowMs), limit.perSecond],
    );
    const r = rows[0]!;
    return r.ok ? 0 : Math.ceil(((1 - r.tokens) / limit.perSecond) * 1000);
  }

  async traceKeyCheck(check: string): Promise<'set' | 'same' | 'different'> {
    const ins = await this.pool.query('INSERT INTO collector_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', ['trace_key_check', Buffer.from(check, 'utf8')]);
    if (ins.rowCount === 1) return 'set';
    const { rows } = await this.pool.query<{ value: Buffer }>('SELECT value FROM collector_meta WHERE key = $1', ['trace_key_check']);
    return rows[0]!.value.toString('utf8') === check ? 'same' : 'different';
  }

  async storedTraceKey(make: () => Buffer): Promise<Buffer> {
    // Two processes starting together both try; the first row wins and both read it back.
    await this.pool.query('INSERT INTO collector_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', ['trace_key', make()]);
    const { rows } = await this.pool.query<{ value: Buffer }>('SELECT value FROM collector_meta WHERE key = $1', ['trace_key']);
    return rows[0]!.value;
  }

  async trace(query: TraceQuery): Promise<{ passages: TracePassage[]; coPresent: CoPresentEntry[] }> {
    // By the keyed hash's tag through entries_by_doc_tag (migration 8), then the whole hash; never a
    // scan of records. The tag is worked out here by the same doc_tag() as the index's.
    const { rows } = await this.pool.query<{ kiosk_id: string; entry_id: string; venue_id: string | null; scanned_at: string; decision: string | null }>(
      `SELECT kiosk_id, entry_id, venue_id, scanned_at, decision FROM entries
       WHERE doc_tag(doc_key) = doc_tag($1::bytea) AND doc_key = $1 AND scanned_at BETWEEN $2 AND $3 ORDER BY scanned_at, kiosk_id, entry_id`,
      [query.docKey, query.from, query.to],
    );
    const passages = rows.map(toPassage);
    const coPresent: CoPresentEntry[] = [];
    const at = passages.filter((p) => p.venueId !== null);
    if (query.windowMinutes !== undefined && at.length > 0) {
      // One query for all the person's passages: each one looks up its venue's window through
      // entries_by_venue (a LATERAL index range scan per passage).
      const near = await this.pool.query<{ kiosk_id: string; entry_id: string; venue_id: string | null; scanned_at: string; decision: string | null; record: string; near: string }>(
        `SELECT e.kiosk_id, e.entry_id, e.venue_id, e.scanned_at, e.decision, e.record, p.entry_id AS near
           FROM unnest($1::text[], $2::bigint[], $3::text[]) WITH ORDINALITY AS p(venue_id, at, entry_id, ord)
           CROSS JOIN LATERAL (
             SELECT kiosk_id, entry_id, venue_id, scanned_at, decision, record FROM entries
              WHERE venue_id = p.venue_id AND scanned_at BETWEEN p.at - $4 AND p.at + $4 AND (doc_key IS NULL OR doc_key <> $5)
           ) e
          ORDER BY p.ord, e.scanned_at, e.kiosk_id, e.entry_id
          LIMIT $6`,
        [at.map((p) => p.venueId), at.map((p) => p.scannedAt), at.map((p) => p.entryId), query.windowMinutes * 60_000, query.docKey, query.coPresentLimit ?? 10_000],
      );
      for (const r of near.rows) coPresent.push({ ...toPassage(r), ...people(r.record), nearEntryId: r.near });
    }
    return { passages, coPresent };
  }

  async audit(row: TraceAuditRow): Promise<void> {
    await this.pool.query(
      'INSERT INTO trace_audit (at, operator, reason, kind, doc_key_hex, from_ms, to_ms, window_minutes, passages, co_present, via) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [row.at, row.operator, row.reason, row.kind, row.docKeyHex, row.from, row.to, row.windowMinutes, row.passages, row.coPresent, row.via],
    );
  }

  async auditRows(): Promise<TraceAuditRow[]> {
    const { rows } = await this.pool.query<Record<string, unknown>>(
      'SELECT at, operator, reason, kind, doc_key_hex, from_ms, to_ms, window_minutes, passages, co_present, via FROM trace_audit ORDER BY id',
    );
    return rows.map(auditRow);
  }

  async purgeBatch(cutoffMs: number, limit: number): Promise<number> {
    // A bounded DELETE by ctid: row locks on `limit` old rows only, which ingest (new rows) never waits for.
    const gone = await this.pool.query('DELETE FROM entries WHERE ctid = ANY (ARRAY(SELECT ctid FROM entries WHERE scanned_at < $1 LIMIT $2))', [cutoffMs, limit]);
    const n = gone.rowCount ?? 0;
    if (n < limit) {
      await this.pool.query('DELETE FROM batches WHERE ctid = ANY (ARRAY(SELECT ctid FROM batches WHERE received_at < $1 LIMIT $2))', [cutoffMs, limit - n]);
    }
    return n;
  }

  async storeHeartbeat(hb: HeartbeatBody, receivedAt: number, clockOffsetMs: number, keep: HeartbeatRetention): Promise<'stored' | 'duplicate'> {
    const row = latestRow(hb, receivedAt, clockOffsetMs);
    return this.tx(async (c): Promise<'stored' | 'duplicate'> => {
      const added = await c.query('INSERT INTO kiosk_heartbeats (kiosk_id, sent_at, received_at, clock_offset_ms, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
        hb.kioskId,
        hb.sentAt,
        receivedAt,
        clockOffsetMs,
        row.body,
      ]);
      if (added.rowCount === 0) return 'duplicate';
      // A heartbeat is the kiosk heard from, as a batch is: the status list's "last seen" and backlog
      // (docs/upload-protocol.md §11, "What the collector keeps").
      await c.query('UPDATE kiosks SET last_seen_at = $1, backlog = $2 WHERE kiosk_id = $3', [receivedAt, hb.backlog, hb.kioskId]);
      const cols = LATEST_COLUMNS;
      await c.query(
        `INSERT INTO kiosk_heartbeats_latest (${cols.join(', ')}) VALUES (${cols.map((_c, i) => `$${i + 1}`).join(', ')})
         ON CONFLICT (kiosk_id) DO UPDATE SET ${cols.filter((x) => x !== 'kiosk_id').map((x) => `${x} = excluded.${x}`).join(', ')}`,
        cols.map((x) => row[x]),
      );
      // Bounded work per heartbeat (normally one row falls off), through heartbeats_by_arrival.
      await c.query(
        `DELETE FROM kiosk_heartbeats WHERE kiosk_id = $1 AND sent_at IN (
           SELECT sent_at FROM kiosk_heartbeats WHERE kiosk_id = $1 AND received_at < $2 ORDER BY received_at LIMIT 16)`,
        [hb.kioskId, receivedAt - keep.ms],
      );
      await c.query(
        `DELETE FROM kiosk_heartbeats WHERE kiosk_id = $1 AND sent_at IN (
           SELECT sent_at FROM kiosk_heartbeats WHERE kiosk_id = $1 ORDER BY received_at DESC, sent_at DESC LIMIT 16 OFFSET $2)`,
        [hb.kioskId, keep.count],
      );
      return 'stored';
    });
  }

  async heartbeatHistory(kioskId: string, limit: number): Promise<StoredHeartbeat[]> {
    const { rows } = await this.pool.query<{ received_at: string; clock_offset_ms: string; body: string }>(
      'SELECT received_at, clock_offset_ms, body FROM kiosk_heartbeats WHERE kiosk_id = $1 ORDER BY received_at DESC, sent_at DESC LIMIT $2',
      [kioskId, limit],
    );
    return rows.map((r) => ({ kioskId, receivedAt: Number(r.received_at), clockOffsetMs: Number(r.clock_offset_ms), body: JSON.parse(r.body) as HeartbeatBody }));
  }

  async fleet(query: FleetQuery): Promise<FleetPage> {
    const sql = fleetSql('k.enabled', { venue: Boolean(query.venue) });
    const params = fleetParams(query);
    const page = pgParams(sql.page, params);
    const counts = pgParams(sql.counts, params);
    const [rows, c] = await Promise.all([this.pool.query<Record<string, unknown>>(page.sql, page.values), this.pool.query<Record<string, unknown>>(counts.sql, counts.values)]);
    return {
      total: fleetTotal(c.rows[0], query),
      page: query.page,
      pageSize: query.pageSize,
      alertCounts: alertCounts(c.rows[0]),
      kiosks: rows.rows.map((r) => fleetKiosk(r, query.now)),
    };
  }

  private ended = false;

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }
}

const NEEDS_ESCAPE = /["\\]/;
const TO_ESCAPE = /["\\]/g;

/**
 * A text[] parameter as PostgreSQL's array literal, built here: node-postgres's own runs two regular
 * expression replacements on every element, numbers included, which cost the collector about a
 * twentieth of its CPU per stored entry (docs/upload-protocol.md §10, "fourth round"). Each element
 * is quoted, `\` and `"` in it escaped by a backslash (PostgreSQL's "Array Value Input"); null is NULL.
 */
function textArrayLiteral(values: readonly (string | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else out += '"' + (NEEDS_ESCAPE.test(v) ? v.replace(TO_ESCAPE, '\\$&') : v) + '"';
  }
  return out + '}';
}

/** A bigint[] parameter as an array literal (safe integers: their decimal text is exact). */
function integerArrayLiteral(values: readonly number[]): string {
  return '{' + values.join(',') + '}';
}

function toPassage(r: { kiosk_id: string; entry_id: string; venue_id: string | null; scanned_at: string | number; decision: string | null }): TracePassage {
  return { kioskId: r.kiosk_id, entryId: r.entry_id, venueId: r.venue_id, scannedAt: Number(r.scanned_at), decision: r.decision };
}
