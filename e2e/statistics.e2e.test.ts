// The statistics panel end to end (docs/admin-console.md, "Statistics"): the real composed demo kiosk
// on a temp data directory, a few thousand entries seeded over several days through the store's own
// seeding API (plus guard overrides), the console opened with the admin PIN in Debian's Chromium, and
// every number the panel shows for a range compared with a direct SQL count over the same local days
// on the test's own read-only connection to the kiosk's database. Screenshots in zh-CN and English.
//
// The venue's zone is the kiosk's own: this process runs the kiosk, so TZ is set to Asia/Shanghai
// (UTC+8, no daylight saving) before anything reads the clock, and the SQL below counts its days by
// that fixed offset, independently of the code under test.
process.env.TZ = 'Asia/Shanghai';

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { ensureDemoConfig, DEMO_ADMIN_PIN } from '../src/app/compose.js';
import { databasePath } from '../src/core/store/db.js';
import { seedEntries } from '../src/core/store/seed.js';
import { startComposedKiosk, type ComposedTestKiosk } from './support/composed-kiosk.js';
import { launchChromium, saveScreenshot, scratchDir } from './support/harness.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
const OFFSET = 8 * HOUR; // Asia/Shanghai

type Running = ComposedTestKiosk;

const scratch = scratchDir('kiosk-statistics-');
let running: Running | null = null;
let browser: Browser | null = null;

afterEach(async (context) => {
  if (context.task.result?.state === 'fail' && running) process.stderr.write(`kiosk log:\n  ${[...running.logs, ...running.kiosk.logLines].join('\n  ')}\n`);
  await browser?.close();
  browser = null;
  await running?.kiosk.close();
  running = null;
});
afterAll(() => scratch.remove());

async function startDemo(): Promise<Running> {
  running = await startComposedKiosk({ configure: (dataDir) => ensureDemoConfig(dataDir, {}) });
  return running;
}

/** `YYYY-MM-DD` of a Shanghai local day, `daysAgo` before today. */
function shanghaiDate(daysAgo: number): string {
  return new Date(Date.now() + OFFSET - daysAgo * DAY).toISOString().slice(0, 10);
}
/** Shanghai local midnight of `date` (UTC ms): the fixed offset, not the code under test. */
function midnight(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) - OFFSET;
}

/** Direct counts over [fromMs, toMs) on the test's own read-only connection. */
function sqlCounts(file: string, fromMs: number, toMs: number) {
  const db = new Database(file, { readonly: true });
  try {
    const final = `coalesce((SELECT decision FROM entry_overrides o WHERE o.entry_seq = e.seq ORDER BY o.seq DESC LIMIT 1), e.decision)`;
    const all = <T>(sql: string) => db.prepare(sql).all(fromMs, toMs) as T[];
    const range = 'e.at_ms >= ? AND e.at_ms < ?';
    const byKey = (rows: Array<{ k: string | number | null; n: number }>) => Object.fromEntries(rows.map((r) => [String(r.k), r.n]));
    return {
      total: (db.prepare(`SELECT count(*) FROM entries e WHERE ${range}`).pluck().get(fromMs, toMs) as number),
      final: byKey(all(`SELECT ${final} AS k, count(*) AS n FROM entries e WHERE ${range} GROUP BY k`)),
      perDay: byKey(all(`SELECT (e.at_ms + ${OFFSET}) / ${DAY} AS k, count(*) AS n FROM entries e WHERE ${range} GROUP BY k`)),
      perDayFinal: all<{ day: number; d: string; n: number }>(`SELECT (e.at_ms + ${OFFSET}) / ${DAY} AS day, ${final} AS d, count(*) AS n FROM entries e WHERE ${range} GROUP BY day, d`),
      perHour: byKey(all(`SELECT (e.at_ms - ${fromMs}) / ${HOUR} AS k, count(*) AS n FROM entries e WHERE ${range} GROUP BY k`)),
      reasons: byKey(all(`SELECT e.reason AS k, count(*) AS n FROM entries e WHERE ${range} AND e.reason IS NOT NULL GROUP BY k`)),
      methods: byKey(all(`SELECT e.method AS k, count(*) AS n FROM entries e WHERE ${range} GROUP BY k`)),
      // A card alone is 'none'; a code with no verified issuer (a forged PHC1 code) is 'unverified'.
      provinces: byKey(
        all(`SELECT CASE WHEN e.code_issuer IS NOT NULL THEN e.code_issuer WHEN e.method = 'card' THEN 'none' ELSE 'unverified' END AS k, count(*) AS n FROM entries e WHERE ${range} GROUP BY k`),
      ),
      temps: byKey(
        all(`SELECT CASE WHEN e.temperature_c IS NULL THEN 'none' WHEN e.temperature_c < 34.95 THEN 'under' WHEN e.temperature_c >= 42.05 THEN 'over'
                    ELSE CAST(CAST(round(e.temperature_c * 10) AS INTEGER) AS TEXT) END AS k, count(*) AS n FROM entries e WHERE ${range} GROUP BY k`),
      ),
    };
  } finally {
    db.close();
  }
}

/**
 * The numbers in a table's rows, by a data attribute of the row: `{ [attr]: number in cell }`. Run in
 * the page as text (this file is type-checked without the DOM library).
 */
async function tableCounts(page: Page, table: string, attr: string, cell = '[data-col="count"]'): Promise<Record<string, number>> {
  const [t, a, c] = [table, attr, cell].map((x) => JSON.stringify(x));
  return (await page.evaluate(
    `Object.fromEntries([...document.querySelectorAll(${t} + ' tbody tr[' + ${a} + ']')].map((tr) => [tr.getAttribute(${a}), Number(tr.querySelector(${c})?.textContent?.trim())]))`,
  )) as Record<string, number>;
}

async function showRange(page: Page, from: string, to: string): Promise<void> {
  await page.locator('#stats-from').fill(from);
  await page.locator('#stats-to').fill(to);
  await page.locator('#stats-show').click();
  // A locator, not waitForFunction with a string: the page's CSP has no 'unsafe-eval', and Playwright
  // polls a string predicate through eval once its first try is false.
  await page.locator('#stats-range').filter({ hasText: from }).filter({ hasText: to }).waitFor();
}

async function screenshots(page: Page, name: string): Promise<void> {
  for (const size of [{ width: 800, height: 1280 }, { width: 1080, height: 1920 }, { width: 1024, height: 600 }]) {
    await page.setViewportSize(size);
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
    await saveScreenshot(page, `${name}-${size.width}x${size.height}`);
  }
  await page.setViewportSize({ width: 800, height: 1280 });
}

describe('statistics panel (browser host, Chromium, the composed demo kiosk)', () => {
  it('shows for a range the numbers a direct SQL count over the same local days gives, as charts and tables, in zh-CN and English', async () => {
    const r = await startDemo();
    const store = r.composed.store!;
    // Five local days up to an hour ago, through the store's typed seeding API (the kiosk's own store).
    const firstDay = shanghaiDate(5);
    const seeded = await seedEntries(store, 4000, { fromMs: midnight(firstDay) + 60_000, toMs: Date.now() - HOUR, seed: 99, batchSize: 1000 });
    // Guard overrides: the final outcome of these entries is the guard's.
    for (let i = 0; i < 40; i++) store.addOverride({ entry: { seq: seeded.firstSeq + i * 97 }, decision: i % 3 ? 'admit' : 'deny', guard: 'G-007', note: 'checked the paper certificate' });
    // EU certificates as the door records them (dcc-passage.ts): a verified one names its country, a
    // forged one `EU`; and a forged PHC1 code with no province. Codes all, none a card alone.
    const euAt = midnight(shanghaiDate(2)) + 10 * HOUR;
    const noHolder = { venueId: 'venue-1', kioskId: 'kiosk-1', method: 'code', holderName: null, documentType: null, documentNumber: null, codeId: null, statusColour: null, temperatureC: 36.5, trustListSeq: null } as const;
    store.append({ ...noHolder, at: euAt, codeIssuer: 'AT', documentType: 'DCC-V', decision: 'admit', reason: null });
    store.append({ ...noHolder, at: euAt, codeIssuer: 'EU', decision: 'deny', reason: 'DCC_SIGNATURE_INVALID' });
    store.append({ ...noHolder, at: euAt, codeIssuer: 'EU', decision: 'deny', reason: 'DCC_KEY_UNKNOWN' });
    store.append({ ...noHolder, at: euAt, codeIssuer: null, decision: 'deny', reason: 'SIGNATURE_INVALID' });

    browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 800, height: 1280 } })).newPage();
    page.on('pageerror', (e) => r.logs.push(`pageerror: ${e.message.slice(0, 300)}`));
    await page.goto(r.kiosk.url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    await page.locator('#admin-open').click();
    await page.waitForSelector('#console-pin');
    await page.locator('#console-pin').fill(DEMO_ADMIN_PIN);
    await page.locator('#console-pin-submit').click();
    await page.waitForSelector('.console[data-state="open"]');
    await page.locator('#console-nav-statistics').click();
    await page.waitForSelector('#stats-summary');

    // A range of four whole local days.
    const from = shanghaiDate(4);
    const to = shanghaiDate(1);
    await showRange(page, from, to);
    const want = sqlCounts(databasePath(r.kiosk.dataDir), midnight(from), midnight(to) + DAY);
    expect(want.total).toBeGreaterThan(2000);
    const text = async (sel: string) => Number((await page.locator(sel).textContent())?.trim());
    expect(await text('[data-testid="stats-total"]')).toBe(want.total);
    expect(await text('[data-testid="stats-final-admit"]')).toBe(want.final.admit ?? 0);
    expect(await text('[data-testid="stats-final-deny"]')).toBe(want.final.deny ?? 0);
    expect(await text('[data-testid="stats-final-review"]')).toBe(want.final.review ?? 0);

    // Per day: total and the final outcome columns.
    const days = (await page.evaluate(
      `[...document.querySelectorAll('#stats-days tbody tr[data-date]')].map((tr) => ({
        date: tr.getAttribute('data-date'),
        total: Number(tr.querySelector('[data-col="total"]')?.textContent),
        admit: Number(tr.querySelector('[data-col="admit"]')?.textContent),
        deny: Number(tr.querySelector('[data-col="deny"]')?.textContent),
        review: Number(tr.querySelector('[data-col="review"]')?.textContent),
      }))`,
    )) as Array<{ date: string; total: number; admit: number; deny: number; review: number }>;
    expect(days.map((d) => d.date)).toEqual([4, 3, 2, 1].map(shanghaiDate));
    for (const d of days) {
      const day = String((midnight(d.date) + OFFSET) / DAY);
      expect(d.total).toBe(want.perDay[day]);
      const finals = Object.fromEntries(want.perDayFinal.filter((x) => String(x.day) === day).map((x) => [x.d, x.n]));
      expect({ admit: d.admit, deny: d.deny, review: d.review }).toEqual({ admit: finals.admit ?? 0, deny: finals.deny ?? 0, review: finals.review ?? 0 });
    }
    expect(await tableCounts(page, '#stats-reasons', 'data-reason')).toEqual(want.reasons);
    expect(await tableCounts(page, '#stats-methods', 'data-method')).toEqual({ code: 0, card: 0, both: 0, ...want.methods });
    expect(await tableCounts(page, '#stats-provinces', 'data-province')).toEqual(want.provinces);
    expect(want.provinces).toMatchObject({ AT: 1, EU: 2 });
    expect(want.provinces.unverified).toBeGreaterThanOrEqual(1);
    const issuerName = (code: string) => page.locator(`#stats-provinces tr[data-province="${code}"] td`).first().textContent();
    expect(await issuerName('AT')).toBe('欧盟证书 AT');
    expect(await issuerName('EU')).toBe('欧盟证书（未通过验证，国家不明）');
    expect(await issuerName('unverified')).toBe('健康码未通过验证（签发地不明）');
    expect(await issuerName('none')).toBe('无健康码（仅身份证）');
    // An EU certificate is a code: the method row says so.
    expect(await page.locator('#stats-methods tr[data-method="code"] td').first().textContent()).toBe('扫码（健康码或欧盟证书）');
    const temps = (await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll('#stats-temperature tbody tr[data-testid]')].map((tr) => [tr.getAttribute('data-testid').replace('stats-temp-', ''), Number(tr.querySelector('.num')?.textContent)]))`,
    )) as Record<string, number>;
    const shownTemps = Object.fromEntries(Object.entries(temps).filter(([, n]) => n > 0));
    expect(shownTemps).toEqual(want.temps);
    // The charts are drawn (uPlot canvases), not only the tables.
    for (const id of ['stats-chart-hours', 'stats-chart-days', 'stats-chart-temperature']) expect(await page.locator(`#${id} canvas`).count()).toBeGreaterThan(0);
    // Reasons read in the screen's language, the code beside them.
    const firstReason = Object.keys(want.reasons)[0]!;
    expect(await page.locator(`#stats-reasons tr[data-reason="${firstReason}"] .stats-code`).textContent()).toBe(firstReason);
    await screenshots(page, 'statistics-range-zh-CN');
    // The tables further down (reasons, methods, provinces, temperatures), as an admin scrolls to them.
    await page.locator('#stats-card-reasons').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'statistics-range-zh-CN-tables-800x1280');

    // One day, hour by hour, in English.
    await page.locator('#console-language').click();
    await page.locator('#console-nav-statistics', { hasText: /^Statistics$/ }).waitFor();
    const day = shanghaiDate(2);
    await showRange(page, day, day);
    const oneDay = sqlCounts(databasePath(r.kiosk.dataDir), midnight(day), midnight(day) + DAY);
    const hours = (await page.evaluate(
      `[...document.querySelectorAll('#stats-hours tbody tr[data-hour]')].map((tr) => [Number(tr.getAttribute('data-hour')), Number(tr.querySelector('.num')?.textContent)])`,
    )) as Array<[number, number]>;
    expect(hours.map(([h]) => h)).toEqual([...Array(24).keys()]);
    expect(Object.fromEntries(hours.filter(([, n]) => n > 0).map(([h, n]) => [String(h), n]))).toEqual(oneDay.perHour);
    expect(await text('[data-testid="stats-total"]')).toBe(oneDay.total);
    expect(await issuerName('AT')).toBe('EU certificate: AT');
    expect(await issuerName('EU')).toBe('EU certificate (not verified, country unknown)');
    expect(await page.locator('#stats-counted').textContent()).toContain("guard's override");
    await screenshots(page, 'statistics-day-en');
    await page.locator('#stats-card-reasons').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'statistics-day-en-tables-800x1280');

    // A range over 90 days is refused before it is asked for, in words.
    await page.locator('#stats-from').fill(shanghaiDate(120));
    await page.locator('#stats-to').fill(shanghaiDate(0));
    await page.locator('#stats-show').click();
    await page.waitForSelector('#stats-error');
    expect(await page.locator('#stats-error').textContent()).toContain('90');
    // The preset "last 7 days" ends today.
    await page.locator('#stats-preset-7').click();
    await showRange(page, shanghaiDate(6), shanghaiDate(0));
    expect(r.logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
  });
});
