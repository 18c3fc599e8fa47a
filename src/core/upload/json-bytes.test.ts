// parseJsonBytes against JSON.parse: the same value for every text JSON.parse reads, and a refusal
// for every text it refuses. Small cut sizes make the cutting run on small texts, so thousands of
// generated and damaged ones are cheap.
import { describe, expect, it } from 'vitest';
import { deflateSync, inflateSync } from 'node:zlib';
import { parseJsonBytes } from './json-bytes.js';
import { mulberry32 as random } from '../../base/prng.js';
import { decodeBatch, encodeBatch, toBatchBody, type UploadEntry } from './protocol.js';

const TRICKY_STRINGS = ['', 'a,b', '[1,2]', '{"x":[', '\\', '"', '\\"],', '王小明', '😷', '\n\t', '\u2028', 'entries', '__proto__'];

function value(r: () => number, depth: number): unknown {
  const kind = Math.floor(r() * (depth > 3 ? 4 : 7));
  switch (kind) {
    case 0:
      return Math.floor(r() * 1e6) / (r() < 0.5 ? 1 : 7);
    case 1:
      return TRICKY_STRINGS[Math.floor(r() * TRICKY_STRINGS.length)]! + String(Math.floor(r() * 100));
    case 2:
      return [null, true, false][Math.floor(r() * 3)];
    case 3:
      return -Math.floor(r() * 1e3);
    case 4:
    case 5:
      return Array.from({ length: Math.floor(r() * 6) }, () => value(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(r() * 5); i > 0; i--) o[TRICKY_STRINGS[Math.floor(r() * TRICKY_STRINGS.length)]! + i] = value(r, depth + 1);
      return o;
    }
  }
}

/** A text with a top-level object holding arrays of many elements, written compact or spaced. */
function document(r: () => number): string {
  const o: Record<string, unknown> = { v: 1, kioskId: 'k' };
  for (let m = 1 + Math.floor(r() * 3); m > 0; m--) o[`list${m}`] = Array.from({ length: Math.floor(r() * 40) }, () => value(r, 1));
  o.tail = value(r, 1);
  return r() < 0.5 ? JSON.stringify(o) : JSON.stringify(o, null, r() < 0.5 ? 2 : '\t');
}

/** The same text damaged: a byte removed, a structural byte put in, or two bytes swapped. */
function damaged(r: () => number, text: string): string {
  const at = Math.floor(r() * text.length);
  const choice = r();
  if (choice < 0.4) return text.slice(0, at) + text.slice(at + 1);
  if (choice < 0.8) return text.slice(0, at) + ',[]{}":\\ 1'[Math.floor(r() * 11)]! + text.slice(at);
  return text.slice(0, at) + text[at + 1] + text[at] + text.slice(at + 2);
}

function outcome(run: () => unknown): { value: unknown } | { refused: true } {
  try {
    return { value: run() };
  } catch (err) {
    expect(err).toBeInstanceOf(SyntaxError);
    return { refused: true };
  }
}

function expectSameAsJsonParse(text: string, pieceBytes: number, oneStringBytes: number): void {
  // Against the decoded bytes, not `text`: damage may split a surrogate pair, which UTF-8 cannot carry.
  const bytes = Buffer.from(text, 'utf8');
  expect(outcome(() => parseJsonBytes(bytes, pieceBytes, oneStringBytes)), text).toEqual(outcome(() => JSON.parse(bytes.toString('utf8'))));
}

describe('parseJsonBytes', () => {
  it('gives what JSON.parse gives for generated texts, cut at every size', () => {
    const r = random(1);
    for (let i = 0; i < 1500; i++) expectSameAsJsonParse(document(r), 1 + Math.floor(r() * 200), Math.floor(r() * 64));
  });

  it('refuses what JSON.parse refuses, and reads what it reads, for damaged texts', () => {
    const r = random(2);
    let refused = 0;
    for (let i = 0; i < 4000; i++) {
      const text = damaged(r, document(r));
      expectSameAsJsonParse(text, 1 + Math.floor(r() * 200), 0);
      if (!('value' in outcome(() => JSON.parse(text)))) refused++;
    }
    // Most damage makes the text unreadable: the refusal path is exercised, not only the happy one.
    expect(refused).toBeGreaterThan(2000);
  });

  it('is JSON.parse on the texts its cutting would get wrong', () => {
    const cases = [
      '{"a":[1,2,3],"a":[4]}', // a repeated key: the last value wins
      '{"a":[4],"a":[1,2,3]}',
      '{"a":[1,2],"\\u0061":[3,4,5]}', // the same key written two ways
      '{"__proto__":[1,2,3]}',
      '{"a":[1,,2]}',
      '{"a":[1,2,]}',
      '{"a":[,1]}',
      '{"a":[ ]}',
      '{"a":[1,2]} {"b":1}',
      '{"a":[1,2]}}',
      '{"a":[1,2}]',
      '{"a":[1,2]',
      '{"a":"unterminated',
      '{"a":["x\\\\",",",2]}', // an escaped backslash before a closing quote
      '{"a":["x\\",",2]}',
      '[1,2,3]',
      ' \n{"a":[[1,2],[3,[4,5]],{"b":[6]}]}\n ',
      '\ufeff{"a":[1,2]}',
    ];
    for (const text of cases) for (const piece of [1, 2, 5]) expectSameAsJsonParse(text, piece, 0);
    expect(Object.getPrototypeOf(parseJsonBytes(Buffer.from('{"__proto__":[1,2,3]}'), 1, 0))).toBe(Object.prototype);
  });

  it('reads bytes that are not UTF-8 as JSON.parse of their decoded text does', () => {
    const texts = [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x5b, 0x22, 0xe4, 0xb8, 0x22, 0x2c, 0x31, 0x5d, 0x7d]), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x5b, 0x31, 0xe4, 0xb8, 0x2c, 0x32, 0x5d, 0x7d])];
    for (const bytes of texts) {
      expect(outcome(() => parseJsonBytes(bytes, 1, 0))).toEqual(outcome(() => JSON.parse(bytes.toString('utf8'))));
    }
  });
});

describe('decodeBatch on a large batch', () => {
  it('gives back every entry of a batch that inflates past the one-string size', () => {
    const entries: UploadEntry[] = Array.from({ length: 1000 }, (_, i) => ({
      seq: i + 1,
      entryId: `e-${i}`,
      at: 1_780_000_000_000 + i,
      record: { holderName: i % 3 ? `Person ${i}` : '王小明 "quoted", [bracketed]', documentNumber: `110101199001011${String(i).padStart(3, '0')}`, decision: 'admit', nested: { list: [i, 'x,y'] } },
    }));
    const body = toBatchBody('0123456789abcdef', 'b-1', entries, 0);
    const deflated = encodeBatch(body);
    expect(inflateSync(deflated).length).toBeGreaterThan(128 * 1024);
    expect(decodeBatch(deflated, 16 * 1024 * 1024)).toEqual(body);
  });

  it('refuses a large batch whose JSON is damaged past the cut, as it refuses a small one', () => {
    const entries: UploadEntry[] = Array.from({ length: 1000 }, (_, i) => ({ seq: i + 1, entryId: `e-${i}`, at: 1_780_000_000_000 + i, record: { holderName: `Person ${i}` } }));
    const text = JSON.stringify(toBatchBody('0123456789abcdef', 'b-1', entries, 0));
    const broken = text.slice(0, text.length - 40) + ',' + text.slice(text.length - 40);
    expect(() => decodeBatch(deflateSync(Buffer.from(broken)), 16 * 1024 * 1024)).toThrow(/not JSON/);
  });
});
