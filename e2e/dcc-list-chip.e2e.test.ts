// The DSC list's chip on the guard screen's status bar (docs/dcc-trust.md, "Freshness";
// docs/guard-screen.md): the embedded demo composition (foreign credentials accepted, the demo's DSC
// list installed, signed by the demo root), the browser host and Debian's Chromium, no collector.
// The chip is green with the list's age; when the list passes its nextUpdate the status tick alone
// turns it amber, as the key list's chip. A venue that does not accept foreign credentials shows none.
// Screenshots under test-results/e2e/.
import { afterEach, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { composeKiosk, ensureDemoConfig } from '../src/app/compose.js';
import { JumpClock } from './support/jump-clock.js';
import { launchChromium, openKioskPage, saveScreenshot, startTestKiosk, type TestKiosk } from './support/harness.js';

const DAY_MS = 86_400_000;
const CHIP = '#status-items li[data-id="dsc-list"]';

describe('the DSC list chip (docs/dcc-trust.md)', () => {
  let kiosk: TestKiosk | null = null;
  let browser: Browser | null = null;
  const logs: string[] = [];
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') process.stderr.write(`kiosk log:\n  ${[...logs, ...(kiosk?.logLines ?? [])].join('\n  ')}\n`);
    await browser?.close();
    await kiosk?.close();
    browser = null;
    kiosk = null;
    logs.length = 0;
  });

  async function start(clock: JumpClock, policy: Record<string, unknown> = {}) {
    kiosk = await startTestKiosk({
      serviceHandle: async (dataDir) => {
        ensureDemoConfig(dataDir, { policy });
        return composeKiosk({ dataDir, log: (line) => logs.push(line), clock });
      },
    });
    browser = await launchChromium();
    return openKioskPage(browser, kiosk.url);
  }

  it('is green with its age in the demo, and turns amber on its own past the list nextUpdate', async () => {
    const clock = new JumpClock();
    const page = await start(clock);
    const chip = page.locator(CHIP);
    await chip.waitFor({ timeout: 10_000 });
    expect(await chip.getAttribute('data-level')).toBe('ok');
    // The demo's DSC list: issued an hour before start (docs/dcc-trust.md, "Demo").
    expect(await chip.textContent()).toMatch(/^(欧盟证书列表 \d+(分钟|小时)|EU signer list \d+ (min|h))$/);
    // The idle invitation names the certificate beside the health code (docs/dcc-policy.md).
    expect(await page.locator('#headline').textContent()).toMatch(/欧盟证书|EU certificate/);
    await saveScreenshot(page, 'dcc-list-chip-fresh');
    // Its nextUpdate is a day after issue: a day on, past it, with no collector to say anything.
    clock.offsetMs = DAY_MS;
    await page.waitForSelector(`${CHIP}[data-level="warn"]`, { timeout: 10_000 });
    expect(await chip.textContent()).toMatch(/^(欧盟证书列表待更新|EU signer list due) /);
    await saveScreenshot(page, 'dcc-list-chip-stale');
  });

  it('is not shown where the venue does not accept foreign credentials', async () => {
    const page = await start(new JumpClock(), { dccAccept: false });
    await page.waitForSelector('#status-items li[data-id="trust-list"]', { timeout: 10_000 });
    expect(await page.locator(CHIP).count()).toBe(0);
    expect(await page.locator('#headline').textContent()).not.toMatch(/欧盟证书|EU certificate/);
  });
});
