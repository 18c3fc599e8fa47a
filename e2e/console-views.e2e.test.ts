// The admin console's trust, retention and audit screens end to end: the real composed demo kiosk
// (SQLite in a temp data directory, its demo PKI and lists, simulated devices on socat pty pairs),
// the browser host and Debian's Chromium. Core's clock is injected (real timers, a time the test moves
// forward) so entries can age past the retention period without waiting weeks. What the screens say
// is checked against what core computes and against the SQLite file itself. Screenshots under
// test-results/e2e/, in zh-CN and English, at 800×1280 and 1024×600.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { composeKiosk, ensureDemoConfig, DEMO_ADMIN_PIN, type ComposedKiosk } from '../src/app/compose.js';
import { rootFingerprint } from '../src/core/admin/trust-methods.js';
import { databasePath } from '../src/core/store/db.js';
import { samplePassage } from '../src/core/store/test-support.js';
import { JumpClock } from './support/jump-clock.js';
import { launchChromium, saveScreenshot, startTestKiosk, type TestKiosk } from './support/harness.js';

const DAY_MS = 86_400_000;
const clock = new JumpClock();
const logs: string[] = [];
let kiosk: TestKiosk;
let composed: ComposedKiosk;
let browser: Browser;

beforeAll(async () => {
  kiosk = await startTestKiosk({
    serviceHandle: async (dataDir) => {
      ensureDemoConfig(dataDir);
      composed = await composeKiosk({ dataDir, log: (line) => logs.push(line), clock });
      return composed;
    },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await kiosk?.close();
});

/** Reads the kiosk's SQLite file on its own read-only connection (what is really stored). */
function sql<T>(query: string): T {
  const db = new Database(databasePath(kiosk.dataDir), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(query).pluck().get() as T;
  } finally {
    db.close();
  }
}

async function openPage(viewport = { width: 1024, height: 600 }): Promise<Page> {
  const page = await (await browser.newContext({ viewport, acceptDownloads: true })).newPage();
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message.slice(0, 300)}`));
  await page.goto(kiosk.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  return page;
}

async function openConsole(page: Page, pin = DEMO_ADMIN_PIN): Promise<void> {
  await page.locator('#admin-open').click();
  await page.waitForSelector('#console-pin');
  await page.locator('#console-pin').fill(pin);
  await page.locator('#console-pin-submit').click();
  await page.waitForSelector('.console[data-state="open"]');
}

async function showPanel(page: Page, id: string): Promise<void> {
  await page.locator(`#console-nav-${id}`).click();
  await page.waitForSelector(`#panel-${id}`);
}

async function setLanguage(page: Page, language: 'zh-CN' | 'en'): Promise<void> {
  if ((await page.locator('.console').getAttribute('lang')) !== language) await page.locator('#console-language').click();
  await page.waitForSelector(`.console[lang="${language}"]`);
}

/** Both languages at the portrait and the small landscape kiosk screen. */
async function screenshots(page: Page, name: string): Promise<void> {
  for (const language of ['zh-CN', 'en'] as const) {
    await setLanguage(page, language);
    for (const size of [{ width: 800, height: 1280 }, { width: 1024, height: 600 }]) {
      await page.setViewportSize(size);
      // Two frames: the resized layout is painted (a string, since e2e code is typed for Node, not the DOM).
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      await saveScreenshot(page, `${name}-${language}-${size.width}x${size.height}`);
    }
  }
  await page.setViewportSize({ width: 1024, height: 600 });
}

describe('console views: trust, audit, retention', () => {
  it('the trust screen shows the demo trust list and the pinned root fingerprint core computes', async () => {
    const page = await openPage();
    await openConsole(page);
    await showPanel(page, 'trust');
    await page.waitForSelector('[data-testid="trust-seq"]');
    const trust = composed.lists.trustList!;
    expect(await page.locator('[data-testid="trust-seq"]').textContent()).toBe(String(trust.seq));
    expect(await page.locator('[data-testid="trust-keys"]').textContent()).toBe(String(trust.keys.size));
    expect(await page.locator('[data-testid="status-records"]').textContent()).toBe(String(composed.lists.statusList!.count));
    const cell = page.locator('[data-testid="root-fingerprint-0"]');
    const expected = rootFingerprint(composed.config.roots[0]!.pub)!;
    expect(await cell.getAttribute('data-sha256')).toBe(expected);
    // Shown in groups of four for reading out.
    expect((await cell.textContent())!.replace(/\s/g, '')).toBe(expected);
    expect((await cell.textContent())!.split(' ')).toHaveLength(16);
    expect(await page.locator('#trust-provinces tbody tr').count()).toBe(new Set([...trust.keys.values()].map((k) => k.iss)).size);
    expect(await page.locator('#trust-warnings').count()).toBe(0);
    // The demo accepts EU certificates: the DSC list beside the others, its signers by country.
    expect(await page.locator('[data-testid="dsc-certificates"]').textContent()).toBe(String(composed.dscList.list!.dscs.size));
    expect(await page.locator('[data-testid="dsc-countries"]').textContent()).toMatch(/^AT 1 · DE 1 · FR 1$/);
    await screenshots(page, 'console-trust');
    await page.context().close();
  });

  it('the audit view lists a PIN failure made here, filters to it and downloads it as CSV', async () => {
    const page = await openPage();
    await page.locator('#admin-open').click();
    await page.waitForSelector('#console-pin');
    await page.locator('#console-pin').fill('97531');
    await page.locator('#console-pin-submit').click();
    await page.waitForSelector('#console-pin-error[data-reason="UNAUTHORIZED"]');
    await page.locator('#console-pin').fill(DEMO_ADMIN_PIN);
    await page.locator('#console-pin-submit').click();
    await page.waitForSelector('.console[data-state="open"]');
    await showPanel(page, 'audit');
    await page.waitForSelector('#audit-matched');
    expect(await page.locator('#audit-rows tr[data-action="admin-pin-failed"]').count()).toBe(1);

    await page.locator('#audit-kind-pinFailures').check();
    await page.locator('#audit-apply').click();
    await page.waitForSelector('#audit-matched[data-matched="1"]');
    const rows = page.locator('#audit-rows tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-action')).toBe('admin-pin-failed');
    expect(await rows.first().locator('td').nth(2).textContent()).toMatch(/^browser:/);
    // The row is the one in the database.
    expect(sql<number>("SELECT COUNT(*) FROM audit WHERE action = 'admin-pin-failed'")).toBe(1);
    expect(await rows.first().getAttribute('data-seq')).toBe(String(sql<number>("SELECT seq FROM audit WHERE action = 'admin-pin-failed'")));
    await screenshots(page, 'console-audit-pin-failures');

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#audit-export').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('"seq","source","time_utc","action","who","outcome","detail"');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"admin-pin-failed"');
    await page.waitForSelector('#audit-export-status[data-done="true"][data-rows="1"]');
    await page.context().close();
  });

  it('retention shows the oldest entry; purge now removes what it said and writes an audit row', async () => {
    // Entries logged now, then four weeks and a day pass: past the demo's 28-day retention.
    const old = clock.now() - 60_000;
    for (let i = 0; i < 7; i++) composed.store!.append({ ...samplePassage(), at: old + i });
    clock.offsetMs += 29 * DAY_MS;
    for (let i = 0; i < 3; i++) composed.store!.append({ ...samplePassage(), at: clock.now() - 1000 + i });
    const total = sql<number>('SELECT COUNT(*) FROM entries');
    const due = sql<number>(`SELECT COUNT(*) FROM entries WHERE at_ms < ${clock.now() - 28 * DAY_MS}`);
    expect(due).toBeGreaterThanOrEqual(7);

    const page = await openPage();
    await openConsole(page);
    await showPanel(page, 'retention');
    await page.waitForSelector('[data-testid="retention-removes"]');
    expect(await page.locator('[data-testid="retention-oldest"]').getAttribute('data-at')).toBe(String(sql<number>('SELECT MIN(at_ms) FROM entries')));
    expect(await page.locator('[data-testid="retention-entries"]').textContent()).toBe(String(total));
    const said = Number(await page.locator('[data-testid="retention-removes"]').textContent());
    expect(said).toBe(due);
    expect(await page.locator('[data-testid="retention-kept"]').textContent()).toBe('0');

    await page.locator('#retention-purge').click();
    await page.waitForSelector('#retention-confirm');
    await screenshots(page, 'console-retention-confirm');
    const purgesBefore = sql<number>("SELECT COUNT(*) FROM audit WHERE action = 'purge'");
    await page.locator('#retention-confirm-yes').click();
    await page.waitForSelector('#retention-result');
    expect(await page.locator('#retention-result').getAttribute('data-entries')).toBe(String(said));
    expect(sql<number>('SELECT COUNT(*) FROM entries')).toBe(total - said);
    expect(sql<number>("SELECT COUNT(*) FROM audit WHERE action = 'purge'")).toBe(purgesBefore + 1);
    const detail = JSON.parse(sql<string>("SELECT detail FROM audit WHERE action = 'purge' ORDER BY seq DESC LIMIT 1")) as { by?: string; entriesDeleted?: number };
    expect(detail.entriesDeleted).toBe(said);
    expect(detail.by).toMatch(/^browser:/);
    // The screen now shows what is left.
    await page.waitForSelector('[data-testid="retention-removes"]:text-is("0")');
    expect(await page.locator('[data-testid="retention-oldest"]').getAttribute('data-at')).toBe(String(sql<number>('SELECT MIN(at_ms) FROM entries')));
    await screenshots(page, 'console-retention-after-purge');

    // The purge is in the audit view, with who.
    await showPanel(page, 'audit');
    await page.locator('#audit-kind-retention').check();
    await page.locator('#audit-apply').click();
    await page.waitForSelector('#audit-rows tbody tr[data-action="purge"]');
    expect(await page.locator('#audit-rows tbody tr[data-action="purge"]').first().locator('td').nth(2).textContent()).toMatch(/^browser:/);
    await page.context().close();
  });
});
