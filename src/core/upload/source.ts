// What the uploader needs from the kiosk's log, as two small interfaces: the streams it reads and
// the ledger where it keeps its place. The store adapter (store-source.ts) implements both on the
// entry log; tests may use any other implementation.
import type { UploadEntry } from './protocol.js';

/** The uploaded streams: passages, then the guards' later decisions on them. */
export type StreamName = 'entries' | 'overrides';
export const STREAMS: readonly StreamName[] = ['entries', 'overrides'];

export interface UploadStream {
  readonly name: StreamName;
  /** Up to `limit` items with seq > `afterSeq`, ascending. */
  read(afterSeq: number, limit: number): UploadEntry[];
  /** The highest seq written so far (0 when none): backlog = lastSeq − acked. */
  lastSeq(): number;
}

/** The batch cut but not yet acknowledged: resent as-is (same id, same range) until it is. */
export interface PendingBatch {
  batchId: string;
  firstSeq: number;
  lastSeq: number;
  count: number;
}

export interface StreamCursor {
  ackedSeq: number;
  pending: PendingBatch | null;
}

export interface UploadLedger {
  cursor(stream: StreamName): StreamCursor;
  /** Records the batch about to be sent, before it is sent. */
  savePending(stream: StreamName, batch: PendingBatch): void;
  /** The collector accepted `batch`: acked = its lastSeq, nothing pending. One tiny write. */
  markAcked(stream: StreamName, batch: PendingBatch): void;
  /** Forget the pending batch (the collector refused it for good; a new one is cut). */
  clearPending(stream: StreamName): void;
}

/** Reads exactly the range of a pending batch again (after a restart). */
export function readRange(stream: UploadStream, firstSeq: number, lastSeq: number): UploadEntry[] {
  const out: UploadEntry[] = [];
  let after = firstSeq - 1;
  while (after < lastSeq) {
    const chunk = stream.read(after, Math.min(5000, lastSeq - after));
    for (const e of chunk) if (e.seq <= lastSeq) out.push(e);
    if (chunk.length === 0) break;
    after = chunk[chunk.length - 1]!.seq;
  }
  return out;
}
