// The collector's trace key: the tracing query (docs/upload-protocol.md §8) finds a person by an
// HMAC-SHA256 of their normalised document number, kept in its own indexed column, so the search
// is an index lookup and never a scan that decrypts or reads plaintext records. Every collector
// process sharing a database must hash with the same key: its check value is kept in the database
// and a process holding another key refuses to start (TRACE_KEY_MISMATCH) rather than write
// entries no trace would find.
import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../core/config/atomic-write.js';

/** Spaces and case do not make another person: "g 1234 5678" and "G12345678" hash alike. */
export function normaliseDocumentNumber(documentNumber: string): string {
  return documentNumber.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

export function docKeyOf(key: Buffer, documentNumber: string): Buffer {
  return createHmac('sha256', key).update('doc:').update(normaliseDocumentNumber(documentNumber), 'utf8').digest();
}

/** The key's check value: an HMAC of a fixed label, which says nothing about any document. */
export function traceKeyCheck(key: Buffer): string {
  return createHmac('sha256', key).update('checkpoint-collector trace key check').digest('hex').slice(0, 32);
}

/** The keyed hash of an uploaded record's document number, or null (an override, no document). */
export function recordDocKey(key: Buffer): (record: Record<string, unknown>) => Buffer | null {
  return (record) => (typeof record.documentNumber === 'string' && record.documentNumber.length > 0 ? docKeyOf(key, record.documentNumber) : null);
}

export function newTraceKey(): Buffer {
  return randomBytes(32);
}

/** Reads a 32-byte key (hex or base64url text) from `file`, or makes one there 0600. */
export function loadOrCreateTraceKeyFile(file: string): Buffer {
  if (existsSync(file)) {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const text = readFileSync(file, 'utf8').trim();
    const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64url');
    if (key.length !== 32) throw new Error(`${file}: a trace key is 32 bytes (64 hex characters)`);
    return key;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = newTraceKey();
  writeFileAtomic(file, key.toString('hex') + '\n', 0o600);
  return key;
}
