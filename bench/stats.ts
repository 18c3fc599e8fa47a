// Percentiles the benchmarks print, with a guard on the sample count: over 10 samples "p95" is the
// maximum and over 25 the second-highest, which is a different figure under the same label. A
// percentile is only computed when at least 5 samples (p95) or 10 samples (p99) lie beyond it, and
// every summary carries its sample count so a reader can judge the figure beside it.

/** Fewest samples for which each printed percentile means what its label says. */
export const MIN_SAMPLES: Readonly<Record<number, number>> = { 50: 1, 90: 50, 95: 100, 99: 1000 };

export class TooFewSamplesError extends RangeError {}

/** Nearest-rank percentile (the smallest sample with at least p% of the samples at or below it). */
export function percentile(samples: readonly number[], p: number): number {
  const min = MIN_SAMPLES[p];
  if (min === undefined) throw new RangeError(`no sample-count rule for p${p}; known: ${Object.keys(MIN_SAMPLES).join(', ')}`);
  if (samples.length < min) throw new TooFewSamplesError(`p${p} needs at least ${min} samples, got ${samples.length}`);
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(samples: readonly number[]): number {
  if (samples.length === 0) throw new TooFewSamplesError('median of no samples');
  const s = [...samples].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Summary {
  samples: number;
  medianMs: number;
  p95Ms?: number;
  p99Ms?: number;
  maxMs: number;
  /** Percentiles asked for but left out because there were too few samples for them. */
  omitted?: string[];
}

const roundTo = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * Sample count, median, max, and each of `wanted` (95, 99) that the count supports; the others are
 * named in `omitted` rather than printed over too few samples.
 */
export function summarize(samples: readonly number[], wanted: ReadonlyArray<95 | 99> = [95, 99], digits = 3): Summary {
  const out: Summary = { samples: samples.length, medianMs: roundTo(median(samples), digits), maxMs: roundTo(samples.reduce((a, b) => Math.max(a, b), -Infinity), digits) };
  const omitted: string[] = [];
  for (const p of wanted) {
    if (samples.length >= MIN_SAMPLES[p]!) out[p === 95 ? 'p95Ms' : 'p99Ms'] = roundTo(percentile(samples, p), digits);
    else omitted.push(`p${p} (needs ${MIN_SAMPLES[p]} samples)`);
  }
  if (omitted.length) out.omitted = omitted;
  return out;
}
