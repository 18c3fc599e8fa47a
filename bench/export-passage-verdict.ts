// The verdict of the export-passage benchmark (bench/export-passage.bench.ts): the door must keep
// deciding while an export runs, so a passage's p95 during a large export may be at most TARGET×
// its p95 when the kiosk is idle (docs/security.md "Exports": the export runs in its own process).
import { TooFewSamplesError, summarize, type Summary } from './stats.js';

/** Largest p95 ratio (during export / idle) that still meets the target. */
export const EXPORT_PASSAGE_TARGET_RATIO = 1.5;

export interface ExportPassageVerdict {
  idle: Summary;
  duringExport: Summary;
  /** p95 during the export over p95 idle, to 2 decimals. */
  ratioP95: number;
  targetRatio: number;
  meetsTarget: boolean;
}

/**
 * Summaries of both series and their p95 ratio. Throws (stats.ts TooFewSamplesError) when either
 * series has too few samples for a p95 that means what it says; a zero idle p95 is refused too, as
 * a ratio over it says nothing.
 */
export function exportPassageVerdict(idleMs: readonly number[], duringMs: readonly number[], targetRatio = EXPORT_PASSAGE_TARGET_RATIO): ExportPassageVerdict {
  const idle = summarize(idleMs, [95]);
  const duringExport = summarize(duringMs, [95]);
  if (idle.p95Ms === undefined || duringExport.p95Ms === undefined) {
    throw new TooFewSamplesError(`a p95 needs more samples: idle ${idleMs.length}, during export ${duringMs.length}`);
  }
  if (!(idle.p95Ms > 0)) throw new RangeError(`idle p95 is ${idle.p95Ms} ms: no ratio over it`);
  const ratio = duringExport.p95Ms / idle.p95Ms;
  return { idle, duringExport, ratioP95: Math.round(ratio * 100) / 100, targetRatio, meetsTarget: ratio <= targetRatio };
}
