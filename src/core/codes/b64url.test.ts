import { describe, expect, it } from 'vitest';
import { b64urlDecode, b64urlEncode } from './b64url.js';

describe('strict base64url', () => {
  const long = b64urlEncode(Buffer.alloc(30_000, 0xfb)); // long enough for the fast path, rich in - and _
  it('decodes short and long texts', () => {
    expect(b64urlDecode('AQID')).toEqual(Buffer.from([1, 2, 3]));
    expect(b64urlDecode(long)).toEqual(Buffer.alloc(30_000, 0xfb));
  });
  it.each([
    ['padding', (s: string) => s + '=='],
    ['standard-base64 +', (s: string) => s.slice(0, 100) + '+' + s.slice(101)],
    ['standard-base64 /', (s: string) => s.slice(0, 100) + '/' + s.slice(101)],
    ['a space', (s: string) => s.slice(0, 100) + ' ' + s.slice(101)],
    ['a foreign letter', (s: string) => s.slice(0, 100) + 'é' + s.slice(101)],
    ['a dangling character', (s: string) => s + 'A'],
  ])('refuses %s, short or long', (_what, spoil) => {
    expect(b64urlDecode(spoil('AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4_QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl9gYWJj'))).toBeNull();
    expect(b64urlDecode(spoil(long))).toBeNull();
  });
});
