// The uploader's bookkeeping tables of the kiosk database (migration 002, docs/upload-protocol.md
// §2 "Kiosk bookkeeping" and §4 "List sync"). Their SQL lives here with the rest of the entry log's
// queries; the uploader reaches them through EntryStore.uploadLedger() / listSyncTable().
import type Database from 'better-sqlite3';
import type { ListSyncRecord, ListSyncState } from '../upload/list-sync.js';
import type { ListKind } from '../upload/protocol.js';
import type { PendingBatch, StreamCursor, StreamName, UploadLedger } from '../upload/source.js';

interface StateRow {
  acked_seq: number;
  pending_batch_id: string | null;
  pending_first_seq: number | null;
  pending_last_seq: number | null;
  pending_count: number | null;
}

/** The ledger in `upload_state`. Each call is one autocommit statement: no transaction spans a network wait. */
export class UploadLedgerTable implements UploadLedger {
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

  markAcked(stream: StreamName, batch: PendingBatch, atMs: number = Date.now()): void {
    this.stmts.acked.run(batch.lastSeq, atMs, stream, batch.batchId);
  }

  clearPending(stream: StreamName): void {
    this.stmts.clear.run(stream);
  }
}

/** The `list_sync` table: validators and outcome of the last fetch of each list. */
export class ListSyncTable implements ListSyncState {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      get: db.prepare<[string], { etag: string | null; last_modified: string | null; checked_at_ms: number | null; outcome: string | null; reason: string | null; installed_seq: number | null }>(
        'SELECT etag, last_modified, checked_at_ms, outcome, reason, installed_seq FROM list_sync WHERE kind = ?',
      ),
      put: db.prepare(
        `INSERT INTO list_sync (kind, etag, last_modified, checked_at_ms, outcome, reason, installed_seq) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified, checked_at_ms = excluded.checked_at_ms,
           outcome = excluded.outcome, reason = excluded.reason, installed_seq = excluded.installed_seq`,
      ),
    };
  }

  get(kind: ListKind): ListSyncRecord {
    const r = this.stmts.get.get(kind);
    return r
      ? { etag: r.etag, lastModified: r.last_modified, checkedAt: r.checked_at_ms, outcome: r.outcome as ListSyncRecord['outcome'], reason: r.reason, installedSeq: r.installed_seq }
      : { etag: null, lastModified: null, checkedAt: null, outcome: null, reason: null, installedSeq: null };
  }

  put(kind: ListKind, r: ListSyncRecord): void {
    this.stmts.put.run(kind, r.etag, r.lastModified, r.checkedAt, r.outcome, r.reason, r.installedSeq);
  }
}
