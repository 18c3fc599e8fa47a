// Regenerates fixtures/ from scripts: fixtures are never edited by hand. Deterministic (fixed seed
// and time), so `git diff` after running it shows nothing unless a generator changed.
//   node scripts/generate-fixtures.mjs [OUT_DIR]   (default: fixtures/)
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ?? join(root, 'fixtures');
// 2026-11-22T00:00:00Z: the demo PKI's codes are valid around this time (use `--now` with `kiosk verify`).
export const FIXTURE_NOW = 1795305600;

const r = spawnSync(process.execPath, [join(root, 'bin', 'kiosk.js'), 'pki', 'demo', join(out, 'demo-pki'), '--seed', 'fixtures', '--now', String(FIXTURE_NOW), '--status-records', '200'], { stdio: ['ignore', 'ignore', 'inherit'] });
if (r.status !== 0) process.exit(r.status ?? 1);
console.log(`fixtures written to ${out}`);
