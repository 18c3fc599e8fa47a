// The fleet console end to end (docs/fleet.md): a real collector on 127.0.0.1 with its own SQLite
// file, an operator account made with the real CLI (`kiosk collector operator add`, password on
// stdin), two registered kiosks reporting through the kiosk's own Heartbeater with real device keys,
// and Debian's Chromium driving the page: wrong passwords until the screen says locked and for how
// long, the login, both kiosks listed, one kiosk stops heartbeating and the collector's clock moves on
// six minutes: its row and the summary show the `silent` alert in red, in both languages and at both
// screen shapes. Screenshots under test-results/e2e/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startCollector, type RunningCollector } from '../src/collector/server.js';
import { main } from '../src/cli/main.js';
import { generateIdentity, type DeviceIdentity } from '../src/core/identity/device-key.js';
import { Heartbeater, type HeartbeatSnapshot } from '../src/core/upload/heartbeat.js';
import { launchChromium, saveScreenshot } from './support/harness.js';
import { until } from './support/until.js';
import { initFleetKey, type FleetKey } from '../src/collector/fleet-config.js';
import { verifyFleetBundle } from '../src/core/fleet/bundle.js';
import { FLEET_CONFIG_PATH, fleetRequestMessage } from '../src/core/fleet/kiosk.js';
import { b64url } from '../src/core/identity/device-key.js';

const PASSWORD = 'fleet console e2e password';
let dir: string;
let collector: RunningCollector;
let browser: Browser;
let page: Page;
/** How far the collector's clock is ahead of the wall clock (moved to make a kiosk silent). */
let offset = 0;
const collectorNow = () => Date.now() + offset;
const kiosks: { id: DeviceIdentity; hb: Heartbeater; name: string }[] = [];
/** What each venue's kiosk reports of signed fleet configuration in its heartbeat (absent: nothing). */
const fleetReports = new Map<string, HeartbeatSnapshot['fleetConfig']>();
let fleetKey: FleetKey;

function snapshot(venueId: string, over: Partial<HeartbeatSnapshot> = {}): HeartbeatSnapshot {
  return {
    venueId,
    softwareVersion: '0.1.0',
    configRevision: 4,
    trustList: { state: 'fresh', seq: 12, issuedAt: Date.now() - 5 * 3600_000, ageHours: 5 },
    statusList: { state: 'fresh', seq: 230, ageHours: 0.4 },
    devices: [
      { device: 'idcard', configured: true, connected: true, fault: null, lastError: null },
      { device: 'thermometer', configured: true, connected: true, fault: null, lastError: null },
      { device: 'scanner', configured: true, connected: true, fault: null, lastError: null },
      { device: 'gate', configured: false, connected: false, fault: null, lastError: null },
    ],
    freeDiskBytes: 40 * 1024 ** 3,
    ...over,
  };
}

async function cli(args: string[], stdinText = ''): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += String(c)));
  stderr.on('data', (c: Buffer) => (err += String(c)));
  stdin.end(stdinText);
  const code = await main(args, { stdout, stderr, stdin });
  return { code, out, err };
}

async function tryLogin(password: string): Promise<string> {
  await page.fill('#login-name', 'alice');
  await page.fill('#login-password', password);
  const before = await page.textContent('#login-message');
  await page.click('#login-submit');
  // Polled from Node: the page's CSP refuses string predicates (no unsafe-eval), and the e2e
  // typecheck has no DOM types for function ones.
  await until('the login message changes', async () => (await page.textContent('#login-message')) !== before);
  return (await page.textContent('#login-message')) ?? '';
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fleet-console-e2e-'));
  const database = join(dir, 'collector.sqlite3');
  const added = await cli(['collector', 'operator', 'add', 'alice', '--db', database], `${PASSWORD}\n`);
  expect(added, added.err).toMatchObject({ code: 0 });
  const listed = await cli(['collector', 'operator', 'list', '--db', database]);
  expect(JSON.parse(listed.out)).toMatchObject([{ name: 'alice', enabled: true, lastLoginAt: null }]);
  fleetKey = initFleetKey(join(dir, 'fleet-key.json'));
  collector = await startCollector({ database, clock: collectorNow, fleetKey });
  for (const [name, venue] of [
    ['North gate', 'venue-north'],
    ['South gate', 'venue-south'],
  ] as const) {
    const id = generateIdentity();
    await collector.db.registerKiosk(id.kioskId, id.publicKey, name);
    const hb = new Heartbeater({ collectorUrl: collector.url, identity: id, snapshot: async () => {
        const fleetConfig = fleetReports.get(venue);
        return snapshot(venue, fleetConfig ? { fleetConfig } : {});
      }, backlog: () => 3, intervalMs: 60_000, timeoutMs: 5_000, now: collectorNow });
    expect(await hb.sendNow()).toMatchObject({ ok: true });
    kiosks.push({ id, hb, name });
    // A day of passages at each venue for the chart (the entries table the endpoint counts).
    // North busy in the day (60 passages), south fewer and later (30).
    const n = venue === 'venue-north' ? 60 : 30;
    const entries = Array.from({ length: n }, (_, i) => ({ s: i + 1, id: `e${i}`, t: Date.now() - (venue === 'venue-north' ? (i * 7) % 23 : 2 + ((i * 5) % 9)) * 3600_000 - 60_000, r: { venueId: venue } }));
    await collector.db.storeBatch({ v: 1, kioskId: id.kioskId, batchId: 'b1', firstSeq: 1, lastSeq: entries.length, backlog: 3, entries } as never, () => null);
  }
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  // The page's timers under a clock the test moves: the 30 s list refresh is run, not waited for.
  await page.clock.install();
}, 60_000);

afterAll(async () => {
  for (const k of kiosks) await k.hb.stop();
  await browser?.close();
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('fleet console in Chromium', () => {
  it('locks after five wrong passwords and says for how long; then logs in and lists both kiosks', async () => {
    await page.goto(`${collector.url}/console`);
    await page.waitForSelector('#login:not([hidden])');
    // zh-CN by default.
    expect(await page.textContent('#login h2')).toBe('操作员登录');
    const first = await tryLogin('not the password 1');
    expect(first).toContain('用户名或密码错误');
    expect(first).toContain('再错 4 次');
    let fifth = '';
    for (let i = 2; i <= 5; i++) fifth = await tryLogin(`not the password ${i}`);
    // The last try before the lock says so, rather than only "wrong".
    expect(fifth).toContain('再错一次将锁定该账号');
    const locked = await tryLogin('not the password 6');
    expect(locked).toMatch(/已锁定.*30 秒/);
    expect(await page.isDisabled('#login-submit')).toBe(true);
    await saveScreenshot(page, 'fleet-console-locked-1280x800');
    await page.click('#lang');
    expect(await page.textContent('#login-message')).toMatch(/locked\. Try again in \d+ s/);
    await saveScreenshot(page, 'fleet-console-locked-en-1280x800');
    await page.click('#lang');

    // The lock is the collector's, on its clock: 31 s later the right password opens the console.
    offset += 31_000;
    await page.reload();
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-name', 'alice');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#fleet:not([hidden])');
    await page.waitForSelector(`[data-testid="kiosk-${kiosks[1]!.id.kioskId}"]`);
    const rows = await page.$$eval('#kiosk-table tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-kiosk')));
    expect(rows.sort()).toEqual(kiosks.map((k) => k.id.kioskId).sort());
    expect(await page.textContent('[data-testid="page-info"]')).toContain('共 2 台');
    expect(await page.textContent('[data-testid="alert-count-silent"]')).toMatch(/^0/);
    await page.waitForSelector('#chart svg polyline');
    expect(await page.$$eval('#chart-totals tbody tr', (trs) => trs.map((tr) => tr.textContent))).toEqual([expect.stringMatching(/venue-north60/), expect.stringMatching(/venue-south30/)]);
    expect(await page.textContent('[data-testid="config-push"]')).toContain('配置下发');
    expect(await page.textContent('#kiosk-table thead')).toContain('群控配置');
    await saveScreenshot(page, 'fleet-console-kiosks-1280x800');
  });

  it('a kiosk that stops heartbeating raises the silent alert, shown in red on its row and in the summary', async () => {
    const [north, south] = kiosks;
    // South stops; north goes on for six minutes of the collector's clock (silent after 5).
    for (let i = 0; i < 6; i++) {
      offset += 60_000;
      expect(await north!.hb.sendNow()).toMatchObject({ ok: true });
    }
    await page.click('#refresh');
    await page.waitForSelector(`[data-testid="kiosk-${south!.id.kioskId}"] .chip.alert[data-alert="silent"]`);
    expect(await page.$$(`[data-testid="kiosk-${north!.id.kioskId}"] .chip.alert`)).toHaveLength(0);
    expect(await page.textContent('[data-testid="alert-count-silent"]')).toMatch(/^1失联/);
    expect(await page.textContent(`[data-testid="kiosk-${south!.id.kioskId}"] [data-testid="alerts"]`)).toBe('失联');
    // A silent kiosk's devices are its last heartbeat's word: grey, marked so, never a green "ok".
    const southDevices = `[data-testid="kiosk-${south!.id.kioskId}"] [data-testid="devices"]`;
    expect(await page.$$(`${southDevices} .chip.ok`)).toHaveLength(0);
    expect(await page.$$(`${southDevices} .chip.stale`)).toHaveLength(4);
    expect(await page.textContent(southDevices)).toContain('（截至最后心跳）');
    expect(await page.$$(`[data-testid="kiosk-${north!.id.kioskId}"] [data-testid="devices"] .chip.ok`)).toHaveLength(3);
    // The legend and the time of the last refresh are on the page, not only in tooltips.
    expect(await page.textContent('[data-testid="kiosk-legend"]')).toContain('群控配置：');
    expect(await page.textContent('[data-testid="updated"]')).toMatch(/^更新于 \d{2}:\d{2}:\d{2}$/);
    expect(await page.getAttribute('#th-fleet', 'title')).toContain('群控');
    await saveScreenshot(page, 'fleet-console-silent-1280x800');

    // The summary filters: only the silent kiosk.
    await page.click('[data-testid="alert-count-silent"]');
    await until('1 row(s) listed', async () => (await page.locator('#kiosk-table tbody tr').count()) === 1);
    expect(await page.$eval('#kiosk-table tbody tr', (tr) => tr.getAttribute('data-kiosk'))).toBe(south!.id.kioskId);

    await page.click('#lang');
    expect(await page.textContent(`[data-testid="kiosk-${south!.id.kioskId}"] [data-testid="alerts"]`)).toBe('Silent');
    await page.click('[data-alert=""]');
    await until('2 row(s) listed', async () => (await page.locator('#kiosk-table tbody tr').count()) === 2);
    await saveScreenshot(page, 'fleet-console-silent-en-1280x800');
    await page.setViewportSize({ width: 800, height: 1280 });
    await saveScreenshot(page, 'fleet-console-silent-en-800x1280');
    await page.click('#lang');
    await saveScreenshot(page, 'fleet-console-silent-800x1280');

    // Every step was audited: the lockout, the login, the views.
    const actions = (await collector.db.console.auditRows(100)).map((r) => r.action);
    expect(actions.filter((a) => a === 'login-failed')).toHaveLength(6);
    expect(actions).toContain('login-ok');
    expect(actions).toContain('view-kiosks');
    expect(actions).toContain('view-entries-per-hour');
  });

  it('pushes a configuration from the page (revision shown, served to the venue\'s kiosk), refuses a forbidden path with its reason, and lists the revision applied and a refusal in red', async () => {
    const [north, south] = kiosks;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.selectOption('#push-kind', 'venueId');
    await page.fill('#push-target', 'venue-north');
    await page.fill('[data-testid="push-path-0"]', 'policy.feverThresholdC');
    await page.fill('[data-testid="push-value-0"]', '38.5');
    await page.click('#push-submit');
    await until('the push is answered', async () => (await page.getAttribute('#push-result', 'data-revision')) !== null);
    expect(await page.getAttribute('#push-result', 'data-revision')).toBe('1');
    expect(await page.textContent('#push-result')).toMatch(/^已签名版本 1，对象：场所 venue-north/);
    // When, and to how many known kiosks (north reports venue-north).
    expect(await page.textContent('#push-result')).toContain('upload.listSyncMinutes（默认 15 分钟）内或下次启动时应用');
    expect(await page.getAttribute('#push-result', 'data-targets')).toBe('1');
    expect(await page.textContent('#push-result')).toContain('当前覆盖 1 台终端');
    // Until north's heartbeat reports it, its row says pushed but not applied.
    await until('north shows the pending revision', async () => ((await page.textContent(`[data-testid="kiosk-${north!.id.kioskId}"] [data-testid="fleet-config"]`)) ?? '') === '已下发 1，尚未应用');
    expect(await page.$$(`[data-testid="kiosk-${south!.id.kioskId}"] [data-testid="fleet-pending"]`)).toHaveLength(0);
    await page.locator('#config-push').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'fleet-console-push-signed-1280x800');

    // The north kiosk's signed GET gets that bundle, signed by the collector's fleet key.
    const res = await fetch(`${collector.url}${FLEET_CONFIG_PATH}?venue=venue-north`, { headers: { 'kiosk-id': north!.id.kioskId, 'kiosk-signature': b64url(north!.id.sign(fleetRequestMessage(north!.id.kioskId))) } });
    expect(res.status).toBe(200);
    const verified = verifyFleetBundle(await res.text(), fleetKey.publicKey);
    expect(verified).toMatchObject({ ok: true, value: { revision: 1, target: { venueId: 'venue-north' }, changes: { policy: { feverThresholdC: 38.5 } } } });
    // The south kiosk's venue has none.
    const none = await fetch(`${collector.url}${FLEET_CONFIG_PATH}?venue=venue-south`, { headers: { 'kiosk-id': south!.id.kioskId, 'kiosk-signature': b64url(south!.id.sign(fleetRequestMessage(south!.id.kioskId))) } });
    expect(none.status).not.toBe(200);

    // A path outside policy.* / checkpoint.*: refused with its reason on screen, nothing signed.
    await page.fill('[data-testid="push-path-0"]', 'devices.thermometer.port');
    await page.fill('[data-testid="push-value-0"]', '/dev/ttyS9');
    await page.click('#push-submit');
    await until('the refusal is shown', async () => ((await page.textContent('#push-result')) ?? '').includes('FLEET_CONFIG_FORBIDDEN_PATH'));
    expect(await page.textContent('#push-result')).toMatch(/^已拒绝（FLEET_CONFIG_FORBIDDEN_PATH）：.*devices\.thermometer\.port/);
    expect(await page.getAttribute('#push-result', 'class')).toContain('error');
    expect(await collector.db.fleetConfig.maxRevision()).toBe(1);
    await saveScreenshot(page, 'fleet-console-push-refused-1280x800');
    await page.click('#lang');
    expect(await page.textContent('#push-result')).toMatch(/^Refused \(FLEET_CONFIG_FORBIDDEN_PATH\): /);
    await saveScreenshot(page, 'fleet-console-push-refused-en-1280x800');

    // Heartbeats: north applied revision 1; south refused it (expired) and keeps none.
    fleetReports.set('venue-north', { revision: 1 });
    fleetReports.set('venue-south', { revision: 0, refused: { revision: 1, reason: 'FLEET_CONFIG_EXPIRED' } });
    offset += 1000;
    expect(await north!.hb.sendNow()).toMatchObject({ ok: true });
    expect(await south!.hb.sendNow()).toMatchObject({ ok: true });
    await page.click('#refresh');
    const cell = (k: DeviceIdentity) => `[data-testid="kiosk-${k.kioskId}"] [data-testid="fleet-config"]`;
    await until('the fleet revisions are listed', async () => ((await page.textContent(cell(north!.id))) ?? '') === 'applied 1');
    expect(await page.textContent(cell(south!.id))).toBe('none appliedrefused 1: FLEET_CONFIG_EXPIRED');
    expect(await page.$eval(`${cell(south!.id)} [data-testid="fleet-refused"]`, (e) => (globalThis as unknown as { getComputedStyle(node: unknown): { color: string } }).getComputedStyle(e).color)).toBe('rgb(176, 0, 32)');
    expect(await page.$$(`${cell(north!.id)} [data-testid="fleet-refused"]`)).toHaveLength(0);
    await page.locator('#kiosk-table').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'fleet-console-fleet-revisions-en-1280x800');
    await page.click('#lang');
    expect(await page.textContent(cell(north!.id))).toBe('已应用 1');
    expect(await page.textContent(cell(south!.id))).toBe('未应用拒绝 1：FLEET_CONFIG_EXPIRED');
    await page.setViewportSize({ width: 800, height: 1280 });
    await page.locator('#config-push').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'fleet-console-push-800x1280');

    const audit = await collector.db.console.auditRows(100);
    expect(audit.find((r) => r.action === 'fleet-config-pushed')).toMatchObject({ operator: 'alice', detail: { revision: 1, target: { venueId: 'venue-north' }, changes: [{ path: 'policy.feverThresholdC', value: 38.5 }] } });
    expect(audit.find((r) => r.action === 'fleet-config-refused')).toMatchObject({ operator: 'alice', detail: { reason: 'FLEET_CONFIG_FORBIDDEN_PATH' } });

    // The page's own audit table (GET /v1/console/audit), newest first: the push, the refusal after
    // it and the six failed logins, with the action in words and its code, in both languages.
    await page.click('#audit-refresh');
    const auditRow = (action: string) => page.locator(`#audit-table tbody tr[data-action="${action}"]`);
    await until('the audit table lists the push', async () => (await auditRow('fleet-config-pushed').count()) === 1);
    const pushedCells = await auditRow('fleet-config-pushed').locator('td').allTextContents();
    expect(pushedCells.slice(1, 3)).toEqual(['alice', '配置已下发fleet-config-pushed']);
    expect(pushedCells[3]).toContain('revision: 1; target: {"venueId":"venue-north"}; changes: [{"path":"policy.feverThresholdC","value":38.5}]');
    expect(await auditRow('fleet-config-refused').locator('td').nth(3).textContent()).toContain('reason: FLEET_CONFIG_FORBIDDEN_PATH');
    expect(await auditRow('login-failed').count()).toBe(6);
    const order = await page.locator('#audit-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
    expect(order.indexOf('fleet-config-refused')).toBeLessThan(order.indexOf('fleet-config-pushed'));
    expect(order.indexOf('fleet-config-pushed')).toBeLessThan(order.indexOf('login-ok'));
    await page.locator('#audit').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'fleet-console-audit-800x1280');
    await page.click('#lang');
    expect(await auditRow('fleet-config-pushed').locator('td').nth(2).textContent()).toBe('Configuration pushedfleet-config-pushed');
    expect(await page.textContent('#audit h2')).toContain('Audit');
    await saveScreenshot(page, 'fleet-console-audit-en-800x1280');
    await page.click('#lang');
  });

  it('a push for a venue no kiosk has reported is signed but shown in amber with "check the id"', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    // The list refreshes itself every 30 s while visible: no click, a newer "updated" time.
    const before = await page.textContent('[data-testid="updated"]');
    offset += 60_000;
    await page.clock.fastForward(31_000);
    await until('the list refreshed by itself', async () => (await page.textContent('[data-testid="updated"]')) !== before);
    await page.click('#lang');
    await page.selectOption('#push-kind', 'venueId');
    await page.fill('#push-target', 'no-such-venue');
    await page.fill('[data-testid="push-path-0"]', 'policy.feverThresholdC');
    await page.fill('[data-testid="push-value-0"]', '38.2');
    await page.click('#push-submit');
    await until('the push is answered', async () => (await page.getAttribute('#push-result', 'data-revision')) === '2');
    expect(await page.getAttribute('#push-result', 'data-targets')).toBe('0');
    expect(await page.getAttribute('#push-result', 'class')).toContain('warn');
    const said = (await page.textContent('#push-result')) ?? '';
    expect(said).toMatch(/^No kiosk has reported venue no-such-venue: check the id/);
    expect(said).toContain('Signed revision 2 for venue no-such-venue');
    expect(said).toContain('within upload.listSyncMinutes (15 min by default) or at their next start');
    await page.locator('#config-push').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'fleet-console-push-no-target-en-1280x800');
    await page.click('#lang');
    expect(await page.textContent('#push-result')).toMatch(/^尚无终端报告过场所 no-such-venue：请核对编号/);
    await saveScreenshot(page, 'fleet-console-push-no-target-1280x800');
  });
});
