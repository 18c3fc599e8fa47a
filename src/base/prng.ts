// The seeded PRNG every reproducible thing shares: synthetic passages (`kiosk log seed`), the scan
// corpus's frames, fuzz inputs and benchmarks. Same seed, same sequence, in Node and in a browser.

/**
 * mulberry32: 32 bits of state, fast, and good enough for test data and images (not for secrets:
 * keys, tokens and nonces come from the platform's CSPRNG). Returns floats in [0, 1).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
