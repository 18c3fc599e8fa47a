// Opening the kiosk database: one SQLite file per kiosk in the data directory (architecture.md,
// "Data at rest"), WAL with synchronous=FULL so a committed entry survives power loss, foreign keys
// on, an integrity check before first use, and the numbered migrations applied by user_version.
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MIGRATIONS, type Migration, type MigrationContext } from './migrations/index.js';
import { StoreError, toStoreError } from './errors.js';

/** The database file inside a data directory. */
export const DATABASE_FILE = 'kiosk.sqlite3';

export function databasePath(dataDir: string): string {
  return join(dataDir, DATABASE_FILE);
}

export interface OpenOptions {
  /** Defaults to the project's list; tests pass their own to exercise the runner. */
  migrations?: readonly Migration[];
  /** Open without creating or migrating (verify, export from a copy). */
  readonly?: boolean;
  /** Skip the start-up quick_check (only for a benchmark that just created the file). */
  skipIntegrityCheck?: boolean;
  /** How long a writer waits for another process's write lock (ms). */
  busyTimeoutMs?: number;
  /** Keys for steps that rewrite sealed rows (EntryStore.open passes them). */
  migrationContext?: MigrationContext;
}

/**
 * Opens (creating when missing) and migrates the database. Throws StoreError:
 * STORAGE_UNAVAILABLE/CORRUPT when quick_check fails (restore with `kiosk log restore`),
 * STORAGE_UNAVAILABLE/SCHEMA_TOO_NEW when a newer kiosk wrote it.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Database.Database {
  const migrations = options.migrations ?? MIGRATIONS;
  if (options.readonly && !existsSync(file)) {
    throw new StoreError('STORAGE_UNAVAILABLE', 'NOT_FOUND', `no kiosk database at ${file}`);
  }
  let db: Database.Database;
  try {
    if (!options.readonly) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    // Personal data: owner-only. SQLite gives the -wal and -shm files the main file's mode.
    if (!options.readonly) chmodSync(file, 0o600);
  } catch (err) {
    throw toStoreError(err, `opening ${file}`);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    if (!options.readonly) {
      // WAL: readers (screens, export, upload) never block the writer that logs a passage.
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new StoreError('STORAGE_UNAVAILABLE', 'IO_ERROR', `${file}: cannot switch to WAL (got ${String(mode)})`);
    }
    // FULL: in WAL mode the WAL is fsynced at every commit, so "written" means on the platter
    // (architecture.md "Data at rest": an entry the kiosk reported written survives power loss).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Retention must erase (docs/security.md): a deleted row's bytes are overwritten with zeros
    // instead of staying readable in a free page or slot until reused.
    db.pragma('secure_delete = ON');
    if (!options.skipIntegrityCheck) checkIntegrity(db, file);
    checkVersion(db, file, migrations);
    if (!options.readonly) {
      // A new file reclaims space incrementally (set before the first table exists); see reclaimFreePages.
      if (schemaVersion(db) === 0 && db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() === 0) db.pragma('auto_vacuum = INCREMENTAL');
      const applied = migrate(db, migrations, file, options.migrationContext);
      // A file made before incremental vacuum, or any file a migration just rewrote: rebuild it once
      // so no page keeps an old version of a row, and the WAL holding pre-migration frames is emptied.
      if (Number(db.pragma('auto_vacuum', { simple: true })) !== 2 || applied > 0) compactAfterRewrite(db);
    }
    return db;
  } catch (err) {
    db.close();
    throw toStoreError(err, `opening ${file}`);
  }
}

/** quick_check (O(N), skips the index cross-check of integrity_check), with a way out in the message. */
export function checkIntegrity(db: Database.Database, file: string): void {
  const rows = db.pragma('quick_check(20)') as Array<{ quick_check: string }>;
  const problems = rows.map((r) => r.quick_check).filter((s) => s !== 'ok');
  if (problems.length > 0) {
    throw new StoreError(
      'STORAGE_UNAVAILABLE',
      'CORRUPT',
      `${file} failed its integrity check (${problems.length} problem(s), first: ${problems[0]}). ` +
        `Restore the last good copy with \`kiosk log restore <backup file>\` (the damaged file is kept beside it).`,
    );
  }
}

export function latestVersion(migrations: readonly Migration[]): number {
  return migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
}

export function schemaVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

function checkVersion(db: Database.Database, file: string, migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError('STORAGE_UNAVAILABLE', 'SCHEMA_INVALID', `migration list is not consecutive: position ${i + 1} holds version ${m.version} (${m.name})`);
    }
  });
  const current = schemaVersion(db);
  const latest = latestVersion(migrations);
  if (current > latest) {
    throw new StoreError(
      'STORAGE_UNAVAILABLE',
      'SCHEMA_TOO_NEW',
      `${file} has schema version ${current} but this kiosk knows up to ${latest}: it was written by a newer version. Upgrade the kiosk; never open it with older code.`,
    );
  }
}

/**
 * Applies every pending step in ONE immediate transaction, user_version included, so a crash or a
 * failing step leaves the database exactly at its old version (no half-migrated schema).
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], file = 'database', context: MigrationContext = {}): number {
  checkVersion(db, file, migrations);
  const apply = db.transaction(() => {
    const current = schemaVersion(db);
    const pending = migrations.filter((m) => m.version > current);
    for (const m of pending) {
      try {
        m.up(db, context);
      } catch (err) {
        throw new StoreError('STORAGE_UNAVAILABLE', 'SCHEMA_INVALID', `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      db.pragma(`user_version = ${m.version}`);
    }
    return pending.length;
  });
  return apply.immediate();
}

/**
 * VACUUM with incremental auto-vacuum switched on: every live row is copied into fresh pages, the
 * free ones (which may hold a row's old bytes from before secure_delete) are dropped, and the WAL is
 * checkpointed and truncated. Runs once per file (a file made before incremental vacuum) and after a
 * migration step ran, outside any transaction.
 */
function compactAfterRewrite(db: Database.Database): void {
  if (db.prepare('SELECT count(*) FROM sqlite_master').pluck().get() === 0) return;
  db.pragma('auto_vacuum = INCREMENTAL');
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}

/**
 * After a retention purge (purge.ts): the file gives its now-free pages back (incremental vacuum),
 * then the WAL is checkpointed into the file and truncated to zero bytes, so neither keeps frames
 * holding purged rows. Returns false when a reader (an export, the uploader) kept the WAL from being
 * truncated this time: the next purge or the close of the last connection does it.
 */
export function reclaimFreePages(db: Database.Database): boolean {
  db.pragma('incremental_vacuum');
  const [r] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
  return r !== undefined && r.busy === 0;
}

/**
 * SQLite reports a write at an exact file-size limit as a generic I/O error; when the file system
 * has (almost) no space left, call it what it is so the kiosk shows STORAGE_FULL.
 */
export function classifyWriteError(err: unknown, file: string, doing: string): StoreError {
  const e = toStoreError(err, doing);
  if (e.reason === 'STORAGE_UNAVAILABLE' && e.detail === 'IO_ERROR') {
    try {
      const s = statfsSync(dirname(file));
      if (Number(s.bavail) * Number(s.bsize) < 256 * 1024) {
        return new StoreError('STORAGE_FULL', 'DISK_FULL', `${doing}: the disk is full (${e.message})`, { cause: err });
      }
    } catch {
      // statfs unavailable: keep the I/O error as reported.
    }
  }
  return e;
}
