// The guard screen laid out on every screen a door kiosk has (docs/guard-screen.md, "Layout"):
// portrait 1080×1920 and 800×1280, landscape 1920×1080, 1280×800 and 1024×600, in zh-CN and English,
// for idle, PASS, STOP with two reasons, CHECK, collecting and out of service. At each size and state the
// page itself is measured in Chromium: nothing visible overlaps anything else or leaves the screen,
// no name, number+unit, status chip or button breaks across lines, and the verdict is large enough
// to read at 2 m. A screenshot of each is saved as test-results/e2e/layout-<state>-<lang>-<W>x<H>.png.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { IDLE_PASSAGE, type KioskStatus, type PassageView } from '../src/contract/api.js';
import { ROOT, launchChromium, saveScreenshot, startTestKiosk, type TestKiosk } from './support/harness.js';
import { scriptedService, shownPassage, type ScriptedService } from './support/scripted-service.js';

export const SCREEN_SIZES = [
  { width: 1080, height: 1920 },
  { width: 800, height: 1280 },
  { width: 1280, height: 800 },
  { width: 1024, height: 600 },
  { width: 1920, height: 1080 },
] as const;

/**
 * The smallest verdict (PASS/STOP/CHECK) headline, in CSS px: about 16 mm of glyph on a 7-inch
 * 1024×600 panel (≈ 6.7 px/mm), the letter height signage guidance asks for at 2 m.
 */
const MIN_VERDICT_PX = 110;

/** A busy status bar: every device kind, one faulty, clock and storage alarms, uploads waiting. */
function busyStatus(): Partial<KioskStatus> {
  const now = Date.now();
  return {
    devices: [
      { id: 'camera', kind: 'camera', state: 'ok', reason: null, detail: null, simulated: false },
      { id: 'scanner', kind: 'scanner', state: 'ok', reason: null, detail: null, simulated: true },
      { id: 'reader', kind: 'cardReader', state: 'ok', reason: null, detail: null, simulated: true },
      { id: 'thermo', kind: 'thermometer', state: 'offline', reason: 'FRAME_CHECKSUM', detail: 'no valid frame in 1200 ms', simulated: true },
      { id: 'gate', kind: 'gate', state: 'ok', reason: null, detail: null, simulated: true },
      { id: 'storage', kind: 'storage', state: 'ok', reason: null, detail: null, simulated: false },
    ],
    connectivity: { online: false, uploadsPending: 1234, lastUploadAt: null },
    trustList: { state: 'stale', seq: 7, issuedAt: now - 10 * 86_400_000, nextUpdateAt: now - 3 * 86_400_000 },
    clock: { warning: true, now, newestSeenAt: now + 3_600_000 },
  };
}

type StateName = 'idle' | 'pass' | 'stop-two-reasons' | 'check' | 'check-dcc' | 'collecting';

function passageFor(state: StateName): PassageView {
  const at = Date.now();
  switch (state) {
    case 'idle':
      return { ...IDLE_PASSAGE, at };
    case 'pass':
      return shownPassage('p-pass', { decision: 'admit', maskedName: '欧阳**', provinceCode: '150000', temperatureC: 36.6, at });
    case 'stop-two-reasons':
      return shownPassage('p-stop', {
        decision: 'deny',
        reason: 'STATUS_RED',
        reasons: ['STATUS_RED', 'FEVER'],
        maskedName: '王*',
        provinceCode: '230000',
        temperatureC: 38.6,
        trustListStale: true,
        at,
      });
    case 'check':
      return shownPassage('p-check', {
        decision: 'review',
        reason: 'ANTI_PASSBACK',
        reasons: ['ANTI_PASSBACK', 'STATUS_LIST_STALE'],
        awaitingGuard: true,
        heldAttempts: 1,
        heldAt: at,
        maskedName: '司马**',
        provinceCode: '650000',
        temperatureC: 36.9,
        resetInMs: 30_000,
        at,
      });
    case 'check-dcc':
      // An EU certificate beside an ID card: the longest origin line and reason (docs/guard-screen.md).
      return shownPassage('p-check-dcc', {
        decision: 'review',
        reason: 'DCC_CARD_UNMATCHED',
        reasons: ['DCC_CARD_UNMATCHED'],
        awaitingGuard: true,
        maskedName: 'M********** S************',
        provinceCode: null,
        dcc: { type: 'r', country: 'DE' },
        temperatureC: 36.9,
        resetInMs: 30_000,
        at,
      });
    case 'collecting':
      return {
        ...shownPassage('p-collect', { at }),
        state: 'collecting',
        decision: null,
        collected: { code: true, card: false, temperature: false },
        missing: ['card', 'temperature'],
        maskedName: null,
        provinceCode: null,
        temperatureC: null,
        resetInMs: null,
        collectInMs: 8000,
        entryId: null,
      };
  }
}

interface LayoutReport {
  problems: string[];
  verdictPx: number;
  tone: string;
}

/** The in-page probe (e2e/support/layout-probe.js): overlaps, text off screen, broken atomic texts, verdict size. */
const LAYOUT_PROBE = readFileSync(join(ROOT, 'e2e', 'support', 'layout-probe.js'), 'utf8');

async function show(page: Page, scripted: ScriptedService, state: StateName): Promise<void> {
  const passage = passageFor(state);
  scripted.emit({ type: 'passage', passage });
  await page.waitForSelector(`#guard[data-passage-id="${passage.passageId ?? ''}"][data-state="${passage.state}"]`);
}

async function setLanguage(page: Page, language: 'zh-CN' | 'en'): Promise<void> {
  if ((await page.locator('html').getAttribute('lang')) === language) return;
  await page.locator('#language-toggle').click();
  await page.waitForSelector(`html[lang="${language}"]`);
}

describe('guard screen layout on portrait and small screens', () => {
  let kiosk: TestKiosk;
  let browser: Browser;
  let page: Page;
  let scripted: ScriptedService;
  const failures: string[] = [];

  beforeAll(async () => {
    // Guards configured: CHECK carries the PIN field too, the fullest the screen gets.
    scripted = scriptedService((_t, id) => shownPassage(id, { decision: 'admit' }), busyStatus(), { guardPin: '4321' });
    kiosk = await startTestKiosk({ serviceHandle: async () => ({ service: scripted.service, banner: [], close: async () => {} }) });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    await page.goto(kiosk.url);
    await page.waitForSelector('body[data-ready="true"][data-core-alive="true"]', { timeout: 20_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await kiosk?.close();
  });

  async function check(label: string, verdict: boolean): Promise<void> {
    // Two frames so layout and fonts have settled.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    const report = (await page.evaluate(LAYOUT_PROBE)) as LayoutReport;
    for (const p of report.problems) failures.push(`${label}: ${p}`);
    if (verdict && report.verdictPx < MIN_VERDICT_PX) failures.push(`${label}: verdict ${report.verdictPx}px < ${MIN_VERDICT_PX}px`);
    await saveScreenshot(page, `layout-${label}`);
  }

  it('lays out idle, PASS, STOP with two reasons, CHECK and collecting at every size in both languages without overlap or broken words', async () => {
    for (const language of ['zh-CN', 'en'] as const) {
      await page.setViewportSize({ width: 1280, height: 800 });
      await setLanguage(page, language);
      for (const size of SCREEN_SIZES) {
        await page.setViewportSize(size);
        for (const state of ['idle', 'pass', 'stop-two-reasons', 'check', 'check-dcc', 'collecting'] as const) {
          await show(page, scripted, state);
          await check(`${state}-${language}-${size.width}x${size.height}`, state !== 'collecting' && state !== 'idle');
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('shows the reasons, the wait notice and what is missing in words', async () => {
    await page.setViewportSize({ width: 800, height: 1280 });
    await setLanguage(page, 'en');
    await show(page, scripted, 'stop-two-reasons');
    expect(await page.locator('#reason').textContent()).toBe('Red code: no entry');
    expect(await page.locator('#other-reasons li').allTextContents()).toEqual(['Temperature too high']);
    expect(await page.locator('#person-temperature').textContent()).toBe('38.6 °C');
    await show(page, scripted, 'check');
    expect(await page.locator('#wait-guard').textContent()).toBe('Please wait for the guard');
    await show(page, scripted, 'check-dcc');
    expect(await page.locator('#person-province').textContent()).toBe('EU certificate · DE · recovery');
    await show(page, scripted, 'collecting');
    expect(await page.locator('#hints li').allTextContents()).toEqual(['Tap your ID card', 'Face the thermometer']);
    expect(await page.locator('#countdown').textContent()).toMatch(/^\d s left$/);
    expect(await page.locator('#preview').getAttribute('data-visible')).toBe('true');
    await setLanguage(page, 'zh-CN');
    expect(await page.locator('#hints li').allTextContents()).toEqual(['请刷身份证', '请面向测温仪']);
    // A tap on the red thermometer chip says why, in words, with the driver's detail.
    expect(await page.locator('#device-detail').isVisible()).toBe(false);
    await page.locator('#status-items li[data-id="device-thermo"]').click();
    expect(await page.locator('#device-detail').textContent()).toBe('测温仪: 数据校验错误 · no valid frame in 1200 ms');
    await check('device-detail-zh-CN-800x1280', false);
    expect(failures).toEqual([]);
  });

  it('lays out out of service at every size (the host gone: socket closed)', async () => {
    failures.length = 0;
    await page.setViewportSize({ width: 1280, height: 800 });
    await setLanguage(page, 'zh-CN');
    await kiosk.running.host.close();
    await page.waitForSelector('#guard[data-tone="out"]');
    for (const size of SCREEN_SIZES) {
      await page.setViewportSize(size);
      await check(`out-of-service-zh-CN-${size.width}x${size.height}`, false);
    }
    expect(failures).toEqual([]);
  });
});
