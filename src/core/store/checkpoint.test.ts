// WAL checkpoints run between passages, never inside one, and the WAL stays bounded.
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectionOf, EntryStore } from './entry-store.js';
import { samplePassage, tempDataDir } from './test-support.js';

describe('WAL checkpoints', () => {
  let tmp: ReturnType<typeof tempDataDir>;
  let store: EntryStore;
  beforeEach(() => {
    tmp = tempDataDir('kiosk-checkpoint-');
    store = EntryStore.open(tmp.dir);
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });
  const walFrames = () => (connectionOf(store).pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log;

  it('does not checkpoint inside a commit: the WAL keeps growing across appends without a pause', () => {
    expect(connectionOf(store).pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const wal = `${store.file}-wal`;
    for (let i = 0; i < 400; i++) store.append(samplePassage());
    // With SQLite's automatic checkpoint (1000 pages) the WAL would have wrapped by now.
    expect(statSync(wal).size).toBeGreaterThan(1000 * 4096);
  });

  it('checkpoints once writes pause, so the next writes reuse the WAL from its start', () => {
    // The pause is played on a fake clock (no sleeping), and the checkpoint's effect is read from the
    // files, never by running a checkpoint of our own: SQLite writes the database file only when it
    // checkpoints, and restarts the WAL from its first frame only after a complete checkpoint.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    try {
      const wal = `${store.file}-wal`;
      const dbBytesBefore = statSync(store.file).size;
      for (let i = 0; i < 50; i++) store.append(samplePassage());
      const walBytes = statSync(wal).size;
      // 50 rows are far below the bulk thresholds: the rows sit in the WAL, the database file is untouched.
      expect(statSync(store.file).size).toBe(dbBytesBefore);
      vi.advanceTimersByTime(1000); // a one-second pause at the door
      expect(statSync(store.file).size).toBeGreaterThan(dbBytesBefore);
      // After the pause another 50 rows overwrite the WAL from its start instead of appending to it
      // (appended, the WAL would be about twice as long; a few more index pages are allowed for).
      for (let i = 0; i < 50; i++) store.append(samplePassage());
      expect(statSync(wal).size).toBeLessThan(walBytes * 1.5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('checkpoints at once during a long burst, bounding the WAL', () => {
    for (let i = 0; i < 9000; i++) store.append(samplePassage());
    // Each append adds at least two WAL frames (row and index pages): 9000 unchecked appends would
    // leave 18,000+ frames; with a checkpoint every 4000 rows the WAL restarts and holds fewer.
    expect(walFrames()).toBeLessThan(9000);
    expect(store.entryCount()).toBe(9000);
  });
});
