// `kiosk export` as an attacker or a careless operator would drive it (docs/security.md, "What the
// disk reveals"): masked exports mask names, --reveal needs the admin PIN, the output never goes
// through a planted file or link, and the audit log says every export's outcome.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../main.js';
import { runCli, type CliRun } from '../testing/run-cli.js';
import { tempDataDir } from '../../core/store/test-support.js';
import { databasePath, EntryStore } from '../../core/store/index.js';

let tmp: ReturnType<typeof tempDataDir>;
const RANGE = ['--from', '2026-11-01T00:00:00Z', '--to', '2026-11-03T00:00:00Z'];

/** `kiosk ARGS --data-dir <tmp>` in-process, with `stdin` (the shared CLI test runner). */
function kiosk(stdin: string, ...args: string[]): Promise<CliRun> {
  return runCli([...args, '--data-dir', tmp.dir], stdin);
}

function revealedNames(): string[] {
  const store = EntryStore.open(tmp.dir);
  try {
    return store.readEntriesAfterSeq(0, 1000).map((e) => e.holderName!);
  } finally {
    store.close();
  }
}

async function auditLog(n: number): Promise<Array<{ action: string; outcome: string | null; detail: Record<string, unknown> }>> {
  return JSON.parse((await kiosk('', 'log', 'audit', String(n))).stdout);
}

beforeEach(async () => {
  tmp = tempDataDir('kiosk-cli-export-');
  expect((await kiosk('', 'log', 'seed', '60', ...RANGE.map((a) => a.replace('2026-11-03', '2026-11-02')))).code).toBe(0);
});
afterEach(() => tmp.cleanup());

describe('kiosk export', () => {
  it('on a data directory with no entry log says so, exits non-zero and writes nothing', async () => {
    const empty = tempDataDir('kiosk-cli-export-empty-');
    try {
      const out = join(empty.dir, 'none.csv');
      const stderr = new PassThrough();
      let err = '';
      stderr.on('data', (c) => (err += String(c)));
      const code = await main(['export', ...RANGE, '--out', out, '--data-dir', empty.dir], { stdout: new PassThrough(), stderr, stdin: Readable.from([]) });
      expect(code).not.toBe(0);
      expect(err).toMatch(/STORAGE_UNAVAILABLE: no entry log in .*nothing to export/);
      expect(existsSync(out)).toBe(false);
      expect(existsSync(`${out}.partial`)).toBe(false);
      // Nor did the attempt create an empty log that the next export would take for a quiet day.
      expect(existsSync(databasePath(empty.dir))).toBe(false);
    } finally {
      empty.cleanup();
    }
  });

  it('masks names as well as numbers in a masked export, and writes it owner-only', async () => {
    const out = join(tmp.dir, 'masked.csv');
    expect((await kiosk('', 'export', ...RANGE, '--out', out)).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const leaked = revealedNames().filter((name) => text.includes(name));
    expect(leaked).toEqual([]);
    expect(lstatSync(out).mode & 0o777).toBe(0o600);
  });

  it('refuses --reveal while no admin PIN is set', async () => {
    const out = join(tmp.dir, 'revealed.csv');
    const r = await kiosk('1234\n', 'export', ...RANGE, '--reveal', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/UNAUTHORIZED: .*kiosk admin set-pin/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses --reveal with a wrong or missing PIN on stdin, and audits the refusal without the PIN', async () => {
    expect((await kiosk('482916\n', 'admin', 'set-pin')).code).toBe(0);
    const out = join(tmp.dir, 'revealed.csv');
    for (const stdin of ['000000\n', '']) {
      const r = await kiosk(stdin, 'export', ...RANGE, '--reveal', '--out', out, '--by', 'intruder');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('UNAUTHORIZED');
      expect(existsSync(out)).toBe(false);
    }
    const audit = await auditLog(2);
    expect(audit.map((a) => [a.action, a.detail.why, a.detail.requestedBy])).toEqual([
      ['export-refused', 'no admin PIN given', 'intruder'],
      ['export-refused', 'wrong admin PIN', 'intruder'],
    ]);
    expect(JSON.stringify(audit)).not.toContain('000000');
    const ok = await kiosk('482916\n', 'export', ...RANGE, '--reveal', '--out', out);
    expect(ok.code).toBe(0);
    expect(revealedNames().every((name) => readFileSync(out, 'utf8').includes(name))).toBe(true);
    expect((await auditLog(1))[0]).toMatchObject({ action: 'export', outcome: 'completed', detail: { revealed: true, rows: 60 } });
  });

  it('never writes through a file or symbolic link planted at the output or partial name', async () => {
    const victim = join(tmp.dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    const out = join(tmp.dir, 'out.csv');
    symlinkSync(victim, `${out}.partial`);
    const viaPartial = await kiosk('', 'export', ...RANGE, '--out', out);
    expect(viaPartial.code).toBe(2);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(existsSync(out)).toBe(false);

    const dangling = join(tmp.dir, 'dangling.csv');
    symlinkSync(join(tmp.dir, 'would-be-created.csv'), dangling);
    const viaLink = await kiosk('', 'export', ...RANGE, '--out', dangling);
    expect(viaLink.code).toBe(2);
    expect(existsSync(join(tmp.dir, 'would-be-created.csv'))).toBe(false);
  });
});
