// Bad input (issue 2 item 8): at least 100,000 random and mutated inputs — bit flips at every layer,
// truncations, extensions of valid codes, random Base45, huge inputs, compression bombs. Each must
// come back with a reason code: none may throw, hang, or inflate past the 4096-byte cap.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { VERIFY_REASONS } from '../../contract/reasons.js';
import { mulberry32 } from '../store/seed.js';
import { base45Decode, base45Encode } from './base45.js';
import { parseVectors } from './conformance.js';
import { installTrustList } from './lists.js';
import { MAX_INFLATED_BYTES, verifyCode } from './verify.js';

const vectors = parseVectors(JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'spec', 'vectors', 'vectors.json'), 'utf8')));
const installed = installTrustList(vectors.trustList, vectors.roots, null);
if (!installed.accepted) throw new Error('vectors trust list refused');
const trustList = installed.list;
const now = vectors.codes[0]!.now;
const seeds = vectors.codes.filter((c) => c.expect.authentic).map((c) => c.qr);

const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const reasons = new Set<string>(VERIFY_REASONS);

function coseOf(qr: string): Uint8Array {
  return inflateSync(base45Decode(qr.slice(5)));
}
const wrap = (cose: Uint8Array) => 'PHC1:' + base45Encode(deflateSync(cose));

function mutate(rand: () => number, i: number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const seed = pick(seeds);
  const int = (n: number) => Math.floor(rand() * n);
  switch (i % 10) {
    case 0: {
      // flip bits in the COSE bytes, re-wrapped so the mutation reaches CBOR, COSE and signature checks
      const cose = Uint8Array.from(coseOf(seed));
      for (let k = 1 + int(3); k > 0; k--) cose[int(cose.length)]! ^= 1 << int(8);
      return wrap(cose);
    }
    case 1: {
      // flip bits in the compressed stream
      const z = Uint8Array.from(base45Decode(seed.slice(5)));
      z[int(z.length)]! ^= 1 << int(8);
      return 'PHC1:' + base45Encode(z);
    }
    case 2:
      return seed.slice(0, int(seed.length)); // truncation
    case 3:
      return seed + Array.from({ length: 1 + int(40) }, () => pick([...BASE45])).join(''); // extension
    case 4: {
      // replace one character of the Base45 text
      const p = 5 + int(seed.length - 5);
      return seed.slice(0, p) + pick([...BASE45, 'a', '#', '\u00e9', '\n']) + seed.slice(p + 1);
    }
    case 5:
      return 'PHC1:' + Array.from({ length: int(400) }, () => pick([...BASE45])).join(''); // random Base45
    case 6: {
      // truncate or extend the COSE bytes themselves
      const cose = coseOf(seed);
      const cut = int(cose.length);
      return wrap(rand() < 0.5 ? cose.subarray(0, cut) : Buffer.concat([cose, Buffer.from([int(256), int(256)])]));
    }
    case 7:
      return Array.from({ length: int(64) }, () => String.fromCharCode(int(0x3000))).join(''); // random text
    case 8: {
      // random CBOR-ish bytes behind a valid compression layer
      return wrap(Uint8Array.from({ length: int(300) }, () => int(256)));
    }
    default: {
      // splice two valid codes' COSE bytes
      const a = coseOf(seed);
      const b = coseOf(pick(seeds));
      const cut = int(Math.min(a.length, b.length));
      return wrap(Buffer.concat([a.subarray(0, cut), b.subarray(cut)]));
    }
  }
}

describe('verifier under bad input', () => {
  it('returns a reason code for 100,000 random and mutated inputs, never throwing or hanging', () => {
    const rand = mulberry32(0x5eed); // deterministic, so a failure reproduces
    const seen = new Map<string, number>();
    let slowest = 0;
    for (let i = 0; i < 100_000; i++) {
      const input = mutate(rand, i);
      const t0 = performance.now();
      const r = verifyCode(input, { trustList, now });
      slowest = Math.max(slowest, performance.now() - t0);
      if (r.authentic) {
        expect(r.reason).toBeNull();
      } else {
        expect(reasons.has(r.reason ?? '')).toBe(true);
      }
      const key = r.reason ?? 'AUTHENTIC';
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    // The mutations must reach deep checks, or this test would prove little.
    for (const reason of ['FORMAT_UNKNOWN', 'FORMAT_INVALID', 'SIGNATURE_INVALID']) expect(seen.get(reason) ?? 0).toBeGreaterThan(100);
    // A hang detector, not a benchmark: no single input may take anywhere near a passage's budget.
    expect(slowest).toBeLessThan(2000);
  });

  it('refuses huge inputs and compression bombs without inflating past the cap', () => {
    const rss0 = process.memoryUsage().rss;
    const huge = 'PHC1:' + '0'.repeat(3 * 1024 * 1024);
    expect(verifyCode(huge, { trustList, now }).reason).toBe('FORMAT_INVALID');
    for (const size of [MAX_INFLATED_BYTES + 1, 64 * 1024, 64 * 1024 * 1024]) {
      const bomb = 'PHC1:' + base45Encode(deflateSync(Buffer.alloc(size), { level: 9 }));
      const r = verifyCode(bomb, { trustList, now });
      expect(r.reason).toBe('FORMAT_INVALID');
      expect(r.detail).toMatch(/zlib|too long/);
    }
    // A 64 MiB bomb that was inflated would show up here (the cap keeps it to 4 KiB).
    expect(process.memoryUsage().rss - rss0).toBeLessThan(48 * 1024 * 1024);
  });

  it('accepts exactly 4096 inflated bytes as far as the cap is concerned', () => {
    const atCap = 'PHC1:' + base45Encode(deflateSync(Buffer.alloc(MAX_INFLATED_BYTES, 0xa0)));
    const r = verifyCode(atCap, { trustList, now });
    expect(r.reason).toBe('FORMAT_INVALID');
    expect(r.detail ?? '').not.toMatch(/zlib/); // got past zlib; failed as CBOR instead
  });
});
