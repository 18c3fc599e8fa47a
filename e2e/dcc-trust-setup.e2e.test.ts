// The integrator imports the signed DSC list of EU DCC signer certificates (docs/dcc-trust.md) from a
// file on the trust screen of the composed demo kiosk in Chromium: a newer list is installed with its
// seq and count shown, an older one is refused ROLLBACK in words and code, and the installed one stays;
// the list in use again is "unchanged", and a newer list past its nextUpdate is installed with a warning.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDemoDcc } from '../src/core/codes/dcc/demo-dcc.js';
import { saveScreenshot } from './support/harness.js';
import { IntegratorRig, openIntegratorConsole } from './support/integrator.js';

const rig = new IntegratorRig();
const dirs: string[] = [];
afterEach(async (c) => {
  await rig.tearDown(c.task.result?.state === 'fail');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('trust setup: the DSC list (docs/dcc-trust.md)', () => {
  it('imports a newer DSC list from a file and refuses an older one with its reason', async () => {
    const files = mkdtempSync(join(tmpdir(), 'kiosk-e2e-dsc-files-'));
    dirs.push(files);
    const r = await rig.startDemo();
    const root = r.composed.demoPki!.root;
    const installed = r.composed.dscList.list!.seq;
    const now = Math.floor(Date.now() / 1000);
    const newer = join(files, 'dsc-newer.jws');
    writeFileSync(newer, makeDemoDcc({ root, now, dscListSeq: installed + 1, dscs: r.composed.demoDcc!.dscs }).dscListJws + '\n');
    const older = join(files, 'dsc-older.jws');
    writeFileSync(older, makeDemoDcc({ root, now, dscListSeq: installed, dscs: r.composed.demoDcc!.dscs }).dscListJws + '\n');

    const page = await rig.openPage(r);
    await openIntegratorConsole(page, 'trust');
    await page.waitForSelector('#trust-import-dsc');
    await page.locator('#trust-import-dsc').setInputFiles(newer);
    await page.waitForSelector('#trust-import-dsc-result[data-tone="ok"]', { timeout: 20_000 });
    expect(await page.locator('#trust-import-dsc-result').textContent()).toMatch(new RegExp(`欧盟签名证书列表已安装：序号 ${installed + 1}.*3 个签名证书`));
    expect(r.composed.dscList.list!.seq).toBe(installed + 1);

    await page.locator('#trust-import-dsc').setInputFiles(older);
    await page.waitForSelector('#trust-import-dsc-result[data-tone="bad"]');
    expect(await page.locator('#trust-import-dsc-result').getAttribute('data-reason')).toBe('ROLLBACK');
    expect(await page.locator('#trust-import-dsc-result').textContent()).toContain('欧盟签名证书列表被拒绝，原列表继续使用');
    expect(r.composed.dscList.list!.seq).toBe(installed + 1);
    await page.locator('#trust-import-dsc-result').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'dcc-trust-setup-dsc-import');
  });

  it('takes the list in use again as unchanged, and installs a list past its nextUpdate with a warning on screen', async () => {
    const files = mkdtempSync(join(tmpdir(), 'kiosk-e2e-dsc-files-'));
    dirs.push(files);
    const r = await rig.startDemo();
    const root = r.composed.demoPki!.root;
    const installed = r.composed.dscList.list!.seq;
    const newer = join(files, 'dsc-newer.jws');
    writeFileSync(newer, makeDemoDcc({ root, now: Math.floor(Date.now() / 1000), dscListSeq: installed + 1, dscs: r.composed.demoDcc!.dscs }).dscListJws + '\n');
    // Signed by the root and newer still, but dated three days back: its nextUpdate has passed.
    const late = join(files, 'dsc-late.jws');
    writeFileSync(late, makeDemoDcc({ root, now: Math.floor(Date.now() / 1000) - 3 * 86_400, dscListSeq: installed + 2, dscs: r.composed.demoDcc!.dscs }).dscListJws + '\n');

    const page = await rig.openPage(r);
    await openIntegratorConsole(page, 'trust');
    await page.waitForSelector('#trust-import-dsc');
    await page.locator('#trust-import-dsc').setInputFiles(newer);
    await page.waitForSelector('#trust-import-dsc-result[data-tone="ok"]', { timeout: 20_000 });
    await page.locator('#trust-import-dsc').setInputFiles(newer);
    await page.waitForSelector('#trust-import-dsc-result[data-tone="ok"]:has-text("未变")', { timeout: 20_000 });
    expect(await page.locator('#trust-import-dsc-result').textContent()).toMatch(new RegExp(`欧盟签名证书列表未变：这正是已在使用的列表（序号 ${installed + 1}`));

    await page.locator('#trust-import-dsc').setInputFiles(late);
    await page.waitForSelector('#trust-import-dsc-result[data-tone="warn"]', { timeout: 20_000 });
    const text = await page.locator('#trust-import-dsc-result').textContent();
    expect(text).toMatch(new RegExp(`欧盟签名证书列表已安装：序号 ${installed + 2}`));
    expect(text).toContain('注意：该列表已过下次更新时间');
    expect(r.composed.dscList.list!.seq).toBe(installed + 2);
    await page.locator('#trust-import-dsc-result').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'dcc-trust-setup-dsc-import-late');
  });
});
