import { describe, expect, it } from 'vitest';
import { DOCUMENT_MASK_RULES, isValidResidentIdNumber, maskDocumentNumber, maskName, withCheckChar } from './id-number.js';

/** Characters of `masked` that still show the original's character at that position. */
function visibleCount(original: string, masked: string): number {
  const a = [...original];
  const b = [...masked];
  expect(b.length).toBe(a.length);
  return b.filter((c, i) => c !== '*' || a[i] === '*').length;
}

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
const numberOfLength = (n: number) => Array.from({ length: n }, (_, i) => ALPHABET[(i * 7 + 3) % ALPHABET.length]).join('');

describe('maskDocumentNumber', () => {
  // health-code spec §1 `dt`, plus no type and an unknown one.
  const TYPES = [...Object.keys(DOCUMENT_MASK_RULES), null, undefined, 'XX'];

  it('has a rule for every document type of the spec', () => {
    expect(Object.keys(DOCUMENT_MASK_RULES).sort()).toEqual(['CN', 'FP', 'HMT', 'PP']);
  });

  it.each(TYPES.map((t) => [String(t)] as const))('hides at least half of any number of type %s, whatever its length', (name) => {
    const type = name === 'null' ? null : name === 'undefined' ? undefined : name;
    for (let n = 0; n <= 40; n++) {
      const id = numberOfLength(n);
      const masked = maskDocumentNumber(id, type);
      expect(visibleCount(id, masked) * 2, `${type} length ${n}: ${masked}`).toBeLessThanOrEqual(n);
    }
  });

  it('masks a resident ID number (CN) keeping the region prefix and the last 4, never the birth date', () => {
    const id = withCheckChar('33010219900101123');
    expect(isValidResidentIdNumber(id)).toBe(true);
    expect(maskDocumentNumber(id, 'CN')).toBe(`3301**********${id.slice(-4)}`);
    expect(maskDocumentNumber(id, 'CN')).not.toContain('1990');
  });

  it('masks an HK/Macao/Taiwan permit number (HMT) like a resident number', () => {
    expect(maskDocumentNumber('810000199001011234', 'HMT')).toBe('8100**********1234');
  });

  it('masks both foreign permanent resident card editions (FP)', () => {
    expect(maskDocumentNumber('USA330012345678', 'FP')).toBe('USA*********678'); // 2017, 15 characters
    expect(maskDocumentNumber('933000199001011239', 'FP')).toBe('9330**********1239'); // 2023, 18 digits
  });

  it('hides six of the nine characters of a passport number (PP)', () => {
    expect(maskDocumentNumber('E12345678', 'PP')).toBe('E******78');
    expect(maskDocumentNumber('e12345678', 'pp')).toBe('e******78');
  });

  it('hides more than half of a 9-character number of no known type (a card pass number)', () => {
    expect(maskDocumentNumber('H12345678')).toBe('H1*****78');
    expect(maskDocumentNumber('H12345678', 'XX')).toBe('H1*****78');
  });

  it('hides a number too short for its type entirely or mostly', () => {
    expect(maskDocumentNumber('AB', 'CN')).toBe('A*');
    expect(maskDocumentNumber('A', 'CN')).toBe('*');
    expect(maskDocumentNumber('ABCD', 'PP')).toBe('A**D');
    expect(maskDocumentNumber('', 'PP')).toBe('');
  });
});

describe('maskName', () => {
  it('keeps the first character of a Chinese name and of each Latin word', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('John Smith')).toBe('J*** S****');
  });
});
