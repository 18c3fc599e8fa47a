// `npm run bench -- status-list-import`: what installing a big status list costs the kiosk's main
// thread (health-code spec §3: "lists of millions of records are expected"), whether it comes from a
// file on the integrator's trust screen or from the collector's list sync: both go through
// installStatusList (signature, then parse and order check). Also the signature check alone, which
// the trust screen runs once per file version and root to say which root signs the cached list
// (ListCache.cachedSignedBy, remembered afterwards). STATUS_BENCH_RECORDS sets the size (default one
// million); medians of five runs after one warm-up.
import { performance } from 'node:perf_hooks';
import { installStatusList, listSignedBy } from '../src/core/codes/lists.js';
import { makeDemoPki } from '../src/core/codes/pki.js';
import { median } from './stats.js';

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
  return {
    records: count,
    fileChars: jws.length,
    runs: RUNS,
    installMedianMs: Math.round(median(install)),
    installMaxMs: Math.round(Math.max(...install)),
    signatureOnlyMedianMs: Math.round(median(signature)),
  };
}
