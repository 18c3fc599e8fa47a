// The durable real-name entry log (architecture.md "Data at rest"). The passage flow calls `append` BEFORE it shows "pass"
// or pulses the gate: append returns only once the row is committed with synchronous=FULL, i.e. the
// WAL is fsynced, so an entry the kiosk reported written survives a power cut. It throws a
// StoreError instead (STORAGE_FULL / STORAGE_UNAVAILABLE / BAD_REQUEST); the kiosk must then stop
// admitting automatically (decisions become `review`) until `storageState().writable` is true again.
//
// Privacy: names and document numbers never appear in errors or logs. Both are stored sealed
// (keys.ts) beside their masked forms; screens get masked rows; clear numbers leave only through admin calls that
// are audited (`findByDocumentNumber`) or to the uploader (`readEntriesAfterSeq`).
import type Database from 'better-sqlite3';
import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { maskDocumentNumber, maskName } from '../codes/id-number.js';
import type { Decision, Reason } from '../../contract/reasons.js';
import { classifyWriteError, databasePath, openDatabase, reclaimFreePages, type OpenOptions } from './db.js';
import { StoreError, toStoreError, type StoreFailure, type StoreReason } from './errors.js';
import { keyCheckValue, loadEntryKeys, loadLegacyEntryKeys, openText, resolveKeySource, sealText, type EntryKeys, type KeySource } from './keys.js';
import { registerChainKey, verifyLog, type VerifyReport } from './verify.js';
import { ListSyncTable, UploadLedgerTable } from './upload-tables.js';
import { storeKeyFileInDataDir } from './settings.js';
import { readStatistics, type EntryStatistics, type StatisticsRange } from './statistics.js';
import {
  chainHash,
  chainInsertSql,
  chainValues,
  ENTRY_CHAIN_COLUMNS,
  GENESIS_HASH,
  OVERRIDE_CHAIN_COLUMNS,
  type ChainName,
  type ChainRecord,
  type EntryColumn,
} from './chain.js';
import { uuidv7 } from './ids.js';
import { auditPage, purgePlan, type AuditPage, type AuditPageQuery, type PurgePlanQuery, type PurgePlanResult } from './admin-views.js';
import {
  newEntrySchema,
  type AppendedEntry,
  type AppendedOverride,
  type DayCounts,
  type EntryMethod,
  type GuardOverride,
  type HourCount,
  type MaskedEntry,
  type NewEntry,
  type NewOverride,
  type OverrideRow,
  type RevealedEntry,
  type StatusColour,
  type UploadedThrough,
} from './types.js';

/** The columns of `entries` plus the latest guard override, as selected by ENTRY_SELECT. */
export interface EntryRow {
  seq: number;
  id: string;
  at_ms: number;
  venue_id: string;
  kiosk_id: string;
  method: EntryMethod;
  /** nonce ‖ secretbox of the name (schema 3 on). */
  holder_name: Buffer | null;
  holder_name_masked: string | null;
  doc_type: string | null;
  doc_number_box: Buffer | null;
  doc_number_masked: string | null;
  code_id: string | null;
  code_issuer: string | null;
  status_colour: StatusColour | null;
  temperature_c: number | null;
  decision: Decision;
  reason: Reason | null;
  trust_list_seq: number | null;
  o_decision: 'admit' | 'deny' | null;
  o_guard: string | null;
  o_note: string | null;
  o_at_ms: number | null;
}

/** The entry columns a read selects: all but the keyed search hash, which never leaves SQL. */
const ENTRY_READ_COLUMNS = ENTRY_CHAIN_COLUMNS.filter((c) => c !== 'doc_number_hmac');

/** SELECT list + FROM clause joining each entry's latest override; append WHERE/ORDER yourself. */
export const ENTRY_SELECT = `
  SELECT ${ENTRY_READ_COLUMNS.map((c) => `e.${c}`).join(', ')},
         o.decision AS o_decision, o.guard AS o_guard, o.note AS o_note, o.at_ms AS o_at_ms
    FROM entries e
    LEFT JOIN entry_overrides o ON o.seq = (SELECT max(seq) FROM entry_overrides WHERE entry_seq = e.seq)`;

export interface StorageState {
  /** False after a failed write until the next write succeeds: stop admitting automatically. */
  writable: boolean;
  reason: StoreReason | null;
  detail: StoreFailure | null;
}

export interface EntryStoreOptions extends Pick<OpenOptions, 'migrations' | 'busyTimeoutMs' | 'skipIntegrityCheck'> {
  /** Database file; defaults to `<dataDir>/kiosk.sqlite3`. */
  file?: string;
  /**
   * `normal` skips the fsync of each commit on THIS connection only (synchronous is per
   * connection): the uploader's ledger writes, where losing the last ack only resends a batch
   * (docs/upload-protocol.md §2). The passage flow's connection always stays `full`.
   */
  durability?: 'full' | 'normal';
  /** Where the master key is; defaults to resolveKeySource (credential, config store.keyFile, data dir). */
  keySource?: KeySource;
}

/** Upper case, no surrounding blanks: spec §3 hashes the number in upper case, §4 compares so. */
export function normalizeDocumentNumber(documentNumber: string): string {
  return documentNumber.trim().toUpperCase();
}

/** A pause in writes this long (ms) lets the WAL be checkpointed (between passages). */
const CHECKPOINT_IDLE_MS = 250;
/** Rows waiting after which a checkpoint runs on the next event-loop turn (a busy door, no pause). */
const CHECKPOINT_SOON_ROWS = 200;
/** Rows written without an event-loop turn after which a checkpoint runs at once (bulk imports). */
const CHECKPOINT_MAX_ROWS = 4000;

/**
 * The connection behind each store, for the store's own modules only (purge, export, backup,
 * verify): every query of the entry log lives in src/core/store, so schema changes and statistics
 * have one home (docs/security.md "Data at rest"). Not exported from index.ts; a lint rule
 * (eslint.config.js) refuses `connectionOf` and `store.db` outside src/core/store.
 */
const connections = new WeakMap<EntryStore, Database.Database>();

export function connectionOf(store: EntryStore): Database.Database {
  const db = connections.get(store);
  if (!db) throw new StoreError('STORAGE_UNAVAILABLE', 'IO_ERROR', 'not an open entry store');
  return db;
}

export class EntryStore {
  private readonly db: Database.Database;
  readonly file: string;
  private readonly keys: EntryKeys;
  /** The search key imported once (an HMAC from a raw Buffer re-imports it on every call). */
  private readonly searchKey: KeyObject;
  private readonly chainKey: KeyObject;
  private state: StorageState = { writable: true, reason: null, detail: null };
  private readonly stmt: ReturnType<typeof prepare>;

  /**
   * WAL checkpoints happen between passages, not inside one (the store benchmark's target, bench/store.bench.ts: a durable append's p99
   * near the raw fdatasync floor). SQLite's automatic checkpoint runs inside whichever commit crosses
   * 1000 WAL pages, adding a second fsync (of the database file) to that passage; here it is off on
   * this connection and a PASSIVE checkpoint runs once writes have paused for CHECKPOINT_IDLE_MS, on
   * the next event-loop turn once CHECKPOINT_SOON_ROWS rows are waiting (after the passage that
   * crossed it has been shown), or inside the write once CHECKPOINT_MAX_ROWS are (bulk imports that
   * never yield), so the WAL stays bounded. PASSIVE never blocks readers (screens, export, upload).
   */
  private checkpointTimer: NodeJS.Timeout | null = null;
  private checkpointSoon: NodeJS.Immediate | null = null;
  private rowsSinceCheckpoint = 0;

  private constructor(db: Database.Database, file: string, keys: EntryKeys) {
    this.db = db;
    connections.set(this, db);
    this.file = file;
    this.keys = keys;
    this.searchKey = createSecretKey(keys.searchKey);
    this.chainKey = createSecretKey(keys.chainKey);
    registerChainKey(db, this.chainKey);
    this.stmt = prepare(db);
    if (!db.readonly) db.pragma('wal_autocheckpoint = 0');
  }

  /** Opens (creating, migrating, checking) the kiosk's database in `dataDir`. Throws StoreError. */
  static open(dataDir: string, options: EntryStoreOptions = {}): EntryStore {
    const file = options.file ?? databasePath(dataDir);
    const source = options.keySource ?? resolveKeySource(dataDir, storeKeyFileInDataDir(dataDir));
    let keys: EntryKeys | undefined;
    // A migration that rewrites sealed rows (003) runs on a log of schema ≤ 2, where nothing is
    // sealed under the master key yet: creating it then is safe.
    const db = openDatabase(file, {
      ...options,
      migrationContext: { keys: () => (keys ??= loadEntryKeys(source, { create: true })), legacyKeys: () => loadLegacyEntryKeys(dataDir) },
    });
    try {
      const hasSealed = db.prepare('SELECT 1 FROM entries WHERE doc_number_box IS NOT NULL OR holder_name IS NOT NULL LIMIT 1').get() !== undefined;
      keys ??= loadEntryKeys(source, { create: !hasSealed });
      checkKeys(db, keys);
      if (options.durability === 'normal') db.pragma('synchronous = NORMAL');
      return new EntryStore(db, file, keys);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    this.cancelCheckpoint();
    if (this.db.open) this.db.close(); // closing the last connection checkpoints the WAL
  }

  /**
   * Copies committed WAL pages into the database file; returns false if it could not run now.
   * `truncate` also empties the WAL file (benchmarks measuring the WAL from zero).
   */
  checkpoint(mode: 'passive' | 'truncate' = 'passive'): boolean {
    this.cancelCheckpoint();
    if (!this.db.open) return false;
    try {
      this.db.pragma(mode === 'truncate' ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
      this.rowsSinceCheckpoint = 0;
      return true;
    } catch {
      // Busy or out of space: the WAL keeps the rows safe; the next pause tries again.
      return false;
    }
  }

  private cancelCheckpoint(): void {
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    if (this.checkpointSoon) clearImmediate(this.checkpointSoon);
    this.checkpointTimer = null;
    this.checkpointSoon = null;
  }

  private afterWrite(rows: number): void {
    this.rowsSinceCheckpoint += rows;
    if (this.rowsSinceCheckpoint >= CHECKPOINT_MAX_ROWS) {
      this.checkpoint();
      return;
    }
    if (this.rowsSinceCheckpoint >= CHECKPOINT_SOON_ROWS) {
      if (!this.checkpointSoon) this.checkpointSoon = setImmediate(() => this.checkpoint());
      return;
    }
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.checkpointTimer = setTimeout(() => this.checkpoint(), CHECKPOINT_IDLE_MS);
    this.checkpointTimer.unref();
  }

  /** Where the master key came from (credential, key file on another mount, or the data directory). */
  get keySource(): KeySource {
    return this.keys.source;
  }

  storageState(): StorageState {
    return { ...this.state };
  }

  /** The keyed hash used for exact search and anti-passback. */
  documentHash(documentNumber: string): Buffer {
    return createHmac('sha256', this.searchKey).update(normalizeDocumentNumber(documentNumber), 'utf8').digest();
  }

  revealDocumentNumber(sealed: Uint8Array | null): string | null {
    return sealed ? openText(this.keys.sealingKey, sealed) : null;
  }

  /** Opens a sealed holder name (same key and format as document numbers). */
  revealName(sealed: Uint8Array | null): string | null {
    return sealed ? openText(this.keys.sealingKey, sealed) : null;
  }

  /** See db.ts reclaimFreePages: after a purge, give free pages back and truncate the WAL. */
  reclaimFreePages(): boolean {
    try {
      return reclaimFreePages(this.db);
    } catch (err) {
      throw classifyWriteError(err, this.file, 'reclaiming space after a purge');
    }
  }

  /**
   * Writes one entry and returns once it is durable (committed, WAL fsynced). Synchronous on
   * purpose: the passage flow must not show "pass" before this returns.
   */
  append(entry: NewEntry): AppendedEntry {
    return this.appendBatch([entry])[0]!;
  }

  /** Writes several entries in ONE transaction (one fsync): the seeder and bulk imports. */
  appendBatch(entries: readonly NewEntry[]): AppendedEntry[] {
    const rows = entries.map((e) => this.toRow(e));
    return this.write('writing an entry', () => {
      let tail = this.tail('entries');
      const out: AppendedEntry[] = [];
      for (const row of rows) {
        const seq = tail.seq + 1;
        const values = chainValues(ENTRY_CHAIN_COLUMNS, { ...row, seq });
        const hash = chainHash(this.chainKey, tail.hash, values);
        this.stmt.insertEntry.run(...values, tail.hash, hash);
        out.push({ id: row.id, seq, at: row.at_ms, hash: hash.toString('hex') });
        tail = { seq, hash };
      }
      return out;
    });
  }

  /** Records a guard's allow/deny of an entry (spec §4: logged with the kiosk's decision). */
  addOverride(override: NewOverride): AppendedOverride {
    const guard = override.guard?.trim();
    const note = override.note?.trim();
    if (override.decision !== 'admit' && override.decision !== 'deny') throw badRequest('override decision must be admit or deny');
    if (!guard || guard.length > 100) throw badRequest('override needs the guard who decided (1–100 characters)');
    if (!note || note.length > 500) throw badRequest('override needs a reason (1–500 characters)');
    const at = toMs(override.at);
    return this.write('writing a guard override', () => {
      const target =
        'id' in override.entry
          ? (this.stmt.entryById.get(override.entry.id) as { seq: number; id: string } | undefined)
          : (this.stmt.entryBySeq.get(override.entry.seq) as { seq: number; id: string } | undefined);
      if (!target) throw new StoreError('BAD_REQUEST', 'NOT_FOUND', 'the entry to override does not exist (purged or never written)');
      const tail = this.tail('entry_overrides');
      const seq = tail.seq + 1;
      const id = uuidv7(at);
      const values = chainValues(OVERRIDE_CHAIN_COLUMNS, { seq, id, entry_seq: target.seq, entry_id: target.id, at_ms: at, decision: override.decision, guard, note });
      const hash = chainHash(this.chainKey, tail.hash, values);
      this.stmt.insertOverride.run(...values, tail.hash, hash);
      return { id, seq, entrySeq: target.seq, at, hash: hash.toString('hex') };
    });
  }

  /** Counts for the local calendar day containing `now` (the guard screen's "today"). */
  countsToday(now: Date = new Date()): DayCounts {
    const from = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
    const to = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1).getTime();
    return this.countsBetween(from, to);
  }

  countsBetween(fromMs: number, toMs: number): DayCounts {
    const byDecision: Record<Decision, number> = { admit: 0, deny: 0, review: 0 };
    const byReason: Record<string, number> = {};
    let total = 0;
    for (const r of this.stmt.countsByDecisionReason.all(fromMs, toMs) as Array<{ decision: Decision; reason: string | null; n: number }>) {
      byDecision[r.decision] += r.n;
      total += r.n;
      if (r.reason) byReason[r.reason] = (byReason[r.reason] ?? 0) + r.n;
    }
    const overrides = { admit: 0, deny: 0 };
    for (const r of this.stmt.overrideCounts.all(fromMs, toMs) as Array<{ decision: 'admit' | 'deny'; n: number }>) overrides[r.decision] = r.n;
    return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), total, byDecision, byReason, overrides };
  }

  /** Entries per hour in [fromMs, toMs), every hour present (zeros included), at most 31 days. */
  entriesPerHour(fromMs: number, toMs: number): HourCount[] {
    const HOUR = 3_600_000;
    const first = Math.floor(fromMs / HOUR);
    const last = Math.ceil(toMs / HOUR);
    if (!(last > first) || last - first > 31 * 24) throw badRequest('hour range must be non-empty and at most 31 days');
    const byHour = new Map<number, HourCount>();
    for (let h = first; h < last; h++) byHour.set(h, { hour: new Date(h * HOUR).toISOString(), total: 0, admit: 0, deny: 0, review: 0 });
    for (const r of this.stmt.perHour.all(fromMs, toMs) as Array<{ h: number; decision: Decision; n: number }>) {
      const slot = byHour.get(r.h);
      if (!slot) continue;
      slot[r.decision] += r.n;
      slot.total += r.n;
    }
    return [...byHour.values()];
  }

  /**
   * The admin's statistics for local days `from`…`to` (≤ 90), from the hourly roll-ups kept with
   * every write (statistics.ts): nothing decrypted, no entry scanned. Throws StoreError.
   */
  statistics(range: StatisticsRange): EntryStatistics {
    try {
      return readStatistics(this.db, range);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw toStoreError(err, 'reading statistics');
    }
  }

  /** The newest `n` entries, newest first, name and number masked (guard screen). */
  lastEntries(n: number): MaskedEntry[] {
    const limit = Math.max(0, Math.min(1000, Math.floor(n)));
    return (this.stmt.lastEntries.all(limit) as EntryRow[]).map((r) => this.toEntry(r, false));
  }

  /**
   * Admin only (the caller has checked the admin PIN): every entry with exactly this document
   * number, newest first, revealed. Audited with the admin's name and the hit count, not the number.
   */
  findByDocumentNumber(documentNumber: string, access: { admin: string; limit?: number }): RevealedEntry[] {
    if (!access.admin?.trim()) throw badRequest('a revealed search needs the admin who asked');
    const limit = Math.max(1, Math.min(10_000, Math.floor(access.limit ?? 100)));
    const rows = (this.stmt.byDocument.all(this.documentHash(documentNumber), limit) as EntryRow[]).map((r) => this.toEntry(r, true));
    this.audit('search', { admin: access.admin.trim(), rows: rows.length, revealed: true });
    return rows;
  }

  /**
   * Anti-passback: the newest time this document number was admitted at or after `sinceMs` (kiosk
   * admit, or a guard's admit override), or null. Uses the keyed hash: nothing is decrypted.
   */
  lastAdmittedSince(documentNumber: string, sinceMs: number): number | null {
    const r = this.stmt.admittedSince.get(this.documentHash(documentNumber), sinceMs) as { at_ms: number | null } | undefined;
    return r?.at_ms ?? null;
  }

  /**
   * When the certificate with this code id (an entry's `code_id`) was last admitted at or after
   * `sinceMs` (a guard's verdict counts over the kiosk's), or null: anti-passback for a credential
   * without a document number, an EU DCC (docs/dcc-trust.md, "Anti-passback").
   */
  lastAdmittedCodeSince(codeId: string, sinceMs: number): number | null {
    const r = this.stmt.codeAdmittedSince.get(codeId.toLowerCase(), sinceMs) as { at_ms: number | null } | undefined;
    return r?.at_ms ?? null;
  }

  hasBeenAdmittedSince(documentNumber: string, sinceMs: number): boolean {
    return this.lastAdmittedSince(documentNumber, sinceMs) !== null;
  }

  /** For the uploader: full rows (document number revealed) with seq > `afterSeq`, oldest first. */
  readEntriesAfterSeq(afterSeq: number, limit: number): RevealedEntry[] {
    return (this.stmt.afterSeq.all(afterSeq, Math.max(1, Math.floor(limit))) as EntryRow[]).map((r) => this.toEntry(r, true));
  }

  /** For the uploader: guard overrides with seq > `afterSeq`, oldest first. */
  readOverridesAfterSeq(afterSeq: number, limit: number): OverrideRow[] {
    return (this.stmt.overridesAfterSeq.all(afterSeq, Math.max(1, Math.floor(limit))) as Array<Record<string, unknown>>).map((r) => ({
      seq: r.seq as number,
      id: r.id as string,
      entrySeq: r.entry_seq as number,
      entryId: r.entry_id as string,
      at: r.at_ms as number,
      decision: r.decision as 'admit' | 'deny',
      guard: r.guard as string,
      note: r.note as string,
    }));
  }

  /** The newest entry seq written (0 when none ever). */
  lastSeq(): number {
    return this.tail('entries').seq;
  }

  entryCount(): number {
    return this.stmt.entryCount.get() as number;
  }

  overrideCount(): number {
    return this.stmt.overrideCount.get() as number;
  }

  /** The database's page size in bytes (benchmarks turn WAL growth into frames with it). */
  pageSize(): number {
    return this.db.pragma('page_size', { simple: true }) as number;
  }

  /** `kiosk log verify`: walks both hash chains (verify.ts); `onProgress` gets rows checked so far. */
  verify(onProgress?: (rowsChecked: number) => void): VerifyReport {
    return verifyLog(this.db, onProgress);
  }

  /**
   * The highest seqs the collector acknowledged per stream, and when it last did (null: never).
   * What retention may purge up to (docs/upload-protocol.md §2 "Kiosk bookkeeping").
   */
  uploadedThrough(): UploadedThrough {
    const rows = this.stmt.uploadState.all() as Array<{ stream: string; acked_seq: number; acked_at_ms: number | null }>;
    const get = (s: string) => rows.find((r) => r.stream === s);
    const acks = rows.map((r) => r.acked_at_ms).filter((ms): ms is number => ms !== null);
    return { entries: get('entries')?.acked_seq ?? 0, overrides: get('overrides')?.acked_seq ?? 0, lastAckAtMs: acks.length ? Math.max(...acks) : null };
  }

  /** The uploader's ledger in `upload_state` (migration 002). */
  uploadLedger(): UploadLedgerTable {
    return new UploadLedgerTable(this.db);
  }

  /** The list-sync bookkeeping in `list_sync` (migration 002). */
  listSyncTable(): ListSyncTable {
    return new ListSyncTable(this.db);
  }

  /** Appends an audit row (no personal data in `detail`). */
  audit(action: string, detail: Record<string, unknown>, atMs: number = Date.now()): void {
    this.write(`writing the ${action} audit record`, () => {
      this.stmt.insertAudit.run(atMs, action, JSON.stringify(detail), 'completed', atMs);
    });
  }

  /**
   * Writes the audit row of something that takes a while (an export) BEFORE it starts, outcome
   * `started`; `finishAudit` completes it. A row left at `started` is an export that was killed.
   */
  beginAudit(action: string, detail: Record<string, unknown>, atMs: number = Date.now()): number {
    return this.write(`writing the ${action} audit record`, () => Number(this.stmt.insertAudit.run(atMs, action, JSON.stringify(detail), 'started', null).lastInsertRowid));
  }

  /** Completes a row written by `beginAudit`: its outcome, the end time, and details merged in. */
  finishAudit(seq: number, outcome: 'completed' | 'failed' | 'cancelled', more: Record<string, unknown> = {}, atMs: number = Date.now()): void {
    this.write('completing an audit record', () => {
      const row = this.stmt.auditDetail.get(seq) as { detail: string } | undefined;
      if (!row) throw new StoreError('BAD_REQUEST', 'NOT_FOUND', `no audit record ${seq}`);
      const detail = { ...(JSON.parse(row.detail) as Record<string, unknown>), ...more };
      this.stmt.finishAudit.run(outcome, atMs, JSON.stringify(detail), seq);
    });
  }

  /**
   * The newest audit rows whose action is one of `actions`, newest first. The admin PIN's failure
   * count and back-off are read from here, so they survive a restart (docs/security.md).
   */
  auditOf(actions: readonly string[], limit: number): Array<{ atMs: number; action: string; detail: Record<string, unknown> }> {
    if (actions.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT at_ms, action, detail FROM audit WHERE action IN (${actions.map(() => '?').join(', ')}) ORDER BY seq DESC LIMIT ?`)
      .all(...actions, limit) as Array<{ at_ms: number; action: string; detail: string }>;
    return rows.map((r) => ({ atMs: r.at_ms, action: r.action, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  auditLog(limit = 100): Array<{ seq: number; at: string; action: string; outcome: string | null; endedAt: string | null; detail: Record<string, unknown> }> {
    type Row = { seq: number; at_ms: number; action: string; detail: string; outcome: string | null; ended_at_ms: number | null };
    return (this.stmt.auditLog.all(limit) as Row[]).map((r) => ({
      seq: r.seq,
      at: new Date(r.at_ms).toISOString(),
      action: r.action,
      outcome: r.outcome,
      endedAt: r.ended_at_ms === null ? null : new Date(r.ended_at_ms).toISOString(),
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }

  /** What the retention purge would remove and keep now (admin-views.ts; the retention screen). */
  purgePlan(query: PurgePlanQuery): PurgePlanResult {
    return purgePlan(this.db, query);
  }

  /** One page of the audit trail and guard overrides, newest first (admin-views.ts; the audit screen). */
  auditPage(query: AuditPageQuery): AuditPage {
    return auditPage(this.db, query);
  }

  /** Maps a selected row to the API shape, masking or revealing name and number. */
  toEntry(r: EntryRow, reveal: boolean): MaskedEntry {
    const override: GuardOverride | null =
      r.o_decision && r.o_guard !== null && r.o_note !== null && r.o_at_ms !== null ? { decision: r.o_decision, guard: r.o_guard, note: r.o_note, at: r.o_at_ms } : null;
    return {
      seq: r.seq,
      id: r.id,
      at: r.at_ms,
      venueId: r.venue_id,
      kioskId: r.kiosk_id,
      method: r.method,
      holderName: reveal ? this.revealName(r.holder_name) : r.holder_name_masked,
      documentType: r.doc_type,
      documentNumber: reveal ? this.revealDocumentNumber(r.doc_number_box) : r.doc_number_masked,
      codeId: r.code_id,
      codeIssuer: r.code_issuer,
      statusColour: r.status_colour,
      temperatureC: r.temperature_c,
      decision: r.decision,
      reason: r.reason,
      trustListSeq: r.trust_list_seq,
      override,
    };
  }

  /** The last row of a chain: the newest row, or the purge anchor, or genesis. */
  tail(chain: ChainName): { seq: number; hash: Buffer } {
    const last = (chain === 'entries' ? this.stmt.entryTail : this.stmt.overrideTail).get() as { seq: number; hash: Buffer } | undefined;
    if (last) return last;
    const anchor = this.stmt.anchor.get(chain) as { seq: number; hash: Buffer } | undefined;
    return anchor ?? { seq: 0, hash: GENESIS_HASH };
  }

  /**
   * Runs `fn` in an IMMEDIATE transaction (the write lock is taken up front, so two processes never
   * deadlock upgrading a read lock) and tracks whether storage is writable.
   */
  write<T>(doing: string, fn: () => T): T {
    if (!this.db.open) throw new StoreError('STORAGE_UNAVAILABLE', 'IO_ERROR', `${doing}: the store is closed`);
    try {
      const result = this.db.transaction(fn).immediate();
      if (!this.state.writable) this.state = { writable: true, reason: null, detail: null };
      this.afterWrite(Array.isArray(result) ? result.length : 1);
      return result;
    } catch (err) {
      if (err instanceof StoreError && err.reason === 'BAD_REQUEST') throw err;
      const e = classifyWriteError(err, this.file, doing);
      if (e.reason !== 'BAD_REQUEST') this.state = { writable: false, reason: e.reason, detail: e.detail };
      throw e;
    }
  }

  /** The row to write, by column name (chain.ts orders it); seq is given at write time. */
  private toRow(entry: NewEntry): EntryRecord {
    const parsed = newEntrySchema.safeParse(entry);
    if (!parsed.success) {
      // The path and the rule only: never the offending value (it may be a name or a number).
      const issue = parsed.error.issues[0]!;
      throw badRequest(`invalid entry: ${issue.path.join('.') || '(entry)'}: ${issue.code}`);
    }
    const e = parsed.data;
    const at = toMs(e.at);
    const doc = e.documentNumber === null ? null : normalizeDocumentNumber(e.documentNumber);
    if (doc !== null && doc.length === 0) throw badRequest('invalid entry: documentNumber: blank');
    // spec §4: a deny or review is decided by the first failing rule, which is its reason.
    if (e.decision !== 'admit' && e.reason === null) throw badRequest('invalid entry: reason: a deny or review needs its reason');
    return {
      id: uuidv7(at),
      at_ms: at,
      venue_id: e.venueId,
      kiosk_id: e.kioskId,
      method: e.method,
      holder_name: e.holderName === null ? null : sealText(this.keys.sealingKey, e.holderName),
      doc_type: e.documentType,
      doc_number_box: doc === null ? null : sealText(this.keys.sealingKey, doc),
      doc_number_hmac: doc === null ? null : this.documentHash(doc),
      doc_number_masked: doc === null ? null : maskDocumentNumber(doc, e.documentType),
      code_id: e.codeId === null ? null : e.codeId.toLowerCase(),
      code_issuer: e.codeIssuer,
      status_colour: e.statusColour,
      temperature_c: e.temperatureC,
      decision: e.decision,
      reason: e.reason,
      trust_list_seq: e.trustListSeq,
      holder_name_masked: e.holderName === null ? null : maskName(e.holderName),
    };
  }
}

/**
 * Refuses a key that is not the one the log was written with (a different `store.keyFile`, a
 * credential from another kiosk): rows sealed with it could never be read back. A log without a
 * check value yet (new, or empty when migrated) gets one.
 */
function checkKeys(db: Database.Database, keys: EntryKeys): void {
  const read = () => db.prepare("SELECT value FROM store_meta WHERE name = 'key_check'").pluck().get() as Buffer | undefined;
  let stored = read();
  const expected = keyCheckValue(keys);
  if (stored === undefined) {
    if (db.readonly) return;
    // Two processes opening a new log together both find none: the first insert stands, and the
    // other is checked against it (a plain INSERT failed the second with a UNIQUE constraint).
    db.prepare("INSERT OR IGNORE INTO store_meta (name, value) VALUES ('key_check', ?)").run(expected);
    stored = read()!;
  }
  if (stored.length !== expected.length || !timingSafeEqual(stored, expected)) {
    throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `the store key from ${keys.source.kind} (${keys.source.path}) is not the key this entry log was written with; configure the right one`);
  }
}

/** An entry row before its seq is known: id and time typed, the rest as SQLite stores them. */
type EntryRecord = ChainRecord<Exclude<EntryColumn, 'seq' | 'id' | 'at_ms'>> & { readonly id: string; readonly at_ms: number };

function badRequest(message: string): StoreError {
  return new StoreError('BAD_REQUEST', 'INVALID_ENTRY', message);
}

function toMs(at: number | Date | undefined): number {
  if (at === undefined) return Date.now();
  const ms = at instanceof Date ? at.getTime() : at;
  if (!Number.isFinite(ms) || ms < 0) throw badRequest('invalid time');
  return Math.floor(ms);
}

function prepare(db: Database.Database) {
  try {
    return {
      insertEntry: db.prepare(chainInsertSql('entries')),
      insertOverride: db.prepare(chainInsertSql('entry_overrides')),
      insertAudit: db.prepare('INSERT INTO audit (at_ms, action, detail, outcome, ended_at_ms) VALUES (?, ?, ?, ?, ?)'),
      entryTail: db.prepare('SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1'),
      overrideTail: db.prepare('SELECT seq, hash FROM entry_overrides ORDER BY seq DESC LIMIT 1'),
      anchor: db.prepare('SELECT seq, hash FROM chain_anchors WHERE chain = ?'),
      entryById: db.prepare('SELECT seq, id FROM entries WHERE id = ?'),
      entryBySeq: db.prepare('SELECT seq, id FROM entries WHERE seq = ?'),
      entryCount: db.prepare('SELECT count(*) FROM entries').pluck(),
      overrideCount: db.prepare('SELECT count(*) FROM entry_overrides').pluck(),
      uploadState: db.prepare('SELECT stream, acked_seq, acked_at_ms FROM upload_state'),
      auditDetail: db.prepare('SELECT detail FROM audit WHERE seq = ?'),
      finishAudit: db.prepare("UPDATE audit SET outcome = ?, ended_at_ms = ?, detail = ? WHERE seq = ? AND outcome = 'started'"),
      auditLog: db.prepare('SELECT seq, at_ms, action, detail, outcome, ended_at_ms FROM audit ORDER BY seq DESC LIMIT ?'),
      countsByDecisionReason: db.prepare('SELECT decision, reason, count(*) AS n FROM entries WHERE at_ms >= ? AND at_ms < ? GROUP BY decision, reason'),
      overrideCounts: db.prepare(`SELECT o.decision, count(*) AS n FROM entry_overrides o JOIN entries e ON e.seq = o.entry_seq
        WHERE e.at_ms >= ? AND e.at_ms < ? AND o.seq = (SELECT max(seq) FROM entry_overrides WHERE entry_seq = o.entry_seq) GROUP BY o.decision`),
      perHour: db.prepare('SELECT at_ms / 3600000 AS h, decision, count(*) AS n FROM entries WHERE at_ms >= ? AND at_ms < ? GROUP BY h, decision'),
      lastEntries: db.prepare(`${ENTRY_SELECT} ORDER BY e.seq DESC LIMIT ?`),
      byDocument: db.prepare(`${ENTRY_SELECT} WHERE e.doc_number_hmac = ? ORDER BY e.seq DESC LIMIT ?`),
      admittedSince: db.prepare(`SELECT max(e.at_ms) AS at_ms FROM entries e
        LEFT JOIN entry_overrides o ON o.seq = (SELECT max(seq) FROM entry_overrides WHERE entry_seq = e.seq)
        WHERE e.doc_number_hmac = ? AND e.at_ms >= ? AND coalesce(o.decision, e.decision) = 'admit'`),
      // code_id has no index of its own: the time range (entries_at) bounds the rows looked at.
      codeAdmittedSince: db.prepare(`SELECT max(e.at_ms) AS at_ms FROM entries e
        LEFT JOIN entry_overrides o ON o.seq = (SELECT max(seq) FROM entry_overrides WHERE entry_seq = e.seq)
        WHERE e.code_id = ? AND e.at_ms >= ? AND coalesce(o.decision, e.decision) = 'admit'`),
      afterSeq: db.prepare(`${ENTRY_SELECT} WHERE e.seq > ? ORDER BY e.seq LIMIT ?`),
      overridesAfterSeq: db.prepare('SELECT seq, id, entry_seq, entry_id, at_ms, decision, guard, note FROM entry_overrides WHERE seq > ? ORDER BY seq LIMIT ?'),
    };
  } catch (err) {
    throw toStoreError(err, 'preparing the entry-log statements');
  }
}
