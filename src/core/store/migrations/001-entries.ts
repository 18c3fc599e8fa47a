// 001: the real-name entry log (architecture.md "Data at rest").
//
// - `entries`: one row per passage, append-only, hash-chained (prev_hash → hash) so an edit or a
//   deletion in the middle is detectable (`kiosk log verify`). `seq` is the monotonic sequence and
//   the rowid; `id` is a time-sortable UUIDv7 for other systems (upload, exports).
//   The document number is stored three ways: secretbox ciphertext (admins can reveal it), a keyed
//   HMAC (exact search and anti-passback without decrypting), and the masked form screens and
//   masked exports show (so a masked export never needs the key).
//   There is deliberately NO index on the HMAC: its keys are random, so every batch of inserts and
//   every purge batch would rewrite a random page of it per row (measured: 6,500 rows/s seeding and
//   purge batches of 400 ms at a million rows). Anti-passback asks "since T" and T is recent, so
//   it walks the at_ms index; the admin's exact search scans the table (rare, under a second).
// - `entry_overrides`: a guard's later allow/deny of a `review` (spec §4: "the guard's decision is
//   logged with the kiosk's"). A separate append-only chain instead of an UPDATE of the entry, so the
//   entry chain is never rewritten. It references the entry by seq WITHOUT a foreign key on purpose:
//   retention deletes the oldest entries as a prefix, and an override written a few seconds after its
//   entry may outlive it until the next purge batch; a FK would block the prefix purge.
// - `chain_anchors`: the last purged row of each chain, so verification after a purge starts from
//   there instead of from genesis.
// - `audit`: exports, purges, restores. Never personal data: ranges, counts, flags.
import type Database from 'better-sqlite3';
import type { Migration } from './types.js';

export const entriesMigration: Migration = {
  version: 1,
  name: 'entries',
  up(db: Database.Database) {
    db.exec(`
      CREATE TABLE entries (
        seq                INTEGER PRIMARY KEY,
        id                 TEXT    NOT NULL UNIQUE,
        at_ms              INTEGER NOT NULL,
        venue_id           TEXT    NOT NULL,
        kiosk_id           TEXT    NOT NULL,
        method             TEXT    NOT NULL CHECK (method IN ('code', 'card', 'both')),
        holder_name        TEXT,
        doc_type           TEXT,
        doc_number_box     BLOB,
        doc_number_hmac    BLOB,
        doc_number_masked  TEXT,
        code_id            TEXT,
        code_issuer        TEXT,
        status_colour      TEXT    CHECK (status_colour IN ('green', 'yellow', 'red')),
        temperature_c      REAL,
        decision           TEXT    NOT NULL CHECK (decision IN ('admit', 'deny', 'review')),
        reason             TEXT,
        trust_list_seq     INTEGER,
        prev_hash          BLOB    NOT NULL,
        hash               BLOB    NOT NULL
      );
      CREATE INDEX entries_at ON entries (at_ms);

      CREATE TABLE entry_overrides (
        seq         INTEGER PRIMARY KEY,
        id          TEXT    NOT NULL UNIQUE,
        entry_seq   INTEGER NOT NULL,
        entry_id    TEXT    NOT NULL,
        at_ms       INTEGER NOT NULL,
        decision    TEXT    NOT NULL CHECK (decision IN ('admit', 'deny')),
        guard       TEXT    NOT NULL,
        note        TEXT    NOT NULL,
        prev_hash   BLOB    NOT NULL,
        hash        BLOB    NOT NULL
      );
      CREATE INDEX entry_overrides_entry ON entry_overrides (entry_seq);

      CREATE TABLE chain_anchors (
        chain  TEXT    PRIMARY KEY CHECK (chain IN ('entries', 'entry_overrides')),
        seq    INTEGER NOT NULL,
        hash   BLOB    NOT NULL
      );

      CREATE TABLE audit (
        seq     INTEGER PRIMARY KEY,
        at_ms   INTEGER NOT NULL,
        action  TEXT    NOT NULL,
        detail  TEXT    NOT NULL
      );
    `);
  },
};
