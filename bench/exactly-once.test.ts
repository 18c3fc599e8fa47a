import { describe, expect, it } from 'vitest';
import { countIdMismatches, exactlyOnceVerdict } from './exactly-once.js';

const kiosk = { count: 100, minSeq: 1, maxSeq: 100 };
const full = { ...kiosk, distinctSeqs: 100, distinctEntryIds: 100 };

describe('exactlyOnceVerdict', () => {
  it('passes when the collector holds the kiosk\'s entries, each once, same range, same ids', () => {
    expect(exactlyOnceVerdict(kiosk, full, 0)).toEqual({ exactlyOnce: true, problems: [] });
  });

  it('fails when entries are missing even though stored = distinct (the old check passed this)', () => {
    const v = exactlyOnceVerdict(kiosk, { count: 90, minSeq: 1, maxSeq: 90, distinctSeqs: 90, distinctEntryIds: 90 }, 10);
    expect(v.exactlyOnce).toBe(false);
    expect(v.problems.join('; ')).toMatch(/holds 90 entries, the kiosk logged 100/);
  });

  it('fails on a seq stored twice, on a range that does not match, and on a different id', () => {
    expect(exactlyOnceVerdict(kiosk, { ...full, distinctSeqs: 99 }, 0).exactlyOnce).toBe(false);
    expect(exactlyOnceVerdict(kiosk, { ...full, distinctEntryIds: 99 }, 0).exactlyOnce).toBe(false);
    expect(exactlyOnceVerdict(kiosk, { ...full, minSeq: 2, maxSeq: 101 }, 0).exactlyOnce).toBe(false);
    expect(exactlyOnceVerdict(kiosk, full, 1).exactlyOnce).toBe(false);
  });
});

describe('countIdMismatches', () => {
  const pairs = (n: number): Array<[number, string]> => Array.from({ length: n }, (_, i) => [i + 1, `id-${i + 1}`]);

  it('is zero for identical streams', () => {
    expect(countIdMismatches(pairs(50), pairs(50))).toBe(0);
  });

  it('counts a seq on one side only and a seq with another id', () => {
    const c = pairs(50).filter(([s]) => s !== 7);
    c[10] = [c[10]![0], 'other'];
    expect(countIdMismatches(pairs(50), c)).toBe(2);
    expect(countIdMismatches(pairs(3), [...pairs(3), [4, 'extra']])).toBe(1);
  });
});
