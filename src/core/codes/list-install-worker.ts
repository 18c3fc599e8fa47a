// The worker thread that checks and writes a large trust or status list (ListCache.installAsync,
// list-cache.ts): a million-record status list takes seconds to decode, verify, check for order,
// hash and write (status-list-import benchmark), and the kiosk's main thread must keep deciding
// passages meanwhile (docs/integrator-setup.md "Trust"). It runs checkAndPersistList, the one
// implementation of the checks (spec §2–4), and hands the list back: the record buffers are
// transferred, not copied, so taking them costs the main thread next to nothing.
import { parentPort, workerData } from 'node:worker_threads';
import { checkAndPersistList, type ListCheckJob } from './list-cache.js';
import { listSignerKid } from './lists.js';

/** What the parent sends as workerData. */
export interface ListWorkerInput {
  job: ListCheckJob;
  /** The list's UTF-8 bytes, in one part or several. */
  parts: Uint8Array[];
}

/** What the worker answers: the checked list, or the error that stopped the check or the write. */
export type ListWorkerOutput =
  /** signerKid: the header's kid of an accepted list, so the parent knows which root signs it without verifying again. */
  | { ok: true; result: ReturnType<typeof checkAndPersistList>; signerKid: string | null }
  | { ok: false; name: string; message: string };

function run(input: ListWorkerInput): void {
  let out: ListWorkerOutput;
  const transfer = new Set<ArrayBuffer>();
  try {
    const parts = input.parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength));
    const text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8');
    parts.length = 0;
    input.parts.length = 0;
    const result = checkAndPersistList(input.job, text);
    if (result.accepted && result.list.kind === 'status') {
      // This thread ends after the answer: its buffers can go whole (none is Node's small-buffer pool,
      // which serves only allocations under 4 KiB).
      for (const view of [result.list.records, result.list.heads]) {
        if (view.byteLength >= 4096 && view.buffer instanceof ArrayBuffer) transfer.add(view.buffer);
      }
    }
    out = { ok: true, result, signerKid: result.accepted ? listSignerKid(text) : null };
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    out = { ok: false, name: e.name, message: e.message };
    transfer.clear();
  }
  parentPort!.postMessage(out, [...transfer]);
}

if (parentPort && (workerData as { listWorker?: unknown } | null)?.listWorker === true) run((workerData as { input: ListWorkerInput }).input);
