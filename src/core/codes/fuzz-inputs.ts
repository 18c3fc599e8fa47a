// Random and mutated health-code inputs (bit flips at every layer, truncations, extensions, random
// Base45, random text, spliced codes), drawn from a seeded PRNG so a failure reproduces. Shared by
// the verifier's fuzz test (every input gets a reason code) and the verify benchmark (how long the
// slowest input takes: timing belongs in a benchmark, never in a test).
import { deflateSync, inflateSync } from 'node:zlib';
import { base45Decode, base45Encode } from '../../base/base45.js';

const BASE45 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';

function coseOf(qr: string): Uint8Array {
  return inflateSync(base45Decode(qr.slice(5)));
}
const wrap = (cose: Uint8Array) => 'PHC1:' + base45Encode(deflateSync(cose));

/** The `i`-th bad input made from the valid codes in `seeds` (ten kinds, in turn). */
export function mutateCode(rand: () => number, i: number, seeds: readonly string[]): string {
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
