// How the store fails. Callers branch on `reason` (a contract reason code the screen can show);
// `detail` says which storage condition caused it, for the admin screen and the CLI. Messages never
// carry personal data (no names, no document numbers), so they are safe to log.
import type { KioskReason } from '../../contract/reasons.js';

export type StoreReason = Extract<KioskReason, 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE' | 'BAD_REQUEST'>;

export type StoreFailure =
  | 'DISK_FULL' // SQLITE_FULL / ENOSPC: nothing was written; retry when space returns
  | 'IO_ERROR' // the disk or file system refused a read or write
  | 'BUSY' // another process held the write lock past the busy timeout
  | 'READ_ONLY' // the database file or directory cannot be written
  | 'CORRUPT' // quick_check failed or the file is not a database: restore from a backup
  | 'SCHEMA_TOO_NEW' // written by a newer kiosk version: never downgrade a database in place
  | 'SCHEMA_INVALID' // the migration list itself is malformed (a programming error)
  | 'KEY_INVALID' // a key file exists but is not a key (wrong size, unreadable)
  | 'INVALID_ENTRY' // the caller passed an entry that breaks the schema
  | 'NOT_FOUND'; // the row a call refers to does not exist

export class StoreError extends Error {
  constructor(
    readonly reason: StoreReason,
    readonly detail: StoreFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Maps whatever better-sqlite3 or fs threw into a StoreError. SQLite reports a full disk as
 * SQLITE_FULL (ENOSPC, or a short write at a file-size limit); both mean "no space", and the
 * kiosk must then stop admitting automatically until a write succeeds again.
 */
export function toStoreError(err: unknown, doing: string): StoreError {
  if (err instanceof StoreError) return err;
  const code = sqliteCode(err) ?? '';
  const text = (err as Error | null)?.message ?? String(err);
  const mk = (reason: StoreReason, detail: StoreFailure, what: string) =>
    new StoreError(reason, detail, `${doing}: ${what} (${code || 'error'}: ${text})`, { cause: err });
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EFBIG' || code === 'EDQUOT') return mk('STORAGE_FULL', 'DISK_FULL', 'the disk is full');
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return mk('STORAGE_UNAVAILABLE', 'BUSY', 'the database is locked by another process');
  if (code.startsWith('SQLITE_READONLY') || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return mk('STORAGE_UNAVAILABLE', 'READ_ONLY', 'the database cannot be written');
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return mk('STORAGE_UNAVAILABLE', 'CORRUPT', 'the database file is damaged; restore the last good copy with `kiosk log restore <backup file>`');
  if (code.startsWith('SQLITE_CONSTRAINT')) return mk('BAD_REQUEST', 'INVALID_ENTRY', 'the row breaks a schema rule');
  return mk('STORAGE_UNAVAILABLE', 'IO_ERROR', 'the storage failed');
}
