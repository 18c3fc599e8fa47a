// The soak benchmark's pure parts: which passage the door sees next, whether a process stayed flat,
// and whether the run meets its target (in the README's terms: every passage decided
// and on screen, one SQLite entry per passage, memory and open files flat after warm-up).
import type { Decision } from '../src/contract/reasons.js';

export type PassageKind = 'code' | 'card+code' | 'card';

export interface PlannedPassage {
  kind: PassageKind;
  /** Demo person (src/core/demo/people.ts) whose code and/or card is presented. */
  person: string;
  /** What the thermometer simulator reads for this person (°C). */
  temperatureC: number;
  /** What the kiosk must decide (policy spec §4 with the demo's lists). */
  expected: Decision;
}

/**
 * Passage `i` of a soak: mostly code-only passages through the serial scanner, every fifth a card
 * then a code (one passage, matched), every tenth a red code (deny), every 25th a card alone (it
 * waits out the collect window for a code). Consecutive temperatures differ by 0.9 °C, and both
 * differ from the demo's standing reading (36.5 °C) by more than the thermometer's stable spread
 * (0.3 °C, devices config), so the driver reports each person's reading afresh (it reports a value
 * again only when it moves by more than the spread): a decision consumes the reading it used
 * (docs/door-passage.md), and the next person is measured anew. A card is never presented in two consecutive passages, so its removal is seen first.
 */
export function planPassage(i: number): PlannedPassage {
  const temperatureC = i % 2 === 0 ? 36.0 : 36.9;
  if (i % 25 === 24) return { kind: 'card', person: 'grandma', temperatureC, expected: 'admit' };
  if (i % 10 === 7) return { kind: 'code', person: 'wangwu', temperatureC, expected: 'deny' };
  if (i % 5 === 2) return { kind: 'card+code', person: 'lisi', temperatureC, expected: 'admit' };
  return { kind: 'code', person: i % 2 === 0 ? 'zhangsan' : 'lisi', temperatureC, expected: 'admit' };
}

/** One look at a process: resident memory and open file descriptors (from /proc). */
export interface ResourceReading {
  rssKiB: number;
  fds: number;
}

export interface Growth {
  /** Median of the readings after warm-up and at the end. */
  afterWarmUp: number;
  atEnd: number;
  /** (end − after warm-up) / after warm-up, rounded to 0.1 %; may be negative. */
  growthPercent: number;
  flat: boolean;
}

function medianOf(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('no readings');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Flat means at most `limitPercent` growth from after warm-up to the end. Each phase is the median
 * of a few readings, so one reading taken in the middle of a garbage collection does not decide it.
 */
export function growthOf(afterWarmUp: readonly number[], atEnd: readonly number[], limitPercent = 10): Growth {
  const w = medianOf(afterWarmUp);
  const e = medianOf(atEnd);
  if (!(w > 0)) throw new RangeError(`a reading after warm-up must be positive, got ${w}`);
  const growthPercent = Math.round(((e - w) / w) * 1000) / 10;
  return { afterWarmUp: w, atEnd: e, growthPercent, flat: (e - w) / w <= limitPercent / 100 };
}

export interface ProcessPhases {
  start: ResourceReading[];
  afterWarmUp: ResourceReading[];
  atEnd: ResourceReading[];
}

export interface ProcessFlatness {
  rssKiB: Growth & { atStart: number };
  fds: Growth & { atStart: number };
}

export function flatnessOf(phases: ProcessPhases, limitPercent = 10): ProcessFlatness {
  const pick = (key: keyof ResourceReading) => ({
    atStart: medianOf(phases.start.map((r) => r[key])),
    ...growthOf(
      phases.afterWarmUp.map((r) => r[key]),
      phases.atEnd.map((r) => r[key]),
      limitPercent,
    ),
  });
  return { rssKiB: pick('rssKiB'), fds: pick('fds') };
}

export interface SoakOutcome {
  passages: number;
  /** Passages whose verdict never appeared on screen. */
  decisionsMissed: number;
  /** Passages shown with a decision other than the planned one. */
  wrongDecisions: number;
  /** Entries in the SQLite entry log at the end (the log started empty). */
  entries: number;
  /** Distinct entry ids the screen showed for the planned passages. */
  entryIdsShown: number;
  /** Verdicts shown that belong to no planned passage (e.g. a code that arrived in two pieces). */
  unplannedVerdicts: number;
  processes: Record<string, ProcessFlatness>;
}

export function soakVerdict(o: SoakOutcome): { meetsTarget: boolean; failures: string[] } {
  const failures: string[] = [];
  if (o.passages <= 0) failures.push('no passages were driven');
  if (o.decisionsMissed > 0) failures.push(`${o.decisionsMissed} passages never showed a decision`);
  if (o.wrongDecisions > 0) failures.push(`${o.wrongDecisions} passages showed a decision other than the planned one`);
  if (o.unplannedVerdicts > 0) failures.push(`${o.unplannedVerdicts} verdicts shown for no planned passage`);
  if (o.entries !== o.passages) failures.push(`${o.entries} entries in SQLite for ${o.passages} passages`);
  if (o.entryIdsShown !== o.passages) failures.push(`${o.entryIdsShown} distinct entry ids on screen for ${o.passages} passages`);
  for (const [name, p] of Object.entries(o.processes)) {
    for (const key of ['rssKiB', 'fds'] as const) {
      const g = p[key];
      if (!g.flat) failures.push(`${name} ${key} grew ${g.growthPercent}% after warm-up (${g.afterWarmUp} → ${g.atEnd})`);
    }
  }
  return { meetsTarget: failures.length === 0, failures };
}
