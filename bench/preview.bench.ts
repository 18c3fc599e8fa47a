// `npm run build && npm run bench -- preview`: what the camera preview with its aiming frame costs
// (docs/guard-screen.md, "Preview"). One guard page in Debian's Chromium with the fake camera playing
// a door scene with no code (the idle case: every frame is decoded and nothing found), the preview
// alternately hidden (the 1 px video the screen had before) and shown at idle, in ABBA order so drift
// on a shared machine falls on both alike. Per window: CPU of the page's renderer process (its decode
// worker included) and of all Chromium processes, from /proc, and the decode worker's own ms per
// frame. Reported: medians per mode, shown/hidden ratios, and whether each stays within +10 %.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { DEFAULT_CAMERA_CONFIG, fail, type KioskService } from '../src/contract/api.js';
import { startBrowserHost } from '../src/host/server.js';
import { rendererDir } from '../src/app/paths.js';
import { idleService } from './idle-service.js';
import { writeSegmentsY4m } from './scan-clip.js';
import { descendants } from './proc-resources.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const ROUNDS = Number(process.env.PREVIEW_BENCH_ROUNDS ?? 4);
const WINDOW_SECONDS = Number(process.env.PREVIEW_BENCH_WINDOW_SECONDS ?? 6);
const HZ = 100; // USER_HZ on Linux

/** An idle kiosk with nothing attached: the screen sits at idle with the camera running. */
const benchService = (): KioskService =>
  idleService(DEFAULT_CAMERA_CONFIG, {
    guardReview: async () => fail('BAD_REQUEST', 'no reviews in this benchmark'),
    getTodayFigures: async () => fail('UNAUTHORIZED', 'no admin in this benchmark'),
  });

/** CPU ticks (utime + stime) of every Chromium process under this one, by pid, with its command line. */
function chromiumTicks(): Map<number, { cmd: string; ticks: number }> {
  return new Map(descendants().filter((p) => p.cmd.includes('chromium')).map((p) => [p.pid, { cmd: p.cmd, ticks: p.ticks }]));
}

interface WindowResult {
  rendererCpuPercent: number;
  allChromiumCpuPercent: number;
  decodeMsPerFrame: number;
  framesPerSecond: number;
}

async function cameraStats(page: Page): Promise<{ frames: number; answered: number; decodeMsTotal: number }> {
  return (await page.evaluate('({ ...globalThis.__kioskCamera })')) as { frames: number; answered: number; decodeMsTotal: number };
}

async function measureWindow(page: Page, preview: 'hidden' | 'shown'): Promise<WindowResult> {
  await page.evaluate(`document.getElementById('preview').dataset.visible = ${JSON.stringify(String(preview === 'shown'))}`);
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
  const scratch = mkdtempSync(join(tmpdir(), 'kiosk-bench-preview-'));
  const host = await startBrowserHost({ service: benchService(), rendererDir: rendererDir() });
  const clip = writeSegmentsY4m(join(scratch, 'door.y4m'), [{ text: null, frames: 60 }]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${clip}`],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(host.issueLaunchUrl());
    for (let i = 0; !((await page.evaluate('(globalThis.__kioskCamera?.answered ?? 0) > 30')) as boolean); i++) {
      if (i > 300) throw new Error('the camera never started decoding');
      await new Promise((r) => setTimeout(r, 100));
    }
    const results: Record<'hidden' | 'shown', WindowResult[]> = { hidden: [], shown: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Array<'hidden' | 'shown'> = round % 2 === 0 ? ['hidden', 'shown'] : ['shown', 'hidden'];
      for (const mode of order) results[mode].push(await measureWindow(page, mode));
    }
    const summary = (mode: 'hidden' | 'shown') => ({
      rendererCpuPercentOfOneCore: r2(median(results[mode].map((r) => r.rendererCpuPercent))),
      allChromiumCpuPercentOfOneCore: r2(median(results[mode].map((r) => r.allChromiumCpuPercent))),
      decodeMsPerFrame: r2(median(results[mode].map((r) => r.decodeMsPerFrame))),
      framesDecodedPerSecond: r2(median(results[mode].map((r) => r.framesPerSecond))),
    });
    const hidden = summary('hidden');
    const shown = summary('shown');
    const ratio = (k: keyof typeof hidden) => r2(shown[k] / hidden[k]);
    return {
      rounds: ROUNDS,
      windowSeconds: WINDOW_SECONDS,
      samplesPerMode: ROUNDS,
      viewport: '1280x800',
      camera: '640x480 fake camera, door scene without a code',
      hidden,
      shown,
      ratioShownOverHidden: {
        rendererCpu: ratio('rendererCpuPercentOfOneCore'),
        allChromiumCpu: ratio('allChromiumCpuPercentOfOneCore'),
        decodeMsPerFrame: ratio('decodeMsPerFrame'),
      },
      withinTenPercent: {
        rendererCpu: ratio('rendererCpuPercentOfOneCore') <= 1.1,
        decodeMsPerFrame: ratio('decodeMsPerFrame') <= 1.1,
      },
      note: 'medians of ABBA-interleaved windows on one page; renderer = the page process incl. its decode worker; all = browser, GPU/viz and capture processes too',
    };
  } finally {
    await browser.close();
    await host.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
