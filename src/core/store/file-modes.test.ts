// File modes (docs/security.md): every directory the kiosk keeps personal data or keys in is 0700,
// every file 0600: the database, its WAL and shared-memory file, the key, backups and exports,
// whatever the process umask, and an existing data directory with loose modes is tightened at start.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDataDir } from '../config/data-dir.js';
import { EntryStore } from './entry-store.js';
import { backupDatabase } from './backup.js';
import { purgeExpired } from './purge.js';
import { exportInChildProcess } from './export-process.js';
import { samplePassage } from './test-support.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kiosk-modes-'));
  chmodSync(root, 0o755);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every directory and file under `dir` (itself included) with a mode other than 0700 / 0600. */
function looseModes(dir: string): string[] {
  const loose: string[] = [];
  const walk = (path: string) => {
    const st = lstatSync(path);
    const mode = st.mode & 0o777;
    if (st.isDirectory()) {
      if (mode !== 0o700) loose.push(`${path.slice(root.length)} ${mode.toString(8)}`);
      for (const name of readdirSync(path)) walk(join(path, name));
    } else if (st.isFile() && mode !== 0o600) loose.push(`${path.slice(root.length)} ${mode.toString(8)}`);
  };
  walk(dir);
  return loose;
}

describe('file modes', () => {
  it('tightens an existing data directory left 0755 with 0644 files by an older kiosk', () => {
    const dataDir = join(root, 'data');
    mkdirSync(join(dataDir, 'lists'), { recursive: true, mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'kiosk.sqlite3.bak'), 'x', { mode: 0o644 });
    writeFileSync(join(dataDir, 'lists', 'trust.json'), '{}', { mode: 0o644 });
    writeFileSync(join(root, 'outside.txt'), 'not ours', { mode: 0o644 });
    symlinkSync(join(root, 'outside.txt'), join(dataDir, 'link-to-outside'));
    ensureDataDir(dataDir);
    expect(looseModes(dataDir)).toEqual([]);
    // A symbolic link is not followed: the file it points to is not the kiosk's to change.
    expect(lstatSync(join(root, 'outside.txt')).mode & 0o777).toBe(0o644);
  });

  it('creates every file of the entry log 0600 in 0700 directories, backups and exports included', async () => {
    const dataDir = ensureDataDir(join(root, 'data'));
    const store = EntryStore.open(dataDir);
    try {
      const t = Date.UTC(2026, 0, 1);
      for (let i = 0; i < 20; i++) store.append(samplePassage({ at: t + i }));
      await purgeExpired(store, { retentionDays: 1, now: t + 10 * 86_400_000, batchSize: 5 });
      store.append(samplePassage({ at: t + 10 * 86_400_000 }));
      const backups = join(dataDir, 'backups');
      mkdirSync(backups, { mode: 0o700 });
      await backupDatabase(store, join(backups, 'in-data-dir.sqlite3'));
      await backupDatabase(store, join(root, 'elsewhere.sqlite3'));
      await exportInChildProcess(dataDir, join(root, 'export.csv'), { fromMs: 0, toMs: Date.UTC(2030, 0, 1), format: 'csv', reveal: false });
      const files = readdirSync(dataDir);
      expect(files).toEqual(expect.arrayContaining(['kiosk.sqlite3', 'kiosk.sqlite3-wal', 'kiosk.sqlite3-shm', 'entry-store.key', 'backups']));
      expect(looseModes(dataDir)).toEqual([]);
      for (const f of ['elsewhere.sqlite3', 'export.csv']) expect(lstatSync(join(root, f)).mode & 0o777, f).toBe(0o600);
    } finally {
      store.close();
    }
  }, 60_000);

  it('never writes a backup through a file or symbolic link planted at its name', async () => {
    const dataDir = ensureDataDir(join(root, 'data'));
    const store = EntryStore.open(dataDir);
    try {
      store.append(samplePassage());
      const victim = join(root, 'victim.txt');
      writeFileSync(victim, 'precious', { mode: 0o644 });
      const planted = join(root, 'backup.sqlite3');
      symlinkSync(victim, planted);
      await expect(backupDatabase(store, planted)).rejects.toMatchObject({ reason: 'BAD_REQUEST' });
      expect(readFileSync(victim, 'utf8')).toBe('precious');
      const dangling = join(root, 'dangling.sqlite3');
      symlinkSync(join(root, 'not-yet.sqlite3'), dangling);
      await expect(backupDatabase(store, dangling)).rejects.toMatchObject({ reason: 'BAD_REQUEST' });
      expect(() => lstatSync(join(root, 'not-yet.sqlite3'))).toThrow();
    } finally {
      store.close();
    }
  });
});
