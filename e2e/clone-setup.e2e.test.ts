// Cloning a setup end to end (docs/integrator-setup.md, "Cloning a setup"): two real demo kiosks on
// their own data directories behind the browser host, Debian's Chromium. The integrator exports
// kiosk A's setup (a download), imports the file on kiosk B: the differences are shown (A's fever
// threshold and venue), B's own thermometer port and PINs are listed as kept local; a passage is
// decided on B while the preview is made; after the confirmation B's config.json has A's setup and
// still its own port and PIN hashes.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_DIR } from '../src/app/compose.js';
import { DEMO_BAUD, DEMO_THERMOMETER_PROTOCOL } from '../native-bridge/demo.js';
import { IntegratorRig, openIntegratorConsole, passageDecided, screenshotsAtBothShapes } from './support/integrator.js';

const rig = new IntegratorRig();
const scratch = mkdtempSync(join(tmpdir(), 'kiosk-e2e-clone-'));
afterEach(async (c) => {
  await rig.tearDown(c.task.result?.state === 'fail');
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

// Each kiosk's thermometer as its integrator saved it: on the demo simulator's link in its own data
// directory (a saved port is honoured at start, native-bridge/demo.ts withSavedDevices), so the two
// kiosks' ports differ as two real kiosks' do, and B's simulator still answers during the preview.
const thermometerLink = (dataDir: string) => join(dataDir, DEMO_DIR, 'tty', 'thermometer');
const thermometer = (dataDir: string) => ({ port: thermometerLink(dataDir), baudRate: DEMO_BAUD.thermometer, protocol: DEMO_THERMOMETER_PROTOCOL });
const configOf = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8'));

describe('cloning a setup', () => {
  it('A exports; B imports with the differences shown and its own port kept; a passage decided during the preview', async () => {
    const a = await rig.startDemo({
      edit: (c, dataDir) => {
        c.venueId = 'mall-east';
        c.policy = { ...c.policy, feverThresholdC: 37.8 };
        c.devices = { thermometer: thermometer(dataDir) };
      },
    });
    const aConfig = configOf(a.kiosk.dataDir);
    // Both kiosks of the site pin the same root, as a real site pins its national root: B's demo PKI
    // comes from A's seed (the seed itself is a secret and never in the file).
    const b = await rig.startDemo({
      edit: (c, dataDir) => {
        c.devices = { thermometer: thermometer(dataDir) };
        c.demo = aConfig.demo;
        c.roots = aConfig.roots;
      },
    });
    const bBefore = configOf(b.kiosk.dataDir);

    // ---- kiosk A: export ----
    const pageA = await rig.openPage(a);
    await openIntegratorConsole(pageA, 'clone');
    const [download] = await Promise.all([pageA.waitForEvent('download'), pageA.locator('#clone-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^setup-mall-east-\d{8}\.json$/);
    const file = join(scratch, download.suggestedFilename());
    await download.saveAs(file);
    const text = readFileSync(file, 'utf8');
    for (const secret of [aConfig.admin.pin.hash, aConfig.admin.integratorPin.hash, aConfig.demo.seed, thermometerLink(a.kiosk.dataDir)]) expect(text).not.toContain(secret);
    // The kiosk's id says where the file came from (`from`), and is not part of the setup.
    expect(JSON.parse(text).config).not.toHaveProperty('kioskId');
    expect(JSON.parse(text)).toMatchObject({ format: 'checkpoint-kiosk-setup', version: 1, config: { venueId: 'mall-east', policy: { feverThresholdC: 37.8 } } });
    await pageA.waitForSelector('#clone-export-status');
    await screenshotsAtBothShapes(pageA, 'clone-setup-exported');

    // ---- kiosk B: import, with a passage decided while the preview is made ----
    const pageB = await rig.openPage(b);
    await openIntegratorConsole(pageB, 'clone');
    const [decision] = await Promise.all([passageDecided(b), pageB.locator('#clone-import-file').setInputFiles(file).then(() => pageB.waitForSelector('#clone-plan'))]);
    expect(decision).toBe('admit');

    const row = (path: string) => pageB.locator(`#clone-changes tr[data-path="${path}"]`);
    await expect(row('policy.feverThresholdC').getAttribute('data-from')).resolves.toBe('37.3');
    await expect(row('policy.feverThresholdC').getAttribute('data-to')).resolves.toBe('37.8');
    await expect(row('venueId').getAttribute('data-from')).resolves.toBe('demo-venue');
    await expect(row('venueId').getAttribute('data-to')).resolves.toBe('mall-east');
    expect(await row('policy.feverThresholdC').locator('.clone-when').textContent()).toMatch(/立即|at once/);
    expect(await pageB.locator('#clone-changes tr[data-path="devices.thermometer.port"]').count()).toBe(0);
    expect(await pageB.locator('#clone-changes tr[data-path="roots"]').count()).toBe(0);
    for (const kept of ['devices.thermometer.port', 'admin.pin', 'admin.integratorPin', 'kioskId', 'demo']) {
      expect(await pageB.locator(`#clone-kept-local li[data-path="${kept}"]`).count(), kept).toBe(1);
    }
    expect(await pageB.locator('#clone-problems').count()).toBe(0);
    // Nothing written by the preview.
    expect(configOf(b.kiosk.dataDir)).toEqual(bBefore);
    await screenshotsAtBothShapes(pageB, 'clone-setup-preview');
    // The same preview in English (the console's language button): the plan stays on screen.
    await pageB.locator('#console-language').click();
    await pageB.locator('#panel-clone h2', { hasText: 'Clone a setup' }).waitFor();
    expect(await pageB.locator('#clone-changes tr').count()).toBe(3);
    await screenshotsAtBothShapes(pageB, 'clone-setup-preview-en');

    // ---- apply after the confirmation ----
    await pageB.locator('#clone-apply').click();
    await pageB.waitForSelector('#clone-confirm-box');
    await screenshotsAtBothShapes(pageB, 'clone-setup-confirm');
    await pageB.locator('#clone-confirm').click();
    await pageB.waitForSelector('#clone-result');
    expect(Number(await pageB.locator('#clone-result').getAttribute('data-revision'))).toBe(bBefore.revision + 1);
    await screenshotsAtBothShapes(pageB, 'clone-setup-applied');

    const bAfter = configOf(b.kiosk.dataDir);
    expect(bAfter.policy.feverThresholdC).toBe(37.8);
    expect(bAfter.venueId).toBe('mall-east');
    expect(bAfter.devices.thermometer.port).toBe(thermometerLink(b.kiosk.dataDir));
    expect(bAfter.admin.pin).toEqual(bBefore.admin.pin);
    expect(bAfter.admin.integratorPin).toEqual(bBefore.admin.integratorPin);
    expect(bAfter.kioskId).toBe(bBefore.kioskId);
    expect(bAfter.demo).toEqual(bBefore.demo);
    // The guard keeps deciding, on the imported rules (lisi is green; the demo's 36.5 °C is no fever).
    expect(await passageDecided(b, 'lisi')).toBe('admit');
  }, 180_000);

  it('a file with a typo is refused with its path, a garbage or huge file with the reason, and nothing is written', async () => {
    const b = await rig.startDemo();
    const bBefore = readFileSync(join(b.kiosk.dataDir, 'config.json'), 'utf8');
    const page = await rig.openPage(b, { width: 1024, height: 600 });
    await openIntegratorConsole(page, 'clone');
    await page.locator('#clone-import-file').setInputFiles({
      name: 'typo.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify({ format: 'checkpoint-kiosk-setup', version: 1, exportedAt: '2026-12-01T00:00:00.000Z', from: { venueId: 'x', kioskId: 'y' }, config: { policy: { feverTreshold: 38 } } })),
    });
    await page.waitForSelector('#clone-problems');
    expect(await page.locator('#clone-problems tr[data-path="policy.feverTreshold"]').count()).toBe(1);
    // No apply offered for a file with problems.
    expect(await page.locator('#clone-apply').count()).toBe(0);
    await screenshotsAtBothShapes(page, 'clone-setup-typo');
    await page.locator('#clone-import-file').setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]) });
    await page.waitForSelector('#clone-problems tr[data-path="(file)"]');
    // A huge file is refused on the screen before it is read or sent, with the reason.
    await page.locator('#clone-import-file').setInputFiles({ name: 'huge.json', mimeType: 'application/json', buffer: Buffer.alloc(200_000, 0x20) });
    await page.waitForSelector('#clone-error');
    expect(await page.locator('#clone-error').textContent()).toContain('200000');
    expect(await page.locator('#clone-plan').count()).toBe(0);
    expect(readFileSync(join(b.kiosk.dataDir, 'config.json'), 'utf8')).toBe(bBefore);
  }, 120_000);
});
