import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectionOf, EntryStore } from './entry-store.js';
import { purgeExpired, schedulePurge, type PurgeResult } from './purge.js';
import { samplePassage, tempDataDir } from './test-support.js';
import { seedEntries } from './seed.js';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 20, 12);
let tmp: ReturnType<typeof tempDataDir>;
let store: EntryStore;
beforeEach(() => {
  tmp = tempDataDir();
  store = EntryStore.open(tmp.dir);
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe('hash chain', () => {
  beforeEach(async () => {
    await seedEntries(store, 50, { fromMs: now - DAY, toMs: now, batchSize: 20 });
    store.addOverride({ entry: { seq: 10 }, decision: 'admit', guard: 'g', note: 'checked' });
    store.addOverride({ entry: { seq: 20 }, decision: 'deny', guard: 'g', note: 'checked' });
  });

  it('verifies an untouched log', () => {
    const r = store.verify();
    expect(r.ok).toBe(true);
    expect(r.chains.map((c) => c.rowsChecked)).toEqual([50, 2]);
  });

  it('names the first edited row', () => {
    connectionOf(store).prepare(`UPDATE entries SET holder_name = holder_name || '某' WHERE seq = 17`).run();
    connectionOf(store).prepare(`UPDATE entries SET temperature_c = 35 WHERE seq = 30`).run();
    const r = store.verify();
    expect(r.ok).toBe(false);
    expect(r.chains[0]!.firstBroken).toMatchObject({ seq: 17, problem: 'HASH_MISMATCH' });
    expect(r.chains[0]!.rowsChecked).toBe(16);
  });

  it('names the row after a deleted one', () => {
    connectionOf(store).prepare('DELETE FROM entries WHERE seq = 25').run();
    expect(store.verify().chains[0]!.firstBroken).toMatchObject({ seq: 26, problem: 'PREV_HASH_MISMATCH' });
  });

  it('detects an edited guard override', () => {
    connectionOf(store).prepare(`UPDATE entry_overrides SET decision = 'admit' WHERE seq = 2`).run();
    const r = store.verify();
    expect(r.chains[0]!.ok).toBe(true);
    expect(r.chains[1]!.firstBroken).toMatchObject({ seq: 2, problem: 'HASH_MISMATCH' });
  });

  it('detects a rewritten hash that no longer links to the next row', () => {
    connectionOf(store).prepare(`UPDATE entries SET hash = randomblob(32) WHERE seq = 50`).run();
    expect(store.verify().chains[0]!.firstBroken).toMatchObject({ seq: 50, problem: 'HASH_MISMATCH' });
  });
});

describe('retention purge', () => {
  beforeEach(async () => {
    // 100 entries spread over 40 days ending now: about a third are older than 28 days.
    await seedEntries(store, 100, { fromMs: now - 40 * DAY, toMs: now, batchSize: 30 });
  });

  it('deletes only entries older than retentionDays, in batches, and the chain still verifies', async () => {
    const cutoff = now - 28 * DAY;
    const old = connectionOf(store).prepare('SELECT count(*) FROM entries WHERE at_ms < ?').pluck().get(cutoff) as number;
    expect(old).toBeGreaterThan(20);
    let pauses = 0;
    const r = await purgeExpired(store, { retentionDays: 28, now, batchSize: 7, pause: async () => void pauses++ });
    expect(r.entriesDeleted).toBe(old);
    expect(r.batches).toBe(Math.ceil(old / 7));
    expect(pauses).toBe(r.batches);
    expect(connectionOf(store).prepare('SELECT count(*) FROM entries WHERE at_ms < ?').pluck().get(cutoff)).toBe(0);
    expect(store.entryCount()).toBe(100 - old);
    const v = store.verify();
    expect(v.ok).toBe(true);
    expect(v.chains[0]!.anchorSeq).toBe(old);
    // New entries continue the chain after the anchor.
    const next = store.append(samplePassage({ at: now }));
    expect(next.seq).toBe(101);
    expect(store.verify().ok).toBe(true);
    expect(store.auditLog(1)[0]).toMatchObject({ action: 'purge', detail: { entriesDeleted: old, retentionDays: 28 } });
  });

  it('keeps seq monotonic after purging everything', async () => {
    await purgeExpired(store, { retentionDays: 1, now: now + 10 * DAY });
    expect(store.entryCount()).toBe(0);
    expect(store.append(samplePassage({ at: now + 10 * DAY })).seq).toBe(101);
    expect(store.verify().ok).toBe(true);
  });

  it('never deletes entries the collector has not acknowledged when uploading is configured', async () => {
    const r = await purgeExpired(store, { retentionDays: 28, now, uploadedThroughSeq: 10 });
    expect(r.entriesDeleted).toBe(10);
    expect(connectionOf(store).prepare('SELECT min(seq) FROM entries').pluck().get()).toBe(11);
    expect(store.verify().ok).toBe(true);
  });

  it('purges guard overrides with their entries, and keeps the override chain verifiable', async () => {
    store.addOverride({ entry: { seq: 2 }, decision: 'admit', guard: 'g', note: 'n', at: now - 39 * DAY });
    store.addOverride({ entry: { seq: 99 }, decision: 'deny', guard: 'g', note: 'n', at: now });
    const r = await purgeExpired(store, { retentionDays: 28, now });
    expect(r.overridesDeleted).toBe(1);
    expect(store.readOverridesAfterSeq(0, 10).map((o) => o.entrySeq)).toEqual([99]);
    expect(store.verify().ok).toBe(true);
  });

  it('does nothing and writes no audit row when nothing is old enough', async () => {
    const before = store.auditLog().length;
    const r = await purgeExpired(store, { retentionDays: 365, now });
    expect(r).toMatchObject({ entriesDeleted: 0, batches: 0 });
    expect(store.auditLog().length).toBe(before);
  });

  it('rejects a retention below one day', async () => {
    await expect(purgeExpired(store, { retentionDays: 0, now })).rejects.toMatchObject({ reason: 'BAD_REQUEST' });
  });

  it('lets passages interleave with a running purge (each batch is its own short transaction)', async () => {
    let appendedDuringPurge = 0;
    const r = await purgeExpired(store, {
      retentionDays: 28,
      now,
      batchSize: 5,
      pause: async () => {
        store.append(samplePassage({ at: now }));
        appendedDuringPurge++;
      },
    });
    expect(appendedDuringPurge).toBe(r.batches);
    expect(store.verify().ok).toBe(true);
  });

  it('schedulePurge runs at once, again every interval, and not after stop()', async () => {
    // The interval is played on a fake clock; only setTimeout is faked, so the purge's own yields
    // between batches (setImmediate) still run.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const runs: PurgeResult[] = [];
      let ran: () => void = () => {};
      const nextRun = () => new Promise<void>((resolve) => (ran = resolve));
      let first = nextRun();
      const handle = schedulePurge(store, { retentionDays: 28, intervalMs: 60_000, onDone: (r) => { runs.push(r); ran(); } });
      await first;
      expect(runs).toHaveLength(1);
      expect(connectionOf(store).prepare('SELECT count(*) FROM entries WHERE at_ms < ?').pluck().get(Date.now() - 28 * DAY)).toBe(0);
      // Its next run is armed, and comes when the interval has passed.
      first = nextRun();
      await vi.advanceTimersByTimeAsync(60_000);
      await first;
      expect(runs).toHaveLength(2);
      handle.stop();
      await vi.advanceTimersByTimeAsync(10 * 60_000);
      expect(runs).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
