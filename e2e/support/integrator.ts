// The integrator's setup screens end to end (docs/integrator-setup.md): the real composed demo kiosk
// (SQLite in a temp data directory, the simulated devices on socat pty pairs), the browser host and
// Debian's Chromium, the console opened with the integrator's PIN. Shared by the setup e2e files so
// each one says only what its journey does; `passageDecided` is the guard's side of every journey:
// a passage in the middle of a setup action is still decided and logged.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureDemoConfig, DEMO_INTEGRATOR_PIN } from '../../src/app/compose.js';
import type { KioskConfigInput } from '../../src/contract/config.js';
import { closeKiosks, printKioskLogs, startComposedKiosk, type ComposedTestKiosk } from './composed-kiosk.js';
import { launchChromium, saveScreenshot } from './harness.js';
import { until } from './until.js';

export type RunningKiosk = ComposedTestKiosk;

/** One e2e file's kiosks and browser; `afterEach` calls `tearDown(failed)`. */
export class IntegratorRig {
  readonly running: RunningKiosk[] = [];
  private browser: Browser | null = null;
  /** A .y4m the fake camera plays (set before the first openPage); unset: Chromium's test pattern. */
  fakeVideo: string | undefined;

  /**
   * The demo kiosk on `dataDir` (a fresh temp directory when unset). `edit` changes the demo's
   * config.json before core reads it (a venue, a policy, a port).
   */
  async startDemo(options: { dataDir?: string; edit?: (config: KioskConfigInput, dataDir: string) => void } = {}): Promise<RunningKiosk> {
    const r = await startComposedKiosk({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      configure: (dataDir) => {
        ensureDemoConfig(dataDir, { checkpoint: { collectWindowMs: 2000, resetAfterMs: 3000 } });
        if (options.edit) editConfigFile(dataDir, options.edit);
      },
    });
    this.running.push(r);
    return r;
  }

  /** The guard screen of `r` in Chromium, ready. */
  async openPage(r: RunningKiosk, viewport = { width: 800, height: 1280 }): Promise<Page> {
    this.browser ??= await launchChromium(this.fakeVideo ? { fakeVideo: this.fakeVideo } : {});
    const page = await (await this.browser.newContext({ viewport })).newPage();
    page.on('pageerror', (e) => r.logs.push(`pageerror: ${e.message.slice(0, 300)}`));
    page.on('console', (m) => {
      if (m.type() === 'error') r.logs.push(`console error: ${m.text().slice(0, 300)}`);
    });
    await page.goto(r.kiosk.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    return page;
  }

  async tearDown(failed: boolean): Promise<void> {
    if (failed) printKioskLogs(this.running);
    await this.browser?.close();
    this.browser = null;
    await closeKiosks(this.running);
    this.running.length = 0;
  }
}

/** Rewrites config.json through `edit` (before the kiosk starts). */
function editConfigFile(dataDir: string, edit: (config: KioskConfigInput, dataDir: string) => void): void {
  const file = join(dataDir, 'config.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as KioskConfigInput;
  edit(config, dataDir);
  writeFileSync(file, JSON.stringify(config, null, 2));
}

/** Opens the console with the integrator's PIN and shows `panel` (its navigation id). */
export async function openIntegratorConsole(page: Page, panel?: string): Promise<void> {
  await page.locator('#admin-open').click();
  await page.waitForSelector('#console-pin');
  await page.locator('#console-pin').fill(DEMO_INTEGRATOR_PIN);
  await page.locator('#console-pin-submit').click();
  await page.waitForSelector('.console[data-state="open"][data-role="integrator"]');
  if (panel) {
    await page.locator(`#console-nav-${panel}`).click();
    await page.waitForSelector(`.console[data-panel="${panel}"]`);
  }
}

/** Saves the page at both kiosk screen shapes (portrait 800×1280, landscape 1024×600). */
export async function screenshotsAtBothShapes(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  for (const size of [
    { width: 800, height: 1280 },
    { width: 1024, height: 600 },
  ]) {
    await page.setViewportSize(size);
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    await saveScreenshot(page, `${name}-${size.width}x${size.height}`);
  }
  if (original) await page.setViewportSize(original);
}

/**
 * The guard's side of a setup journey: a demo person scans their code (the simulated serial
 * scanner), and the passage is decided and a new entry logged while the integrator works.
 * Answers the decision. `stepUp` is the person stepping up to the thermometer the kiosk reads (a
 * reading belongs to one passage, docs/door-passage.md); by default the demo's simulated one.
 */
export async function passageDecided(r: RunningKiosk, person = 'zhangsan', stepUp?: () => Promise<void>): Promise<string> {
  const store = r.composed.store;
  if (!store || !r.composed.demoCommand) throw new Error('the demo kiosk has no entry log or no demo devices');
  const before = store.entryCount();
  let decision: string | null = null;
  const off = r.composed.service.subscribe((e) => {
    if (e.type === 'passage' && e.passage.state === 'shown' && e.passage.decision) decision = e.passage.decision;
  });
  try {
    await (stepUp ? stepUp() : r.composed.demo!.thermometer.nextPerson());
    const said = await r.composed.demoCommand(`scan ${person}`);
    if (/^error/i.test(said)) throw new Error(`demo scan: ${said}`);
    await until(`a passage of ${person} decided and logged`, () => decision !== null && store.entryCount() > before, 20_000);
  } finally {
    off();
  }
  return decision!;
}
