// A kiosk whose camera is off (camera.enabled false, as `kiosk start --no-camera` sets it): the guard
// screen invites only what it can take (the demo's serial scanner and card reader), with no preview
// and no aiming frame; the integrator's camera screen says the camera is off instead of showing a
// black preview (docs/integrator-setup.md, "Camera"). The composed demo kiosk, Debian's Chromium.
import { afterEach, beforeAll, expect, it } from 'vitest';
import { ensureBuilt, saveScreenshot } from './support/harness.js';
import { IntegratorRig, openIntegratorConsole, screenshotsAtBothShapes } from './support/integrator.js';
import { until } from './support/until.js';

const rig = new IntegratorRig();
beforeAll(() => ensureBuilt());
afterEach(async (c) => rig.tearDown(c.task.result?.state === 'fail'));

it('camera off: the guard screen asks for the scanner or a card, and the camera screen says the camera is off', async () => {
  const r = await rig.startDemo({ edit: (c) => void (c.camera = { ...c.camera, enabled: false }) });
  const page = await rig.openPage(r, { width: 800, height: 1280 });
  await page.locator('#language-toggle').click();
  // The demo venue accepts EU certificates (policy dccAccept), so the invitation names them too.
  const invitation = 'Scan your health code or EU certificate at the scanner, or tap your ID card';
  await until('the scanner invitation', async () => (await page.locator('#headline').textContent()) === invitation, 20_000);
  expect(await page.locator('#preview').getAttribute('data-visible')).toBe('false');
  expect(await page.locator('#aim-label').isVisible()).toBe(false);
  await saveScreenshot(page, 'no-camera-guard-800x1280');

  await openIntegratorConsole(page, 'camera');
  await page.waitForSelector('#camera-off');
  expect(await page.locator('#camera-off').textContent()).toContain('--no-camera');
  expect(await page.locator('#camera-preview').count()).toBe(0);
  expect(await page.getByTestId('camera-in-force').getAttribute('data-off')).toBe('true');
  await screenshotsAtBothShapes(page, 'no-camera-camera-panel');
}, 120_000);
