// On a full disk, writing fails with STORAGE_FULL (the kiosk then stops admitting
// automatically), nothing already written is lost, and writing resumes when space returns.
// The disk is a real size-limited tmpfs (needs root and mount(2), as in CI); elsewhere the test
// skips and says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryStore } from './entry-store.js';
import { StoreError } from './errors.js';
import { samplePassage } from './test-support.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'kiosk-full-'));
let mounted = false;
let whyNot = '';

beforeAll(() => {
  if (process.getuid?.() !== 0) {
    whyNot = 'needs root to mount a size-limited tmpfs';
    return;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m,mode=0700', 'tmpfs', mountPoint], { stdio: 'pipe' });
    mounted = true;
  } catch (err) {
    whyNot = `mount -t tmpfs failed (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  }
});

afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe('disk full', () => {
  it('reports STORAGE_FULL, keeps every committed row, and resumes when space returns', (ctx) => {
    if (!mounted) {
      ctx.skip(`disk-full test skipped: ${whyNot}`);
      return;
    }
    const dataDir = join(mountPoint, 'data');
    const store = EntryStore.open(dataDir);
    // Leave the database a few hundred KiB: the filler is what an admin would delete to make room.
    const filler = join(mountPoint, 'filler.bin');
    writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024 + 512 * 1024, 1));
    const committed: string[] = [];
    let failure: unknown = null;
    for (let i = 0; i < 200_000 && failure === null; i++) {
      try {
        committed.push(store.append(samplePassage({ holderName: `测试${i}`, temperatureC: 36.5 })).id);
      } catch (err) {
        failure = err;
      }
    }
    expect(failure).toBeInstanceOf(StoreError);
    expect((failure as StoreError).reason).toBe('STORAGE_FULL');
    expect((failure as StoreError).message).not.toContain('测试'); // no personal data in the error
    expect(committed.length).toBeGreaterThan(20);
    // The kiosk learns it must stop admitting automatically.
    expect(store.storageState()).toEqual({ writable: false, reason: 'STORAGE_FULL', detail: 'DISK_FULL' });
    // Retrying while still full keeps failing the same clear way, and reads still work.
    expect(() => store.append(samplePassage())).toThrow(expect.objectContaining({ reason: 'STORAGE_FULL' }));
    expect(store.lastEntries(1)[0]!.id).toBe(committed[committed.length - 1]);

    // Every committed row is there, read through a second connection, and the chain verifies.
    const reader = EntryStore.open(dataDir);
    expect(reader.entryCount()).toBe(committed.length);
    const ids = new Set(reader.readEntriesAfterSeq(0, committed.length + 10).map((e) => e.id));
    expect(committed.every((id) => ids.has(id))).toBe(true);
    expect(reader.verify().ok).toBe(true);
    reader.close();

    // Space returns: the next write succeeds and the kiosk may admit automatically again.
    unlinkSync(filler);
    const after = store.append(samplePassage());
    expect(after.seq).toBe(committed.length + 1);
    expect(store.storageState()).toEqual({ writable: true, reason: null, detail: null });
    expect(store.verify().ok).toBe(true);
    store.close();
  });
});
