// The measuring window the camera preview benchmarks share (bench/preview.bench.ts, the guard
// screen's preview; bench/camera-screen.bench.ts, the integrator's camera screen): per window, CPU of
// the page's renderer process (its decode worker included) and of all Chromium processes, from /proc,
// and the scanner's own decode ms per frame and frames per second from its counters
// (globalThis.__kioskCamera). One method for both, so their figures compare.
import type { Page } from 'playwright-core';
import { descendants } from './proc-resources.js';
import { median } from './stats.js';

const HZ = 100; // USER_HZ on Linux

/** CPU ticks (utime + stime) of every Chromium process under this one, by pid, with its command line. */
export type ChromiumTicks = Map<number, { cmd: string; ticks: number }>;

/** The scanner's running counters on the page. */
export interface CameraCounters {
  frames: number;
  answered: number;
  decodeMsTotal: number;
}

export interface CameraWindow {
  rendererCpuPercent: number;
  allChromiumCpuPercent: number;
  decodeMsPerFrame: number;
  framesPerSecond: number;
}

export function chromiumTicks(): ChromiumTicks {
  return new Map(descendants().filter((p) => p.cmd.includes('chromium')).map((p) => [p.pid, { cmd: p.cmd, ticks: p.ticks }]));
}

export async function cameraCounters(page: Page): Promise<CameraCounters> {
  return (await page.evaluate('({ frames: globalThis.__kioskCamera.frames, answered: globalThis.__kioskCamera.answered, decodeMsTotal: globalThis.__kioskCamera.decodeMsTotal })')) as CameraCounters;
}

/**
 * The figures of one window from the snapshots at its start and end. CPU in percent of one core; a
 * process that started within the window counts from zero. No frame answered: decode ms is NaN.
 */
export function windowFigures(
  start: { ticks: ChromiumTicks; counters: CameraCounters },
  end: { ticks: ChromiumTicks; counters: CameraCounters },
  seconds: number,
): CameraWindow {
  const percent = (filter: (cmd: string) => boolean) => {
    let ticks = 0;
    for (const [pid, p] of end.ticks) if (filter(p.cmd)) ticks += p.ticks - (start.ticks.get(pid)?.ticks ?? 0);
    return (ticks / HZ / seconds) * 100;
  };
  const answered = end.counters.answered - start.counters.answered;
  return {
    rendererCpuPercent: percent((cmd) => cmd.includes('--type=renderer')),
    allChromiumCpuPercent: percent(() => true),
    decodeMsPerFrame: answered > 0 ? (end.counters.decodeMsTotal - start.counters.decodeMsTotal) / answered : NaN,
    framesPerSecond: (end.counters.frames - start.counters.frames) / seconds,
  };
}

/** Lets the page settle for a second (after a mode switch), then measures a window of `windowSeconds`. */
export async function measureCameraWindow(page: Page, windowSeconds: number): Promise<CameraWindow> {
  await new Promise((r) => setTimeout(r, 1000)); // settle
  const start = { ticks: chromiumTicks(), counters: await cameraCounters(page) };
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowSeconds * 1000));
  const end = { ticks: chromiumTicks(), counters: await cameraCounters(page) };
  return windowFigures(start, end, (performance.now() - t0) / 1000);
}

export const r2 = (x: number) => Math.round(x * 100) / 100;

/** Medians of a mode's windows, to two decimals. */
export function summarizeWindows(windows: readonly CameraWindow[]) {
  return {
    rendererCpuPercentOfOneCore: r2(median(windows.map((x) => x.rendererCpuPercent))),
    allChromiumCpuPercentOfOneCore: r2(median(windows.map((x) => x.allChromiumCpuPercent))),
    decodeMsPerFrame: r2(median(windows.map((x) => x.decodeMsPerFrame))),
    framesDecodedPerSecond: r2(median(windows.map((x) => x.framesPerSecond))),
  };
}
