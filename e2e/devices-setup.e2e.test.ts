// The integrator's devices screen end to end (docs/integrator-setup.md, "Devices"): the composed
// demo kiosk with its devices on socat pty pairs, the browser host, Debian's Chromium, the console
// opened with the integrator's PIN. One kiosk walks the whole setup: a card test during which a
// passage is decided and logged, a wrong port refused while the old thermometer keeps reading, a
// garbled reply shown red in the frame log, then the thermometer moved to a head that speaks another
// protocol (a second simulator on its own pty pair), proven, saved and tested, the frame log showing
// its request and reply.
import { afterEach, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { DEMO_PEOPLE } from '../src/core/demo/people.js';
import { PtyPair } from '../native-bridge/serial/pty.js';
import { ThermometerSimulator } from '../native-bridge/simulators/thermometer-sim.js';
import { IntegratorRig, openIntegratorConsole, passageDecided, screenshotsAtBothShapes } from './support/integrator.js';
import { saveScreenshot } from './support/harness.js';
import { until } from './support/until.js';

const rig = new IntegratorRig();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async (c) => {
  for (const f of cleanups.splice(0).reverse()) await f();
  await rig.tearDown(c.task.result?.state === 'fail');
});

const resultOf = (page: Page, device: string) => page.locator(`#device-${device}-result`);

/** Waits until the device's result line is final (not "waiting…") and answers its tone and text. */
async function finalResult(page: Page, device: string, timeout = 30_000): Promise<{ tone: string; text: string }> {
  await page.waitForSelector(`#device-${device}-result[data-tone="ok"], #device-${device}-result[data-tone="bad"]`, { timeout });
  const el = resultOf(page, device);
  return { tone: (await el.getAttribute('data-tone')) ?? '', text: (await el.textContent()) ?? '' };
}

it('devices on screen: a test while the door decides, a wrong port refused, a garbled frame in red, a new thermometer protocol proven and tested', async () => {
  const r = await rig.startDemo();
  const page = await rig.openPage(r);
  // English screens for the screenshots; the assertions below do not depend on the language.
  await page.locator('#language-toggle').click();
  await openIntegratorConsole(page, 'devices');
  await page.waitForSelector('[data-testid="device-thermometer-health"][data-tone="ok"]', { timeout: 20_000 });
  const dataDir = r.kiosk.dataDir;

  // 1. A card test waits for a card; meanwhile a person scans at the door and is decided and logged.
  await page.locator('#device-idcard-test').click();
  await page.waitForSelector('#device-idcard-result[data-tone="wait"]');
  expect(await passageDecided(r, 'zhangsan')).toBe('admit');
  expect(await resultOf(page, 'idcard').getAttribute('data-tone')).toBe('wait');
  const lisi = DEMO_PEOPLE.find((p) => p.key === 'lisi')!;
  expect(await r.composed.demoCommand!('idcard present lisi')).toMatch(/^ok/);
  const card = await finalResult(page, 'idcard');
  expect(card.tone).toBe('ok');
  expect(card.text).toContain('李*');
  expect(card.text).toContain(lisi.idNumber.slice(-4));
  // Masked on screen: the full number and name appear nowhere on the page.
  const body = (await page.textContent('body')) ?? '';
  expect(body).not.toContain(lisi.idNumber);
  expect(body).not.toContain(lisi.name);
  await r.composed.demoCommand!('idcard remove');

  // 2. A port that does not exist: refused with the reason; the old thermometer keeps reading, and
  //    a person who scans while the change is tried is decided and logged.
  const oldPort = await page.locator('#device-thermometer-port').inputValue();
  await page.locator('#device-thermometer-port').fill('/dev/does-not-exist');
  const [duringRefusal, refused] = await Promise.all([
    passageDecided(r, 'grandma'),
    page.locator('#device-thermometer-apply').click().then(() => finalResult(page, 'thermometer')),
  ]);
  expect(duringRefusal).toMatch(/^(admit|deny|review)$/);
  expect(refused.tone).toBe('bad');
  expect(refused.text).toContain('PORT_UNAVAILABLE');
  expect(refused.text).toContain('/dev/does-not-exist');
  expect(refused.text).toContain(oldPort);
  // The form keeps what was typed (to correct it) and says it is not what runs.
  expect(await page.locator('[data-testid="device-thermometer-dirty"]').textContent()).toContain(oldPort);
  await page.locator('#device-thermometer-test').click();
  const still = await finalResult(page, 'thermometer');
  expect(still.tone, still.text).toBe('ok');
  expect(still.text).toMatch(/\d+\.\d\d °C.*\d+\.\d\d °C/);
  expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')).devices?.thermometer?.port).not.toBe('/dev/does-not-exist');

  // 3. A garbled reply (its checksum broken by the simulator) is a red row in the frame log; a
  //    person who scans meanwhile is decided and logged.
  expect(await r.composed.demoCommand!('thermometer corrupt')).toMatch(/^ok/);
  const red = page.locator('#devices-frames .frame-row[data-device="thermometer"][data-error="true"]', { hasText: 'FRAME_CHECKSUM' }).first();
  const [duringGarbled] = await Promise.all([passageDecided(r, 'zhaoliu'), red.waitFor({ timeout: 15_000 })]);
  expect(duringGarbled).toMatch(/^(admit|deny|review)$/);
  expect(await red.textContent()).toMatch(/checksum error/);
  expect(await red.locator('td').first().evaluate((td) => (td.ownerDocument.defaultView as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(td).color)).toBe('rgb(255, 138, 154)');
  await red.scrollIntoViewIfNeeded();
  await saveScreenshot(page, 'devices-garbled-frame');

  // 4. The thermometer moves to a head speaking GY-MCU90614 (another simulator on its own pty pair):
  //    protocol changed on screen, proven by a reply, saved, tested; the log shows request and reply.
  const dir = mkdtempSync(join(tmpdir(), 'kd-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const pair = new PtyPair(join(dir, 'th'), join(dir, 'th.sim'));
  await pair.start();
  cleanups.push(() => pair.stop());
  const gy = new ThermometerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, protocol: { name: 'gy-mcu90614', mode: 'query' } });
  gy.temperature = 36.4;
  await gy.start();
  cleanups.push(() => gy.stop());
  await page.locator('#device-thermometer-port').fill(pair.hostPath);
  await page.locator('#device-thermometer-protocol').selectOption('gy-mcu90614');
  await page.waitForSelector('#device-thermometer-param-mode');
  // The form is checked as it is typed: a wrong baud is marked, Apply is off, and the result line
  // about the earlier form is gone (it would be read as about this one).
  expect(await resultOf(page, 'thermometer').count()).toBe(0);
  await page.locator('#device-thermometer-baudRate').fill('abc');
  await page.waitForSelector('label[data-invalid="true"] #device-thermometer-baudRate');
  expect(await page.locator('#device-thermometer-apply').isDisabled()).toBe(true);
  expect(await page.locator('[data-testid="device-thermometer-errors"]').textContent()).toContain('baudRate');
  await saveScreenshot(page, 'devices-invalid-baud');
  await page.locator('#device-thermometer-baudRate').fill('9600');
  expect(await page.locator('#device-thermometer-apply').isDisabled()).toBe(false);
  // The door decides while the new head is proven (the old thermometer runs until it is).
  const [duringApply, applied] = await Promise.all([
    passageDecided(r, 'wangwu'),
    page.locator('#device-thermometer-apply').click().then(() => finalResult(page, 'thermometer')),
  ]);
  expect(duringApply).toMatch(/^(admit|deny|review)$/);
  expect(applied.tone, applied.text).toBe('ok');
  expect(applied.text).toContain('gy-mcu90614');
  const saved = JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')).devices.thermometer;
  expect(saved).toMatchObject({ port: pair.hostPath, protocol: { name: 'gy-mcu90614', mode: 'query' } });
  // A person steps up to the new head, then scans in the middle of the thermometer test: decided by
  // its reading and logged.
  const gyNextPerson = async (): Promise<void> => {
    const answeredMore = async (n: number) => {
      const target = gy.replies + n;
      await until('the GY head answering', () => gy.replies >= target, 10_000);
    };
    gy.temperature = null;
    await answeredMore(4);
    gy.temperature = 36.4;
    await answeredMore(4);
  };
  await gyNextPerson();
  const [duringTest, reading] = await Promise.all([
    passageDecided(r, 'xiaoming', async () => {}),
    page.locator('#device-thermometer-test').click().then(() => finalResult(page, 'thermometer')),
  ]);
  expect(duringTest).toBe('admit');
  expect(reading.tone, reading.text).toBe('ok');
  expect(reading.text).toContain('36.40');
  expect(gy.replies).toBeGreaterThan(0);
  // The request (GY query A5 15 BA) and the reply after the change, both in the log.
  await page.waitForSelector('#devices-frames .frame-row[data-device="thermometer"][data-dir="tx"]');
  const rows = await page.locator('#devices-frames .frame-row[data-device="thermometer"]').evaluateAll((trs) =>
    trs.map((tr) => ({ dir: tr.getAttribute('data-dir'), error: tr.getAttribute('data-error'), text: tr.textContent ?? '' })),
  );
  expect(rows.some((x) => x.dir === 'tx' && x.text.includes('A5 15 BA'))).toBe(true);
  expect(rows.some((x) => x.dir === 'rx' && x.error === null && /36\.4/.test(x.text))).toBe(true);

  expect(await page.locator('[data-testid="device-thermometer-dirty"]').count()).toBe(0);

  // 5. Calibration against a reference: raw 36.40 °C while the reference reads 37.00 °C gives an
  //    offset of +0.60 °C; saved, audited, and the corrected reading follows live.
  await page.locator('#thermo-calibration').scrollIntoViewIfNeeded();
  await until('the raw reading in the calibration box', async () => (await page.locator('#calib-raw').textContent())?.includes('36.40') ?? false, 15_000);
  await page.locator('#calib-reference').fill('37.0');
  await page.locator('#calib-take').click();
  expect(await page.locator('#calib-computed').textContent()).toMatch(/0\.60 °C.*1\.0000/);
  await page.locator('#calib-save').click();
  const calibrated = await finalResult(page, 'thermometer');
  expect(calibrated.tone, calibrated.text).toBe('ok');
  // Confirmed beside its Save button with the formula and revision; the points are cleared for the next one.
  await page.waitForSelector('#calib-saved');
  expect(await page.locator('#calib-saved').textContent()).toMatch(/Calibration saved: raw × 1\.0000 \+ 0\.60 °C \(revision \d+\)/);
  expect(await page.locator('#calib-points').count()).toBe(0);
  await until('the corrected reading', async () => (await page.locator('#calib-corrected').textContent())?.includes('37.00') ?? false, 15_000);
  expect(await page.locator('#calib-raw').textContent()).toContain('36.40');
  expect(JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')).devices.thermometer).toMatchObject({ offsetC: 0.6, gain: 1 });
  const [row] = r.composed.store!.auditOf(['thermometer-calibrated'], 5);
  expect(row!.detail).toMatchObject({ offsetC: { from: 0, to: 0.6 }, gain: { from: 1, to: 1 } });
  await screenshotsAtBothShapes(page, 'devices-calibration');

  // The door still decides with the new thermometer.
  expect(await passageDecided(r, 'zhangsan', gyNextPerson)).toBe('admit');
  await screenshotsAtBothShapes(page, 'devices-panel');
  await page.locator('#devices-frame-log').scrollIntoViewIfNeeded();
  await screenshotsAtBothShapes(page, 'devices-frame-log');
  // The integrator's default language.
  await page.locator('#console-language').click();
  await page.waitForSelector('#panel-devices h2:has-text("串口设备")');
  await page.locator('#panel-devices').evaluate((el) => el.scrollIntoView());
  await screenshotsAtBothShapes(page, 'devices-panel-zh');
}, 240_000);
