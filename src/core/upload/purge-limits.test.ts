// Retention with uploads (docs/upload-protocol.md §2 "Kiosk bookkeeping"): when a collector is configured, the scheduled
// purge deletes only what the collector has acknowledged, re-read at every run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EntryStore } from '../store/entry-store.js';
import { schedulePurge } from '../store/purge.js';
import { samplePassage, tempDataDir } from '../store/test-support.js';
import { purgeLimits } from './store-source.js';

const DAY = 86_400_000;

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
    expect(purgeLimits(store.db, false)).toEqual({ uploadedThroughSeq: null, overridesUploadedThroughSeq: null });
    expect(purgeLimits(store.db, true)).toEqual({ uploadedThroughSeq: 0, overridesUploadedThroughSeq: 0 });
    store.db.prepare("UPDATE upload_state SET acked_seq = 7 WHERE stream = 'entries'").run();
    expect(purgeLimits(store.db, true).uploadedThroughSeq).toBe(7);
  });

  it('makes the scheduled purge keep entries the collector has not acknowledged', async () => {
    store.db.prepare("UPDATE upload_state SET acked_seq = 5 WHERE stream = 'entries'").run();
    const deleted = await new Promise<number>((resolve, reject) => {
      const job = schedulePurge(store, {
        retentionDays: 28,
        uploadLimits: () => purgeLimits(store.db, true),
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
