// `npm run build && npm run bench -- camera-screen`: what the integrator's camera screen's live
// preview costs (docs/integrator-setup.md, "Camera"). The demo kiosk (the real composition, its
// simulated devices on socat) in Debian's Chromium with the fake camera playing a door scene with no
// code (the idle case: every frame decoded, nothing found), the console opened with the integrator's
// PIN on the camera screen, its preview turned off and on in ABBA order so drift on a shared machine
// falls on both alike. Per window: CPU of the page's renderer process (its decode worker included)
// and of all Chromium processes, from /proc; the guard scanner's own decode ms per frame and frames
// per second from its counters. Reported: medians per mode and on/off ratios. Same method as the
// guard screen's preview benchmark (bench/preview.bench.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { IntegratorRig, openIntegratorConsole } from '../e2e/support/integrator.js';
import { until } from '../e2e/support/until.js';
import { writeSegmentsY4m } from './scan-clip.js';
import { descendants } from './proc-resources.js';

const ROUNDS = Number(process.env.CAMERA_SCREEN_BENCH_ROUNDS ?? 4);
const WINDOW_SECONDS = Number(process.env.CAMERA_SCREEN_BENCH_WINDOW_SECONDS ?? 6);
const HZ = 100; // USER_HZ on Linux

type Mode = 'off' | 'on';

interface WindowResult {
  rendererCpuPercent: number;
  allChromiumCpuPercent: number;
  decodeMsPerFrame: number;
  framesPerSecond: number;
}

function chromiumTicks(): Map<number, { cmd: string; ticks: number }> {
  return new Map(descendants().filter((p) => p.cmd.includes('chromium')).map((p) => [p.pid, { cmd: p.cmd, ticks: p.ticks }]));
}

async function cameraStats(page: Page): Promise<{ frames: number; answered: number; decodeMsTotal: number }> {
  return (await page.evaluate('({ frames: globalThis.__kioskCamera.frames, answered: globalThis.__kioskCamera.answered, decodeMsTotal: globalThis.__kioskCamera.decodeMsTotal })')) as {
    frames: number;
    answered: number;
    decodeMsTotal: number;
  };
}

async function setPreview(page: Page, mode: Mode): Promise<void> {
  const on = (await page.locator('#camera-preview-toggle').getAttribute('aria-pressed')) === 'true';
  if (on !== (mode === 'on')) await page.locator('#camera-preview-toggle').click();
  if (mode === 'on') await page.waitForSelector('#camera-preview canvas');
  else await page.waitForSelector('#camera-preview', { state: 'detached' });
}

async function measureWindow(page: Page, mode: Mode): Promise<WindowResult> {
  await setPreview(page, mode);
  await new Promise((r) => setTimeout(r, 1000)); // settle
  const a = chromiumTicks();
  const sa = await cameraStats(page);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_SECONDS * 1000));
  const b = chromiumTicks();
  const sb = await cameraStats(page);
  const seconds = (performance.now() - t0) / 1000;
  const percent = (filter: (cmd: string) => boolean) => {
    let ticks = 0;
    for (const [pid, p] of b) if (filter(p.cmd)) ticks += p.ticks - (a.get(pid)?.ticks ?? 0);
    return (ticks / HZ / seconds) * 100;
  };
  const answered = sb.answered - sa.answered;
  return {
    rendererCpuPercent: percent((cmd) => cmd.includes('--type=renderer')),
    allChromiumCpuPercent: percent(() => true),
    decodeMsPerFrame: answered > 0 ? (sb.decodeMsTotal - sa.decodeMsTotal) / answered : NaN,
    framesPerSecond: (sb.frames - sa.frames) / seconds,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

export async function run(): Promise<object> {
  const scratch = mkdtempSync(join(tmpdir(), 'kiosk-bench-camera-screen-'));
  const rig = new IntegratorRig();
  let failed = true;
  try {
    const r = await rig.startDemo();
    rig.fakeVideo = writeSegmentsY4m(join(scratch, 'door.y4m'), [{ text: null, frames: 60 }]);
    const page = await rig.openPage(r, { width: 800, height: 1280 });
    await until('the camera decoding', async () => (await page.evaluate('(globalThis.__kioskCamera?.answered ?? 0) > 30')) as boolean, 30_000);
    await openIntegratorConsole(page, 'camera');
    await page.waitForSelector('#camera-preview canvas');
    const results: Record<Mode, WindowResult[]> = { off: [], on: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Mode[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) results[mode].push(await measureWindow(page, mode));
    }
    const summary = (mode: Mode) => ({
      rendererCpuPercentOfOneCore: r2(median(results[mode].map((x) => x.rendererCpuPercent))),
      allChromiumCpuPercentOfOneCore: r2(median(results[mode].map((x) => x.allChromiumCpuPercent))),
      decodeMsPerFrame: r2(median(results[mode].map((x) => x.decodeMsPerFrame))),
      framesDecodedPerSecond: r2(median(results[mode].map((x) => x.framesPerSecond))),
    });
    const off = summary('off');
    const on = summary('on');
    const ratio = (k: keyof typeof off) => r2(on[k] / off[k]);
    failed = false;
    return {
      rounds: ROUNDS,
      windowSeconds: WINDOW_SECONDS,
      samplesPerMode: ROUNDS,
      viewport: '800x1280',
      camera: '640x480 fake camera at 30 fps, door scene without a code (idle: every frame decoded, nothing found)',
      previewOff: off,
      previewOn: on,
      ratioOnOverOff: {
        rendererCpu: ratio('rendererCpuPercentOfOneCore'),
        allChromiumCpu: ratio('allChromiumCpuPercentOfOneCore'),
        decodeMsPerFrame: ratio('decodeMsPerFrame'),
        framesDecodedPerSecond: ratio('framesDecodedPerSecond'),
      },
      samples: results,
      note: 'the integrator console open on the camera screen in both modes; medians of ABBA-interleaved windows on one page; renderer = the page process incl. its decode worker; all = browser, GPU/viz and capture processes too',
    };
  } finally {
    await rig.tearDown(failed);
    rmSync(scratch, { recursive: true, force: true });
  }
}
