// `kiosk conformance-dcc DIR` on the EU DCC public test data (../shared/dcc-testdata), pictures
// included: each case's PNG goes through the camera's own decoding pipeline (docs/dcc.md, "Conformance").
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';

const DCC_TESTDATA = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'dcc-testdata');

/** Named with their reasons in src/core/codes/dcc/conformance-dcc.test.ts and docs/dcc.md. */
const NAMED = ['common/2DCode/raw/CO20.json EXPECTEDVERIFY', 'SK/2DCode/raw/3.json EXPECTEDSCHEMAVALIDATION'];

interface JsonReport {
  expectations: Record<string, { checked: number; agree: number }>;
  disagreements: { case: string; expectation: string; expected: boolean; kiosk: boolean; detail: string }[];
}

describe('kiosk conformance-dcc', () => {
  it('agrees with the public test data on every layer, pictures included, but the named cases', async () => {
    const r = await runCli(['conformance-dcc', '--json', DCC_TESTDATA]);
    const report = JSON.parse(r.stdout) as JsonReport;
    expect(Object.keys(report).sort()).toEqual(['disagreements', 'expectations']);
    expect(report.disagreements.map((d) => `${d.case} ${d.expectation}`).sort()).toEqual([...NAMED].sort());
    const pictures = report.expectations.EXPECTEDPICTUREDECODE!;
    expect(pictures.checked).toBeGreaterThan(60);
    expect(pictures.agree).toBe(pictures.checked);
    expect(r.code).toBe(1); // the named cases are disagreements all the same
  }, 120_000);

  it('prints the text report and reads a picture that is not the PREFIX as a disagreement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcc-conf-'));
    const raw = join(dir, 'XX', '2DCode', 'raw');
    mkdirSync(raw, { recursive: true });
    copyFileSync(join(DCC_TESTDATA, 'common', '2DCode', 'raw', 'Q1.json'), join(raw, 'Q1.json'));
    // A good picture whose PREFIX was altered: the camera reads the real code, which is not PREFIX.
    const good = JSON.parse(readFileSync(join(DCC_TESTDATA, 'AT', '2DCode', 'raw', '1.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(raw, 'altered.json'), JSON.stringify({ ...good, PREFIX: String(good.PREFIX).slice(0, -3) + 'AAA' }));
    writeFileSync(join(dir, 'README.md'), 'not a case');
    const r = await runCli(['conformance-dcc', dir]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toContain('FAIL XX/2DCode/raw/altered.json EXPECTEDPICTUREDECODE: expected true, kiosk false (picture reads as other text than PREFIX)');
    expect(lines).toContain('FAIL XX/2DCode/raw/altered.json EXPECTEDUNPREFIX: expected true, kiosk false (text after the prefix differs from BASE45)');
    expect(lines).toContain('EXPECTEDPICTUREDECODE checked 2 agree 1');
    expect(lines.at(-1)).toMatch(/^\d+ passed, \d+ failed$/);
    expect(r.code).toBe(1);
  }, 60_000);

  it('refuses a folder with no test cases, or cases with nothing to check, rather than pass it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dcc-conf-empty-'));
    writeFileSync(join(dir, 'README.md'), 'not a case');
    mkdirSync(join(dir, 'AT', 'png'), { recursive: true });
    writeFileSync(join(dir, 'AT', 'png', '1.json'), '{}');
    const empty = await runCli(['conformance-dcc', dir]);
    expect(empty.code).toBe(2);
    expect(empty.stdout).not.toMatch(/passed/);
    expect(empty.stderr).toContain(`no test cases found under ${dir} (expected <STATE>/2DCode/raw/*.json`);

    mkdirSync(join(dir, 'XX', '2DCode', 'raw'), { recursive: true });
    writeFileSync(join(dir, 'XX', '2DCode', 'raw', '1.json'), JSON.stringify({ JSON: {}, EXPECTEDRESULTS: {} }));
    const nothing = await runCli(['conformance-dcc', dir]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/no expectation checked under .*: its 1 case files carry no EXPECTEDRESULTS/);
  }, 60_000);

  it('refuses a directory that does not exist', async () => {
    const r = await runCli(['conformance-dcc', join(tmpdir(), 'no-such-dcc-dir')]);
    expect(r.code).toBe(2);
  });
});
