// The guard's journeys end to end with the real kiosk: the embedded demo composition
// (demo PKI, SQLite in a fresh data directory, simulated card reader, thermometer, scanner and gate
// on socat pty pairs), the browser host, Debian's Chromium driven by playwright-core, and its fake
// camera playing a .y4m clip made at test time from a demo code. Each journey checks what the screen
// shows, the entry in the SQLite file (opened separately, read-only), the gate relay simulator, and
// saves a screenshot under test-results/e2e/.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { composeKiosk, ensureDemoConfig, DEMO_CODES_DIR, type ComposedKiosk } from '../src/app/compose.js';
import { databasePath } from '../src/core/store/db.js';
import { EntryStore } from '../src/core/store/entry-store.js';
import type { CheckpointSettingsInput } from '../src/core/checkpoint/config.js';
import type { VenuePolicyInput } from '../src/core/policy/policy.js';
import { demoPerson } from '../src/core/demo/people.js';
import { launchChromium, saveScreenshot, scratchDir, startTestKiosk, waitForResult, type TestKiosk } from './support/harness.js';
import { writeCodeClip } from '../bench/scan-clip.js';

interface Journey {
  kiosk: TestKiosk;
  /** The composition's operational log (reason codes and ids only; shown when a journey fails). */
  logs: string[];
  composed: ComposedKiosk;
  browser: Browser | null;
  page: Page | null;
}

let journey: Journey | null = null;
const scratch = scratchDir('kiosk-journeys-');

afterEach(async (context) => {
  if (journey && context.task.result?.state === 'fail') {
    process.stderr.write(`kiosk log:\n  ${[...journey.logs, ...journey.kiosk.logLines].join('\n  ')}\n`);
  }
  await journey?.browser?.close();
  await journey?.kiosk.close();
  journey = null;
});
afterAll(() => scratch.remove());

/** The demo kiosk on a fresh data directory, with the journey's checkpoint settings and policy. */
async function startDemo(settings: CheckpointSettingsInput = {}, policy?: VenuePolicyInput): Promise<Journey> {
  let composed: ComposedKiosk | null = null;
  const logs: string[] = [];
  const kiosk = await startTestKiosk({
    serviceHandle: async (dataDir) => {
      ensureDemoConfig(dataDir, { checkpoint: { collectWindowMs: 8000, resetAfterMs: 30_000, ...settings }, ...(policy ? { policy } : {}) });
      composed = await composeKiosk({ dataDir, log: (line) => logs.push(line) });
      return composed;
    },
  });
  if (!composed) throw new Error('composition did not run');
  const c: ComposedKiosk = composed;
  if (!c.demo) throw new Error(`the demo devices did not start: ${c.banner.join(' | ')}`);
  journey = { kiosk, logs, composed: c, browser: null, page: null };
  return journey;
}

/** The demo code this kiosk wrote for `key` (exactly what a user would hold up to the camera). */
function demoCode(j: Journey, key: string): string {
  return readFileSync(join(j.kiosk.dataDir, DEMO_CODES_DIR, `${key}.txt`), 'utf8');
}

/**
 * Chromium with the fake camera playing a clip (C420 .y4m made now from `text`: the door scene, then
 * the code held up), or Chromium's own test pattern (no code) when `text` is null.
 */
async function openScreen(j: Journey, name: string, text: string | null): Promise<Page> {
  const clip = text === null ? undefined : writeCodeClip(join(scratch.dir, `${name}.y4m`), text);
  j.browser = await launchChromium(clip ? { fakeVideo: clip } : {});
  // Like the harness's openKioskPage, with the page's console kept for the failure report.
  const context = await j.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('console', (m) => j.logs.push(`console ${m.type()}: ${m.text().slice(0, 300)}`));
  page.on('pageerror', (e) => j.logs.push(`pageerror: ${e.message.slice(0, 300)}`));
  await page.goto(j.kiosk.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
  j.page = page;
  return page;
}

/**
 * Every entry row in the kiosk's SQLite file, read through a second connection. Names are stored
 * sealed (core/store/keys.ts): the store opened on the same data directory opens them.
 */
function entriesInSqlite(j: Journey) {
  const store = EntryStore.open(j.kiosk.dataDir);
  const db = new Database(databasePath(j.kiosk.dataDir), { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT seq, method, holder_name, doc_number_masked, status_colour, temperature_c, decision, reason, code_issuer FROM entries ORDER BY seq')
      .all() as Array<{ seq: number; method: string; holder_name: Buffer | null; doc_number_masked: string | null; status_colour: string | null; temperature_c: number | null; decision: string; reason: string | null; code_issuer: string | null }>;
    return rows.map((r) => ({ ...r, holder_name: store.revealName(r.holder_name) }));
  } finally {
    db.close();
    store.close();
  }
}

function overridesInSqlite(j: Journey) {
  const db = new Database(databasePath(j.kiosk.dataDir), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT entry_seq, decision, note FROM entry_overrides ORDER BY seq').all() as Array<{ entry_seq: number; decision: string; note: string }>;
  } finally {
    db.close();
  }
}

/** Polls the kiosk until `check` holds (device events travel over real serial lines). */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Sets the simulated thermometer and waits until the device manager has reported it to the kiosk:
 * a stable reading of `celsius`, or for null (nobody there) a reading of the room, which is no body
 * temperature and tells the passage flow the last person has stepped away.
 */
async function setTemperature(j: Journey, celsius: number | null): Promise<void> {
  const hub = j.composed.devices!;
  let seen = false;
  const off = hub.onEvent((e) => {
    if (e.type !== 'temperature') return;
    if (celsius === null ? !e.reading.valid && e.reading.reason === 'THERMO_OUT_OF_RANGE' : e.reading.valid && Math.abs(e.reading.celsius - celsius) < 0.05) seen = true;
  });
  try {
    j.composed.demo!.thermometer.setTemperature(celsius);
    await until(`the kiosk to read ${celsius ?? 'the room'} from the thermometer`, () => seen);
  } finally {
    off();
  }
}

/** A relay no door uses: pulsed only by expectGateStayedShut, as a marker. */
const MARKER_RELAY = 8;

/**
 * The gate stayed shut for this passage, waited out on events rather than on time. The screen shows
 * a decision before the flow pulses the gate (spec order: log, show, open), so "no pulse yet" right
 * after the result proves nothing. Here the flow first finishes the passage (any pulse it wanted is
 * commanded by then); then a marker pulse on another relay follows it down the same serial line (the
 * gate driver queues pulses, the line keeps their order): once the simulator has seen the marker, it
 * has seen every pulse the passage sent.
 */
async function expectGateStayedShut(j: Journey): Promise<void> {
  const gate = j.composed.demo!.gate;
  await j.composed.checkpoint.flow.settled();
  expect(await j.composed.devices!.pulseGate({ relay: MARKER_RELAY, ms: 1 })).toMatchObject({ ok: true });
  await until('the marker pulse to reach the gate', () => gate.pulses.some((p) => p.relay === MARKER_RELAY));
  expect(gate.pulses.filter((p) => p.relay !== MARKER_RELAY)).toEqual([]);
}

/** Names and ID numbers are masked on screen: neither appears anywhere in the page. */
async function expectMasked(page: Page, ...keys: string[]): Promise<void> {
  const html = await page.content();
  for (const key of keys) {
    const p = demoPerson(key)!;
    expect(html).not.toContain(p.idNumber);
    expect(html).not.toContain(p.name);
  }
}

const masked = (key: string) => {
  const id = demoPerson(key)!.idNumber;
  return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
};

describe('guard journeys: the demo kiosk in Chromium with a fake camera', () => {
  it('green code → PASS; the entry is in SQLite and the gate relay pulsed', async () => {
    const j = await startDemo();
    await setTemperature(j, 36.5);
    const page = await openScreen(j, 'green', demoCode(j, 'zhangsan'));
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'pass', decision: 'admit' });
    expect(await page.locator('#person-name').textContent()).toBe('张*');
    await expectMasked(page, 'zhangsan');
    await saveScreenshot(page, 'journey-green-pass');
    const rows = entriesInSqlite(j);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ seq: Number(result.entryId), method: 'code', holder_name: '张三', doc_number_masked: masked('zhangsan'), status_colour: 'green', decision: 'admit', reason: null, temperature_c: 36.5, code_issuer: '330000' });
    await until('the gate relay to pulse', () => j.composed.demo!.gate.pulses.length === 1);
  });

  it('red code → STOP STATUS_RED; logged, gate shut', async () => {
    const j = await startDemo();
    await setTemperature(j, 36.6);
    const page = await openScreen(j, 'red', demoCode(j, 'wangwu'));
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'stop', decision: 'deny', reason: 'STATUS_RED' });
    await expectMasked(page, 'wangwu');
    await saveScreenshot(page, 'journey-red-stop');
    expect(entriesInSqlite(j)).toMatchObject([{ seq: Number(result.entryId), decision: 'deny', reason: 'STATUS_RED', status_colour: 'red', holder_name: '王五' }]);
    await expectGateStayedShut(j);
  });

  it('forged code → STOP SIGNATURE_INVALID; logged, gate shut', async () => {
    const j = await startDemo();
    await setTemperature(j, 36.6);
    const page = await openScreen(j, 'forged', readFileSync(join(j.kiosk.dataDir, DEMO_CODES_DIR, 'forged.txt'), 'utf8'));
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'stop', decision: 'deny', reason: 'SIGNATURE_INVALID' });
    await saveScreenshot(page, 'journey-forged-stop');
    expect(entriesInSqlite(j)).toMatchObject([{ decision: 'deny', reason: 'SIGNATURE_INVALID', holder_name: null }]);
    await expectGateStayedShut(j);
  });

  it('ID card alone via the simulated reader → PASS on the status list', async () => {
    const j = await startDemo({ collectWindowMs: 2000 });
    await setTemperature(j, 36.4);
    const page = await openScreen(j, 'card-alone', null);
    j.composed.demo!.idcard.present('grandma');
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'pass', decision: 'admit' });
    expect(await page.locator('#person-name').textContent()).toBe('孙**');
    await expectMasked(page, 'grandma');
    await saveScreenshot(page, 'journey-card-alone-pass');
    expect(entriesInSqlite(j)).toMatchObject([{ method: 'card', decision: 'admit', status_colour: 'green', holder_name: '孙秀英', doc_number_masked: masked('grandma') }]);
    await until('the gate relay to pulse', () => j.composed.demo!.gate.pulses.length === 1);
  });

  it('fever via the simulated thermometer → STOP FEVER', async () => {
    const j = await startDemo();
    await setTemperature(j, 38.2);
    const page = await openScreen(j, 'fever', demoCode(j, 'lisi'));
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'stop', decision: 'deny', reason: 'FEVER' });
    await expectMasked(page, 'lisi');
    await saveScreenshot(page, 'journey-fever-stop');
    const rows = entriesInSqlite(j);
    expect(rows).toMatchObject([{ decision: 'deny', reason: 'FEVER', holder_name: '李四' }]);
    expect(rows[0]!.temperature_c).toBeGreaterThanOrEqual(37.3);
    await expectGateStayedShut(j);
  });

  it('code + a different person\'s card → STOP IDENTITY_MISMATCH', async () => {
    const j = await startDemo({ collectWindowMs: 20_000 });
    await setTemperature(j, 36.5);
    // The card goes on the reader first; the passage collects, then the camera sees zhangsan's code.
    j.composed.demo!.idcard.present('lisi');
    await until('the card to be read', () => j.composed.checkpoint.flow.view().collected.card);
    const page = await openScreen(j, 'mismatch', demoCode(j, 'zhangsan'));
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'stop', decision: 'deny', reason: 'IDENTITY_MISMATCH' });
    await expectMasked(page, 'zhangsan', 'lisi');
    await saveScreenshot(page, 'journey-identity-mismatch');
    expect(entriesInSqlite(j)).toMatchObject([{ method: 'both', decision: 'deny', reason: 'IDENTITY_MISMATCH', holder_name: '张三' }]);
    await expectGateStayedShut(j);
  });

  it('review decided by the guard: temperature required but none read → CHECK; the guard allows; both are logged', async () => {
    const j = await startDemo({ collectWindowMs: 2000 }, { requireTemperature: true });
    // Nobody at the sensor: it reads the room, which is not a body temperature (devices spec §2).
    await setTemperature(j, null);
    const page = await openScreen(j, 'review', demoCode(j, 'zhangsan'));
    const result = await waitForResult(page);
    expect(result).toMatchObject({ tone: 'check', decision: 'review', reason: 'TEMPERATURE_MISSING' });
    expect(await page.locator('#review-panel').isVisible()).toBe(true);
    await saveScreenshot(page, 'journey-review-waiting');
    expect(j.composed.demo!.gate.pulses).toHaveLength(0);
    await page.locator('#review-allow').click();
    await page.waitForSelector('#guard[data-tone="pass"]');
    await expectMasked(page, 'zhangsan');
    await saveScreenshot(page, 'journey-review-allowed');
    const rows = entriesInSqlite(j);
    expect(rows).toMatchObject([{ seq: Number(result.entryId), decision: 'review', reason: 'TEMPERATURE_MISSING' }]);
    expect(overridesInSqlite(j)).toEqual([{ entry_seq: rows[0]!.seq, decision: 'admit', note: 'GUARD_ALLOWED' }]);
    // Who decided: the launched screen's session, the same name across reconnects (not a counter).
    const db = new Database(databasePath(j.kiosk.dataDir), { readonly: true, fileMustExist: true });
    try {
      expect(db.prepare('SELECT guard FROM entry_overrides').all()).toEqual([{ guard: expect.stringMatching(/^browser:screen-1\/session-[0-9a-f]{8}$/) }]);
    } finally {
      db.close();
    }
    await until('the gate relay to pulse after the guard allowed', () => j.composed.demo!.gate.pulses.length === 1);
  });
});
