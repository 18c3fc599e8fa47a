// The hash chain over log rows (issue 3 §2, §6). Each row stores prev_hash (the previous row's
// hash, or the chain anchor's) and hash = SHA-256(prev_hash ‖ canonical(row)). Editing, inserting
// or deleting a row in the middle breaks the link at that row, which `kiosk log verify` names.
// Purging the oldest rows moves the anchor (table chain_anchors) in the same transaction, so the
// remaining rows still verify from the anchor.
import { createHash } from 'node:crypto';

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

export function chainHash(prevHash: Uint8Array, values: readonly ChainValue[]): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalRow(values), 'utf8').digest();
}

/** Column order hashed for `entries` (everything but prev_hash and hash). */
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
] as const;

export const OVERRIDE_CHAIN_COLUMNS = ['seq', 'id', 'entry_seq', 'entry_id', 'at_ms', 'decision', 'guard', 'note'] as const;

export function chainColumns(chain: ChainName): readonly string[] {
  return chain === 'entries' ? ENTRY_CHAIN_COLUMNS : OVERRIDE_CHAIN_COLUMNS;
}
