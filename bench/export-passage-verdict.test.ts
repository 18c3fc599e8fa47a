import { describe, expect, it } from 'vitest';
import { exportPassageVerdict } from './export-passage-verdict.js';
import { TooFewSamplesError } from './stats.js';

const series = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

describe('exportPassageVerdict', () => {
  it('compares the p95s: within 1.5× meets the target, beyond it does not', () => {
    const idle = series(200, (i) => (i < 180 ? 10 : 20)); // p95 = 20
    const within = exportPassageVerdict(idle, series(200, (i) => (i < 180 ? 12 : 30))); // p95 = 30
    expect(within).toMatchObject({ ratioP95: 1.5, meetsTarget: true, idle: { p95Ms: 20 }, duringExport: { p95Ms: 30 } });
    const beyond = exportPassageVerdict(idle, series(200, (i) => (i < 180 ? 12 : 31)));
    expect(beyond).toMatchObject({ ratioP95: 1.55, meetsTarget: false });
  });

  it('a slow median alone does not fail it, a slow tail does', () => {
    const idle = series(100, (i) => (i < 90 ? 5 : 10));
    expect(exportPassageVerdict(idle, series(100, (i) => (i < 90 ? 9 : 10))).meetsTarget).toBe(true);
    expect(exportPassageVerdict(idle, series(100, (i) => (i < 90 ? 5 : 16))).meetsTarget).toBe(false);
  });

  it('refuses a p95 over too few samples and a zero idle p95', () => {
    expect(() => exportPassageVerdict(series(99, () => 1), series(200, () => 1))).toThrow(TooFewSamplesError);
    expect(() => exportPassageVerdict(series(200, () => 1), series(50, () => 1))).toThrow(/during export 50/);
    expect(() => exportPassageVerdict(series(200, () => 0), series(200, () => 1))).toThrow(/no ratio/);
  });
});
