// The uploader's bookkeeping through the store's typed methods (upload-tables.ts, migration 002;
// docs/upload-protocol.md §2 "Kiosk bookkeeping", §4 "List sync").
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionOf, EntryStore } from './entry-store.js';
import { samplePassage, tempDataDir } from './test-support.js';

let tmp: ReturnType<typeof tempDataDir>;
let store: EntryStore;
beforeEach(() => {
  tmp = tempDataDir('kiosk-upload-tables-');
  store = EntryStore.open(tmp.dir);
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe('upload bookkeeping', () => {
  it('acknowledges a pending batch: the cursor moves, the ack time is kept, and both survive a reopen', () => {
    expect(store.uploadedThrough()).toEqual({ entries: 0, overrides: 0, lastAckAtMs: null });
    const ledger = store.uploadLedger();
    const batch = { batchId: 'b1', firstSeq: 1, lastSeq: 40, count: 40 };
    ledger.savePending('entries', batch);
    expect(ledger.cursor('entries')).toEqual({ ackedSeq: 0, pending: batch });
    ledger.markAcked('entries', batch, 1_700_000_000_000);
    ledger.markAcked('overrides', { batchId: 'o1', firstSeq: 1, lastSeq: 3, count: 3 }, 1_700_000_005_000);
    store.close();
    store = EntryStore.open(tmp.dir);
    expect(store.uploadLedger().cursor('entries')).toEqual({ ackedSeq: 40, pending: null });
    expect(store.uploadedThrough()).toEqual({ entries: 40, overrides: 3, lastAckAtMs: 1_700_000_005_000 });
  });

  it('never moves the cursor back, and ignores an ack of a batch other than the pending one', () => {
    const ledger = store.uploadLedger();
    ledger.savePending('entries', { batchId: 'b2', firstSeq: 1, lastSeq: 20, count: 20 });
    ledger.markAcked('entries', { batchId: 'stale', firstSeq: 1, lastSeq: 99, count: 99 });
    expect(store.uploadedThrough().entries).toBe(0);
    ledger.markAcked('entries', { batchId: 'b2', firstSeq: 1, lastSeq: 20, count: 20 });
    ledger.markAcked('entries', { batchId: 'old', firstSeq: 1, lastSeq: 5, count: 5 });
    expect(store.uploadedThrough().entries).toBe(20);
  });

  it('remembers the last list fetch per kind', () => {
    const lists = store.listSyncTable();
    expect(lists.get('trust')).toEqual({ etag: null, lastModified: null, checkedAt: null, outcome: null, reason: null, installedSeq: null });
    const record = { etag: '"v9"', lastModified: null, checkedAt: 1_700_000_000_000, outcome: 'installed' as const, reason: null, installedSeq: 9 };
    lists.put('trust', record);
    lists.put('trust', { ...record, outcome: 'unchanged' });
    expect(lists.get('trust')).toEqual({ ...record, outcome: 'unchanged' });
    expect(lists.get('status').etag).toBeNull();
  });
});

describe('counts and durability', () => {
  it('counts guard overrides as the file holds them', () => {
    for (let i = 0; i < 3; i++) store.append(samplePassage({ decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null }));
    store.addOverride({ entry: { seq: 1 }, decision: 'admit', guard: 'g1', note: 'checked by hand' });
    store.addOverride({ entry: { seq: 2 }, decision: 'deny', guard: 'g1', note: 'fever by hand' });
    const db = new Database(store.file, { readonly: true, fileMustExist: true });
    try {
      expect(store.overrideCount()).toBe(db.prepare('SELECT count(*) FROM entry_overrides').pluck().get());
      expect(store.overrideCount()).toBe(2);
    } finally {
      db.close();
    }
  });

  it('relaxes fsync only on a connection opened for it (synchronous is per connection)', () => {
    const uploader = EntryStore.open(tmp.dir, { durability: 'normal', skipIntegrityCheck: true });
    try {
      expect(connectionOf(uploader).pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(connectionOf(store).pragma('synchronous', { simple: true })).toBe(2); // FULL
    } finally {
      uploader.close();
    }
  });
});
