// The collector's trace key: the tracing query (docs/upload-protocol.md §8) finds a person by an
// HMAC-SHA256 of their normalised document number, kept in its own indexed column, so the search
// is an index lookup and never a scan that decrypts or reads plaintext records. Every collector
// process sharing a database must hash with the same key: its check value is kept in the database
// and a process holding another key refuses to start (TRACE_KEY_MISMATCH) rather than write
// entries no trace would find.
import { createHash, createHmac, hash, randomBytes } from 'node:crypto';
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

// Printable ASCII without spaces: NFKC leaves every ASCII character as it is and there is no space
// to remove, so upper-casing is the whole normalisation (the usual document number).
const PLAIN_ASCII = /^[!-~]*$/;

/** Document numbers up to this many UTF-16 units are hashed in docKeyer's reused buffer. */
const SCRATCH_UNITS = 256;

/**
 * docKeyOf with `key` bound, for the collector's hot path (one HMAC per stored entry), as hex: the
 * same HMAC-SHA256 (RFC 2104), its key's padded blocks made once and each entry's two hashes done
 * with one-shot crypto.hash, where createHmac builds and keys a new object per call; a plain ASCII
 * number skips the Unicode normalisation that leaves it unchanged. The number is written into one
 * reused buffer and both digests come back as strings, so an entry's hash allocates no buffer of
 * its own: a Buffer per digest cost the garbage collector more than the hashing (about 3.4 against
 * 1.4 µs per entry, docs/upload-protocol.md §10). trace-key.test.ts holds it equal to docKeyOf.
 */
export function docKeyer(key: Buffer): (documentNumber: string) => string {
  const block = Buffer.alloc(64);
  (key.length > 64 ? createHash('sha256').update(key).digest() : key).copy(block);
  // ipad block, 'doc:', then the number (UTF-8 is at most 3 bytes per UTF-16 unit).
  const scratch = Buffer.alloc(64 + 4 + 3 * SCRATCH_UNITS);
  const outer = Buffer.alloc(64 + 32);
  for (let i = 0; i < 64; i++) {
    scratch[i] = block[i]! ^ 0x36;
    outer[i] = block[i]! ^ 0x5c;
  }
  scratch.write('doc:', 64, 'latin1');
  const prefix = scratch.subarray(0, 68);
  return (documentNumber) => {
    const n = PLAIN_ASCII.test(documentNumber) ? documentNumber.toUpperCase() : normaliseDocumentNumber(documentNumber);
    const inner =
      n.length <= SCRATCH_UNITS
        ? hash('sha256', scratch.subarray(0, 68 + scratch.write(n, 68, 'utf8')), 'binary')
        : hash('sha256', Buffer.concat([prefix, Buffer.from(n, 'utf8')]), 'binary');
    // 'binary' (latin1) is the digest's 32 bytes one character each: written back as they came.
    outer.write(inner, 64, 'latin1');
    return hash('sha256', outer, 'hex');
  };
}

/** The keyed hash of an uploaded record's document number as hex, or null (an override, no document). */
export function recordDocKey(key: Buffer): (record: Record<string, unknown>) => string | null {
  const keyed = docKeyer(key);
  return (record) => (typeof record.documentNumber === 'string' && record.documentNumber.length > 0 ? keyed(record.documentNumber) : null);
}

export function newTraceKey(): Buffer {
  return randomBytes(32);
}

/**
 * The 32-byte key (hex or base64url text) in `file`; a missing file is made (0600) only with
 * `create` (a collector's first start), and `created` says so: a query must never make a key of
 * its own, and a new key is news.
 */
export function traceKeyFromFile(file: string, options: { create: boolean }): { key: Buffer; created: boolean } {
  if (!existsSync(file) && !options.create) throw new Error(`no trace key file at ${file} (a typo? it is the file every collector on this database was started with)`);
  if (existsSync(file)) {
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const text = readFileSync(file, 'utf8').trim();
    const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64url');
    if (key.length !== 32) throw new Error(`${file}: a trace key is 32 bytes (64 hex characters)`);
    return { key, created: false };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const key = newTraceKey();
  writeFileAtomic(file, key.toString('hex') + '\n', 0o600);
  return { key, created: true };
}
