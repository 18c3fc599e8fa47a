// base64url without padding (RFC 4648 §5), as every binary field of the trust and status lists and
// the device identity uses (docs/health-code.md, "Trust list" and "Status list"). One definition for
// core, src/scan and the renderer: the pure codec below is the rule; where a Node `Buffer` exists
// (found on globalThis, never imported) it does the bulk work, because status lists run to tens of
// megabytes and the native codec is several times faster. Both paths answer alike (base64url.test.ts).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/**
 * Every UTF-16 code unit → its 6-bit value, or 0xff outside the URL-safe alphabet (64 KiB, so a
 * lookup needs no range check; OR-ing values gives 0xff exactly when one of them is invalid).
 */
const VALUE = new Uint8Array(0x10000).fill(0xff);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const CODE = new Uint8Array(64);
for (let i = 0; i < 64; i++) CODE[i] = ALPHABET.charCodeAt(i);
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

interface NativeBuffer {
  byteLength(text: string, encoding: 'utf8'): number;
  from(text: string, encoding: 'base64url'): Uint8Array;
  from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64url'): string };
}
const NATIVE = (globalThis as { Buffer?: NativeBuffer }).Buffer;

/** Encodes without padding. */
export function base64urlEncode(bytes: Uint8Array): string {
  if (NATIVE) return NATIVE.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  return pureBase64urlEncode(bytes);
}

/**
 * Decodes strictly, or null: padding, characters outside the URL-safe alphabet (standard base64's
 * `+` and `/` included), a dangling single character, and bits left over in the last character (a
 * second spelling of the same bytes) are all refused, never skipped as Node's own decoder does.
 */
export function base64urlDecode(text: string): Uint8Array | null {
  if (!NATIVE) return pureBase64urlDecode(text);
  const rest = text.length % 4;
  if (rest === 1 || !canonicalTail(text, rest)) return null;
  if (text.length < 4096) return URL_SAFE.test(text) ? plain(NATIVE.from(text, 'base64url')) : null;
  // Long texts without a regex scan: Node skips any character outside its alphabets, which always
  // shortens the output, so exactly ⌊3L/4⌋ bytes proves every character was used; `+` and `/`
  // (standard base64, which Node also accepts) are refused by a native search, and characters past
  // ASCII (Node reads only the low byte of one: '中' would pass for '-') by a native UTF-8 count.
  if (text.includes('+') || text.includes('/') || NATIVE.byteLength(text, 'utf8') !== text.length) return null;
  const bytes = NATIVE.from(text, 'base64url');
  return bytes.length === Math.floor((text.length * 3) / 4) ? plain(bytes) : null;
}

/** A plain Uint8Array view of Node's bytes (no copy), so both paths answer with the same type. */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The last character of a partial group carries no stray bits (RFC 4648 §3.5). */
function canonicalTail(text: string, rest: number): boolean {
  if (rest === 0) return true;
  const last = VALUE[text.charCodeAt(text.length - 1)]!;
  return last !== 0xff && (last & (rest === 2 ? 15 : 3)) === 0;
}

/** The codec itself, in plain JavaScript: what runs where there is no Buffer (a browser, a worker). */
export function pureBase64urlEncode(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil((bytes.length * 4) / 3));
  const whole = bytes.length - (bytes.length % 3);
  let o = 0;
  let i = 0;
  for (; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = CODE[n >> 18]!;
    out[o++] = CODE[(n >> 12) & 63]!;
    out[o++] = CODE[(n >> 6) & 63]!;
    out[o++] = CODE[n & 63]!;
  }
  if (bytes.length - whole === 1) {
    const n = bytes[i]!;
    out[o++] = CODE[n >> 2]!;
    out[o++] = CODE[(n & 3) << 4]!;
  } else if (bytes.length - whole === 2) {
    const n = (bytes[i]! << 8) | bytes[i + 1]!;
    out[o++] = CODE[n >> 10]!;
    out[o++] = CODE[(n >> 4) & 63]!;
    out[o++] = CODE[(n & 15) << 2]!;
  }
  // ASCII codes to a string a slice at a time (an argument list has a length limit).
  const parts: string[] = [];
  for (let at = 0; at < o; at += 8192) parts.push(String.fromCharCode(...out.subarray(at, Math.min(o, at + 8192))));
  return parts.join('');
}

/** See base64urlDecode: the same answers, in plain JavaScript. */
export function pureBase64urlDecode(text: string): Uint8Array | null {
  const len = text.length;
  const rest = len % 4;
  if (rest === 1) return null;
  const whole = len - rest;
  const out = new Uint8Array((whole / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  let o = 0;
  let i = 0;
  for (; i < whole; i += 4) {
    const a = VALUE[text.charCodeAt(i)]!;
    const b = VALUE[text.charCodeAt(i + 1)]!;
    const c = VALUE[text.charCodeAt(i + 2)]!;
    const d = VALUE[text.charCodeAt(i + 3)]!;
    if ((a | b | c | d) === 0xff) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (rest === 2) {
    const a = VALUE[text.charCodeAt(i)]!;
    const b = VALUE[text.charCodeAt(i + 1)]!;
    if ((a | b) === 0xff || (b & 15) !== 0) return null;
    out[o] = (a << 2) | (b >> 4);
  } else if (rest === 3) {
    const a = VALUE[text.charCodeAt(i)]!;
    const b = VALUE[text.charCodeAt(i + 1)]!;
    const c = VALUE[text.charCodeAt(i + 2)]!;
    if ((a | b | c) === 0xff || (c & 3) !== 0) return null;
    const n = (a << 10) | (b << 4) | (c >> 2);
    out[o++] = n >> 8;
    out[o] = n & 0xff;
  }
  return out;
}
