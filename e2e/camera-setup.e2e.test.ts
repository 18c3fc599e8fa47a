// The integrator's camera screen end to end (docs/integrator-setup.md, "Camera"): the demo kiosk in
// Debian's Chromium with the fake camera playing a door clip in which a demo person holds up their
// code every few seconds. The camera screen previews the guard screen's own capture with the decode
// area drawn over it and live figures (frames/s, decode ms per frame); the door keeps deciding with
// the preview on (the camera's passage is logged); a new resolution and frame rate are saved through
// saveConfigChange, are in config.json, and the guard screen restarts its capture on them without a
// kiosk restart, while a passage through the serial scanner is decided meanwhile.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEMO_CODES_DIR } from '../src/app/compose.js';
import { readConfigDocument } from '../src/core/config/config.js';
import { writeSegmentsY4m } from '../bench/scan-clip.js';
import { ensureBuilt, scratchDir } from './support/harness.js';
import { IntegratorRig, openIntegratorConsole, passageDecided, screenshotsAtBothShapes } from './support/integrator.js';
import { until } from './support/until.js';

const rig = new IntegratorRig();
const scratch = scratchDir('kiosk-e2e-camera-');
let failed = false;

beforeAll(() => ensureBuilt());
afterEach(async (ctx) => {
  failed = ctx.task.result?.state === 'fail';
  await rig.tearDown(failed);
});
afterAll(() => scratch.remove());

/** The guard screen's capture as the page holds it: counters, configuration, stream id. */
async function guardCapture(page: Page): Promise<{ frames: number; decoded: number; width: number; height: number; frameRate: number; streamId: string | null }> {
  return (await page.evaluate(`(() => {
    const c = globalThis[Symbol.for('checkpoint-kiosk.guard-camera')];
    return { frames: c.stats.frames, decoded: c.stats.decoded, width: c.currentConfig.width, height: c.currentConfig.height, frameRate: c.currentConfig.frameRate, streamId: c.currentStream ? c.currentStream.id : null };
  })()`)) as { frames: number; decoded: number; width: number; height: number; frameRate: number; streamId: string | null };
}

const numberIn = async (page: Page, testId: string): Promise<number> => Number((await page.getByTestId(testId).getAttribute('data-value')) || NaN);

describe('integrator: the camera screen', () => {
  it('previews the door\'s capture with the decode area and live figures; the door decides with the preview on; a saved resolution is taken without a restart', async () => {
    // Every showing of the code is a new passage (no duplicate window), so the one decided while
    // the preview runs is told apart from any before it; the demo thermometer gives one reading per
    // person stepping up, and the camera's repeated showings are not new people at the sensor: a
    // passage without a reading is admitted rather than left to a guard (spec §4 rule 7 option).
    const r = await rig.startDemo({
      edit: (c) => {
        c.checkpoint = { ...c.checkpoint, duplicateWindowMs: 0 };
        c.policy = { ...c.policy, temperatureMissingWithThermometer: 'admit' };
      },
    });
    const store = r.composed.store!;
    const code = readFileSync(join(r.kiosk.dataDir, DEMO_CODES_DIR, 'lisi.txt'), 'utf8');
    // 3 s of the empty door, then 1 s of lisi's code; Chromium loops it (longer than the camera's
    // 1.5 s repeat suppression, so each showing is a new scan).
    rig.fakeVideo = writeSegmentsY4m(join(scratch.dir, 'door.y4m'), [
      { text: null, frames: 90 },
      { text: code, frames: 30 },
    ]);
    const page = await rig.openPage(r);
    await openIntegratorConsole(page, 'camera');

    // The preview is painted, again and again, from the guard's own video: no second capture and no
    // second <video> in the page.
    await page.waitForSelector('#camera-preview canvas');
    const painted = async () => Number(await page.locator('#camera-preview canvas').getAttribute('data-painted'));
    await until('the preview to be painted', async () => (await painted()) > 0, 15_000);
    const firstPaints = await painted();
    await until('the preview to keep being painted', async () => (await painted()) > firstPaints + 3, 15_000);
    expect(await page.evaluate(`document.querySelectorAll('video').length`)).toBe(1);
    expect(await page.evaluate(`(() => { const c = document.querySelector('#camera-preview canvas'); return c.width + 'x' + c.height; })()`)).toBe('640x480');
    // Live figures, as numbers.
    await until('frames/s and decode ms shown', async () => (await numberIn(page, 'camera-fps')) > 0 && Number.isFinite(await numberIn(page, 'camera-decode-ms')), 15_000);
    expect(await page.getByTestId('camera-fps').textContent()).toMatch(/^\d+\.\d$/);
    expect(await page.getByTestId('camera-decode-ms').textContent()).toMatch(/^\d+\.\d\d ms$|^\d+\.\d\d 毫秒$/);
    expect(await page.getByTestId('camera-frame-size').textContent()).toBe('640×480');
    // The decode area: the centre 60 % of the picture, inside the preview.
    const preview = (await page.locator('#camera-preview').boundingBox())!;
    const area = (await page.getByTestId('camera-decode-area').boundingBox())!;
    expect(area.width / preview.width).toBeCloseTo(0.6, 1);
    expect(area.height / preview.height).toBeCloseTo(0.6, 1);
    expect(Math.abs(area.x - preview.x - 0.2 * preview.width)).toBeLessThan(3);
    expect(Math.abs(area.y - preview.y - 0.2 * preview.height)).toBeLessThan(3);
    // The preview box is the picture itself (4:3 at 640×480), no letterbox the area could drift into.
    expect(preview.width / preview.height).toBeCloseTo(640 / 480, 1);

    // The door keeps deciding with the preview on: lisi's code, read by the camera, is a logged passage.
    const before = store.entryCount();
    const decodedBefore = (await guardCapture(page)).decoded;
    await until('the camera to read lisi\'s code and the passage to be logged', async () => store.entryCount() > before && (await guardCapture(page)).decoded > decodedBefore, 30_000);
    expect(store.lastEntries(1)[0]).toMatchObject({ method: 'code', holderName: expect.stringMatching(/^李/) });
    await screenshotsAtBothShapes(page, 'integrator-camera-preview');

    // Preview off: no canvas, no painting and no figures being read.
    await page.locator('#camera-preview-toggle').click();
    await page.waitForSelector('#camera-preview', { state: 'detached' });
    expect(await page.getByTestId('camera-fps').textContent()).toBe('—');
    await page.locator('#camera-preview-toggle').click();
    await page.waitForSelector('#camera-preview canvas');

    // Another resolution and frame rate, saved; a passage through the serial scanner meanwhile.
    const old = await guardCapture(page);
    await page.locator('#camera-resolution').selectOption('320x240');
    await page.locator('#camera-frame-rate').selectOption('15');
    expect(await page.getByTestId('camera-in-force').getAttribute('data-pending')).toBe('true');
    const seqBeforeSave = store.lastEntries(1)[0]?.seq ?? 0;
    const decided = passageDecided(r, 'zhangsan');
    await page.locator('#camera-save').click();
    await page.waitForSelector('#camera-notice[data-tone="ok"]');
    expect(await page.locator('#camera-notice').getAttribute('data-restart')).toBe('false');
    expect(await decided).toMatch(/^(admit|deny|review)$/);
    // The camera's passages run alongside: the serial scanner's own (zhangsan's) is in the log too.
    await until('zhangsan\'s serial passage logged', () => store.lastEntries(10).some((e) => e.seq > seqBeforeSave && e.holderName?.startsWith('张') === true), 20_000);
    expect(readConfigDocument(r.kiosk.dataDir)).toMatchObject({ camera: { width: 320, height: 240, frameRate: 15 } });
    // The guard screen restarted its capture on the saved setting (a new stream), no kiosk restart.
    await until('the guard screen to reopen the camera at 320×240, 15 fps', async () => {
      const now = await guardCapture(page);
      return now.width === 320 && now.height === 240 && now.frameRate === 15 && now.streamId !== null && now.streamId !== old.streamId;
    }, 15_000);
    await until('the screen to say the setting is in force', async () => (await page.getByTestId('camera-in-force').getAttribute('data-pending')) === 'false');
    // The camera gives what it can: a real one 320×240; Chromium's file-fed fake camera only its
    // file's 640×480, which the screen says rather than pretending.
    const given = (await page.evaluate(`globalThis[Symbol.for('checkpoint-kiosk.guard-camera')].currentStream.getVideoTracks()[0].getSettings()`)) as { width: number; height: number };
    await until('the decoder to get the frames the camera gives', async () => (await page.getByTestId('camera-frame-size').textContent()) === `${given.width}×${given.height}`, 15_000);
    if (given.width !== 320 || given.height !== 240) expect(await page.getByTestId('camera-size-differs').textContent()).toMatch(/320×240/);
    // And the door still decides on the new capture.
    const afterSeq = store.lastEntries(1)[0]?.seq ?? 0;
    await until('a passage of lisi decided by the camera after the restart', () => store.lastEntries(10).some((e) => e.seq > afterSeq && e.method === 'code' && e.holderName?.startsWith('李') === true), 30_000);
    await screenshotsAtBothShapes(page, 'integrator-camera-saved');
  });
});
