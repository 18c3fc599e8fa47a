// `npm test`: every check the project has, in one command, as CI runs it.
// build → lint → typecheck (node, renderer, electron) → unit + integration (vitest) → e2e (vitest +
// Playwright driving Debian's Chromium). Ends with one line `tests: N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, 'test-results');
mkdirSync(reports, { recursive: true });
const only = process.argv.slice(2);

function run(label, cmd, args) {
  process.stdout.write(`\n== ${label}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status === 0;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
function count(reportFile) {
  if (!existsSync(reportFile)) return;
  const r = JSON.parse(readFileSync(reportFile, 'utf8'));
  totals.passed += r.numPassedTests ?? 0;
  totals.failed += r.numFailedTests ?? 0;
  totals.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
}

const npx = 'npx';
const steps = [
  ['build', 'node', ['scripts/build.mjs']],
  ['lint', npx, ['eslint', '.']],
  ['typecheck node', npx, ['tsc', '-p', 'tsconfig.json']],
  ['typecheck renderer', npx, ['tsc', '-p', 'tsconfig.renderer.json']],
  ['typecheck electron', npx, ['tsc', '-p', 'tsconfig.electron.json']],
  ['unit + integration', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${join(reports, 'unit.json')}`, ...only]],
];
if (only.length === 0) {
  steps.push(['e2e', npx, ['vitest', 'run', '--config', 'vitest.e2e.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${join(reports, 'e2e.json')}`]]);
}
let ok = true;
for (const [label, cmd, args] of steps) {
  if (!run(label, cmd, args)) {
    ok = false;
    process.stdout.write(`== ${label} FAILED\n`);
    if (['build', 'lint'].includes(label) || label.startsWith('typecheck')) totals.failed += 1;
  }
}
count(join(reports, 'unit.json'));
if (only.length === 0) count(join(reports, 'e2e.json'));
process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(ok ? 0 : 1);
