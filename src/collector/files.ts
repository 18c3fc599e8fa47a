// The collector's files on disk: its database holds every kiosk's entries (names and document
// numbers in clear), so its directory is 0700 and every file in it 0600, enforced at each start
// rather than only at creation (a directory made by an older version keeps 0755 otherwise).
// See docs/security.md, "collector".
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../core/config/atomic-write.js';

const isWindows = process.platform === 'win32';

/** Creates `dir` (and missing parents) 0700 and tightens an existing `dir` to 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isWindows) chmodSync(dir, 0o700);
}

/**
 * Creates the database file 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * database file's mode), and tightens an existing database and its -wal/-shm to 0600. Missing parent
 * directories are made 0700; an existing parent is left as it is (it may be shared, e.g. `--db
 * /var/lib/x.sqlite3`), the 0600 files are what keeps the data private there.
 */
export function preparePrivateDbFiles(dbPath: string): void {
  mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 });
  if (!existsSync(dbPath)) closeSync(openSync(dbPath, 'a', 0o600));
  tightenDbFiles(dbPath);
}

/** chmod 0600 the database and whichever of its -wal/-shm exist. */
export function tightenDbFiles(dbPath: string): void {
  if (isWindows) return;
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, `${dbPath}-journal`]) {
    if (existsSync(f) && (statSync(f).mode & 0o077) !== 0) chmodSync(f, 0o600);
  }
}

/**
 * The operator's token for the status pages, read from `file` or made there (32 random bytes,
 * base64url, mode 0600) on first use. Whoever can read the file may read the status pages.
 */
export function loadOrCreateStatusToken(file: string): string {
  if (existsSync(file)) {
    if (!isWindows && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < 16) throw new Error(`${file}: a status token must be at least 16 characters`);
    return token;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileAtomic(file, token + '\n', 0o600);
  return token;
}
