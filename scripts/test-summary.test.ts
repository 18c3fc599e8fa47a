// The closing `tests: N passed, N failed` line of `npm test` must be this run's and must count a test
// file that failed to load. The reports here come from a real vitest run over a tiny project: one
// file passes, one throws on import.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { countInto, countReport, removeOldReports } from './test.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'kiosk-test-summary-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function vitestReport(files: Record<string, string>): { report: unknown; path: string } {
  const dir = mkdtempSync(join(work, 'project-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(join(dir, 'vitest.config.mjs'), 'export default { test: { globals: true, include: ["*.test.mjs"] } };\n');
  const path = join(dir, 'report.json');
  spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', dir, '--reporter=json', `--outputFile.json=${path}`], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { report: JSON.parse(readFileSync(path, 'utf8')), path };
}

describe('npm test summary', () => {
  it('counts a test file that throws on import as failed (vitest itself counts it as 0 failed)', () => {
    const { report } = vitestReport({
      'fine.test.mjs': 'it("passes", () => {});\n',
      'broken.test.mjs': 'throw new Error("cannot load");\nit("never runs", () => {});\n',
    });
    expect((report as { numFailedTests: number }).numFailedTests).toBe(0);
    const counted = countReport(report);
    expect(counted.passed).toBe(1);
    expect(counted.failed).toBe(1);
    expect(counted.unloaded.map((f) => f.name.endsWith('broken.test.mjs'))).toEqual([true]);
  });

  it('names each failed test with its file and first message line (CI keeps only the tail)', () => {
    const { path } = vitestReport({
      'fine.test.mjs': 'it("passes", () => {});\n',
      'red.test.mjs': 'describe("door", () => { it("opens", () => { throw new Error("gate stuck\\nsecond line"); }); });\n',
    });
    const totals = { passed: 0, failed: 0, skipped: 0 };
    const lines = countInto(totals, 'unit', path);
    expect(totals).toEqual({ passed: 1, failed: 1, skipped: 0 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^== unit: FAILED .*red\.test\.mjs > door opens: Error: gate stuck$/);
  });

  it("a previous run's report is removed, and a missing report counts as a failed run", () => {
    const { path } = vitestReport({ 'fine.test.mjs': 'it("passes", () => {});\n' });
    const totals = { passed: 0, failed: 0, skipped: 0 };
    expect(countInto(totals, 'unit', path)).toEqual([]);
    expect(totals).toEqual({ passed: 1, failed: 0, skipped: 0 });
    // This run crashed before writing its report: the old one must not be read as this run's.
    removeOldReports([path]);
    expect(existsSync(path)).toBe(false);
    const next = { passed: 0, failed: 0, skipped: 0 };
    const lines = countInto(next, 'unit', path);
    expect(next).toEqual({ passed: 0, failed: 1, skipped: 0 });
    expect(lines[0]).toMatch(/no report/);
  });
});
