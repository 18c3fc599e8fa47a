// Retention with uploads (docs/upload-protocol.md §2 "Kiosk bookkeeping"): when a collector is configured, the scheduled
// purge deletes only what the collector has acknowledged, re-read at every run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryStore } from '../store/entry-store.js';
import { schedulePurge } from '../store/purge.js';
import { samplePassage, tempDataDir } from '../store/test-support.js';
import { purgeLimits } from './store-source.js';

const DAY = 86_400_000;

/** The collector acknowledged entries 1..seq, written through the uploader's own ledger. */
function ackEntriesThrough(store: EntryStore, seq: number): void {
  const ledger = store.uploadLedger();
  const batch = { batchId: `batch-${seq}`, firstSeq: 1, lastSeq: seq, count: seq };
  ledger.savePending('entries', batch);
  ledger.markAcked('entries', batch);
}

describe('purge limits from upload acknowledgements', () => {
  let tmp: ReturnType<typeof tempDataDir>;
  let store: EntryStore;
  beforeEach(() => {
    tmp = tempDataDir('kiosk-purge-limits-');
    store = EntryStore.open(tmp.dir);
    for (let i = 0; i < 20; i++) store.append(samplePassage({ at: Date.now() - 60 * DAY + i }));
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('limits nothing without a collector, and to the acknowledged seqs with one', () => {
    expect(purgeLimits(store, false)).toEqual({ uploadedThroughSeq: null, overridesUploadedThroughSeq: null });
    expect(purgeLimits(store, true)).toEqual({ uploadedThroughSeq: 0, overridesUploadedThroughSeq: 0 });
    ackEntriesThrough(store, 7);
    expect(purgeLimits(store, true).uploadedThroughSeq).toBe(7);
  });

  it('makes the scheduled purge keep entries the collector has not acknowledged', async () => {
    ackEntriesThrough(store, 5);
    const deleted = await new Promise<number>((resolve, reject) => {
      const job = schedulePurge(store, {
        retentionDays: 28,
        uploadLimits: () => purgeLimits(store, true),
        onDone: (r) => {
          job.stop();
          resolve(r.entriesDeleted);
        },
        onError: reject,
      });
    });
    expect(deleted).toBe(5);
    expect(store.entryCount()).toBe(15);
  });
});
