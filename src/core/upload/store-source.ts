// The uploader's view of the entry log (src/core/store): the two uploaded streams (entries, guard
// overrides) and the ledger in the `upload_state` table (migration 002).
//
// The uploader opens its OWN connection to the kiosk database: in WAL mode its reads never block
// the passage flow's writer, and its one-row ledger writes run with synchronous=NORMAL on this
// connection only (synchronous is per connection). NORMAL skips the fsync, so the write lock is
// held for a WAL append of a few microseconds; a power cut may lose the last ack, which only means
// the batch is sent again and the collector answers "replay".
import { EntryStore } from '../store/index.js';
import type { UploadEntry } from './protocol.js';
import type { UploadLedger, UploadStream } from './source.js';

/** The entry log's entries as an upload stream: everything logged, in clear (the platform needs it). */
export function entriesStream(store: EntryStore): UploadStream {
  return {
    name: 'entries',
    read: (afterSeq, limit) =>
      store.readEntriesAfterSeq(afterSeq, limit).map(({ seq, id, at, ...record }): UploadEntry => ({ seq, entryId: id, at, record })),
    lastSeq: () => store.lastSeq(),
  };
}

/** Guards' later decisions on `review` entries (spec §4), after the entries they decide on. */
export function overridesStream(store: EntryStore): UploadStream {
  return {
    name: 'overrides',
    read: (afterSeq, limit) =>
      store.readOverridesAfterSeq(afterSeq, limit).map(
        (o): UploadEntry => ({ seq: o.seq, entryId: o.id, at: o.at, record: { kind: 'override', entryId: o.entryId, entrySeq: o.entrySeq, decision: o.decision, guard: o.guard, note: o.note } }),
      ),
    lastSeq: () => store.tail('entry_overrides').seq,
  };
}

export interface StoreUploadSource {
  streams: UploadStream[];
  ledger: UploadLedger;
  store: EntryStore;
  close(): void;
}

/**
 * Opens the uploader's own connection to the kiosk database in `dataDir` (or `file`).
 * The integrity check is skipped: the passage flow's connection ran it when the kiosk started.
 */
export function openStoreUploadSource(dataDir: string, options: { file?: string } = {}): StoreUploadSource {
  const store = EntryStore.open(dataDir, { ...(options.file ? { file: options.file } : {}), skipIntegrityCheck: true, durability: 'normal' });
  return {
    streams: [entriesStream(store), overridesStream(store)],
    ledger: store.uploadLedger(),
    store,
    close: () => store.close(),
  };
}

/**
 * What retention may purge when uploading is configured: nothing the collector has not acknowledged
 * (docs/upload-protocol.md §2 "Kiosk bookkeeping": the authorities' copy comes first). Without a collector, null limits:
 * the venue's retention period alone decides.
 */
export function purgeLimits(store: EntryStore, uploading: boolean): { uploadedThroughSeq: number | null; overridesUploadedThroughSeq: number | null } {
  if (!uploading) return { uploadedThroughSeq: null, overridesUploadedThroughSeq: null };
  const acked = store.uploadedThrough();
  return { uploadedThroughSeq: acked.entries, overridesUploadedThroughSeq: acked.overrides };
}
