// Base45 as PHC1 codes use it (health-code spec §1): the RFC 9285 examples, strict refusals, round trips.
import { describe, expect, it } from 'vitest';
import { base45Decode, base45Encode, Base45Error } from './base45.js';

// RFC 9285 §4.3 and §4.4 examples.
const examples: [string, string][] = [
  ['AB', 'BB8'],
  ['Hello!!', '%69 VD92EX0'],
  ['base-45', 'UJCLQE7W581'],
  ['ietf!', 'QED8WEX0'],
];

describe('Base45 (RFC 9285)', () => {
  it.each(examples)('encodes %j as %j and back', (plain, encoded) => {
    expect(base45Encode(Buffer.from(plain))).toBe(encoded);
    expect(Buffer.from(base45Decode(encoded)).toString()).toBe(plain);
  });
  it('refuses characters outside the alphabet, including lower case', () => {
    expect(() => base45Decode('bb8')).toThrow(Base45Error);
    expect(() => base45Decode('BB#')).toThrow(Base45Error);
    expect(() => base45Decode('BB\u00e9')).toThrow(Base45Error);
  });
  it('refuses a dangling single character and overflowing groups', () => {
    expect(() => base45Decode('BB8A')).toThrow(/single/);
    expect(() => base45Decode(':::')).toThrow(/overflow/); // 44 + 44·45 + 44·2025 > 65535
    expect(() => base45Decode('::')).toThrow(/overflow/); // 44 + 44·45 > 255
  });
  it('round-trips random bytes of every small length', () => {
    for (let len = 0; len < 64; len++) {
      const bytes = new Uint8Array(len).map((_, i) => (i * 97 + len * 31) & 0xff);
      expect(base45Decode(base45Encode(bytes))).toEqual(bytes);
    }
  });
});
