// A pinned root that did not sign the installed trust list, seen on the guard screen (health-code
// spec §4; docs/security.md): the key-list chip is red with the reason, and a tap names the list's
// signer and the pinned root with its fingerprint, instead of a bare "no key list" while every code
// is refused as issuer unknown. Real browser host on a real data directory, two real demo PKIs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rootFingerprint } from '../src/core/admin/trust-methods.js';
import { hashAdminPin } from '../src/core/checkpoint/admin-pin.js';
import { ListCache } from '../src/core/codes/list-cache.js';
import { makeDemoPki } from '../src/core/codes/pki.js';
import { configPath } from '../src/core/config/config.js';
import { launchChromium, openKioskPage, saveScreenshot, scratchDir, startTestKiosk, type TestKiosk } from './support/harness.js';

const scratch = scratchDir('kiosk-trust-root-');
let kiosk: TestKiosk | null = null;
let browser: Browser | null = null;
afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && kiosk) process.stderr.write(`kiosk log:\n  ${kiosk.logLines.join('\n  ')}\n`);
  await browser?.close();
  browser = null;
  await kiosk?.close();
  kiosk = null;
});
afterAll(() => scratch.remove());

describe('guard screen: a trust list the pinned root did not sign', () => {
  it('shows the key-list chip red with the reason; a tap names the signer and the pinned root', async () => {
    const national = makeDemoPki({ seed: 'national root' });
    const other = makeDemoPki({ seed: 'a second root' });
    const dataDir = join(scratch.dir, 'mismatch');
    mkdirSync(dataDir, { recursive: true });
    // The national list was installed (as a sync would have); config.json pins another root.
    expect(new ListCache(dataDir, national.roots).load().installTrust(national.trustListJws).accepted).toBe(true);
    writeFileSync(configPath(dataDir), JSON.stringify({ venueId: 'mall', kioskId: 'lane-1', roots: other.roots, admin: { pin: hashAdminPin('2468') } }), { mode: 0o600 });

    kiosk = await startTestKiosk({ dataDir });
    browser = await launchChromium();
    const page = await openKioskPage(browser, kiosk.url);
    const chip = page.locator('#status-items li[data-id="trust-list"]');
    await chip.waitFor();
    expect(await chip.getAttribute('data-level')).toBe('bad');
    expect(await chip.textContent()).toBe('密钥列表无效: 根密钥不匹配');
    await chip.click();
    const detail = page.locator('#device-detail');
    await detail.waitFor({ state: 'visible' });
    const text = (await detail.textContent()) ?? '';
    // In the screen's language (zh-CN here), not core's English log sentence.
    expect(text).toContain(`已安装的密钥列表由根公钥 ${national.roots[0]!.kid} 签发，该根公钥未固定`);
    expect(text).toContain(`${other.roots[0]!.kid}（SHA-256 ${rootFingerprint(other.roots[0]!.pub)!}）`);
    expect(text).not.toContain('signed by root');
    await saveScreenshot(page, 'guard-trust-list-root-mismatch');

    // The admin's trust screen gives the same warning, and the same detail.
    await page.locator('#admin-open').click();
    await page.locator('#console-pin').fill('2468');
    await page.locator('#console-pin-submit').click();
    await page.waitForSelector('.console[data-state="open"]');
    await page.locator('#console-nav-trust').click();
    await page.locator('#trust-warnings li[data-warning="trustListRefused"]').waitFor();
    expect(await page.locator('#trust-warnings li[data-warning="trustListMissing"]').count()).toBe(0);
    const problem = page.locator('#trust-list-problems li[data-list="trust"]');
    expect(await problem.getAttribute('data-reason')).toBe('ROOT_UNKNOWN');
    expect(await problem.textContent()).toContain(`密钥列表无效: 根密钥不匹配: 已安装的密钥列表由根公钥 ${national.roots[0]!.kid} 签发`);
    await saveScreenshot(page, 'console-trust-list-root-mismatch');
  });
});
