// The collector's fast document hash (docKeyer, one per stored entry) against the reference
// (docKeyOf, createHmac): a difference would file passages under a hash no trace finds.
import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { docKeyOf, docKeyer, normaliseDocumentNumber, recordDocKey } from './trace-key.js';

const numbers = [
  '110101199001011234',
  '11010119900101123x',
  'g 1234 5678',
  'G12345678',
  'ｇ１２３４５６７８', // full-width: NFKC makes it G12345678
  'e\u0301-42', // a combining accent NFKC composes
  '护照 E1234567',
  '\t a-b/c\n',
  'x'.repeat(300),
  '!~"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}',
];

describe('docKeyer', () => {
  it('gives the HMAC-SHA256 docKeyOf gives, for every kind of document number and key', () => {
    for (const key of [Buffer.alloc(32, 7), Buffer.from('c0ffee'.repeat(10) + 'c0ff', 'hex'), Buffer.alloc(64, 1), Buffer.alloc(100, 2), Buffer.alloc(5, 3)]) {
      const keyed = docKeyer(key);
      for (const n of numbers) {
        const reference = createHmac('sha256', key).update('doc:').update(normaliseDocumentNumber(n), 'utf8').digest();
        expect(docKeyOf(key, n).equals(reference), n).toBe(true);
        expect(keyed(n), `${JSON.stringify(n)} with a ${key.length}-byte key`).toBe(reference.toString('hex'));
      }
    }
    expect(docKeyer(Buffer.alloc(32, 7))('ｇ１２３４５６７８')).toBe(docKeyOf(Buffer.alloc(32, 7), 'G12345678').toString('hex'));
  });

  it('hashes a record by its documentNumber, and nothing for a record without one', () => {
    const key = Buffer.alloc(32, 9);
    const of = recordDocKey(key);
    expect(of({ documentNumber: 'g 1234 5678' })).toBe(docKeyOf(key, 'G12345678').toString('hex'));
    expect(of({ documentNumber: '' })).toBeNull();
    expect(of({ override: true })).toBeNull();
    expect(of({ documentNumber: 42 })).toBeNull();
  });
});
