// Scan-to-decision passages for the scan benchmark: which result on screen belongs to which code
// appearance in the camera clip, and whether the run meets its target. Every appearance is a passage:
// one with no result is a miss, never dropped, so a slow tail cannot leave the figures by arriving
// late. The clip shows two codes in turn (tag 0 and tag 1, read from marker corners by the page probe);
// a result is credited to an appearance of the code it decoded, never to the other code's.
import { MIN_SAMPLES, percentile } from './stats.js';

export interface Appearance {
  /** Page clock (ms) of the first frame showing the code. */
  t: number;
  /** Which of the clip's codes it is. */
  tag: number;
}

export interface ShownResult {
  /** Page clock (ms) of the first animation frame with the result on screen. */
  t: number;
  /** The code the result is for (null: a result for neither code). */
  tag: number | null;
}

export interface PassageMatch {
  /** Appearances evaluated (the first `passages` of the run). */
  passages: number;
  /** Latency of each evaluated appearance that produced a result, in appearance order. */
  latenciesMs: number[];
  /** Evaluated appearances that produced no result. */
  misses: number;
  /** Results after the first evaluated appearance that match no appearance of their code. */
  unattributed: number;
}

/**
 * Matches results to the first `passages` appearances. A result goes to the most recent appearance
 * of its own code that began before it and after the one its code last matched; appearances of that
 * code it passes over are misses. An appearance's result can therefore be measured up to the time the
 * same code appears again (one clip cycle); a result later than that is credited to the next
 * appearance and the earlier one counts as a miss, which fails the target either way.
 */
export function matchPassages(appearances: readonly Appearance[], results: readonly ShownResult[], passages: number): PassageMatch {
  const evaluated = appearances.slice(0, passages);
  const start = evaluated[0]?.t ?? Infinity;
  const matchedAt = new Map<number, number>(); // appearance index → latency
  const lastMatched = new Map<number, number>(); // tag → appearance index
  let unattributed = 0;
  for (const r of [...results].sort((a, b) => a.t - b.t)) {
    // Before the first evaluated appearance: a result for a code shown before the probe looked.
    if (r.t < start) continue;
    let pick = -1;
    if (r.tag !== null) {
      const after = lastMatched.get(r.tag) ?? -1;
      for (let i = appearances.length - 1; i > after; i--) {
        const a = appearances[i]!;
        if (a.tag === r.tag && a.t <= r.t) {
          pick = i;
          break;
        }
      }
    }
    if (pick < 0) {
      unattributed++;
      continue;
    }
    lastMatched.set(r.tag!, pick);
    if (pick < evaluated.length) matchedAt.set(pick, r.t - appearances[pick]!.t);
  }
  const latenciesMs: number[] = [];
  for (let i = 0; i < evaluated.length; i++) {
    const ms = matchedAt.get(i);
    if (ms !== undefined) latenciesMs.push(ms);
  }
  return { passages: evaluated.length, latenciesMs, misses: evaluated.length - latenciesMs.length, unattributed };
}

export interface ScanVerdict {
  passages: number;
  misses: number;
  unattributed: number;
  /** p95 over every passage, a miss ranking slower than any result (null: the p95 passage was a miss). */
  p95Ms: number | null;
  meetsTarget: boolean;
  /** Why the target is not met (empty when it is). */
  failures: string[];
}

/**
 * The target: p95 ≤ targetP95Ms over at least minPassages passages, with no miss and no result the
 * run cannot attribute. The p95 counts misses as infinitely slow, so misses above 5% show as null.
 */
export function scanVerdict(match: PassageMatch, targetP95Ms: number, minPassages: number): ScanVerdict {
  const failures: string[] = [];
  if (minPassages < MIN_SAMPLES[95]!) throw new RangeError(`a p95 needs at least ${MIN_SAMPLES[95]} passages, asked for ${minPassages}`);
  let p95: number | null = null;
  if (match.passages < minPassages) failures.push(`only ${match.passages} passages observed, ${minPassages} needed`);
  else {
    const all = [...match.latenciesMs, ...Array<number>(match.misses).fill(Infinity)];
    const v = percentile(all, 95);
    p95 = Number.isFinite(v) ? v : null;
  }
  if (match.misses > 0) failures.push(`${match.misses} appearances produced no result`);
  if (match.unattributed > 0) failures.push(`${match.unattributed} results matched no appearance of their code`);
  if (p95 !== null && p95 > targetP95Ms) failures.push(`p95 ${p95.toFixed(1)} ms > ${targetP95Ms} ms`);
  if (p95 === null && match.passages >= minPassages) failures.push('the p95 passage was a miss');
  return { passages: match.passages, misses: match.misses, unattributed: match.unattributed, p95Ms: p95, meetsTarget: failures.length === 0, failures };
}
