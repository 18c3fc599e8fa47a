// `npm run bench -- status-list-import`: what installing a big status list costs the kiosk's main
// thread (health-code spec §3: "lists of millions of records are expected"), whether it comes from a
// file on the integrator's trust screen or from the collector's list sync: both go through
// installStatusList (signature, then parse and order check). Also the signature check alone, which
// the trust screen runs once per file version and root to say which root signs the cached list
// (ListCache.cachedSignedBy, remembered afterwards). STATUS_BENCH_RECORDS sets the size (default one
// million); medians of five runs after one warm-up.
//
// Then what the door feels: the longest event-loop stall (perf_hooks monitorEventLoopDelay, 1 ms
// resolution) while a ListCache installs the list (checks, rollback floor, write to disk) on the
// calling thread (installStatus, the path before installAsync) and through installAsync (a worker
// thread for lists of OFF_THREAD_MIN_CHARS or more), over STATUS_BENCH_CACHE_RUNS runs each (default
// 3), on fresh data directories; and the same at the threshold's size, where the choice is made.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListCache, OFF_THREAD_MIN_CHARS } from '../src/core/codes/list-cache.js';
import { installStatusList, listSignedBy, type PinnedRoot } from '../src/core/codes/lists.js';
import { makeDemoPki } from '../src/core/codes/pki.js';
import { median } from './stats.js';

const CACHE_RUNS = Number(process.env.STATUS_BENCH_CACHE_RUNS ?? 3);

/** The longest event-loop stall (ms) and the wall time while `work` runs, on a loop that is otherwise idle. */
async function stallDuring(work: () => Promise<unknown> | unknown): Promise<{ stallMs: number; wallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  // Enabled first and given a few turns: the histogram's first timer tick only sets its baseline.
  h.enable();
  await sleep(20);
  const t = performance.now();
  await work();
  const wallMs = performance.now() - t;
  // A stall is recorded when the late timer fires: let the loop turn before reading.
  await sleep(20);
  h.disable();
  return { stallMs: h.max / 1e6, wallMs };
}

/** Installs `jws` CACHE_RUNS times into fresh ListCaches, on the calling thread and through installAsync. */
async function cacheStalls(jws: string, roots: PinnedRoot[]) {
  const sync: number[] = [];
  const syncWall: number[] = [];
  const async_: number[] = [];
  const asyncWall: number[] = [];
  const bytes = Buffer.from(jws, 'utf8');
  for (let i = 0; i < CACHE_RUNS; i++) {
    for (const mode of ['sync', 'async'] as const) {
      const dir = mkdtempSync(join(tmpdir(), 'status-bench-'));
      try {
        const cache = new ListCache(dir, roots);
        let accepted = false;
        const m = await stallDuring(async () => {
          // The async path gets the bytes as downloaded (list sync); copied per run, as it is handed over.
          const r = mode === 'sync' ? cache.installStatus(jws) : await cache.installAsync('status', Buffer.from(bytes));
          accepted = r.accepted;
        });
        if (!accepted) throw new Error(`the bench's own list was refused (${mode})`);
        (mode === 'sync' ? sync : async_).push(m.stallMs);
        (mode === 'sync' ? syncWall : asyncWall).push(m.wallMs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const r = (xs: number[]) => Math.round(Math.max(...xs));
  const med = (xs: number[]) => Math.round(median(xs));
  return {
    onCallingThread: { maxStallMs: r(sync), wallMedianMs: med(syncWall) },
    installAsync: { maxStallMs: r(async_), wallMedianMs: med(asyncWall), offThread: jws.length >= OFF_THREAD_MIN_CHARS },
  };
}

const RECORDS = Number(process.env.STATUS_BENCH_RECORDS ?? 1_000_000);
const RUNS = 5;

export async function run(): Promise<unknown> {
  const pki = makeDemoPki({ seed: 'status-list-import-bench', syntheticStatusRecords: RECORDS });
  const jws = pki.statusListJws;
  const install: number[] = [];
  const signature: number[] = [];
  let count = 0;
  for (let i = 0; i <= RUNS; i++) {
    let t = performance.now();
    const r = installStatusList(jws, pki.roots, null);
    const installMs = performance.now() - t;
    if (!r.accepted) throw new Error(`the bench's own list was refused: ${r.reason}`);
    count = r.list.count;
    t = performance.now();
    if (!listSignedBy('status', jws, pki.roots)) throw new Error("the bench's own list is not signed by its root");
    const signatureMs = performance.now() - t;
    if (i === 0) continue; // warm-up
    install.push(installMs);
    signature.push(signatureMs);
  }
  // The floor: the longest stall over a second of doing nothing (a loaded machine delays timers too).
  const idle = await stallDuring(() => sleep(1000));
  const cache = await cacheStalls(jws, pki.roots);
  // At the threshold (OFF_THREAD_MIN_CHARS characters, about 53 per record): whether a worker pays there.
  const small = makeDemoPki({ seed: 'status-list-import-bench-small', syntheticStatusRecords: Math.ceil(OFF_THREAD_MIN_CHARS / 53) });
  const atThreshold = await cacheStalls(small.statusListJws, small.roots);
  return {
    records: count,
    fileChars: jws.length,
    runs: RUNS,
    installMedianMs: Math.round(median(install)),
    installMaxMs: Math.round(Math.max(...install)),
    signatureOnlyMedianMs: Math.round(median(signature)),
    idleMaxStallMs: Math.round(idle.stallMs),
    cacheRuns: CACHE_RUNS,
    cacheInstall: cache,
    atThreshold: { fileChars: small.statusListJws.length, ...atThreshold },
  };
}
