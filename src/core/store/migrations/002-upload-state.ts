// 002: upload bookkeeping (docs/upload-protocol.md §2 "Kiosk bookkeeping").
//
// - `upload_state`: one row per uploaded stream (entries, guard overrides): the highest seq the
//   collector acknowledged, and the batch in flight (its id and seq range). The in-flight batch is
//   written BEFORE it is first sent, so after a crash the kiosk resends the very same range under the
//   very same batch id and the collector recognises it (idempotency key). Kept to one tiny row so
//   the uploader's writes never hold the write lock long enough to delay a passage.
// - `list_sync`: per list kind, the validators of the last list fetched (ETag / Last-Modified) for
//   conditional requests, and the outcome of the last check, so the admin screen can say why a
//   downloaded list was not installed.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';

export const uploadStateMigration: Migration = {
  version: 2,
  name: 'upload-state',
  up(db: Database.Database) {
    db.exec(`
      CREATE TABLE upload_state (
        stream             TEXT    PRIMARY KEY CHECK (stream IN ('entries', 'overrides')),
        acked_seq          INTEGER NOT NULL DEFAULT 0,
        pending_batch_id   TEXT,
        pending_first_seq  INTEGER,
        pending_last_seq   INTEGER,
        pending_count      INTEGER,
        acked_at_ms        INTEGER
      );
      INSERT INTO upload_state (stream) VALUES ('entries'), ('overrides');

      CREATE TABLE list_sync (
        kind           TEXT    PRIMARY KEY CHECK (kind IN ('trust', 'status')),
        etag           TEXT,
        last_modified  TEXT,
        checked_at_ms  INTEGER,
        outcome        TEXT,
        reason         TEXT,
        installed_seq  INTEGER
      );
    `);
  },
};
