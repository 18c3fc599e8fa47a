// `npm test`: every check the project has, in one command, as CI runs it.
// build → lint → typecheck (node, renderer, electron) → unit + integration (vitest) → e2e (vitest +
// Playwright driving Debian's Chromium) → no process the tests started is left running.
// Ends with one line `tests: N passed, N failed, N skipped`, counted from this run only: a report
// left by an earlier run is deleted first, a step that crashed before writing its report counts as
// failed, and a test file that failed to load (it has no test results, only an error) counts as one
// failed test each.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, mkdirSync, existsSync, rmSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MARKER_VARIABLE, reap } from './process-marker.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const reports = join(root, 'test-results');
mkdirSync(reports, { recursive: true });
const only = process.argv.slice(2);

// Everything the tests start inherits this marker; whatever still carries it at the end was left
// running by a test (see scripts/process-marker.mjs).
const marker = randomUUID();
const env = { ...process.env, [MARKER_VARIABLE]: marker };

function run(label, cmd, args) {
  process.stdout.write(`\n== ${label}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status === 0;
}

const totals = { passed: 0, failed: 0, skipped: 0 };

/** Adds one vitest JSON report to the totals; exported for scripts/test-summary.test.ts. */
export function countReport(report) {
  const counted = { passed: report.numPassedTests ?? 0, failed: report.numFailedTests ?? 0, skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0), unloaded: [], failedTests: [] };
  for (const file of report.testResults ?? []) {
    // Named again at the end of the run: CI keeps only the tail of the output.
    for (const test of file.assertionResults ?? []) {
      if (test.status === 'failed') counted.failedTests.push({ name: file.name, title: test.fullName ?? test.title, message: String((test.failureMessages ?? [])[0] ?? '').split('\n')[0] });
    }
    // A file that threw on import has status "failed", a message, and no assertion results; vitest
    // adds nothing for it to numFailedTests.
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) {
      counted.failed += 1;
      counted.unloaded.push({ name: file.name, message: String(file.message ?? '').split('\n')[0] });
    }
  }
  return counted;
}

/** Adds one step's report to `totals`; a missing report is a failed run. Returns the lines to print. */
export function countInto(totals, label, reportFile) {
  const lines = [];
  if (!existsSync(reportFile)) {
    totals.failed += 1;
    lines.push(`== ${label}: no report (${relative(root, reportFile)}): the run ended before writing it; counted as 1 failed`);
    return lines;
  }
  const c = countReport(JSON.parse(readFileSync(reportFile, 'utf8')));
  totals.passed += c.passed;
  totals.failed += c.failed;
  totals.skipped += c.skipped;
  for (const f of c.unloaded) lines.push(`== ${label}: ${relative(root, f.name)} did not load (${f.message}); counted as 1 failed`);
  for (const f of c.failedTests) lines.push(`== ${label}: FAILED ${relative(root, f.name)} > ${f.title}: ${f.message.slice(0, 300)}`);
  return lines;
}

/** Reports from an earlier run must not be counted as this run's. */
export function removeOldReports(files) {
  for (const file of files) rmSync(file, { force: true });
}

function count(label, reportFile) {
  for (const line of countInto(totals, label, reportFile)) process.stdout.write(`${line}\n`);
}

const unitReport = join(reports, 'unit.json');
const e2eReport = join(reports, 'e2e.json');
const npx = 'npx';
const steps = [
  ['build', 'node', ['scripts/build.mjs']],
  ['lint', npx, ['eslint', '.']],
  ['typecheck node', npx, ['tsc', '-p', 'tsconfig.json']],
  ['typecheck renderer', npx, ['tsc', '-p', 'tsconfig.renderer.json']],
  ['typecheck electron', npx, ['tsc', '-p', 'tsconfig.electron.json']],
  ['unit + integration', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitReport}`, ...only]],
];
if (only.length === 0) {
  steps.push(['e2e', npx, ['vitest', 'run', '--config', 'vitest.e2e.config.ts', '--reporter=default', '--reporter=json', `--outputFile.json=${e2eReport}`]]);
}

async function main() {
  removeOldReports([unitReport, e2eReport]);
  let ok = true;
  for (const [label, cmd, args] of steps) {
    if (!run(label, cmd, args)) {
      ok = false;
      process.stdout.write(`== ${label} FAILED\n`);
      if (['build', 'lint'].includes(label) || label.startsWith('typecheck')) totals.failed += 1;
    }
  }
  count('unit + integration', unitReport);
  if (only.length === 0) count('e2e', e2eReport);

  const left = await reap(marker);
  if (left.length > 0) {
    ok = false;
    totals.failed += 1;
    process.stdout.write(`\n== processes the tests left running (now ended; counted as 1 failed):\n`);
    for (const p of left) process.stdout.write(`   pid ${p.pid}: ${p.command}\n`);
  } else {
    process.stdout.write(`\n== no process the tests started is still running\n`);
  }
  process.stdout.write(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
  process.exit(ok && totals.failed === 0 ? 0 : 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
