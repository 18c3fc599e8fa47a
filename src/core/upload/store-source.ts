// The uploader's view of the entry log (src/core/store): the two uploaded streams (entries, guard
// overrides) and the ledger in the `upload_state` table (migration 002).
//
// The uploader opens its OWN connection to the kiosk database: in WAL mode its reads never block
// the passage flow's writer, and its one-row ledger writes run with synchronous=NORMAL on this
// connection only (synchronous is per connection). NORMAL skips the fsync, so the write lock is
// held for a WAL append of a few microseconds; a power cut may lose the last ack, which only means
// the batch is sent again and the collector answers "replay".
import type Database from 'better-sqlite3';
import { EntryStore } from '../store/index.js';
import type { UploadEntry } from './protocol.js';
import type { PendingBatch, StreamCursor, StreamName, UploadLedger, UploadStream } from './source.js';

/** The entry log's entries as an upload stream: everything logged, in clear (the platform needs it). */
export function entriesStream(store: EntryStore): UploadStream {
  return {
    name: 'entries',
    read: (afterSeq, limit) =>
      store.readEntriesAfterSeq(afterSeq, limit).map(({ seq, id, at, ...record }): UploadEntry => ({ seq, entryId: id, at, record })),
    lastSeq: () => store.lastSeq(),
  };
}

/** Guards' later decisions on `review` entries (spec §4), after the entries they decide on. */
export function overridesStream(store: EntryStore): UploadStream {
  return {
    name: 'overrides',
    read: (afterSeq, limit) =>
      store.readOverridesAfterSeq(afterSeq, limit).map(
        (o): UploadEntry => ({ seq: o.seq, entryId: o.id, at: o.at, record: { kind: 'override', entryId: o.entryId, entrySeq: o.entrySeq, decision: o.decision, guard: o.guard, note: o.note } }),
      ),
    lastSeq: () => store.tail('entry_overrides').seq,
  };
}

interface StateRow {
  acked_seq: number;
  pending_batch_id: string | null;
  pending_first_seq: number | null;
  pending_last_seq: number | null;
  pending_count: number | null;
}

/** The ledger in `upload_state`. Each call is one autocommit statement: no transaction spans a network wait. */
export class SqliteUploadLedger implements UploadLedger {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      get: db.prepare<[string], StateRow>('SELECT acked_seq, pending_batch_id, pending_first_seq, pending_last_seq, pending_count FROM upload_state WHERE stream = ?'),
      pending: db.prepare('UPDATE upload_state SET pending_batch_id = ?, pending_first_seq = ?, pending_last_seq = ?, pending_count = ? WHERE stream = ?'),
      // max(): the cursor never moves back, whatever a confused caller passes.
      acked: db.prepare(
        'UPDATE upload_state SET acked_seq = max(acked_seq, ?), acked_at_ms = ?, pending_batch_id = NULL, pending_first_seq = NULL, pending_last_seq = NULL, pending_count = NULL WHERE stream = ? AND (pending_batch_id IS NULL OR pending_batch_id = ?)',
      ),
      clear: db.prepare('UPDATE upload_state SET pending_batch_id = NULL, pending_first_seq = NULL, pending_last_seq = NULL, pending_count = NULL WHERE stream = ?'),
    };
  }

  cursor(stream: StreamName): StreamCursor {
    const row = this.stmts.get.get(stream);
    if (!row) return { ackedSeq: 0, pending: null };
    const pending: PendingBatch | null =
      row.pending_batch_id !== null && row.pending_first_seq !== null && row.pending_last_seq !== null && row.pending_count !== null
        ? { batchId: row.pending_batch_id, firstSeq: row.pending_first_seq, lastSeq: row.pending_last_seq, count: row.pending_count }
        : null;
    return { ackedSeq: row.acked_seq, pending };
  }

  savePending(stream: StreamName, batch: PendingBatch): void {
    this.stmts.pending.run(batch.batchId, batch.firstSeq, batch.lastSeq, batch.count, stream);
  }

  markAcked(stream: StreamName, batch: PendingBatch): void {
    this.stmts.acked.run(batch.lastSeq, Date.now(), stream, batch.batchId);
  }

  clearPending(stream: StreamName): void {
    this.stmts.clear.run(stream);
  }
}

export interface StoreUploadSource {
  streams: UploadStream[];
  ledger: SqliteUploadLedger;
  store: EntryStore;
  close(): void;
}

/**
 * Opens the uploader's own connection to the kiosk database in `dataDir` (or `file`).
 * The integrity check is skipped: the passage flow's connection ran it when the kiosk started.
 */
export function openStoreUploadSource(dataDir: string, options: { file?: string } = {}): StoreUploadSource {
  const store = EntryStore.open(dataDir, { ...(options.file ? { file: options.file } : {}), skipIntegrityCheck: true });
  store.db.pragma('synchronous = NORMAL');
  return {
    streams: [entriesStream(store), overridesStream(store)],
    ledger: new SqliteUploadLedger(store.db),
    store,
    close: () => store.close(),
  };
}

/**
 * What retention may purge when uploading is configured: nothing the collector has not acknowledged
 * (docs/upload-protocol.md §2 "Kiosk bookkeeping": the authorities' copy comes first). Without a collector, null limits:
 * the venue's retention period alone decides.
 */
export function purgeLimits(db: Database.Database, uploading: boolean): { uploadedThroughSeq: number | null; overridesUploadedThroughSeq: number | null } {
  if (!uploading) return { uploadedThroughSeq: null, overridesUploadedThroughSeq: null };
  const acked = uploadedThrough(db);
  return { uploadedThroughSeq: acked.entries, overridesUploadedThroughSeq: acked.overrides };
}

/** The highest seqs the collector acknowledged: what retention may purge up to (purgeExpired's uploadedThroughSeq). */
export function uploadedThrough(db: Database.Database): { entries: number; overrides: number } {
  const rows = db.prepare<[], { stream: string; acked_seq: number }>('SELECT stream, acked_seq FROM upload_state').all();
  const get = (s: string) => rows.find((r) => r.stream === s)?.acked_seq ?? 0;
  return { entries: get('entries'), overrides: get('overrides') };
}
