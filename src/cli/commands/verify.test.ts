// `kiosk verify`, `kiosk conformance` and `kiosk pki` as a user runs them.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { demoPerson } from '../../core/demo/people.js';
import { runCli } from '../testing/run-cli.js';

const vectorsPath = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'spec', 'vectors', 'vectors.json');
const vectors = JSON.parse(readFileSync(vectorsPath, 'utf8')) as {
  now: number;
  roots: unknown;
  trustList: string;
  statusList: string;
  codes: { name: string; qr: string }[];
};

let dir: string;
let rootsFile: string;
let trustFile: string;
let statusFile: string;
const green = vectors.codes.find((c) => c.name === 'green-valid')!.qr;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-cli-'));
  rootsFile = join(dir, 'roots.json');
  trustFile = join(dir, 'trust.jws');
  statusFile = join(dir, 'status.jws');
  writeFileSync(rootsFile, JSON.stringify(vectors.roots));
  writeFileSync(trustFile, vectors.trustList);
  writeFileSync(statusFile, vectors.statusList);
});

const lists = () => ['--data-dir', join(dir, 'data'), '--roots', rootsFile, '--trust-list', trustFile, '--status-list', statusFile, '--now', String(vectors.now)];

describe('kiosk verify', () => {
  it('prints one JSON object with the decision and the number masked', async () => {
    const r = await runCli(['verify', ...lists(), '--temperature', '36.6', green]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ authentic: true, reason: null, decision: 'admit', decisionReason: null, trustListStale: false });
    expect(out.claims.hc.id).toBe('3301**********1230');
    expect(r.stdout).not.toContain('330102199003071230');
  });
  it('reveals the number only with --reveal', async () => {
    const out = JSON.parse((await runCli(['verify', ...lists(), '--reveal', green])).stdout);
    expect(out.claims.hc.id).toBe('330102199003071230');
  });
  it('reads `-` raw from stdin: a trailing space changes the code and is not trimmed away', async () => {
    const exact = JSON.parse((await runCli(['verify', ...lists(), '-'], green)).stdout);
    expect(exact.authentic).toBe(true);
    const padded = JSON.parse((await runCli(['verify', ...lists(), '-'], green + ' ')).stdout);
    expect(padded.authentic).toBe(false);
    expect(padded.reason).toBe('FORMAT_INVALID');
  });
  it('applies --policy, --card-id and --temperature', async () => {
    const fever = JSON.parse((await runCli(['verify', ...lists(), '--temperature', '37.3', green])).stdout);
    expect(fever).toMatchObject({ decision: 'deny', decisionReason: 'FEVER' });
    const lenient = JSON.parse((await runCli(['verify', ...lists(), '--temperature', '37.3', '--policy', '{"feverThresholdC":37.5}', green])).stdout);
    expect(lenient.decision).toBe('admit');
    const mismatch = JSON.parse((await runCli(['verify', ...lists(), '--card-id', '310104199202156789', green])).stdout);
    expect(mismatch.decisionReason).toBe('IDENTITY_MISMATCH');
    const review = JSON.parse((await runCli(['verify', ...lists(), '--policy', '{"requireTemperature":true}', green])).stdout);
    expect(review).toMatchObject({ decision: 'review', decisionReason: 'TEMPERATURE_MISSING' });
  });
  it('decides a card alone against the status list', async () => {
    const out = JSON.parse((await runCli(['verify', ...lists(), '--card-id', '440106194503010029'])).stdout);
    expect(out).toMatchObject({ decision: 'deny', decisionReason: 'STATUS_RED' });
    expect(out.card.id).toBe('4401**********0029');
  });
  it('denies with a reason when no trust list is cached, and errors clearly on bad options', async () => {
    const empty = JSON.parse((await runCli(['verify', '--data-dir', join(dir, 'empty'), green])).stdout);
    expect(empty).toMatchObject({ authentic: false, reason: 'KEY_UNKNOWN', decision: 'deny' });
    const bad = await runCli(['verify', ...lists(), '--policy', '{nope', green]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/BAD_REQUEST/);
  });
});

describe('kiosk conformance', () => {
  it('passes the shared vectors under both backends with a closing count line', async () => {
    const r = await runCli(['conformance', vectorsPath, '--backend', 'both']);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed$/);
    expect(r.code).toBe(0);
  });
  it('prints each failing case and exits 1', async () => {
    const broken = JSON.parse(readFileSync(vectorsPath, 'utf8'));
    broken.codes[0].expect.reason = 'CODE_EXPIRED';
    broken.policy[0].expect.decision = 'deny';
    const file = join(dir, 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const r = await runCli(['conformance', file]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL '))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^\d+ passed, 2 failed$/);
  });
  it('refuses a file that is not in the vectors format', async () => {
    const file = join(dir, 'not-vectors.json');
    writeFileSync(file, '{"hello": 1}');
    const r = await runCli(['conformance', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/FORMAT_INVALID/);
  });
});

describe('kiosk pki', () => {
  it('makes a demo PKI whose codes verify through the cached lists, and mints any code', async () => {
    const pkiDir = join(dir, 'pki');
    const dataDir = join(dir, 'pki-data');
    const made = await runCli(['pki', 'demo', pkiDir, '--seed', 'test', '--install', '--data-dir', dataDir]);
    expect(made.code).toBe(0);
    expect(existsSync(join(pkiDir, 'codes', 'zhangsan.png'))).toBe(true);
    const zhang = readFileSync(join(pkiDir, 'codes', 'zhangsan.txt'), 'utf8');
    expect(JSON.parse((await runCli(['verify', '--data-dir', dataDir, zhang])).stdout).decision).toBe('admit');
    const red = JSON.parse((await runCli(['verify', '--data-dir', dataDir, readFileSync(join(pkiDir, 'codes', 'wangwu.txt'), 'utf8')])).stdout);
    expect(red.decisionReason).toBe('STATUS_RED');
    // card alone: the red elder is on the demo status list
    const card = JSON.parse((await runCli(['verify', '--data-dir', dataDir, '--card-id', demoPerson('grandpa')!.idNumber])).stdout);
    expect(card.decisionReason).toBe('STATUS_RED');

    for (const [args, reason] of [
      [['--forge'], 'SIGNATURE_INVALID'],
      [['--valid-hours', '-1'], 'CODE_EXPIRED'],
      [['--status', 'yellow'], 'STATUS_YELLOW'],
      [['--status-age-hours', '30'], 'STATUS_STALE'],
    ] as const) {
      const prefix = join(dir, `issued-${reason}`);
      const issued = await runCli(['pki', 'issue', '--pki', pkiDir, '--person', 'zhangsan', ...args, '--out', prefix]);
      expect(issued.code).toBe(0);
      const v = JSON.parse((await runCli(['verify', '--data-dir', dataDir, readFileSync(`${prefix}.txt`, 'utf8')])).stdout);
      expect(v.decisionReason).toBe(reason);
    }
  });
  it('is deterministic from a seed (fixtures regenerate byte for byte)', async () => {
    await runCli(['pki', 'demo', join(dir, 'a'), '--seed', 's', '--now', '1795334400']);
    await runCli(['pki', 'demo', join(dir, 'b'), '--seed', 's', '--now', '1795334400']);
    for (const f of ['roots.json', 'trust-list.jws', 'status-list.jws', 'codes/lisi.txt', 'codes/lisi.png']) {
      expect(readFileSync(join(dir, 'a', f))).toEqual(readFileSync(join(dir, 'b', f)));
    }
  });
});
