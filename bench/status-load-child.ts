// Child process of the verify benchmark: installs one status list file in a fresh process so its
// memory can be measured without the parent's garbage. Prints one JSON object.
//   node --expose-gc status-load-child.js LIST.jws ROOTS.json
import { readFileSync } from 'node:fs';
import { installStatusList, type PinnedRoot } from '../src/core/codes/lists.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const MB = 1024 * 1024;
const [file, rootsFile] = process.argv.slice(2) as [string, string];
const roots = JSON.parse(readFileSync(rootsFile, 'utf8')) as PinnedRoot[];
let jws: string | null = readFileSync(file, 'latin1');
gc();
const before = process.memoryUsage().rss;
const t0 = performance.now();
const r = installStatusList(jws, roots, null);
const ms = performance.now() - t0;
if (!r.accepted) throw new Error(r.message);
const peak = process.resourceUsage().maxRSS * 1024;
jws = null; // the downloaded text is released once installed, as in the kiosk
gc();
const after = process.memoryUsage().rss;
process.stdout.write(JSON.stringify({ records: r.list.count, verifyAndLoadMs: Math.round(ms), retainedExtraMB: Math.round(((after - before) / MB) * 10) / 10, peakExtraMB: Math.round(((peak - before) / MB) * 10) / 10 }) + '\n');
