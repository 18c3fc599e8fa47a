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
import { measureCameraWindow, r2, summarizeWindows, type CameraWindow } from './camera-window.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const ROUNDS = Number(process.env.PREVIEW_BENCH_ROUNDS ?? 4);
const WINDOW_SECONDS = Number(process.env.PREVIEW_BENCH_WINDOW_SECONDS ?? 6);

/** An idle kiosk with nothing attached: the screen sits at idle with the camera running. */
const benchService = (): KioskService =>
  idleService(DEFAULT_CAMERA_CONFIG, {
    guardReview: async () => fail('BAD_REQUEST', 'no reviews in this benchmark'),
    getTodayFigures: async () => fail('UNAUTHORIZED', 'no admin in this benchmark'),
  });

async function measureWindow(page: Page, preview: 'hidden' | 'shown'): Promise<CameraWindow> {
  await page.evaluate(`document.getElementById('preview').dataset.visible = ${JSON.stringify(String(preview === 'shown'))}`);
  return measureCameraWindow(page, WINDOW_SECONDS);
}

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
    const results: Record<'hidden' | 'shown', CameraWindow[]> = { hidden: [], shown: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Array<'hidden' | 'shown'> = round % 2 === 0 ? ['hidden', 'shown'] : ['shown', 'hidden'];
      for (const mode of order) results[mode].push(await measureWindow(page, mode));
    }
    const hidden = summarizeWindows(results.hidden);
    const shown = summarizeWindows(results.shown);
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
