// base64url without padding (RFC 4648 §5; health-code spec, notation): the native path (Node's Buffer)
// and the pure path (a browser, a worker) must give the very same answers, strict refusals included.
import { describe, expect, it } from 'vitest';
import { base64urlDecode, base64urlEncode, pureBase64urlDecode, pureBase64urlEncode } from './base64url.js';
import { mulberry32 } from './prng.js';

const paths = [
  ['native', base64urlEncode, base64urlDecode],
  ['pure', pureBase64urlEncode, pureBase64urlDecode],
] as const;

const bytesOf = (s: string) => new TextEncoder().encode(s);
const long = Buffer.alloc(30_000, 0xfb).toString('base64url'); // long enough for the native fast path, rich in - and _

describe.each(paths)('strict base64url (%s)', (_name, encode, decode) => {
  // RFC 4648 §10 test vectors, without the padding base64url omits here.
  it.each([
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ])('encodes %j as %j and back', (plain, encoded) => {
    expect(encode(bytesOf(plain))).toBe(encoded);
    expect(decode(encoded)).toEqual(new Uint8Array(bytesOf(plain)));
  });

  it('uses - and _ where standard base64 has + and /', () => {
    expect(encode(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
    expect(decode('-_-_')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
  });

  it('encodes a view at its own offset, not its whole buffer', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
    expect(encode(whole.subarray(3))).toBe('BAUG');
  });

  it('decodes short and long texts', () => {
    expect(decode('AQID')).toEqual(new Uint8Array([1, 2, 3]));
    expect(decode(long)).toEqual(new Uint8Array(Buffer.alloc(30_000, 0xfb)));
  });

  it.each([
    ['padding', (s: string) => s + '=='],
    ['standard-base64 +', (s: string) => s.slice(0, 100) + '+' + s.slice(101)],
    ['standard-base64 /', (s: string) => s.slice(0, 100) + '/' + s.slice(101)],
    ['a space', (s: string) => s.slice(0, 100) + ' ' + s.slice(101)],
    ['a foreign letter', (s: string) => s.slice(0, 100) + 'é' + s.slice(101)],
    ['a character beyond Latin-1', (s: string) => s.slice(0, 100) + '中' + s.slice(101)],
    ['a dangling character', (s: string) => s + 'A'],
  ])('refuses %s, short or long', (_what, spoil) => {
    expect(decode(spoil('AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJj'))).toBeNull();
    expect(decode(spoil(long))).toBeNull();
  });

  it('refuses a last character with stray bits (a second spelling of the same bytes)', () => {
    expect(decode('Zg')).toEqual(bytesOf('f'));
    expect(decode('Zh')).toBeNull(); // 'h' leaves a 1 in the 4 bits past the byte
    expect(decode('Zm8')).toEqual(bytesOf('fo'));
    expect(decode('Zm9')).toBeNull(); // '9' leaves a 1 in the 2 bits past the bytes
    const longTail = Buffer.alloc(30_001, 0xfb).toString('base64url'); // ends '-w': 0xfb, then 4 zero bits
    expect(decode(longTail)).toEqual(new Uint8Array(Buffer.alloc(30_001, 0xfb)));
    expect(decode(longTail.slice(0, -1) + 'x')).toBeNull();
  });
});

describe('base64url: both paths agree', () => {
  it('on random bytes of every small length and a few large ones, and on spoiled texts', () => {
    const rand = mulberry32(4648);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/= .';
    for (const len of [...Array.from({ length: 70 }, (_, i) => i), 3071, 3072, 3073, 5000, 65_537]) {
      const bytes = new Uint8Array(len).map(() => Math.floor(rand() * 256));
      const text = pureBase64urlEncode(bytes);
      expect(base64urlEncode(bytes)).toBe(text);
      expect(base64urlDecode(text)).toEqual(bytes);
      expect(pureBase64urlDecode(text)).toEqual(bytes);
      // One character swapped for any of the alphabet or a foreign one: same verdict, same bytes.
      if (len > 0) {
        const at = Math.floor(rand() * text.length);
        const spoilt = text.slice(0, at) + alphabet[Math.floor(rand() * alphabet.length)] + text.slice(at + 1);
        const native = base64urlDecode(spoilt);
        const pure = pureBase64urlDecode(spoilt);
        expect(native === null ? null : new Uint8Array(native)).toEqual(pure);
      }
    }
  });
});
