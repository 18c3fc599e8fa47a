// The entry log's keys (docs/security.md "What the disk reveals"). One 32-byte master
// secret; three keys derived from it with HKDF-SHA256, each for one job:
// - `sealingKey` (tweetnacl secretbox): holder names and document numbers at rest, so the database
//   file alone reveals neither;
// - `searchKey` (HMAC-SHA256): the keyed hash exact search and anti-passback use, so equal numbers
//   match without decrypting and a leaked database cannot be searched by brute force without it;
// - `chainKey` (HMAC-SHA256): the hash chain over log rows (chain.ts), so whoever can write the file
//   but does not hold the key cannot recompute the chain after rewriting a row.
//
// Where the master secret lives, first found wins:
// 1. a systemd credential `kiosk-store-key` ($CREDENTIALS_DIRECTORY, e.g. `LoadCredentialEncrypted=`
//    sealed to the TPM): never created by the kiosk, never on the data disk in clear;
// 2. `store.keyFile` in config.json: a file on another mount (a removable token, a separate
//    encrypted volume); created there (0600) when missing and the log holds nothing sealed yet;
// 3. `<dataDir>/entry-store.key` (0600): the default, beside the data. A stolen disk then gives the
//    key too; full-disk encryption must cover the data directory (docs/security.md).
// Back the master secret up apart from the database: without it no name or number can be revealed.
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { fsyncDirectory } from '../config/atomic-write.js';
import { isAbsolute, join, dirname } from 'node:path';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { StoreError, toStoreError } from './errors.js';
import { randomBytesPooled } from './ids.js';

/** Default master secret file in the data directory. */
export const STORE_KEY_FILE = 'entry-store.key';
/** Name of the systemd credential holding the master secret. */
export const STORE_KEY_CREDENTIAL = 'kiosk-store-key';
/** Key files of schema 2 and earlier (one random key each); read only to migrate an old log. */
export const DOCUMENT_KEY_FILE = 'entry-document.key';
export const SEARCH_KEY_FILE = 'entry-search.key';
const KEY_BYTES = 32;

export type KeySourceKind = 'credential' | 'key-file' | 'data-dir';
export interface KeySource {
  kind: KeySourceKind;
  path: string;
}

export interface EntryKeys {
  /** tweetnacl secretbox key (32 bytes): names and document numbers. */
  sealingKey: Uint8Array;
  /** HMAC-SHA256 key for the keyed search hash (32 bytes). */
  searchKey: Buffer;
  /** HMAC-SHA256 key for the row chain (32 bytes). */
  chainKey: Buffer;
  source: KeySource;
}

/** The keys of schema ≤ 2: secretbox and search key in two files in the data directory. */
export interface LegacyEntryKeys {
  documentKey: Uint8Array;
  searchKey: Buffer;
}

/** Where the master secret is looked for: credential, then `store.keyFile`, then the data directory. */
export function resolveKeySource(dataDir: string, keyFile: string | null | undefined, env: NodeJS.ProcessEnv = process.env): KeySource {
  const credentials = env.CREDENTIALS_DIRECTORY;
  if (credentials && existsSync(join(credentials, STORE_KEY_CREDENTIAL))) return { kind: 'credential', path: join(credentials, STORE_KEY_CREDENTIAL) };
  if (keyFile) {
    if (!isAbsolute(keyFile)) throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `config store.keyFile must be an absolute path (got a relative one)`);
    return { kind: 'key-file', path: keyFile };
  }
  return { kind: 'data-dir', path: join(dataDir, STORE_KEY_FILE) };
}

function readKeyFile(file: string, tighten: boolean, minBytes: number, exactBytes?: number): Buffer {
  let key: Buffer;
  try {
    // Tighten permissions left loose by a copy or an untar: the key is as sensitive as the data.
    if (tighten && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    key = readFileSync(file);
  } catch (err) {
    throw toStoreError(err, `reading key file ${file}`);
  }
  if (key.length < minBytes || (exactBytes !== undefined && key.length !== exactBytes)) {
    throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `${file} is not a ${KEY_BYTES}-byte key (${key.length} bytes); restore it from where it was backed up`);
  }
  return key;
}

function createKeyFile(file: string): Buffer {
  const key = randomBytes(KEY_BYTES);
  // Written whole under a private name, then linked to the key's name: link() never overwrites, so of
  // two processes starting together one key wins, and the other never reads a file still being
  // written (an empty key with 'wx' alone, which it then refused as KEY_INVALID).
  const pending = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  try {
    const fd = openSync(pending, 'wx', 0o600);
    try {
      writeSync(fd, key);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      linkSync(pending, file);
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST') return readKeyFile(file, true, KEY_BYTES, KEY_BYTES);
      throw err;
    }
  } catch (err) {
    throw toStoreError(err, `creating key file ${file}`);
  } finally {
    rmSync(pending, { force: true });
  }
  // The new name must be on disk before any row is sealed with this key: a power cut that kept the
  // rows but lost the directory entry would leave them unreadable (atomic-write.ts).
  try {
    fsyncDirectory(dirname(file));
  } catch (err) {
    throw toStoreError(err, `syncing the directory of key file ${file}`);
  }
  return key;
}

function derive(master: Buffer, job: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, 'checkpoint-kiosk entry log', job, KEY_BYTES));
}

export function entryKeysFromMaster(master: Buffer, source: KeySource): EntryKeys {
  return { sealingKey: new Uint8Array(derive(master, 'seal names and document numbers')), searchKey: derive(master, 'search hash'), chainKey: derive(master, 'row chain'), source };
}

/**
 * Loads the master secret from `source`, creating it only when `create` is true (and never a
 * credential: systemd provides those). The store passes `create: false` once the log holds sealed
 * data: a fresh key then would silently make every stored name and number unreadable.
 */
export function loadEntryKeys(source: KeySource, options: { create: boolean }): EntryKeys {
  if (source.kind === 'credential') return entryKeysFromMaster(readKeyFile(source.path, false, KEY_BYTES), source);
  if (existsSync(source.path)) return entryKeysFromMaster(readKeyFile(source.path, true, KEY_BYTES, KEY_BYTES), source);
  if (!options.create) {
    throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `${source.path} is missing but the entry log already holds sealed names and numbers; restore the key from its backup`);
  }
  return entryKeysFromMaster(createKeyFile(source.path), source);
}

/** The two key files of a schema ≤ 2 log, or null when neither exists. */
export function loadLegacyEntryKeys(dataDir: string): LegacyEntryKeys | null {
  const doc = join(dataDir, DOCUMENT_KEY_FILE);
  const search = join(dataDir, SEARCH_KEY_FILE);
  if (!existsSync(doc) && !existsSync(search)) return null;
  return { documentKey: new Uint8Array(readKeyFile(doc, true, KEY_BYTES, KEY_BYTES)), searchKey: readKeyFile(search, true, KEY_BYTES, KEY_BYTES) };
}

/** A value stored beside the log that tells whether these are the keys it was written with. */
export function keyCheckValue(keys: EntryKeys): Buffer {
  return createHmac('sha256', keys.chainKey).update('checkpoint-kiosk key check v1').digest();
}

/** nonce (24 bytes) ‖ secretbox(UTF-8 text). A fresh random nonce per value. */
export function sealText(sealingKey: Uint8Array, text: string): Buffer {
  const nonce = randomBytesPooled(nacl.secretbox.nonceLength);
  const box = nacl.secretbox(Buffer.from(text, 'utf8'), nonce, sealingKey);
  return Buffer.concat([nonce, box]);
}

export function openText(sealingKey: Uint8Array, sealed: Uint8Array): string {
  const nonce = sealed.subarray(0, nacl.secretbox.nonceLength);
  const plain = nacl.secretbox.open(sealed.subarray(nacl.secretbox.nonceLength), nonce, sealingKey);
  if (!plain) throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', "a stored name or document number does not decrypt with this kiosk's key (wrong key or altered row)");
  return Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).toString('utf8');
}
