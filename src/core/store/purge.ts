// Retention (architecture.md "Data at rest"): entries older than `retentionDays` are
// deleted, oldest first, in small batches. Each batch is its own short IMMEDIATE transaction and the
// loop yields to the event loop between batches, so a passage waiting to be logged waits for at most
// one batch, never for the whole purge. Deleting a prefix by seq (not "every row older than X")
// keeps the hash chain verifiable: the batch moves the chain anchor to its last deleted row in the
// same transaction. A clock that jumped backwards can leave a newer-by-seq row with an older time;
// it goes when the prefix reaches it. Every purge that deleted something is written to `audit`.
// Purged means erased (docs/security.md, "Retention must erase"): the connection deletes with
// secure_delete on (db.ts), so a row's bytes are zeroed in its page; after the last batch the freed
// pages are given back (incremental vacuum) and the WAL, which still holds frames written when the
// rows were inserted, is checkpointed and truncated.
import { connectionOf, type EntryStore } from './entry-store.js';
import type { ChainName } from './chain.js';
import { StoreError } from './errors.js';

// The default lives with the `store` section of the configuration document.
export { DEFAULT_RETENTION_DAYS } from '../../contract/config.js';
const DAY_MS = 86_400_000;

export interface PurgeOptions {
  retentionDays: number;
  /** Reference time (UTC ms); defaults to now. */
  now?: number;
  /** Rows per transaction; small so the write lock is held for milliseconds. */
  batchSize?: number;
  /**
   * When uploading is configured: the highest entry seq the collector acknowledged. Entries after
   * it are kept whatever their age (never purge what the authorities have not received).
   */
  uploadedThroughSeq?: number | null;
  /** Same for guard overrides. */
  overridesUploadedThroughSeq?: number | null;
  /** Called between batches (default: yield to the event loop once). */
  pause?: () => Promise<void>;
  onProgress?: (deleted: number) => void;
  /** Who asked for this purge (an admin's "purge now"): named in its audit row, which is written even when nothing was due. */
  by?: string;
}

export interface PurgeResult {
  cutoff: string;
  entriesDeleted: number;
  overridesDeleted: number;
  batches: number;
  /** Longest single batch transaction (ms): the most a passage could have waited. */
  longestBatchMs: number;
  /** Median and 99th percentile batch transaction (ms). */
  batchP50Ms: number;
  batchP99Ms: number;
  /** False when a reader kept the WAL from being truncated after the purge (it is, at the next purge or close). */
  walTruncated: boolean;
}

const yieldOnce = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function purgeExpired(store: EntryStore, options: PurgeOptions): Promise<PurgeResult> {
  if (!Number.isFinite(options.retentionDays) || options.retentionDays < 1) {
    throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', 'retentionDays must be a whole number of days ≥ 1');
  }
  const now = options.now ?? Date.now();
  const cutoff = now - Math.floor(options.retentionDays) * DAY_MS;
  const batchSize = Math.max(1, Math.min(10_000, Math.floor(options.batchSize ?? 500)));
  const pause = options.pause ?? yieldOnce;
  const entryLimit = options.uploadedThroughSeq ?? Number.MAX_SAFE_INTEGER;
  const overrideLimit = options.overridesUploadedThroughSeq ?? Number.MAX_SAFE_INTEGER;
  const db = connectionOf(store);
  const anchorSeq = db.prepare('SELECT seq FROM chain_anchors WHERE chain = ?').pluck();
  const entriesHead = db.prepare('SELECT seq, at_ms, hash FROM entries WHERE seq > ? ORDER BY seq LIMIT ?');
  // An override is kept while its entry is kept: it goes once its entry is purged and it is old.
  const overridesHead = db.prepare('SELECT seq, at_ms, entry_seq AS entrySeq, hash FROM entry_overrides WHERE seq > ? ORDER BY seq LIMIT ?');
  const deleteEntries = db.prepare('DELETE FROM entries WHERE seq > ? AND seq <= ?');
  const deleteOverrides = db.prepare('DELETE FROM entry_overrides WHERE seq > ? AND seq <= ?');
  const setAnchor = db.prepare(
    'INSERT INTO chain_anchors (chain, seq, hash) VALUES (?, ?, ?) ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
  );

  /** Deletes one batch of the chain's prefix; returns rows deleted (0 = nothing more to do). */
  const purgeBatch = (chain: ChainName): number =>
    store.write(`purging old ${chain === 'entries' ? 'entries' : 'guard overrides'}`, () => {
      const from = (anchorSeq.get(chain) as number | undefined) ?? 0;
      const entryAnchor = (anchorSeq.get('entries') as number | undefined) ?? 0;
      const rows = (chain === 'entries' ? entriesHead : overridesHead).all(from, batchSize) as Array<{ seq: number; at_ms: number; hash: Buffer; entrySeq?: number }>;
      let last: { seq: number; hash: Buffer } | null = null;
      for (const r of rows) {
        if (r.at_ms >= cutoff) break;
        if (chain === 'entries' && r.seq > entryLimit) break;
        if (chain === 'entry_overrides' && (r.seq > overrideLimit || (r.entrySeq ?? 0) > entryAnchor)) break;
        last = r;
      }
      if (!last) return 0;
      const n = (chain === 'entries' ? deleteEntries : deleteOverrides).run(from, last.seq).changes;
      setAnchor.run(chain, last.seq, last.hash);
      return n;
    });

  const result: PurgeResult = { cutoff: new Date(cutoff).toISOString(), entriesDeleted: 0, overridesDeleted: 0, batches: 0, longestBatchMs: 0, batchP50Ms: 0, batchP99Ms: 0, walTruncated: true };
  const durations: number[] = [];
  for (const chain of ['entries', 'entry_overrides'] as const) {
    for (;;) {
      const started = performance.now();
      const n = purgeBatch(chain);
      const ms = performance.now() - started;
      result.longestBatchMs = Math.max(result.longestBatchMs, ms);
      if (n > 0) durations.push(ms);
      if (n === 0) break;
      result.batches++;
      if (chain === 'entries') result.entriesDeleted += n;
      else result.overridesDeleted += n;
      options.onProgress?.(result.entriesDeleted + result.overridesDeleted);
      await pause();
    }
  }
  durations.sort((a, b) => a - b);
  const at = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))] ?? 0;
  result.batchP50Ms = at(0.5);
  result.batchP99Ms = at(0.99);
  if (result.entriesDeleted + result.overridesDeleted > 0) result.walTruncated = store.reclaimFreePages();
  if (result.entriesDeleted + result.overridesDeleted > 0 || options.by !== undefined) {
    store.audit('purge', {
      ...(options.by !== undefined ? { by: options.by.slice(0, 100) } : {}),
      retentionDays: Math.floor(options.retentionDays),
      cutoff: result.cutoff,
      entriesDeleted: result.entriesDeleted,
      overridesDeleted: result.overridesDeleted,
      batches: result.batches,
      keptForUpload: options.uploadedThroughSeq !== undefined && options.uploadedThroughSeq !== null,
    }, now);
  }
  return result;
}

/** The running schedule: the admin's "purge now" goes through it, so it is the scheduled purge's own path. */
export interface PurgeSchedule {
  stop(): void;
  /** Runs a purge now (after one already running), audited naming `by`; rejects as purgeExpired does. */
  runNow(by: string): Promise<PurgeResult>;
  /** When the next scheduled run starts (UTC ms), null while one runs or once stopped. */
  nextRunAt(): number | null;
  /** The schedule's notion of now (the injected clock, or Date.now()). */
  now(): number;
}

/**
 * Runs the purge now and then every `intervalMs` (default hourly) in the running kiosk. Failures
 * are handed to `onError` (the kiosk shows them on the admin screen) and retried next time.
 */
export function schedulePurge(
  store: EntryStore,
  options: Omit<PurgeOptions, 'now'> & {
    intervalMs?: number;
    onError?: (err: unknown) => void;
    onDone?: (r: PurgeResult) => void;
    /** Read at every run: what the collector has acknowledged by then (uploads move on between runs). */
    uploadLimits?: () => Pick<PurgeOptions, 'uploadedThroughSeq' | 'overridesUploadedThroughSeq'>;
    /** The kiosk's clock (tests inject one): what "older than retentionDays" is counted from. */
    clock?: { now(): number };
  },
): PurgeSchedule {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // When the next run is due, on the monotonic clock the timer runs on: a wall clock set forward or
  // back meanwhile still shows the time the timer will really fire.
  let nextDue: number | null = null;
  const now = () => options.clock?.now() ?? Date.now();
  // One purge at a time: "purge now" during a scheduled run waits for it, then runs.
  let running: Promise<unknown> = Promise.resolve();
  const runOnce = (by?: string): Promise<PurgeResult> => {
    const run = running.then(() => purgeExpired(store, { ...options, ...options.uploadLimits?.(), now: now(), ...(by !== undefined ? { by } : {}) }));
    running = run.catch(() => undefined);
    return run;
  };
  const tick = async () => {
    if (stopped) return;
    nextDue = null;
    try {
      const r = await runOnce();
      options.onDone?.(r);
    } catch (err) {
      options.onError?.(err);
    }
    if (stopped) return;
    const interval = options.intervalMs ?? 3_600_000;
    nextDue = performance.now() + interval;
    timer = setTimeout(() => void tick(), interval);
    timer.unref();
  };
  void tick();
  return {
    stop() {
      stopped = true;
      nextDue = null;
      if (timer) clearTimeout(timer);
    },
    async runNow(by) {
      const r = await runOnce(by);
      options.onDone?.(r);
      return r;
    },
    nextRunAt: () => (nextDue === null ? null : now() + Math.max(0, Math.round(nextDue - performance.now()))),
    now,
  };
}
