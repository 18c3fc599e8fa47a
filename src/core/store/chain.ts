// The hash chain over log rows (architecture.md "Data at rest"; docs/security.md "Tamper evidence"). Each row stores prev_hash (the previous row's
// hash, or the chain anchor's) and hash = HMAC-SHA256(chainKey, prev_hash ‖ canonical(row)).
// Editing, inserting or deleting a row in the middle breaks the link at that row, which
// `kiosk log verify` names. Keyed (schema 3 on, keys.ts) because a plain SHA-256 chain can be
// recomputed by whoever can write the file: rewriting every row after an edit then verifies. With
// the key held outside the data directory, a rewritten log no longer verifies (docs/security.md).
// Purging the oldest rows moves the anchor (table chain_anchors) in the same transaction, so the
// remaining rows still verify from the anchor.
import { createHash, createHmac, type KeyObject } from 'node:crypto';

export const GENESIS_HASH = Buffer.alloc(32, 0);

export type ChainName = 'entries' | 'entry_overrides';

/** A value as SQLite returns it for our columns. */
export type ChainValue = string | number | null | Uint8Array;

/**
 * Canonical bytes of a row: JSON of the values in schema order, blobs as base64. JSON makes the
 * encoding unambiguous (no separator can be forged by a name containing it).
 */
export function canonicalRow(values: readonly ChainValue[]): string {
  const encoded: unknown[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // A view, not a copy: this runs for every row written and verified.
    encoded[i] = v instanceof Uint8Array ? { b64: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') } : v;
  }
  return JSON.stringify(encoded);
}

/** The keyed link of a row: HMAC-SHA256(chainKey, prev_hash ‖ canonical(row)). */
export function chainHash(chainKey: KeyObject | Buffer, prevHash: Uint8Array, values: readonly ChainValue[]): Buffer {
  return createHmac('sha256', chainKey).update(prevHash).update(canonicalRow(values), 'utf8').digest();
}

/** The unkeyed link of schema ≤ 2, SHA-256(prev_hash ‖ canonical(row)): only to check an old log before migrating it. */
export function legacyChainHash(prevHash: Uint8Array, values: readonly ChainValue[]): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalRow(values), 'utf8').digest();
}

/**
 * THE column list of `entries` (everything but prev_hash and hash), in the order the chain hashes
 * them. The insert statement, the row values written, the log's SELECT and the export's page read
 * are all derived from it, so they cannot disagree (a row written in another order than it is
 * verified would break its own chain).
 */
export const ENTRY_CHAIN_COLUMNS = [
  'seq',
  'id',
  'at_ms',
  'venue_id',
  'kiosk_id',
  'method',
  'holder_name',
  'doc_type',
  'doc_number_box',
  'doc_number_hmac',
  'doc_number_masked',
  'code_id',
  'code_issuer',
  'status_colour',
  'temperature_c',
  'decision',
  'reason',
  'trust_list_seq',
  'holder_name_masked',
] as const;

/** The entry columns schema ≤ 2 hashed (before the masked name had its own column). */
export const LEGACY_ENTRY_CHAIN_COLUMNS = ENTRY_CHAIN_COLUMNS.slice(0, -1);

export const OVERRIDE_CHAIN_COLUMNS = ['seq', 'id', 'entry_seq', 'entry_id', 'at_ms', 'decision', 'guard', 'note'] as const;

export type EntryColumn = (typeof ENTRY_CHAIN_COLUMNS)[number];
export type OverrideColumn = (typeof OVERRIDE_CHAIN_COLUMNS)[number];

/** A row of a chain by column name; `chainValues` puts it in hashing order. */
export type ChainRecord<C extends string> = { readonly [K in C]: ChainValue };

export function chainValues<C extends string>(columns: readonly C[], record: ChainRecord<C>): ChainValue[] {
  const values: ChainValue[] = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) values[i] = record[columns[i]!];
  return values;
}

/** `INSERT INTO <chain> (<chain columns>, prev_hash, hash) VALUES (?, …)`: bind chainValues(…), prev_hash, hash. */
export function chainInsertSql(chain: ChainName): string {
  const cols = [...chainColumns(chain), 'prev_hash', 'hash'];
  return `INSERT INTO ${chain} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`;
}

export function chainColumns(chain: ChainName): readonly string[] {
  return chain === 'entries' ? ENTRY_CHAIN_COLUMNS : OVERRIDE_CHAIN_COLUMNS;
}
