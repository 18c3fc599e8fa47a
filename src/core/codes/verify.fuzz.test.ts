// Bad input: at least 100,000 random and mutated inputs — bit flips at every layer,
// truncations, extensions of valid codes, random Base45, huge inputs, compression bombs. Each must
// come back with a reason code: none may throw, hang, or inflate past the 4096-byte cap.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { VERIFY_REASONS } from '../../contract/reasons.js';
import { mulberry32 } from '../../base/prng.js';
import { base45Encode } from '../../base/base45.js';
import { mutateCode } from './fuzz-inputs.js';
import { parseVectors } from './conformance.js';
import { installTrustList } from './lists.js';
import { MAX_INFLATED_BYTES, verifyCode } from './verify.js';

const vectors = parseVectors(JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'spec', 'vectors', 'vectors.json'), 'utf8')));
const installed = installTrustList(vectors.trustList, vectors.roots, null);
if (!installed.accepted) throw new Error('vectors trust list refused');
const trustList = installed.list;
const now = vectors.codes[0]!.now;
const seeds = vectors.codes.filter((c) => c.expect.authentic).map((c) => c.qr);

const reasons = new Set<string>(VERIFY_REASONS);

describe('verifier under bad input', () => {
  it('returns a reason code for 100,000 random and mutated inputs, never throwing or hanging', () => {
    const rand = mulberry32(0x5eed); // deterministic, so a failure reproduces
    const seen = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      const input = mutateCode(rand, i, seeds);
      const r = verifyCode(input, { trustList, now });
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
    // How long the slowest input takes is measured by `npm run bench -- verify` (badInputs), not
    // asserted here; a hang still fails this test through the test timeout.
  });

  it('refuses huge inputs and compression bombs without inflating past the cap', () => {
    // The inputs are made first: the 64 MiB of zeros deflated here is the test's own memory, not the
    // verifier's, and must not count in what the cap is measured by.
    const huge = 'PHC1:' + '0'.repeat(3 * 1024 * 1024);
    const bombs = [MAX_INFLATED_BYTES + 1, 64 * 1024, 64 * 1024 * 1024].map((size) => 'PHC1:' + base45Encode(deflateSync(Buffer.alloc(size), { level: 9 })));
    const rss0 = process.memoryUsage().rss;
    expect(verifyCode(huge, { trustList, now }).reason).toBe('FORMAT_INVALID');
    for (const bomb of bombs) {
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
