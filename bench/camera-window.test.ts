// The camera benchmarks' window arithmetic (bench/camera-window.ts) on made-up snapshots.
import { describe, expect, it } from 'vitest';
import { summarizeWindows, windowFigures, type ChromiumTicks } from './camera-window.js';

const ticks = (rows: Array<[number, string, number]>): ChromiumTicks => new Map(rows.map(([pid, cmd, t]) => [pid, { cmd, ticks: t }]));

describe('windowFigures', () => {
  it('takes CPU per core from tick deltas (renderer only, and all Chromium with a process born in the window) and decode figures from counter deltas', () => {
    const start = { ticks: ticks([[1, 'chromium --type=renderer', 100], [2, 'chromium --type=gpu-process', 50]]), counters: { frames: 30, answered: 20, decodeMsTotal: 100 } };
    const end = {
      ticks: ticks([[1, 'chromium --type=renderer', 250], [2, 'chromium --type=gpu-process', 100], [3, 'chromium --type=utility', 30]]),
      counters: { frames: 90, answered: 60, decodeMsTotal: 300 },
    };
    expect(windowFigures(start, end, 2)).toEqual({ rendererCpuPercent: expect.closeTo(75, 9), allChromiumCpuPercent: expect.closeTo(115, 9), decodeMsPerFrame: 5, framesPerSecond: 30 });
  });

  it('gives NaN decode ms when no frame was answered in the window', () => {
    const snap = { ticks: ticks([]), counters: { frames: 5, answered: 5, decodeMsTotal: 10 } };
    expect(windowFigures(snap, snap, 1).decodeMsPerFrame).toBeNaN();
  });
});

describe('summarizeWindows', () => {
  it('reports the median of each figure to two decimals', () => {
    const w = (x: number) => ({ rendererCpuPercent: x, allChromiumCpuPercent: 2 * x, decodeMsPerFrame: x / 3, framesPerSecond: 30 - x });
    expect(summarizeWindows([w(1), w(10), w(4), w(2)])).toEqual({
      rendererCpuPercentOfOneCore: 3,
      allChromiumCpuPercentOfOneCore: 6,
      decodeMsPerFrame: 1,
      framesDecodedPerSecond: 27,
    });
  });
});
