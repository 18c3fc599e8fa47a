// Base45, RFC 9285: the QR alphanumeric alphabet, so PHC1 symbols stay small (health-code spec §1).
// One codec for core's verifier, the code minting of the demo PKI and src/scan's synthetic frames.
// Strict decoding: any character outside the alphabet, a dangling single character, or a group whose
// value overflows (a triplet above 65535, a pair above 255) is invalid input, never a guess.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export class Base45Error extends Error {}

function valueAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const v = code < 128 ? VALUE[code]! : -1;
  if (v < 0) throw new Base45Error(`character ${JSON.stringify(text[i])} at ${i} is not Base45`);
  return v;
}

export function base45Decode(text: string): Uint8Array {
  const len = text.length;
  if (len % 3 === 1) throw new Base45Error('Base45 length leaves a single character');
  const out = new Uint8Array(Math.floor(len / 3) * 2 + (len % 3 === 2 ? 1 : 0));
  let o = 0;
  let i = 0;
  for (; i + 3 <= len; i += 3) {
    const n = valueAt(text, i) + valueAt(text, i + 1) * 45 + valueAt(text, i + 2) * 2025;
    if (n > 0xffff) throw new Base45Error(`Base45 triplet at ${i} overflows`);
    out[o++] = n >> 8;
    out[o++] = n & 0xff;
  }
  if (i < len) {
    const n = valueAt(text, i) + valueAt(text, i + 1) * 45;
    if (n > 0xff) throw new Base45Error(`Base45 pair at ${i} overflows`);
    out[o++] = n;
  }
  return out;
}

export function base45Encode(bytes: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 <= bytes.length; i += 2) {
    let n = bytes[i]! * 256 + bytes[i + 1]!;
    const c = n % 45;
    n = (n - c) / 45;
    const d = n % 45;
    const e = (n - d) / 45;
    s += ALPHABET[c]! + ALPHABET[d]! + ALPHABET[e]!;
  }
  if (i < bytes.length) {
    const n = bytes[i]!;
    s += ALPHABET[n % 45]! + ALPHABET[Math.floor(n / 45)]!;
  }
  return s;
}
