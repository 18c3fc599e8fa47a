import { describe, expect, it } from 'vitest';
import { MIN_SAMPLES, TooFewSamplesError, median, percentile, summarize } from './stats.js';

const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe('percentile with a sample-count guard', () => {
  it('refuses p95 over fewer than 100 samples and p99 over fewer than 1000', () => {
    expect(() => percentile(oneTo(10), 95)).toThrow(TooFewSamplesError);
    expect(() => percentile(oneTo(99), 95)).toThrow(TooFewSamplesError);
    expect(() => percentile(oneTo(999), 99)).toThrow(TooFewSamplesError);
    expect(MIN_SAMPLES[95]).toBe(100);
    expect(MIN_SAMPLES[99]).toBe(1000);
  });

  it('is the nearest rank: p95 of 1..100 is 95 (not the maximum), p99 of 1..1000 is 990', () => {
    expect(percentile(oneTo(100).reverse(), 95)).toBe(95);
    expect(percentile(oneTo(1000), 99)).toBe(990);
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });

  it('rejects a percentile it has no rule for', () => {
    expect(() => percentile(oneTo(10_000), 97)).toThrow(/no sample-count rule/);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(TooFewSamplesError);
  });
});

describe('summarize', () => {
  it('prints the sample count beside the percentiles and omits those the count cannot carry', () => {
    expect(summarize(oneTo(25))).toEqual({ samples: 25, medianMs: 13, maxMs: 25, omitted: ['p95 (needs 100 samples)', 'p99 (needs 1000 samples)'] });
    const s = summarize(oneTo(1000));
    expect(s).toEqual({ samples: 1000, medianMs: 500.5, maxMs: 1000, p95Ms: 950, p99Ms: 990 });
  });

  it('handles a sample set too large to spread into Math.max', () => {
    expect(summarize(oneTo(200_000), [99]).maxMs).toBe(200_000);
  });
});
