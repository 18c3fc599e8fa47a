// Export from the admin console end to end: the real composed demo kiosk (SQLite in a temp data
// directory, simulated devices on socat pty pairs), the browser host and Debian's Chromium. Entries
// are written through the store's typed API; the rows the file must hold are read back through the
// store's own export (decrypted by the store, not by SQL in this test). A revealed export asks the PIN
// again, downloads once through its one-time link (a second GET is 410) and holds exactly the
// database's rows for the range; a cancelled export leaves no file in the exports directory and an
// audit row `cancelled`. Screenshots under test-results/e2e/ (running, done, cancelled).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { composeKiosk, ensureDemoConfig, DEMO_ADMIN_PIN, type ComposedKiosk } from '../src/app/compose.js';
import { exportRange, EXPORTS_DIR } from '../src/core/admin/export-methods.js';
import { exportEntries, PEOPLE_COLUMNS, processTimeZone } from '../src/core/store/export.js';
import { seedEntries } from '../src/core/store/seed.js';
import { parseCsv, samplePassage } from '../src/core/store/test-support.js';
import { DEMO_PEOPLE } from '../src/core/demo/people.js';
import { launchChromium, saveScreenshot, startTestKiosk, type TestKiosk } from './support/harness.js';

const logs: string[] = [];
let kiosk: TestKiosk;
let composed: ComposedKiosk;
let browser: Browser;

// Two venue-local days far from today: the small one for the revealed export, the big one (enough
// rows that the export is still running when the test looks) for the cancelled one.
const SMALL_DAY = '2026-10-14';
const BIG_DAY = '2026-10-07';
const zone = processTimeZone();
const small = exportRange(SMALL_DAY, SMALL_DAY, zone) as { fromMs: number; toMs: number };
const big = exportRange(BIG_DAY, BIG_DAY, zone) as { fromMs: number; toMs: number };

beforeAll(async () => {
  kiosk = await startTestKiosk({
    serviceHandle: async (dataDir) => {
      ensureDemoConfig(dataDir);
      composed = await composeKiosk({ dataDir, log: (line) => logs.push(line) });
      return composed;
    },
  });
  const store = composed.store!;
  // The small day: every decision, two people, a reason with words; one entry on each side outside it.
  const li = DEMO_PEOPLE[1]!;
  store.append(samplePassage({ at: small.fromMs - 1 }));
  store.append(samplePassage({ at: small.fromMs }));
  store.append(samplePassage({ at: small.fromMs + 3_600_000, holderName: li.name, documentNumber: li.idNumber, decision: 'deny', reason: 'FEVER', temperatureC: 38.3 }));
  store.append(samplePassage({ at: small.fromMs + 7_200_000, decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null }));
  store.append(samplePassage({ at: small.toMs - 1, holderName: li.name, documentNumber: li.idNumber }));
  store.append(samplePassage({ at: small.toMs }));
  await seedEntries(store, 150_000, { fromMs: big.fromMs, toMs: big.toMs - 1, batchSize: 10_000 });
  browser = await launchChromium();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await kiosk?.close();
});

async function openConsoleOnExport(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 800, height: 1280 }, acceptDownloads: true })).newPage();
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message.slice(0, 300)}`));
  await page.goto(kiosk.url);
  // Generous: the test machine is shared and loaded; the guard screen itself is measured elsewhere.
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  await page.locator('#admin-open').click();
  await page.locator('#console-pin').fill(DEMO_ADMIN_PIN);
  await page.locator('#console-pin-submit').click();
  await page.waitForSelector('.console[data-state="open"]');
  if ((await page.locator('.console').getAttribute('lang')) !== 'en') await page.locator('#console-language').click();
  await page.waitForSelector('.console[lang="en"]');
  await page.locator('#console-nav-export').click();
  await page.waitForSelector('#panel-export');
  return page;
}

async function setRange(page: Page, day: string): Promise<void> {
  await page.locator('#export-from').fill(day);
  await page.locator('#export-to').fill(day);
}

/** The range's rows as the store itself exports them for machines (NDJSON, names and numbers decrypted). */
async function storeRows(range: { fromMs: number; toMs: number }): Promise<Array<Record<string, unknown>>> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString('utf8')));
  await exportEntries(composed.store!, out, { ...range, format: 'ndjson', reveal: true, requestedBy: 'e2e check' });
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const exportFiles = () => {
  const dir = join(kiosk.dataDir, EXPORTS_DIR);
  return existsSync(dir) ? readdirSync(dir) : [];
};

describe('export from the admin console', () => {
  it('a revealed export asks the PIN again, downloads once, and holds exactly the database rows of the range', async () => {
    const page = await openConsoleOnExport();
    await setRange(page, SMALL_DAY);
    await page.locator('#export-revealed').check();
    await page.locator('#export-start').click();
    // The PIN again, even inside the open session.
    await page.waitForSelector('#console-askpin');
    await saveScreenshot(page, 'export-asks-pin-en-800x1280');
    await page.locator('#console-askpin-pin').fill(DEMO_ADMIN_PIN);
    await page.locator('#console-askpin-confirm').click();
    await page.waitForSelector('#export-job[data-state="done"], #export-job[data-state="failed"], #export-error', { timeout: 120_000 });
    expect(await page.locator('#export-error, #export-job[data-state="failed"]').count(), `${await page.locator('#panel-export').textContent()} ${logs.slice(-5).join(' | ')}`).toBe(0);
    await page.waitForSelector('#export-download');
    expect(await page.locator('#export-progress').getAttribute('data-done')).toBe('4');
    expect(await page.locator('#export-progress').getAttribute('data-total')).toBe('4');
    await saveScreenshot(page, 'export-done-en-800x1280');

    const href = (await page.locator('#export-download').getAttribute('href'))!;
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-download').click()]);
    expect(download.suggestedFilename()).toBe(`entries-${SMALL_DAY}_${SMALL_DAY}-revealed.csv`);
    const file = await download.path();
    const bytes = readFileSync(file!);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const table = parseCsv(bytes.subarray(3).toString('utf8'));
    // Headers in the console's language.
    expect(table[0]![PEOPLE_COLUMNS.indexOf('holder_name')]).toBe('Name');

    const expected = await storeRows(small);
    expect(expected).toHaveLength(4);
    const col = (name: (typeof PEOPLE_COLUMNS)[number]) => PEOPLE_COLUMNS.indexOf(name);
    expect(table.slice(1).map((r) => [r[col('seq')], r[col('time_utc')], r[col('holder_name')], r[col('document_number')], r[col('decision')], r[col('reason_code')]])).toEqual(
      expected.map((e) => [String(e.seq), e.time_utc, e.holder_name, e.document_number, e.decision, e.reason ?? '']),
    );
    // Revealed means the real numbers (the store decrypted them for both sides).
    expect(table.slice(1).some((r) => r[col('document_number')] === DEMO_PEOPLE[1]!.idNumber)).toBe(true);

    // One-time: the file is gone from the kiosk, and the same link again is refused.
    await page.waitForSelector('#export-delivered');
    expect(exportFiles()).toEqual([]);
    const again = await page.request.get(new URL(href, kiosk.running.host.origin).toString());
    expect(again.status()).toBe(410);
    expect(again.headers()['cache-control']).toBe('no-store');
    await saveScreenshot(page, 'export-downloaded-en-800x1280');
    expect(composed.store!.auditLog(50).find((a) => a.action === 'export' && a.outcome === 'completed' && a.detail.format === 'csv')).toMatchObject({
      detail: { rows: 4, revealed: true },
    });
    expect(composed.store!.auditLog(50).some((a) => a.action === 'export-downloaded')).toBe(true);
    await page.context().close();
  });

  it('a cancelled export stops, leaves no file in the exports directory, and its audit row says cancelled', async () => {
    const page = await openConsoleOnExport();
    await setRange(page, BIG_DAY);
    await page.locator('#export-format-xlsx').check();
    await page.locator('#export-start').click();
    await page.waitForSelector('#export-job[data-state="running"]', { timeout: 60_000 });
    // Running: the bar has moved but is not full.
    // (Polled from here: the page's CSP forbids evaluating strings, as it should.)
    for (let i = 0; i < 600 && Number(await page.locator('#export-progress').getAttribute('data-done')) === 0; i++) await page.waitForTimeout(100);
    expect(Number(await page.locator('#export-progress').getAttribute('data-done'))).toBeGreaterThan(0);
    expect(await page.locator('#export-progress').getAttribute('data-total')).toBe('150000');
    await saveScreenshot(page, 'export-running-en-800x1280');
    await page.locator('#export-cancel').click();
    await page.waitForSelector('#export-job[data-state="cancelled"]', { timeout: 60_000 });
    await saveScreenshot(page, 'export-cancelled-en-800x1280');
    const done = Number(await page.locator('#export-progress').getAttribute('data-done'));
    expect(done).toBeLessThan(150_000);
    expect(exportFiles()).toEqual([]);
    const cancelled = composed.store!.auditLog(50).find((a) => a.action === 'export' && a.outcome === 'cancelled');
    expect(cancelled).toMatchObject({ detail: { format: 'xlsx', revealed: false, rowsPlanned: 150_000 } });
    expect(cancelled!.endedAt).not.toBeNull();
    // Small landscape screen, zh-CN: the end state still reads.
    await page.locator('#console-language').click();
    await page.waitForSelector('.console[lang="zh-CN"]');
    await page.setViewportSize({ width: 1024, height: 600 });
    await saveScreenshot(page, 'export-cancelled-zh-CN-1024x600');
    await page.context().close();
  });
});
