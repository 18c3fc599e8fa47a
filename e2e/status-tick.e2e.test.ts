// The status bar turns stale on its own: the demo kiosk with its clock injected (real timers, a
// time the test moves forward) and no collector, so no list sync and no upload callback ever says
// anything. When the trust list passes nextUpdate, core's status tick pushes `lists` and the
// screen's trust-list chip turns amber (health-code spec §2; docs/guard-screen.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { composeKiosk, ensureDemoConfig } from '../src/app/compose.js';
import { JumpClock } from './support/jump-clock.js';
import { launchChromium, openKioskPage, saveScreenshot, startTestKiosk, type TestKiosk } from './support/harness.js';

const DAY_MS = 86_400_000;

describe('status bar freshness with the network down', () => {
  let kiosk: TestKiosk;
  let browser: Browser;
  const clock = new JumpClock();
  const logs: string[] = [];
  beforeAll(async () => {
    kiosk = await startTestKiosk({
      serviceHandle: async (dataDir) => {
        ensureDemoConfig(dataDir);
        return composeKiosk({ dataDir, log: (line) => logs.push(line), clock });
      },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await kiosk?.close();
  });

  it('the trust-list chip turns stale on its own when the list passes nextUpdate', async () => {
    const page = await openKioskPage(browser, kiosk.url);
    const chip = page.locator('#status-items li[data-id="trust-list"]');
    expect(await chip.getAttribute('data-level')).toBe('ok');
    // The demo's trust list: issued an hour before start, next update 7 days after issue.
    clock.offsetMs = 7 * DAY_MS;
    await page.waitForSelector('#status-items li[data-id="trust-list"][data-level="warn"]', { timeout: 10_000 });
    await saveScreenshot(page, 'status-bar-trust-list-stale');
    await page.context().close();
  });
});
