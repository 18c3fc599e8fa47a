// EU DCC (`HC1:`) at the door, end to end (docs/dcc-trust.md): the embedded demo composition (demo PKI
// whose root signs the DSC list of the demo DSCs, demo HC1 codes written beside the PHC1 ones, SQLite
// in a fresh data directory, the simulated devices on socat pty pairs), the browser host and Debian's
// Chromium. Each code goes through the demo console's `scan KEY`, i.e. the simulated serial scanner on
// its pty, as a guard would use it. Checked: what the screen shows (decision, reason in both
// languages, the name masked), the entry in the SQLite file (credential type and issuing country),
// the gate relay; a screenshot of each is saved under test-results/e2e/.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { composeKiosk, ensureDemoConfig, DEMO_CODES_DIR, type ComposedKiosk } from '../src/app/compose.js';
import { databasePath } from '../src/core/store/db.js';
import { EntryStore } from '../src/core/store/entry-store.js';
import { launchChromium, openKioskPage, saveScreenshot, scratchDir, startTestKiosk, waitForResult, type TestKiosk } from './support/harness.js';
import { writeCodeClip } from '../bench/scan-clip.js';

interface Door {
  kiosk: TestKiosk;
  composed: ComposedKiosk;
  logs: string[];
  browser: Browser | null;
}

let door: Door | null = null;
const scratch = scratchDir('kiosk-dcc-door-');

afterEach(async (context) => {
  if (door && context.task.result?.state === 'fail') process.stderr.write(`kiosk log:\n  ${[...door.logs, ...door.kiosk.logLines].join('\n  ')}\n`);
  await door?.browser?.close();
  await door?.kiosk.close();
  door = null;
});
afterAll(() => scratch.remove());

async function startDoor(): Promise<Door> {
  let composed: ComposedKiosk | null = null;
  const logs: string[] = [];
  const kiosk = await startTestKiosk({
    serviceHandle: async (dataDir) => {
      ensureDemoConfig(dataDir, { checkpoint: { collectWindowMs: 8000, resetAfterMs: 30_000 } });
      composed = await composeKiosk({ dataDir, log: (line) => logs.push(line) });
      return composed;
    },
  });
  if (!composed) throw new Error('composition did not run');
  const c: ComposedKiosk = composed;
  if (!c.demo || !c.demoCommand) throw new Error(`the demo devices did not start: ${c.banner.join(' | ')}`);
  door = { kiosk, composed: c, logs, browser: null };
  return door;
}

/**
 * The guard screen; the camera plays Chromium's test pattern (the code comes through the scanner),
 * or with `clip`, a .y4m of the door scene and then a code held up.
 */
async function openScreen(d: Door, clip?: string): Promise<Page> {
  d.browser = await launchChromium(clip ? { fakeVideo: clip } : {});
  const page = await openKioskPage(d.browser, d.kiosk.url);
  page.on('pageerror', (e) => d.logs.push(`pageerror: ${e.message.slice(0, 300)}`));
  return page;
}

/** `scan KEY` at the demo console: the code file the demo wrote, sent through the simulated serial scanner. */
async function scan(d: Door, key: string): Promise<void> {
  expect(await d.composed.demoCommand!(`scan ${key}`)).toBe(`ok sent ${key}'s code through the scanner`);
}

function entriesInSqlite(d: Door) {
  const store = EntryStore.open(d.kiosk.dataDir);
  const db = new Database(databasePath(d.kiosk.dataDir), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT seq, method, holder_name, holder_name_masked, doc_type, doc_number_masked, code_issuer, code_id, decision, reason, temperature_c FROM entries ORDER BY seq')
      .all() as Array<{ seq: number; method: string; holder_name: Buffer | null; holder_name_masked: string | null; doc_type: string | null; doc_number_masked: string | null; code_issuer: string | null; code_id: string | null; decision: string; reason: string | null; temperature_c: number | null }>;
    return rows.map((r) => ({ ...r, holder_name: store.revealName(r.holder_name) }));
  } finally {
    db.close();
    store.close();
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A relay no door uses: pulsed only by expectGateStayedShut, as a marker. */
const MARKER_RELAY = 8;

/**
 * The gate stayed shut for this passage (as in journeys.e2e.test.ts): once the flow has finished the
 * passage, a marker pulse on another relay follows any pulse it sent down the same serial line; when
 * the simulator has seen the marker it has seen every pulse of the passage.
 */
async function expectGateStayedShut(d: Door): Promise<void> {
  const gate = d.composed.demo!.gate;
  await d.composed.checkpoint.flow.settled();
  expect(await d.composed.devices!.pulseGate({ relay: MARKER_RELAY, ms: 1 })).toMatchObject({ ok: true });
  await until('the marker pulse to reach the gate', () => gate.pulses.some((p) => p.relay === MARKER_RELAY));
  expect(gate.pulses.filter((p) => p.relay !== MARKER_RELAY)).toEqual([]);
}

/** Neither the holder's given nor family name appears anywhere in the page, as a word of its text or in its markup. */
async function expectNameMasked(page: Page, ...names: string[]): Promise<void> {
  const html = await page.content();
  const text = await page.locator('body').innerText();
  for (const n of names) {
    expect(text).not.toMatch(new RegExp(`\\b${n}\\b`, 'i'));
    expect(html).not.toMatch(new RegExp(`[>"' ]${n}[<"' ]`, 'i'));
  }
}

describe('EU DCC at the door: the demo kiosk, the serial scanner and the guard screen in Chromium', () => {
  it('a demo DCC vaccination (AT, ES256) → PASS; the name masked; the entry records the type and country; the gate opens', async () => {
    const d = await startDoor();
    expect(d.composed.banner.some((l) => l.startsWith('EU DCC (HC1:): DSC list seq 1 installed (AT ES256, DE PS256, FR ES256)'))).toBe(true);
    expect((await d.composed.demoCommand!('dcc')).split('\n')).toContain('dcc-vaccinated: EU DCC vaccination, complete 60 days ago (AT, ES256): passes');
    // `people` names every code `scan` takes: the PHC1 people, then the EU certificates with what the kiosk says.
    const people = (await d.composed.demoCommand!('people')).split('\n');
    expect(people[0]).toContain('zhangsan (green)');
    expect(people[1]).toMatch(/^EU DCC: dcc-vaccinated \(passes\), /);
    for (const named of ['dcc-rapid-test (passes)', 'dcc-recovered (passes)', 'dcc-tested (passes)', 'dcc-forged (stops, DCC_SIGNATURE_INVALID)']) expect(people[1]).toContain(named);
    const page = await openScreen(d);
    await scan(d, 'dcc-vaccinated');
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'pass', decision: 'admit', reason: '' });
    expect(await page.locator('#person-name').textContent()).toBe('E**** M*********');
    expect(await page.locator('#person-province').textContent()).toBe('欧盟证书 · AT · 疫苗接种');
    await expectNameMasked(page, 'Erika', 'Musterfrau');
    await saveScreenshot(page, 'dcc-door-vaccinated-pass');
    const rows = entriesInSqlite(d);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ seq: Number(result.entryId), method: 'code', holder_name: 'Erika Musterfrau', holder_name_masked: 'E**** M*********', doc_type: 'DCC-V', code_issuer: 'AT', doc_number_masked: null, decision: 'admit', reason: null, temperature_c: 36.5 });
    expect(rows[0]!.code_id).toMatch(/^[0-9a-f]{32}$/);
    await until('the gate relay to pulse', () => d.composed.demo!.gate.pulses.length === 1);
  });

  it('a demo DCC test sampled 96 h ago (DE, PS256) → STOP DCC_TEST_TOO_OLD in Chinese and in English; logged; the gate stays shut', async () => {
    const d = await startDoor();
    const page = await openScreen(d);
    await scan(d, 'dcc-test-old');
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'stop', decision: 'deny', reason: 'DCC_TEST_TOO_OLD' });
    expect(await page.locator('#reason').textContent()).toBe('境外检测超过时限');
    expect(await page.locator('#person-name').textContent()).toBe('M** M*********');
    await expectNameMasked(page, 'Max', 'Mustermann');
    await saveScreenshot(page, 'dcc-door-test-old-stop-zh');
    await page.locator('#language-toggle').click();
    await page.waitForSelector('html[lang="en"]');
    expect(await page.locator('#reason').textContent()).toBe('Foreign test too old');
    expect(await page.locator('#headline').textContent()).toBe('STOP');
    expect(await page.locator('#person-province').textContent()).toBe('EU certificate · DE · test');
    await saveScreenshot(page, 'dcc-door-test-old-stop-en');
    expect(entriesInSqlite(d)).toMatchObject([{ seq: Number(result.entryId), decision: 'deny', reason: 'DCC_TEST_TOO_OLD', holder_name: 'Max Mustermann', doc_type: 'DCC-T', code_issuer: 'DE' }]);
    await expectGateStayedShut(d);
  });

  it('an ID card with a demo DCC → CHECK DCC_CARD_UNMATCHED: the guard sees what the certificate is and compares it with the card; the gate stays shut', async () => {
    const d = await startDoor();
    const page = await openScreen(d);
    expect(await d.composed.demoCommand!('idcard present lisi')).toMatch(/^ok/);
    await until('the card to be read', () => d.composed.checkpoint.flow.view().collected.card);
    await scan(d, 'dcc-tested');
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'check', decision: 'review', reason: 'DCC_CARD_UNMATCHED' });
    expect(await page.locator('#reason').textContent()).toBe('身份证与欧盟证书：请人工核对是否同一人');
    expect(await page.locator('#person-name').textContent()).toBe('M** M*********');
    expect(await page.locator('#person-province').textContent()).toBe('欧盟证书 · DE · 检测');
    await expectNameMasked(page, 'Max', 'Mustermann');
    await saveScreenshot(page, 'dcc-door-card-unmatched-check');
    expect(entriesInSqlite(d)).toMatchObject([{ seq: Number(result.entryId), method: 'both', decision: 'review', reason: 'DCC_CARD_UNMATCHED', holder_name: 'Max Mustermann', doc_type: 'DCC-T', code_issuer: 'DE' }]);
    expect(entriesInSqlite(d)[0]!.doc_number_masked).not.toBeNull();
    await expectGateStayedShut(d);
  });

  it('a forged demo DCC → STOP DCC_SIGNATURE_INVALID; the entry names nobody', async () => {
    const d = await startDoor();
    const page = await openScreen(d);
    await scan(d, 'dcc-forged');
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'stop', decision: 'deny', reason: 'DCC_SIGNATURE_INVALID' });
    expect(await page.locator('#reason').textContent()).toBe('欧盟证书签名无效（可能被篡改）');
    await expectNameMasked(page, 'Erika', 'Musterfrau');
    await saveScreenshot(page, 'dcc-door-forged-stop');
    expect(entriesInSqlite(d)).toMatchObject([{ decision: 'deny', reason: 'DCC_SIGNATURE_INVALID', holder_name: null, doc_type: null, code_issuer: 'EU' }]);
    await expectGateStayedShut(d);
  });

  it('a demo DCC test (DE, PS256) held up to the camera → PASS, decoded by the kiosk\'s own camera pipeline', async () => {
    const d = await startDoor();
    const text = readFileSync(join(d.kiosk.dataDir, DEMO_CODES_DIR, 'dcc-tested.txt'), 'utf8');
    const page = await openScreen(d, writeCodeClip(join(scratch.dir, 'dcc-tested.y4m'), text));
    const result = await waitForResult(page, 30_000);
    expect(result).toMatchObject({ tone: 'pass', decision: 'admit' });
    expect(await page.locator('#person-name').textContent()).toBe('M** M*********');
    await saveScreenshot(page, 'dcc-door-camera-test-pass');
    expect(entriesInSqlite(d)).toMatchObject([{ method: 'code', decision: 'admit', doc_type: 'DCC-T', code_issuer: 'DE', holder_name: 'Max Mustermann' }]);
  });
});
