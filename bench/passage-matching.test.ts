import { describe, expect, it } from 'vitest';
import { matchPassages, scanVerdict, type Appearance, type ShownResult } from './passage-matching.js';

/** Appearances every 1000 ms, alternating tags 0 and 1 (the benchmark's clip). */
const clip = (n: number): Appearance[] => Array.from({ length: n }, (_, i) => ({ t: i * 1000, tag: i % 2 }));
const fast = (apps: Appearance[], ms = 40): ShownResult[] => apps.map((a) => ({ t: a.t + ms, tag: a.tag }));

describe('matchPassages', () => {
  it('credits each result to the appearance of its own code', () => {
    const apps = clip(4);
    const m = matchPassages(apps, fast(apps), 4);
    expect(m).toEqual({ passages: 4, latenciesMs: [40, 40, 40, 40], misses: 0, unattributed: 0 });
  });

  it('keeps a slow result (1.3 s) in the figures and credits it to its own code, not the code shown since', () => {
    const apps = clip(4);
    const results = fast(apps);
    results[0] = { t: 1300, tag: 0 }; // code 0 appeared at 0; code 1 appeared at 1000
    const m = matchPassages(apps, results, 4);
    expect(m.latenciesMs).toEqual([1300, 40, 40, 40]);
    expect(m.misses).toBe(0);
  });

  it('counts an appearance without a result as a miss', () => {
    const apps = clip(6);
    const results = fast(apps).filter((_, i) => i !== 2);
    expect(matchPassages(apps, results, 6)).toMatchObject({ passages: 6, misses: 1, latenciesMs: [40, 40, 40, 40, 40] });
  });

  it('a result later than the next appearance of its code goes to that one and the earlier one is a miss', () => {
    const apps = clip(4);
    const results: ShownResult[] = [{ t: 2100, tag: 0 }, { t: 1040, tag: 1 }, { t: 3040, tag: 1 }];
    expect(matchPassages(apps, results, 4)).toMatchObject({ misses: 1, latenciesMs: [40, 100, 40] });
  });

  it('ignores results from before the first appearance and counts later strays as unattributed', () => {
    const apps = clip(2).map((a) => ({ ...a, t: a.t + 500 }));
    const results: ShownResult[] = [{ t: 100, tag: 1 }, ...fast(apps), { t: 1600, tag: null }, { t: 1700, tag: 1 }];
    expect(matchPassages(apps, results, 2)).toMatchObject({ misses: 0, unattributed: 2 });
  });

  it('evaluates only the first `passages` appearances', () => {
    const apps = clip(10);
    expect(matchPassages(apps, fast(apps).slice(0, 3), 3)).toMatchObject({ passages: 3, misses: 0 });
  });
});

describe('scanVerdict', () => {
  const ok = { passages: 100, latenciesMs: Array<number>(100).fill(50), misses: 0, unattributed: 0 };

  it('meets the target with 100 fast passages', () => {
    expect(scanVerdict(ok, 250, 100)).toMatchObject({ meetsTarget: true, p95Ms: 50, failures: [] });
  });

  it('one miss fails the target even when every result was fast', () => {
    const v = scanVerdict({ ...ok, latenciesMs: ok.latenciesMs.slice(1), misses: 1 }, 250, 100);
    expect(v.meetsTarget).toBe(false);
    expect(v.p95Ms).toBe(50);
  });

  it('misses rank slowest in the p95: six misses in 100 make the p95 a miss', () => {
    const v = scanVerdict({ ...ok, latenciesMs: ok.latenciesMs.slice(6), misses: 6 }, 250, 100);
    expect(v.p95Ms).toBeNull();
    expect(v.meetsTarget).toBe(false);
  });

  it('a slow tail fails it', () => {
    const slow = [...ok.latenciesMs.slice(10), ...Array<number>(10).fill(900)];
    expect(scanVerdict({ ...ok, latenciesMs: slow }, 250, 100)).toMatchObject({ meetsTarget: false, p95Ms: 900 });
  });

  it('enforces the sample size: fewer passages than asked fail, and fewer than a p95 needs cannot be asked', () => {
    expect(scanVerdict({ ...ok, passages: 40, latenciesMs: ok.latenciesMs.slice(60) }, 250, 100)).toMatchObject({ meetsTarget: false, p95Ms: null });
    expect(() => scanVerdict(ok, 250, 30)).toThrow(/at least 100/);
  });

  it('an unattributed result fails it', () => {
    expect(scanVerdict({ ...ok, unattributed: 1 }, 250, 100).meetsTarget).toBe(false);
  });
});
