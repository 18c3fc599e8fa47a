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
import { measureCameraWindow, r2, summarizeWindows, type CameraWindow } from './camera-window.js';

const ROUNDS = Number(process.env.CAMERA_SCREEN_BENCH_ROUNDS ?? 4);
const WINDOW_SECONDS = Number(process.env.CAMERA_SCREEN_BENCH_WINDOW_SECONDS ?? 6);

type Mode = 'off' | 'on';

async function setPreview(page: Page, mode: Mode): Promise<void> {
  const on = (await page.locator('#camera-preview-toggle').getAttribute('aria-pressed')) === 'true';
  if (on !== (mode === 'on')) await page.locator('#camera-preview-toggle').click();
  if (mode === 'on') await page.waitForSelector('#camera-preview canvas');
  else await page.waitForSelector('#camera-preview', { state: 'detached' });
}

async function measureWindow(page: Page, mode: Mode): Promise<CameraWindow> {
  await setPreview(page, mode);
  return measureCameraWindow(page, WINDOW_SECONDS);
}

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
    const results: Record<Mode, CameraWindow[]> = { off: [], on: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Mode[] = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) results[mode].push(await measureWindow(page, mode));
    }
    const off = summarizeWindows(results.off);
    const on = summarizeWindows(results.on);
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
