// The two entry-log keys, each in its own owner-only (0600) file in the data directory (issue 3 §2):
// - the secretbox key that encrypts document numbers at rest, so a copied database file alone does
//   not reveal them;
// - the HMAC key for the keyed hash that exact search and anti-passback use, so equal numbers can be
//   matched without decrypting and a leaked database cannot be searched by brute force without it.
// Keys are raw 32 random bytes. Back them up with the database: without the secretbox key the
// stored numbers cannot be revealed, ever.
import { chmodSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { StoreError, toStoreError } from './errors.js';
import { randomBytesPooled } from './ids.js';

export const DOCUMENT_KEY_FILE = 'entry-document.key';
export const SEARCH_KEY_FILE = 'entry-search.key';
const KEY_BYTES = 32;

export interface EntryKeys {
  /** tweetnacl secretbox key (32 bytes). */
  documentKey: Uint8Array;
  /** HMAC-SHA256 key for the keyed search hash (32 bytes). */
  searchKey: Buffer;
}

function readKey(file: string): Buffer {
  let key: Buffer;
  try {
    // Tighten permissions left loose by a copy or an untar: the key is as sensitive as the data.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    key = readFileSync(file);
  } catch (err) {
    throw toStoreError(err, `reading key file ${file}`);
  }
  if (key.length !== KEY_BYTES) {
    throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `${file} is not a ${KEY_BYTES}-byte key (${key.length} bytes); restore it from the backup taken with the database`);
  }
  return key;
}

function createKey(file: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  try {
    // 'wx': never overwrite a key that appeared meanwhile (two processes starting together).
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, key);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') return readKey(file);
    throw toStoreError(err, `creating key file ${file}`);
  }
  return key;
}

/**
 * Loads both keys, creating missing ones only when `create` is true. The store passes
 * `create: false` once the log holds encrypted numbers: a fresh key then would silently make every
 * stored number unreadable, so a missing key is an error to fix by restoring it.
 */
export function loadEntryKeys(dataDir: string, options: { create: boolean }): EntryKeys {
  const files = [join(dataDir, DOCUMENT_KEY_FILE), join(dataDir, SEARCH_KEY_FILE)] as const;
  const keys = files.map((file) => {
    if (existsSync(file)) return readKey(file);
    if (!options.create) {
      throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `${file} is missing but the entry log already holds encrypted document numbers; restore the key file from the backup taken with the database`);
    }
    return createKey(file);
  });
  return { documentKey: new Uint8Array(keys[0]!), searchKey: keys[1]! };
}

/** nonce (24 bytes) ‖ secretbox(UTF-8 number). A fresh random nonce per row. */
export function sealDocumentNumber(keys: EntryKeys, documentNumber: string): Buffer {
  const nonce = randomBytesPooled(nacl.secretbox.nonceLength);
  const box = nacl.secretbox(Buffer.from(documentNumber, 'utf8'), nonce, keys.documentKey);
  return Buffer.concat([nonce, box]);
}

export function openDocumentNumber(keys: EntryKeys, sealed: Uint8Array): string {
  const nonce = sealed.subarray(0, nacl.secretbox.nonceLength);
  const plain = nacl.secretbox.open(sealed.subarray(nacl.secretbox.nonceLength), nonce, keys.documentKey);
  if (!plain) throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', 'a stored document number does not decrypt with this kiosk\'s key (wrong key file or altered row)');
  return Buffer.from(plain).toString('utf8');
}
