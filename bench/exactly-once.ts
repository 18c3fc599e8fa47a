// The upload benchmark's closing check: every entry the kiosk logged is on the collector exactly
// once. "Stored rows = distinct seqs ≥ acknowledged" holds even when entries are missing (a gap is
// not a duplicate) or extra; this compares with the kiosk's own count and seq range, and the
// caller walks both logs in seq order to count entries whose id differs between the two.

export interface SeqRange {
  count: number;
  minSeq: number | null;
  maxSeq: number | null;
}

export interface CollectorCounts extends SeqRange {
  distinctSeqs: number;
  distinctEntryIds: number;
}

export interface ExactlyOnceVerdict {
  exactlyOnce: boolean;
  /** What is wrong, in words (empty when exactly once). */
  problems: string[];
}

export function exactlyOnceVerdict(kiosk: SeqRange, collector: CollectorCounts, idMismatches: number): ExactlyOnceVerdict {
  const problems: string[] = [];
  if (collector.count !== kiosk.count) problems.push(`collector holds ${collector.count} entries, the kiosk logged ${kiosk.count}`);
  if (collector.distinctSeqs !== collector.count) problems.push(`${collector.count - collector.distinctSeqs} seqs stored more than once`);
  if (collector.distinctEntryIds !== collector.count) problems.push(`${collector.count - collector.distinctEntryIds} entry ids stored more than once`);
  if (collector.minSeq !== kiosk.minSeq || collector.maxSeq !== kiosk.maxSeq) {
    problems.push(`collector seqs ${collector.minSeq}..${collector.maxSeq}, kiosk seqs ${kiosk.minSeq}..${kiosk.maxSeq}`);
  }
  if (kiosk.count > 0 && kiosk.maxSeq !== null && kiosk.minSeq !== null && kiosk.maxSeq - kiosk.minSeq + 1 !== kiosk.count) {
    problems.push(`the kiosk's own seqs ${kiosk.minSeq}..${kiosk.maxSeq} have gaps (${kiosk.count} entries)`);
  }
  if (idMismatches > 0) problems.push(`${idMismatches} seqs carry a different entry id on the collector`);
  return { exactlyOnce: problems.length === 0, problems };
}

/**
 * Walks two seq-ordered (seq, id) streams side by side and counts positions where they disagree
 * (a seq on one side only, or the same seq with another id).
 */
export function countIdMismatches(kiosk: Iterable<[number, string]>, collector: Iterable<[number, string]>): number {
  const a = kiosk[Symbol.iterator]();
  const b = collector[Symbol.iterator]();
  let x = a.next();
  let y = b.next();
  let mismatches = 0;
  while (!x.done || !y.done) {
    if (x.done) {
      mismatches++;
      y = b.next();
    } else if (y.done) {
      mismatches++;
      x = a.next();
    } else if (x.value[0] === y.value[0]) {
      if (x.value[1] !== y.value[1]) mismatches++;
      x = a.next();
      y = b.next();
    } else if (x.value[0] < y.value[0]) {
      mismatches++;
      x = a.next();
    } else {
      mismatches++;
      y = b.next();
    }
  }
  return mismatches;
}
