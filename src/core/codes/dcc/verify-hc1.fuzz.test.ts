// Bad HC1 input, as the PHC1 verifier is fuzzed (src/core/codes/verify.fuzz.test.ts): 100,000 random
// and mutated inputs — bit flips in the Base45 text, the deflate stream and the COSE bytes, structural
// edits of the COSE/CWT/hcert CBOR (some re-signed so they reach the certificate, schema and time
// layers), truncations, extensions, splices, random text — and huge inputs and compression bombs.
// Each must come back with a reason in DCC_VERIFY_REASONS or FORMAT_UNKNOWN, none may throw, and
// none may reach the verifier's last-resort catch (a layer that threw something unforeseen).
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { base45Decode, base45Encode } from '../../../base/base45.js';
import { mulberry32 } from '../../../base/prng.js';
import { DCC_VERIFY_REASONS } from '../../../contract/reasons.js';
import { cborDecode, cborEncode, Tag } from '../cbor.js';
import { hc1FromCose, issueHc1, makeDsc, type Dsc } from './issue-hc1.js';
import type { DscEntry } from './types.js';
import { inflateHc1, MAX_HC1_INFLATED_BYTES, verifyHc1 } from './verify-hc1.js';

const T0 = Date.UTC(2026, 0, 1) / 1000;
const DAY = 86400;
const NOW = T0 + 30 * DAY;
const person = { nam: { fn: 'Muster', fnt: 'MUSTER', gn: 'Erika', gnt: 'ERIKA' }, dob: '1980-01-01' };
const payloads: Record<string, unknown>[] = [
  { ver: '1.3.0', ...person, v: [{ tg: '840539006', vp: '1119349007', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: '2025-12-01', co: 'AT', is: 'Ministry', ci: 'URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B' }] },
  { ver: '1.3.0', ...person, t: [{ tg: '840539006', tt: 'LP6464-4', sc: '2026-01-30T10:00:00Z', tr: '260415000', tc: 'Centre', co: 'DE', is: 'RKI', ci: 'URN:UVCI:01DE/IZ12345A/5CWLU12RNOB9RXSEOP6FG8#W' }] },
  { ver: '1.0.0', ...person, r: [{ tg: '840539006', fr: '2025-12-20', co: 'FR', is: 'CNAM', df: '2026-01-01', du: '2026-06-01', ci: 'URN:UVCI:01:FR:W7V2BE46QSBJ#L' }] },
];
const dscSpecs: { alg: 'ES256' | 'PS256'; eku?: ('v' | 't' | 'r')[]; notAfter: number }[] = [
  { alg: 'ES256', notAfter: T0 + 365 * DAY },
  { alg: 'PS256', notAfter: T0 + 365 * DAY },
  { alg: 'ES256', eku: ['t'], notAfter: T0 + 365 * DAY },
  { alg: 'ES256', notAfter: T0 + 20 * DAY }, // expired at some of the clocks used
];
const signers: Dsc[] = dscSpecs.map((s, i) => makeDsc({ ...s, country: ['AT', 'DE', 'FR', 'SE'][i]!, notBefore: T0 }));
const dscs = new Map<string, DscEntry>(signers.map((d) => [d.kid, d.entry]));
const esSigners = signers.filter((d) => d.alg === 'ES256');
const seeds: string[] = signers.flatMap((signer) =>
  payloads.map((p) => issueHc1(p, { signer, issuerCountry: signer.country, iat: T0 + DAY, exp: T0 + 60 * DAY, kidIn: signer.alg === 'PS256' ? 'unprotected' : 'protected' })),
);
const clocks = [NOW, NOW, NOW, T0, T0 + 90 * DAY, T0 + 400 * DAY];

const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const coseOf = (code: string): Uint8Array => inflateSync(base45Decode(code.slice(4)));

/** Odd CBOR values to put where the verifier expects something else. */
const oddValues = (rand: () => number): unknown[] => [
  null,
  undefined,
  true,
  -1,
  2 ** 53 + 2,
  1.5,
  Number.NaN,
  -Infinity,
  '',
  'x'.repeat(Math.floor(rand() * 300)),
  new Uint8Array(Math.floor(rand() * 40)),
  [],
  new Map(),
  new Map<unknown, unknown>([[1, new Map([[1, new Map()]])]]),
  new Tag('2026-01-01T00:00:00Z', 0),
  new Tag(T0, 1),
  new Tag([], 18),
  { ver: 1 },
  Array.from({ length: 50 }, () => [[[[[]]]]]),
  BigInt('123456789012345678901234567890'),
];

/** A structural edit of the COSE_Sign1 or its CWT payload; the signature no longer matches. */
function editStructure(rand: () => number, cose: Uint8Array): Uint8Array {
  const int = (n: number) => Math.floor(rand() * n);
  const odd = oddValues(rand);
  const pick = () => odd[int(odd.length)];
  const tagged = cborDecode(cose) as Tag;
  const [prot, unprot, payload, sig] = tagged.value as [Uint8Array, Map<unknown, unknown>, Uint8Array, Uint8Array];
  const header = (prot.length ? cborDecode(prot) : new Map()) as Map<unknown, unknown>;
  const claims = cborDecode(payload) as Map<unknown, unknown>;
  const hcert = (claims.get(-260) as Map<unknown, unknown>).get(1) as Map<unknown, unknown>;
  const members: unknown[] = [prot, unprot, payload, sig];
  switch (int(8)) {
    case 0:
      header.set([1, 4][int(2)], pick());
      members[0] = cborEncode(header);
      break;
    case 1:
      unprot.set([1, 4, int(100) - 50][int(3)], pick());
      break;
    case 2:
      claims.set([1, 4, 6, -260][int(4)], pick());
      members[2] = cborEncode(claims);
      break;
    case 3:
      hcert.set(['ver', 'nam', 'dob', 'v', 't', 'r'][int(6)], pick());
      members[2] = cborEncode(claims);
      break;
    case 4:
      members[int(4)] = pick();
      break;
    case 5:
      members.length = int(6);
      break;
    case 6:
      members[3] = Uint8Array.from({ length: int(520) }, () => int(256));
      break;
    default:
      return cborEncode(rand() < 0.5 ? members : new Tag(members, [0, 1, 61, 96, 98][int(5)]!));
  }
  return cborEncode(rand() < 0.2 ? members : new Tag(members, 18));
}

/** A validly signed code whose hcert is mutated: it reaches the certificate, schema and time layers. */
function resigned(rand: () => number): string {
  const int = (n: number) => Math.floor(rand() * n);
  const odd = oddValues(rand);
  const base = structuredClone(payloads[int(payloads.length)]!);
  const entryKey = ['v', 't', 'r'].find((k) => k in base)!;
  const entry = (base[entryKey] as Record<string, unknown>[])[0]!;
  switch (int(6)) {
    case 0:
      base.ver = ['1.3.0', '1.2.1', '1.0.0', '9.9.9', '', '1.3'][int(6)];
      break;
    case 1:
      entry[Object.keys(entry)[int(Object.keys(entry).length)]!] = [7, '', 'x', null, [], {}][int(6)];
      break;
    case 2:
      base.dob = ['1980', '1980-13-01', '', 'yesterday', '1980-01'][int(5)];
      break;
    case 3:
      base[['v', 't', 'r'][int(3)]!] = [entry, entry].slice(0, int(3));
      break;
    case 4:
      delete base[['ver', 'nam', 'dob', entryKey][int(4)]!];
      break;
  }
  const signer = esSigners[int(esSigners.length)]!;
  const asMap = (o: unknown): unknown => (o && typeof o === 'object' && !Array.isArray(o) ? new Map(Object.entries(o).map(([k, v]) => [k, asMap(v)])) : Array.isArray(o) ? o.map(asMap) : o);
  const hcert = rand() < 0.1 ? asMap(odd[int(odd.length)]) : base;
  return issueHc1(hcert as object, { signer, issuerCountry: signer.country, iat: T0 + int(90) * DAY, exp: T0 + int(90) * DAY, untagged: rand() < 0.2 });
}

function mutateHc1(rand: () => number, i: number): string {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T,>(xs: readonly T[]) => xs[int(xs.length)]!;
  const seed = pick(seeds);
  switch (i % 12) {
    case 0: {
      const cose = Uint8Array.from(coseOf(seed));
      for (let k = 1 + int(3); k > 0; k--) cose[int(cose.length)]! ^= 1 << int(8);
      return hc1FromCose(cose);
    }
    case 1: {
      const z = Uint8Array.from(base45Decode(seed.slice(4)));
      z[int(z.length)]! ^= 1 << int(8);
      return 'HC1:' + base45Encode(z);
    }
    case 2:
      return seed.slice(0, int(seed.length));
    case 3:
      return seed + Array.from({ length: 1 + int(40) }, () => pick([...BASE45])).join('');
    case 4: {
      const p = 4 + int(seed.length - 4);
      return seed.slice(0, p) + pick([...BASE45, 'a', '#', '\u00e9', '\n', '\u0000']) + seed.slice(p + 1);
    }
    case 5:
      return pick(['HC1:', 'HC1:', 'hc1:', 'HC2:', 'PHC1:', '']) + Array.from({ length: int(600) }, () => pick([...BASE45])).join('');
    case 6: {
      const cose = coseOf(seed);
      const cut = int(cose.length);
      return hc1FromCose(rand() < 0.5 ? cose.subarray(0, cut) : Buffer.concat([cose, Buffer.from([int(256), int(256)])]));
    }
    case 7:
      return Array.from({ length: int(64) }, () => String.fromCharCode(int(0x3000))).join('');
    case 8:
      return hc1FromCose(Uint8Array.from({ length: int(300) }, () => int(256)));
    case 9: {
      const a = coseOf(seed);
      const b = coseOf(pick(seeds));
      const cut = int(Math.min(a.length, b.length));
      return hc1FromCose(Buffer.concat([a.subarray(0, cut), b.subarray(cut)]));
    }
    case 10:
      return hc1FromCose(editStructure(rand, coseOf(seed)));
    default:
      // Signing costs more than verifying: a pool of re-signed mutants, each met at several clocks.
      return pick(resignedPool);
  }
}
const resignedPool = ((rand) => Array.from({ length: 600 }, () => resigned(rand)))(mulberry32(0x5161));

const allowed = new Set<string>([...DCC_VERIFY_REASONS, 'FORMAT_UNKNOWN']);

describe('HC1 verifier under bad input', () => {
  it('returns a reason for 100,000 random and mutated inputs, never throwing', () => {
    const rand = mulberry32(0xdcc5eed); // deterministic, so a failure reproduces
    const seen = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const input = mutateHc1(rand, i);
      const now = clocks[Math.floor(rand() * clocks.length)]!;
      const r = verifyHc1(input, { dscs, now });
      if (r.authentic) {
        expect(r.reason).toBeNull();
        expect(r.certificate).not.toBeNull();
      } else if (!allowed.has(r.reason ?? '') || (r.detail ?? '').startsWith('unexpected:')) {
        // One assertion on the failing input only (asserting all 100,000 costs more than the verifying).
        expect({ input, reason: r.reason, detail: r.detail }).toEqual({ input, reason: 'a DCC reason', detail: 'from its own layer' });
      }
      const key = r.reason ?? 'AUTHENTIC';
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    // The mutations must reach every layer, or this test would prove little.
    for (const reason of DCC_VERIFY_REASONS) expect(seen.get(reason) ?? 0, reason).toBeGreaterThan(20);
    for (const reason of ['FORMAT_UNKNOWN', 'DCC_BASE45_INVALID', 'DCC_COMPRESSION_INVALID', 'DCC_COSE_INVALID', 'DCC_SIGNATURE_INVALID', 'DCC_SCHEMA_INVALID']) {
      expect(seen.get(reason) ?? 0, reason).toBeGreaterThan(1000);
    }
    expect(seen.get('AUTHENTIC') ?? 0).toBeGreaterThan(100);
  }, 180_000); // 14 s alone on the 2-core box; the whole suite runs beside it

  it('refuses huge inputs and compression bombs without inflating past the cap', () => {
    // The inputs are made first: the 64 MiB of zeros deflated here is the test's own memory, not the
    // verifier's, and must not count in what the cap is measured by.
    const hugeText = '0'.repeat(3 * 1024 * 1024);
    const bombs = [MAX_HC1_INFLATED_BYTES + 1, 64 * 1024, 4 * 1024 * 1024].map((size) => 'HC1:' + base45Encode(deflateSync(Buffer.alloc(size), { level: 9 })));
    // 64 MiB deflates to 64 KiB, too long for any QR code (refused before zlib); the zlib layer on its
    // own still stops at the cap.
    const big = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    const rss0 = process.memoryUsage().rss;
    const huge = verifyHc1('HC1:' + hugeText, { dscs, now: NOW });
    expect(huge).toMatchObject({ reason: 'DCC_BASE45_INVALID', detail: 'text too long for a QR code' });
    expect(verifyHc1('x' + hugeText, { dscs, now: NOW }).reason).toBe('FORMAT_UNKNOWN');
    for (const bomb of bombs) {
      expect(bomb.length).toBeLessThan(8192); // small enough to be a QR code: it reaches zlib
      expect(verifyHc1(bomb, { dscs, now: NOW }).reason).toBe('DCC_COMPRESSION_INVALID');
    }
    expect(verifyHc1('HC1:' + base45Encode(big), { dscs, now: NOW }).reason).toBe('DCC_BASE45_INVALID');
    expect(() => inflateHc1(big)).toThrow(/zlib/);
    // A 64 MiB bomb that was inflated would show up here (the cap keeps it to 8 KiB).
    expect(process.memoryUsage().rss - rss0).toBeLessThan(48 * 1024 * 1024);
  });

  it('inflates exactly the cap as far as the cap is concerned', () => {
    const r = verifyHc1('HC1:' + base45Encode(deflateSync(Buffer.alloc(MAX_HC1_INFLATED_BYTES, 0xa0))), { dscs, now: NOW });
    expect(r.reason).toBe('DCC_COSE_INVALID'); // got past zlib; failed as CBOR instead
  });
});
