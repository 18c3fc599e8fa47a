// `npm run bench -- verify`: full code verifications/s per Ed25519 backend (decode +
// signature + policy), EU DCC HC1: verifications/s for ES256 and PS256 (docs/dcc.md), trust list install with 300 keys, and a 1,000,000-record status list: time to
// verify and load, extra memory, lookups/s. Reports medians; asserts nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64urlEncode } from '../src/base/base64url.js';
import { ed25519Backend, generateKeyPair, keyId } from '../src/core/codes/ed25519.js';
import { buildStatusRecords, installStatusList, installTrustList, lookupStatus, signJws } from '../src/core/codes/lists.js';
import { issueDemoCode, makeDemoPki } from '../src/core/codes/pki.js';
import { verifyCode } from '../src/core/codes/verify.js';
import { mutateCode } from '../src/core/codes/fuzz-inputs.js';
import { mulberry32 } from '../src/base/prng.js';
import { decideForCode, resolvePolicy } from '../src/core/policy/policy.js';
import { DEMO_PEOPLE } from '../src/core/demo/people.js';
import { issueHc1, makeDsc, type DccAlg } from '../src/core/codes/dcc/issue-hc1.js';
import { verifyHc1 } from '../src/core/codes/dcc/verify-hc1.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const MB = 1024 * 1024;

function verificationsPerSecond(backend: 'node' | 'tweetnacl', codes: string[], trustList: NonNullable<ReturnType<typeof installTrustList> & { accepted: true }>['list'], now: number, seconds: number): number {
  const ed25519 = ed25519Backend(backend);
  const policy = resolvePolicy({});
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (seconds * 1000) / 3) {
      const v = verifyCode(codes[n % codes.length]!, { trustList, now, ed25519 });
      const d = decideForCode({ verification: v, trustList, policy, card: null, temperatureC: 36.5, now });
      if (!v.authentic || !d.decision) throw new Error('bench code did not verify');
      n++;
    }
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

/** HC1 codes/s through the whole verifier (every layer, schema included), one DSC of `alg`; median of 3 rounds. */
function hc1VerificationsPerSecond(alg: DccAlg, now: number, seconds: number): number {
  const dsc = makeDsc({ alg, country: 'AT', notBefore: now - 86400, notAfter: now + 365 * 86400, eku: ['v'] });
  const dscs = new Map([[dsc.kid, dsc.entry]]);
  const codes = Array.from({ length: 64 }, (_, i) =>
    issueHc1(
      {
        ver: '1.3.0',
        nam: { fn: 'Musterfrau', fnt: 'MUSTERFRAU', gn: 'Erika', gnt: 'ERIKA' },
        dob: '1980-01-01',
        v: [{ tg: '840539006', vp: '1119349007', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: '2025-12-01', co: 'AT', is: 'Ministry of Health', ci: `URN:UVCI:01:AT:BENCH${String(i).padStart(27, '0')}#B` }],
      },
      { signer: dsc, issuerCountry: 'AT', iat: now - i, exp: now + 30 * 86400 },
    ),
  );
  const rates: number[] = [];
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < (seconds * 1000) / 3) {
      if (!verifyHc1(codes[n % codes.length]!, { dscs, now }).authentic) throw new Error('bench HC1 code did not verify');
      n++;
    }
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

export async function run(): Promise<object> {
  const now = Math.floor(Date.now() / 1000);
  const pki = makeDemoPki({ seed: 'bench', now });
  const trust = installTrustList(pki.trustListJws, pki.roots, null);
  if (!trust.accepted) throw new Error(trust.message);
  const greens = DEMO_PEOPLE.filter((p) => p.status === 0);
  const codes = Array.from({ length: 64 }, (_, i) => issueDemoCode(pki.provinces, greens[i % greens.length]!, now - i));

  const nodeRate = verificationsPerSecond('node', codes, trust.list, now, 3);
  const naclRate = verificationsPerSecond('tweetnacl', codes, trust.list, now, 3);
  const hc1Es256Rate = hc1VerificationsPerSecond('ES256', now, 3);
  const hc1Ps256Rate = hc1VerificationsPerSecond('PS256', now, 3);

  // Bad input: the fuzz test's 100,000 random and mutated inputs (same generator and seed), timed one
  // by one. The test asserts only that each gets a reason code; how long the worst one takes is here.
  const badInputTimes: number[] = [];
  const rand = mulberry32(0x5eed);
  for (let i = 0; i < 100_000; i++) {
    const input = mutateCode(rand, i, codes);
    const t0 = performance.now();
    verifyCode(input, { trustList: trust.list, now });
    badInputTimes.push(performance.now() - t0);
  }
  badInputTimes.sort((a, b) => a - b);

  // Trust list with 300 provincial keys.
  const root = pki.root;
  const keys = Array.from({ length: 300 }, (_, i) => {
    const kp = generateKeyPair(new Uint8Array(32).fill(i % 256).map((b, j) => (b + j * 7 + (i >> 8)) & 0xff));
    return { kid: base64urlEncode(keyId(kp.publicKey)), iss: String(110000 + i * 100).padStart(6, '0'), pub: base64urlEncode(kp.publicKey), nbf: '2026-01-01T00:00:00Z', exp: '2028-01-01T00:00:00Z', status: 'active' };
  });
  const big = signJws({ seq: 2, issued: new Date().toISOString(), nextUpdate: new Date(Date.now() + 7 * 86400e3).toISOString(), keys, revokedCodes: [] }, 'trust', { rootSecretKey: root.secretKey, rootPublicKey: root.publicKey });
  const trustTimes: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    const r = installTrustList(big, pki.roots, null);
    trustTimes.push(performance.now() - t0);
    if (!r.accepted) throw new Error(r.message);
  }

  // Status list with 1,000,000 records.
  const N = 1_000_000;
  const salt = new Uint8Array(16).fill(5);
  const ids = Array.from({ length: N }, (_, i) => `BENCH${String(i).padStart(13, '0')}`);
  let statusJws: string | null = signJws(
    { seq: 1, issued: new Date().toISOString(), nextUpdate: new Date(Date.now() + 86400e3).toISOString(), salt: base64urlEncode(salt), records: base64urlEncode(buildStatusRecords(salt, ids.map((id, i) => ({ id, st: ((i % 2) + 1) as 1 | 2, su: now })))) },
    'status',
    { rootSecretKey: root.secretKey, rootPublicKey: root.publicKey },
  );
  const jwsMB = statusJws.length / MB;
  const tmp = mkdtempSync(join(tmpdir(), 'kiosk-bench-status-'));
  writeFileSync(join(tmp, 'status.jws'), statusJws);
  writeFileSync(join(tmp, 'roots.json'), JSON.stringify(pki.roots));
  // Verified and loaded in a fresh process (median of 3), so its memory is the list's alone:
  // `retainedExtraMB` once the downloaded text is released, `peakExtraMB` while parsing it.
  const child = join(dirname(fileURLToPath(import.meta.url)), 'status-load-child.js');
  const loads = [0, 1, 2].map(() => {
    const out = execFileSync(process.execPath, ['--expose-gc', child, join(tmp, 'status.jws'), join(tmp, 'roots.json')], { encoding: 'utf8' });
    return JSON.parse(out) as { verifyAndLoadMs: number; retainedExtraMB: number; peakExtraMB: number };
  });
  rmSync(tmp, { recursive: true, force: true });
  const status = installStatusList(statusJws, pki.roots, null);
  if (!status.accepted) throw new Error(status.message);
  statusJws = null;

  const lookups = 500_000;
  const probe = Array.from({ length: 4096 }, (_, i) => (i % 2 ? ids[(i * 7919) % N]! : `ABSENT${i}`));
  let found = 0;
  const t1 = performance.now();
  for (let i = 0; i < lookups; i++) if (lookupStatus(status.list, probe[i & 4095]!)) found++;
  const lookupSec = (performance.now() - t1) / 1000;
  if (found !== lookups / 2) throw new Error(`lookup found ${found}, expected ${lookups / 2}`);

  return {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    verifyPerSecond: { node: Math.round(nodeRate), tweetnacl: Math.round(naclRate), ratio: round(nodeRate / naclRate) },
    hc1VerifyPerSecond: { ES256: Math.round(hc1Es256Rate), PS256: Math.round(hc1Ps256Rate) },
    target: { nodeVerifyPerSecond: 5000, statusLoadMs: 2000, statusExtraMB: 150, lookupsPerSecond: 500000 },
    badInputs: {
      inputs: badInputTimes.length,
      medianUs: round(badInputTimes[Math.floor(badInputTimes.length / 2)]! * 1000),
      p99Us: round(badInputTimes[Math.floor(badInputTimes.length * 0.99)]! * 1000),
      slowestMs: round(badInputTimes[badInputTimes.length - 1]!, 2),
    },
    trustList300Keys: { installMsMedian: round(trustTimes.length ? median(trustTimes) : 0, 2) },
    statusList1M: {
      records: status.list.count,
      jwsMB: round(jwsMB),
      verifyAndLoadMsMedian: median(loads.map((l) => l.verifyAndLoadMs)),
      retainedExtraMB: median(loads.map((l) => l.retainedExtraMB)),
      peakExtraMBDuringInstall: median(loads.map((l) => l.peakExtraMB)),
      lookupsPerSecond: Math.round(lookups / lookupSec),
    },
  };
}
