// The integrator's trust setup end to end (docs/integrator-setup.md, "Trust"; health-code spec §2–4):
// the real composed demo kiosk behind the browser host, Debian's Chromium, the console opened with
// the integrator's PIN. A newer trust list signed by the demo root is imported from a file (as from
// a USB stick) while a person scans at the door: the passage is decided and logged, the list
// installed (its seq on screen and in core); a newer status list too (sent in two parts, each within
// one wire frame). A forged list (its payload changed after signing) is refused with its reason on
// screen and the installed one stays. A second root is added from its roots.json file: the
// fingerprint shown equals the SHA-256 the test computes over the raw key; it is pinned only after
// "it matches", saved in config.json; removed again, the last root cannot be.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { signJws } from '../src/core/codes/lists.js';
import { makeDemoPki, type DemoPki } from '../src/core/codes/pki.js';
import { IntegratorRig, openIntegratorConsole, passageDecided, screenshotsAtBothShapes } from './support/integrator.js';

const rig = new IntegratorRig();
const dirs: string[] = [];
afterEach(async (c) => {
  await rig.tearDown(c.task.result?.state === 'fail');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const tempDir = (prefix: string) => {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
};

/** The demo's trust list again with `seq` (and, for a forgery, the old signature kept). */
function trustListFile(pki: DemoPki, seq: number, options: { forge?: boolean } = {}): string {
  const [h, p, s] = pki.trustListJws.split('.') as [string, string, string];
  const payload = { ...(JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as object), seq };
  if (options.forge) return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}\n`;
  return signJws(payload, 'trust', { rootSecretKey: pki.root.secretKey, rootPublicKey: pki.root.publicKey }) + '\n';
}

const rootRows = (page: Page) => page.locator('#trust-setup-roots tbody tr');

describe('trust setup (docs/integrator-setup.md)', () => {
  it('imports a newer trust list while the guard keeps deciding, refuses a forged one with its reason, adds a root confirmed by fingerprint and keeps the last one', async () => {
    const dataDir = tempDir('kiosk-e2e-trust-setup-');
    const r = await rig.startDemo({ dataDir });
    const pki = r.composed.demoPki!;
    const page = await rig.openPage(r);
    await openIntegratorConsole(page, 'trust');
    await page.waitForSelector('#trust-setup');

    // One pinned root (the demo's): shown with its fingerprint; removing it is not offered.
    await expect.poll(() => rootRows(page).count()).toBe(1);
    const demoRoot = pki.roots[0]!;
    const demoSha = createHash('sha256').update(pki.root.publicKey).digest('hex');
    expect(await rootRows(page).first().locator('[data-sha256]').getAttribute('data-sha256')).toBe(demoSha);
    expect(await page.locator(`.trust-root-remove[data-kid="${demoRoot.kid}"]`).isDisabled()).toBe(true);
    expect(await page.locator('#trust-root-last').textContent()).toMatch(/at least one pinned root|至少需要一个/);
    // No collector in the demo: "sync now" says why it cannot run.
    expect(await page.locator('#trust-sync').isDisabled()).toBe(true);
    expect(await page.locator('#trust-sync-why').textContent()).toContain('upload.collectorUrl');

    // A newer trust list from a file, imported while a person scans at the door.
    const before = r.composed.lists.trustList!.seq;
    const files = tempDir('kiosk-e2e-trust-files-');
    const newer = join(files, 'trust-list.jws');
    writeFileSync(newer, trustListFile(pki, before + 1));
    const [decision] = await Promise.all([
      passageDecided(r, 'zhangsan'),
      (async () => {
        await page.locator('#trust-import-trust').setInputFiles(newer);
        await page.waitForSelector('#trust-import-trust-result[data-tone="ok"]', { timeout: 20_000 });
      })(),
    ]);
    expect(decision).toBe('admit');
    expect(r.composed.lists.trustList!.seq).toBe(before + 1);
    expect(await page.locator('#trust-import-trust-result').textContent()).toMatch(new RegExp(`(seq|序号) ${before + 1}`));
    await expect.poll(() => page.locator('[data-testid="trust-seq"]').textContent()).toBe(String(before + 1));
    expect(readFileSync(join(dataDir, 'lists', 'trust-list.jws'), 'utf8')).toBe(readFileSync(newer, 'utf8').trim());

    // A newer status list (about 72,000 characters: sent in two parts, each within one wire frame).
    const statusBefore = r.composed.lists.statusList!.seq;
    const sp = pki.statusListJws.split('.')[1]!;
    const statusPayload = { ...(JSON.parse(Buffer.from(sp, 'base64url').toString('utf8')) as object), seq: statusBefore + 1 };
    const statusText = signJws(statusPayload, 'status', { rootSecretKey: pki.root.secretKey, rootPublicKey: pki.root.publicKey });
    expect(statusText.length).toBeGreaterThan(48 * 1024);
    const statusFile = join(files, 'status-list.jws');
    writeFileSync(statusFile, statusText + '\n');
    await page.locator('#trust-import-status').setInputFiles(statusFile);
    await page.waitForSelector('#trust-import-status-result[data-tone="ok"]', { timeout: 20_000 });
    expect(r.composed.lists.statusList!.seq).toBe(statusBefore + 1);
    expect(await page.locator('#trust-import-status-result').textContent()).toContain(String(r.composed.lists.statusList!.count));
    await expect.poll(() => page.locator('[data-testid="status-seq"]').textContent()).toBe(String(statusBefore + 1));

    // A forged list (newer seq, the signature of another payload): refused with its reason; the
    // installed one stays; a person who scans while it is checked is decided and logged.
    const forged = join(files, 'forged-trust-list.jws');
    writeFileSync(forged, trustListFile(pki, before + 5, { forge: true }));
    const [duringForged] = await Promise.all([
      passageDecided(r, 'grandma'),
      (async () => {
        await page.locator('#trust-import-trust').setInputFiles(forged);
        await page.waitForSelector('#trust-import-trust-result[data-tone="bad"]', { timeout: 20_000 });
      })(),
    ]);
    expect(duringForged).toBe('admit');
    expect(await page.locator('#trust-import-trust-result').getAttribute('data-reason')).toBe('SIGNATURE_INVALID');
    expect(await page.locator('#trust-import-trust-result').textContent()).toMatch(/密钥列表被拒绝，原列表继续使用: 签名无效 \(SIGNATURE_INVALID\)|Key list refused.*signature invalid/);
    expect(r.composed.lists.trustList!.seq).toBe(before + 1);
    await page.locator('#trust-refresh').click();
    await expect.poll(() => page.locator('[data-testid="trust-seq"]').textContent()).toBe(String(before + 1));
    await page.setViewportSize({ width: 1024, height: 600 });
    await page.locator('#trust-import-trust-result').scrollIntoViewIfNeeded();
    await screenshotsAtBothShapes(page, 'trust-setup-forged-refused');

    // A second root (a rotation's new root) from its roots.json: fingerprint shown big, then confirmed.
    const second = makeDemoPki({ seed: 'e2e-trust-setup-second-root' });
    const secondRoot = second.roots[0]!;
    const secondSha = createHash('sha256').update(second.root.publicKey).digest('hex');
    const rootsFile = join(files, 'roots.json');
    writeFileSync(rootsFile, JSON.stringify(second.roots, null, 2) + '\n');
    await page.locator('#trust-root-file').setInputFiles(rootsFile);
    await expect.poll(() => page.locator('#trust-root-text').inputValue()).toContain(secondRoot.pub);
    await page.locator('#trust-root-preview').click();
    await page.waitForSelector('#trust-root-fingerprint');
    const shown = (await page.locator('#trust-root-fingerprint').innerText()).replace(/\s+/g, ' ').trim();
    expect(shown).toBe((secondSha.match(/.{4}/g) ?? []).join(' '));
    expect(await page.locator('#trust-root-signs').textContent()).toMatch(/not the key list|未签发密钥列表/);
    // Nothing pinned before the confirmation.
    expect((JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')) as { roots: unknown[] }).roots).toHaveLength(1);
    // Scrolled into view at the smaller shape, so both shots show the fingerprint to read out.
    await page.setViewportSize({ width: 1024, height: 600 });
    await page.locator('#trust-root-confirm-box').scrollIntoViewIfNeeded();
    await screenshotsAtBothShapes(page, 'trust-setup-root-fingerprint');
    // Confirmed while a person scans at the door: decided and logged, the root pinned.
    const [duringConfirm] = await Promise.all([passageDecided(r, 'xiaoming'), page.locator('#trust-root-confirm').click()]);
    expect(duringConfirm).toMatch(/^(admit|deny|review)$/);
    await expect.poll(() => rootRows(page).count()).toBe(2);
    expect(await page.locator(`#trust-setup-roots tr[data-kid="${secondRoot.kid}"] [data-sha256]`).getAttribute('data-sha256')).toBe(secondSha);
    expect((JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')) as { roots: unknown[] }).roots).toEqual([demoRoot, secondRoot]);
    expect(r.composed.lists.pinnedRoots).toEqual([demoRoot, secondRoot]);
    await page.setViewportSize({ width: 1024, height: 600 });
    await page.locator('#trust-setup-roots').scrollIntoViewIfNeeded();
    await screenshotsAtBothShapes(page, 'trust-setup-two-roots');

    // Removing the demo root is refused: it alone signs the lists in use.
    await page.locator(`.trust-root-remove[data-kid="${demoRoot.kid}"]`).click();
    await page.waitForSelector('#trust-root-result[data-tone="bad"]');
    expect(await page.locator('#trust-root-result').textContent()).toContain('only pinned root that signs the trust list in use');
    // Down to one: the second root goes; the last one cannot.
    await page.locator(`.trust-root-remove[data-kid="${secondRoot.kid}"]`).click();
    await expect.poll(() => rootRows(page).count()).toBe(1);
    expect(await page.locator(`.trust-root-remove[data-kid="${demoRoot.kid}"]`).isDisabled()).toBe(true);
    expect((JSON.parse(readFileSync(join(dataDir, 'config.json'), 'utf8')) as { roots: unknown[] }).roots).toEqual([demoRoot]);
    // And the guard still decides on the installed list.
    expect(await passageDecided(r, 'lisi')).toMatch(/^(admit|deny|review)$/);
    expect(r.composed.lists.trustList!.seq).toBe(before + 1);
  });
});
