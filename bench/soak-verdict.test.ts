import { describe, expect, it } from 'vitest';
import { DEMO_BODY_TEMPERATURE_C } from '../src/app/compose.js';
import { ThermometerConfigSchema } from '../src/core/devices/config.js';
import { flatnessOf, growthOf, planPassage, soakVerdict, type ProcessFlatness, type SoakOutcome } from './soak-verdict.js';

const flat = (): ProcessFlatness => flatnessOf({
  start: [{ rssKiB: 90_000, fds: 40 }],
  afterWarmUp: [{ rssKiB: 100_000, fds: 50 }],
  atEnd: [{ rssKiB: 105_000, fds: 50 }],
});

const good = (over: Partial<SoakOutcome> = {}): SoakOutcome => ({
  passages: 2000,
  decisionsMissed: 0,
  wrongDecisions: 0,
  entries: 2000,
  entryIdsShown: 2000,
  unplannedVerdicts: 0,
  processes: { core: flat(), renderer: flat() },
  ...over,
});

describe('growth after warm-up', () => {
  it('is flat at exactly 10 % and not flat just above it', () => {
    expect(growthOf([100], [110]).flat).toBe(true);
    expect(growthOf([100], [110.1]).flat).toBe(false);
    expect(growthOf([100], [110.1]).growthPercent).toBe(10.1);
  });

  it('uses the median of each phase, so one reading in the middle of a collection does not decide it', () => {
    const g = growthOf([100, 100, 300], [105, 400, 104]);
    expect(g.afterWarmUp).toBe(100);
    expect(g.atEnd).toBe(105);
    expect(g.flat).toBe(true);
    expect(growthOf([100, 101, 99], [120, 121, 119]).flat).toBe(false);
  });

  it('counts shrinking as flat and refuses a phase with no readings', () => {
    expect(growthOf([100], [50]).flat).toBe(true);
    expect(growthOf([100], [50]).growthPercent).toBe(-50);
    expect(() => growthOf([], [1])).toThrow(RangeError);
    expect(() => growthOf([0], [1])).toThrow(RangeError);
  });

  it('judges memory and open files of a process separately', () => {
    const f = flatnessOf({ start: [{ rssKiB: 1, fds: 10 }], afterWarmUp: [{ rssKiB: 100, fds: 20 }], atEnd: [{ rssKiB: 100, fds: 23 }] });
    expect(f.rssKiB.flat).toBe(true);
    expect(f.fds.flat).toBe(false);
    expect(f.fds.atStart).toBe(10);
  });
});

describe('soak verdict', () => {
  it('meets the target when every passage was decided, shown and logged once, and nothing grew', () => {
    expect(soakVerdict(good())).toEqual({ meetsTarget: true, failures: [] });
  });

  it.each([
    ['a missed decision', { decisionsMissed: 1 }],
    ['a wrong decision', { wrongDecisions: 1 }],
    ['one entry too few', { entries: 1999 }],
    ['one entry too many', { entries: 2001 }],
    ['an entry id shown twice', { entryIdsShown: 1999 }],
    ['a verdict for no planned passage', { unplannedVerdicts: 1 }],
    ['no passages', { passages: 0, entries: 0, entryIdsShown: 0 }],
  ] as const)('fails on %s', (_, over) => {
    const v = soakVerdict(good(over));
    expect(v.meetsTarget).toBe(false);
    expect(v.failures).toHaveLength(1);
  });

  it('fails when the renderer leaks memory or the core leaks file descriptors', () => {
    const leaking = flatnessOf({ start: [{ rssKiB: 1, fds: 1 }], afterWarmUp: [{ rssKiB: 100, fds: 50 }], atEnd: [{ rssKiB: 120, fds: 56 }] });
    const v = soakVerdict(good({ processes: { core: flat(), renderer: leaking } }));
    expect(v.meetsTarget).toBe(false);
    expect(v.failures.join('\n')).toMatch(/renderer rssKiB grew 20%/);
    expect(v.failures.join('\n')).toMatch(/renderer fds grew 12%/);
  });
});

describe('passage plan', () => {
  const plan = Array.from({ length: 100 }, (_, i) => planPassage(i));

  it('mixes code, card-and-code and card-only passages, admits and denies', () => {
    const kinds = new Set(plan.map((p) => p.kind));
    expect(kinds).toEqual(new Set(['code', 'card+code', 'card']));
    expect(plan.filter((p) => p.expected === 'deny').length).toBeGreaterThan(0);
    expect(plan.filter((p) => p.expected === 'admit').length).toBeGreaterThan(plan.length / 2);
  });

  it('changes the temperature by more than the stable spread every passage, starting from the demo reading', () => {
    // The thermometer driver reports a value again only when it moves by more than the spread.
    const spread = ThermometerConfigSchema.parse({ port: 'x', protocol: { name: 'lu90614' } }).stableSpreadC;
    expect(Math.abs(plan[0]!.temperatureC - DEMO_BODY_TEMPERATURE_C)).toBeGreaterThan(spread);
    for (let i = 1; i < plan.length; i++) expect(Math.abs(plan[i]!.temperatureC - plan[i - 1]!.temperatureC)).toBeGreaterThan(spread);
  });

  it('plans only temperatures below the default fever threshold', () => {
    for (const p of plan) expect(p.temperatureC).toBeLessThan(37.3);
  });

  it('never presents a card in two consecutive passages (its removal must be seen first)', () => {
    const usesCard = (i: number) => planPassage(i).kind !== 'code';
    for (let i = 1; i < 1000; i++) expect(usesCard(i) && usesCard(i - 1)).toBe(false);
  });
});
