// The way out when the start-up integrity check fails: `kiosk log backup` takes an
// online, consistent copy (SQLite's backup API, safe while the kiosk runs) and `kiosk log restore`
// puts a checked copy back, keeping the damaged file beside it for investigation. The master key
// is not in the database: back it up once, apart from the backups (keys.ts).
// A backup holds every sealed name and number of the log: it is created owner-only (0600) and
// exclusively, so it never follows a file or symbolic link planted at its name (docs/security.md).
import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, fsyncSync, openSync, closeSync, renameSync, rmSync } from 'node:fs';
import { basename } from 'node:path';
import { checkIntegrity, databasePath, latestVersion, schemaVersion } from './db.js';
import { MIGRATIONS } from './migrations/index.js';
import { connectionOf, EntryStore } from './entry-store.js';
import { StoreError, toStoreError } from './errors.js';
import { keyCheckValue, loadEntryKeys, resolveKeySource } from './keys.js';
import { storeKeyFileInDataDir } from './settings.js';

export async function backupDatabase(store: EntryStore, destination: string): Promise<{ pages: number }> {
  try {
    // 'wx' = O_CREAT|O_EXCL: fails on any existing name, a dangling symbolic link included.
    closeSync(openSync(destination, 'wx', 0o600));
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', `${destination} exists; choose a new file`);
    throw toStoreError(err, `creating backup ${destination}`);
  }
  try {
    // SQLite writes into the empty file we created (its mode kept) and gives its journal the same mode.
    const r = await connectionOf(store).backup(destination);
    chmodSync(destination, 0o600);
    store.audit('backup', { file: basename(destination), pages: r.totalPages });
    return { pages: r.totalPages };
  } catch (err) {
    rmSync(destination, { force: true });
    throw toStoreError(err, `backing up to ${destination}`);
  }
}

/** Checks a backup file without changing it: opens, quick_check, schema not newer than the code. */
export function checkBackup(file: string): { schemaVersion: number; entries: number; keyCheck: Buffer | null } {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    checkIntegrity(db, file);
    const version = schemaVersion(db);
    if (version > latestVersion(MIGRATIONS)) throw new StoreError('STORAGE_UNAVAILABLE', 'SCHEMA_TOO_NEW', `${file} was written by a newer kiosk (schema ${version})`);
    const entries = version >= 1 ? (db.prepare('SELECT count(*) FROM entries').pluck().get() as number) : 0;
    const keyCheck = version >= 3 ? ((db.prepare("SELECT value FROM store_meta WHERE name = 'key_check'").pluck().get() as Buffer | undefined) ?? null) : null;
    return { schemaVersion: version, entries, keyCheck };
  } catch (err) {
    throw toStoreError(err, `checking backup ${file}`);
  } finally {
    db?.close();
  }
}

/**
 * Replaces the data directory's database with a checked backup. The kiosk must be stopped. The
 * current file (and its -wal/-shm) is renamed to `<file>.damaged-<time>`, never deleted.
 */
export function restoreDatabase(dataDir: string, backupFile: string, now = new Date()): { restoredEntries: number; damagedKeptAs: string | null } {
  const checked = checkBackup(backupFile);
  // A backup sealed under another key (another kiosk's, an older key file) would replace a working
  // log with one this kiosk cannot open: refuse before touching anything.
  if (checked.keyCheck) {
    const keys = loadEntryKeys(resolveKeySource(dataDir, storeKeyFileInDataDir(dataDir)), { create: false });
    if (!keyCheckValue(keys).equals(checked.keyCheck)) {
      throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `${backupFile} was written under another store key than this kiosk's (${keys.source.kind}); restore it with the key it was taken with`);
    }
  }
  const target = databasePath(dataDir);
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  let damagedKeptAs: string | null = null;
  try {
    if (existsSync(target)) {
      damagedKeptAs = `${target}.damaged-${stamp}`;
      renameSync(target, damagedKeptAs);
    }
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(target + suffix)) renameSync(target + suffix, `${target}.damaged-${stamp}${suffix}`);
    }
    copyFileSync(backupFile, target);
    chmodSync(target, 0o600);
    const fd = openSync(target, 'r+');
    fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    throw toStoreError(err, `restoring ${backupFile}`);
  }
  const store = EntryStore.open(dataDir);
  try {
    store.audit('restore', { from: basename(backupFile), entries: checked.entries, damagedKeptAs: damagedKeptAs ? basename(damagedKeptAs) : null });
  } finally {
    store.close();
  }
  return { restoredEntries: checked.entries, damagedKeptAs };
}
