import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KioskEventSchema, type CallContext, type KioskEvent } from '../../contract/api.js';
import { dispatchCall } from '../../contract/dispatch.js';
import { WireFromHostSchema } from '../../contract/wire.js';
import { ListCache } from '../codes/list-cache.js';
import { issueDemoCode, makeDemoPki } from '../codes/pki.js';
import { kioskConfigSchema } from '../config/config.js';
import type { DecodedCard, DeviceEvent, DeviceEventListener, DeviceHealth, DeviceHub, GatePulseResult } from '../devices/types.js';
import { EntryStore } from '../store/entry-store.js';
import { hashAdminPin, lockMsAfter } from './admin-pin.js';
import { UnavailableStore } from './unavailable-store.js';
import { ManualClock } from './clock.js';
import { createCheckpointService, printableForLog, type CheckpointService } from './service.js';
import { T0, fillDisk, person } from './test-support.js';

/**
 * A DeviceHub that emits what a test tells it to: the device manager's contract without serial
 * ports (core cannot import native-bridge; the e2e journeys run the real one on pty pairs).
 */
class ScriptedHub implements DeviceHub {
  listeners = new Set<DeviceEventListener>();
  pulses = 0;
  healthList: DeviceHealth[] = (['idcard', 'thermometer', 'scanner', 'gate'] as const).map((device) => ({
    device,
    // A camera + reader + scanner + gate kiosk: no thermometer fitted unless a test fits one.
    configured: device !== 'thermometer',
    connected: device !== 'thermometer',
    port: device === 'thermometer' ? null : `/dev/pts/${device}`,
    lastGoodFrameAt: null,
    errors: {},
    lastError: null,
    fault: null,
    detail: null,
  }));
  fitThermometer(h: Partial<DeviceHealth>) {
    this.healthList = this.healthList.map((d) => (d.device === 'thermometer' ? { ...d, configured: true, port: '/dev/pts/thermometer', ...h } : d));
  }
  async start() {}
  async stop() {}
  onEvent(l: DeviceEventListener) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  health() {
    return this.healthList;
  }
  async pulseGate(): Promise<GatePulseResult> {
    this.pulses++;
    return { ok: true, driver: 'lcus', relay: 1, ms: 500 };
  }
  async readTemperature() {
    return { valid: false as const, reason: 'PORT_UNAVAILABLE' as const, rawCelsius: null };
  }
  emit(e: DeviceEvent) {
    for (const l of this.listeners) l(e);
  }
}

function decodedCard(key: string): DecodedCard {
  const p = person(key);
  return {
    cardType: ' ',
    docType: 'CN',
    name: p.name,
    nameEn: null,
    sex: { code: p.sex, zh: '', en: '' },
    ethnicGroup: null,
    birthDate: '1990-01-01',
    address: null,
    idNumber: p.idNumber,
    authority: null,
    validFrom: '2015-01-01',
    validTo: null,
    passNumber: null,
    issueCount: null,
    nationality: null,
    cardVersion: null,
    authorityCode: null,
    photo: { format: 'wlt', bytes: new Uint8Array(1024), decoded: null },
  };
}

const ctx: CallContext = { host: 'browser', clientId: 'ws-1' };
const pki = makeDemoPki({ seed: 'service-tests', now: Math.floor(T0 / 1000) });

let dir: string;
let store: EntryStore;
let cp: CheckpointService;
let hub: ScriptedHub;
let clock: ManualClock;
let events: KioskEvent[];
let logs: string[];
let adminRecord: unknown;
/** The admin section of the configuration `setup` was given (a restarted service gets the same PIN). */
const cp0Admin = () => adminRecord;

function setup(extra: Record<string, unknown> = {}) {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-service-'));
  adminRecord = extra.admin;
  const lists = new ListCache(dir, pki.roots).load();
  lists.installTrust(pki.trustListJws);
  lists.installStatus(pki.statusListJws);
  store = EntryStore.open(dir);
  hub = new ScriptedHub();
  clock = new ManualClock(T0);
  events = [];
  logs = [];
  cp = createCheckpointService({
    config: kioskConfigSchema.parse({ kioskId: 'kiosk-7', roots: pki.roots, ...extra }),
    store,
    lists,
    devices: hub,
    simulatedDevices: true,
    demo: true,
    clock,
    log: (l) => logs.push(l),
  });
  cp.service.subscribe((e) => events.push(e));
}

afterEach(() => {
  cp?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const code = (key: string) => issueDemoCode(pki.provinces, person(key), Math.floor(clock.now() / 1000));
const passages = () => events.filter((e): e is Extract<KioskEvent, { type: 'passage' }> => e.type === 'passage').map((e) => e.passage);

describe('kiosk service (the contract over the passage flow)', () => {
  it('answers every call inside the contract (validated by the hosts\' own dispatcher)', async () => {
    setup();
    const status = await dispatchCall(cp.service, 'getStatus', {}, ctx);
    expect(status).toMatchObject({ ok: true, value: { kioskId: 'kiosk-7', demo: true, storage: { writable: true }, trustList: { state: 'fresh', seq: 1 }, statusList: { state: 'fresh' } } });
    const kinds = status.ok ? (status.value as { devices: Array<{ kind: string; state: string; simulated: boolean }> }).devices : [];
    expect(kinds.find((d) => d.kind === 'cardReader')).toMatchObject({ state: 'ok', simulated: true });
    expect(kinds.find((d) => d.kind === 'thermometer')).toMatchObject({ state: 'absent' });
    expect(kinds.find((d) => d.kind === 'camera')).toMatchObject({ state: 'offline' });

    const scan = await dispatchCall(cp.service, 'submitScan', { text: code('zhangsan'), source: 'camera' }, ctx);
    expect(scan).toMatchObject({ ok: true, value: { duplicate: false } });
    expect(await dispatchCall(cp.service, 'getStatus', {}, ctx)).toMatchObject({ ok: true, value: { passage: { state: 'shown', decision: 'admit', maskedName: '张*' } } });
    expect(hub.pulses).toBe(1);
    for (const e of events) expect(KioskEventSchema.safeParse(e).success).toBe(true);

    // With no admin PIN configured, admin functions are closed.
    expect(await dispatchCall(cp.service, 'openAdminSession', { pin: '1234' }, ctx)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED', message: expect.stringMatching(/no admin PIN is set/) });
    expect(await dispatchCall(cp.service, 'getRendererConfig', {}, ctx)).toMatchObject({ ok: true, value: { camera: { enabled: true, width: 640 }, kioskName: 'kiosk-7' } });
    expect(await dispatchCall(cp.service, 'setLanguage', { language: 'en' }, ctx)).toMatchObject({ ok: true, value: { language: 'en' } });
    expect(await dispatchCall(cp.service, 'reportCamera', { state: 'ok', detail: null }, ctx)).toMatchObject({ ok: true });
    const devicesEvent = events.filter((e) => e.type === 'devices').pop();
    expect(devicesEvent && devicesEvent.type === 'devices' && devicesEvent.devices.find((d) => d.kind === 'camera')?.state).toBe('ok');
  });

  it('a card from the reader and a code from the serial scanner make one passage (both)', async () => {
    setup();
    hub.emit({ type: 'card-presented', at: clock.now(), card: decodedCard('lisi') });
    hub.emit({ type: 'scanner-text', at: clock.now(), text: code('lisi') });
    await cp.flow.settled();
    expect(passages().pop()).toMatchObject({ state: 'shown', method: 'both', decision: 'admit' });
    expect(store.entryCount()).toBe(1);
  });

  it('an invalid temperature (the room, out of range) is ignored; a valid one is used', async () => {
    setup();
    hub.fitThermometer({ connected: true });
    hub.emit({ type: 'temperature', at: clock.now(), reading: { valid: false, reason: 'THERMO_OUT_OF_RANGE', rawCelsius: 25 } });
    await cp.service.submitScan({ text: code('zhangsan'), source: 'camera' }, ctx);
    expect(passages().pop()).toMatchObject({ state: 'collecting', collected: { temperature: false } });
    hub.emit({ type: 'temperature', at: clock.now(), reading: { valid: true, celsius: 36.7, rawCelsius: 36.7, samples: 3 } });
    await cp.flow.settled();
    expect(passages().pop()).toMatchObject({ state: 'shown', decision: 'admit', temperatureC: 36.7 });
  });

  it('guardReview through the service logs the guard (host and connection) with the kiosk\'s decision', async () => {
    setup({ policy: { requireTemperature: true } });
    hub.fitThermometer({ connected: true });
    await cp.service.submitScan({ text: code('zhangsan'), source: 'camera' }, ctx);
    clock.advance(2500);
    await cp.flow.settled();
    const v = passages().pop()!;
    expect(v).toMatchObject({ decision: 'review', awaitingGuard: true });
    const bad = await dispatchCall(cp.service, 'guardReview', { passageId: 'nope', verdict: 'allow' }, ctx);
    expect(bad).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    const r = await dispatchCall(cp.service, 'guardReview', { passageId: v.passageId, verdict: 'deny' }, ctx);
    expect(r).toMatchObject({ ok: true, value: { guardVerdict: 'deny' } });
    expect(store.readOverridesAfterSeq(0, 10)).toMatchObject([{ decision: 'deny', guard: 'browser:ws-1', note: 'GUARD_DENIED' }]);
    expect(hub.pulses).toBe(0);
  });

  it('today\'s figures need an admin session opened with the PIN; every view and every wrong PIN is audited', async () => {
    setup({ admin: { pin: hashAdminPin('2468') } });
    expect(await dispatchCall(cp.service, 'getTodayFigures', {}, ctx)).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(await cp.service.getTodayFigures({ session: 'A'.repeat(32) }, ctx)).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(await cp.service.openAdminSession({ pin: '1111' }, ctx)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED', message: 'wrong admin PIN' });
    const opened = await cp.service.openAdminSession({ pin: '2468' }, ctx);
    if (!opened.ok) throw new Error(opened.message);
    expect(await cp.service.getTodayFigures({ session: opened.value.session }, ctx)).toMatchObject({ ok: true, value: { total: 0 } });
    const trail = store.auditOf(['admin-pin-failed', 'admin-view', 'admin-pin-locked', 'admin-action'], 10).reverse();
    expect(trail.map((r) => [r.action, r.detail.by, r.detail.what])).toEqual([
      ['admin-pin-failed', 'browser:ws-1', 'open-session'],
      ['admin-view', 'browser:ws-1', 'open-session'],
      ['admin-action', 'browser:ws-1', 'today-figures'],
    ]);
    // Neither the PIN tried, nor the right one, nor the session token is in the trail.
    expect(JSON.stringify(store.auditLog(10))).not.toMatch(/1111|2468/);
    expect(JSON.stringify(store.auditLog(10))).not.toContain(opened.value.session);
  });

  it('calls without a session cannot lock the admin out', async () => {
    setup({ admin: { pin: hashAdminPin('2468') } });
    for (let i = 0; i < 50; i++) expect(await cp.service.getTodayFigures({ session: `bogus-session-${String(i).padStart(4, '0')}` }, ctx)).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(await cp.service.openAdminSession({ pin: '2468' }, ctx)).toMatchObject({ ok: true });
  });

  it('wrong PINs back off exponentially, and the count survives a restart', async () => {
    setup({ admin: { pin: hashAdminPin('2468') } });
    // Three free slips, then 30 s, 60 s, 120 s… after each further wrong PIN.
    for (let i = 0; i < 3; i++) expect(await cp.service.openAdminSession({ pin: '0000' }, ctx)).toMatchObject({ message: 'wrong admin PIN' });
    expect(await cp.service.openAdminSession({ pin: '0000' }, ctx)).toMatchObject({ reason: 'UNAUTHORIZED', message: 'wrong admin PIN; try again in 30 s', retryInMs: 30_000 });
    // Closed: even the right PIN is not checked (and the attempt is audited). The screen is told it
    // is locked and for how long (through the hosts' dispatcher and the WebSocket framing), not
    // "not authorised".
    clock.advance(4_000);
    const locked = await dispatchCall(cp.service, 'openAdminSession', { pin: '2468' }, ctx);
    expect(locked).toEqual({ ok: false, reason: 'PIN_LOCKED', message: 'too many wrong PINs; try again in 26 s', retryInMs: 26_000 });
    expect(WireFromHostSchema.parse({ kind: 'result', id: 1, result: locked })).toMatchObject({ result: { reason: 'PIN_LOCKED', retryInMs: 26_000 } });
    clock.advance(30_000);
    expect(await cp.service.openAdminSession({ pin: '0000' }, ctx)).toMatchObject({ message: 'wrong admin PIN; try again in 60 s' });

    // A restart (a new service on the same entry log) keeps the count and the wait.
    cp.close();
    cp = createCheckpointService({ config: kioskConfigSchema.parse({ kioskId: 'kiosk-7', roots: pki.roots, admin: cp0Admin() }), store, lists: new ListCache(dir, pki.roots).load(), devices: null, clock, log: () => {} });
    clock.advance(59_000);
    expect(await cp.service.openAdminSession({ pin: '2468' }, ctx)).toMatchObject({ ok: false, reason: 'PIN_LOCKED', message: 'too many wrong PINs; try again in 1 s', retryInMs: 1_000 });
    clock.advance(1_000);
    expect(await cp.service.openAdminSession({ pin: '0000' }, ctx)).toMatchObject({ message: 'wrong admin PIN; try again in 120 s' });
    clock.advance(120_000);
    expect(await cp.service.openAdminSession({ pin: '2468' }, ctx)).toMatchObject({ ok: true });
    // The right PIN ends the run: the next slip is free again.
    expect(await cp.service.openAdminSession({ pin: '0000' }, ctx)).toMatchObject({ message: 'wrong admin PIN' });
    expect(store.auditOf(['admin-pin-locked'], 10)).toHaveLength(2);
  });

  it('the wait doubles up to a day, so a 4-digit PIN is out of reach', () => {
    expect([1, 3, 4, 5, 6, 13].map((n) => lockMsAfter(n))).toEqual([0, 0, 30_000, 60_000, 120_000, 30_000 * 2 ** 9]);
    expect(lockMsAfter(1_000)).toBe(24 * 3_600_000);
    // Ten thousand guesses: the waits alone add up to years.
    let total = 0;
    for (let n = 1; n <= 10_000; n++) total += lockMsAfter(n);
    expect(total / (365 * 24 * 3_600_000)).toBeGreaterThan(20);
  });

  it('with the entry log unavailable, admin functions are refused (no audit, no admin view)', async () => {
    setup({ admin: { pin: hashAdminPin('2468') } });
    cp.close();
    cp = createCheckpointService({
      config: kioskConfigSchema.parse({ kioskId: 'kiosk-7', roots: pki.roots, admin: cp0Admin() }),
      store: new UnavailableStore('CORRUPT', 'test'),
      lists: new ListCache(dir, pki.roots).load(),
      devices: null,
      clock,
      log: () => {},
    });
    expect(await cp.service.openAdminSession({ pin: '2468' }, ctx)).toMatchObject({ ok: false, reason: 'STORAGE_UNAVAILABLE' });
  });

  it('logs the camera detail a screen reports without its control characters', async () => {
    setup();
    const detail = 'NotReadableError\nkiosk: admitted 张三 110101199001011234\u001b[2J\u202e';
    expect(await dispatchCall(cp.service, 'reportCamera', { state: 'degraded', detail }, ctx)).toMatchObject({ ok: true });
    const line = logs.find((l) => l.startsWith('camera degraded'));
    expect(line).toBe('camera degraded (NotReadableError?kiosk: admitted 张三 110101199001011234?[2J?)');
    expect(printableForLog('a\r\nb\u0085c\u2028d\u0000')).toBe('a??b?c?d?');
  });

  it('with guards configured, a verdict needs a guard PIN and the override names the guard and the screen session', async () => {
    setup({ policy: { requireTemperature: true }, guards: [{ id: 'G-017', pin: hashAdminPin('4711') }, { id: 'G-020', pin: hashAdminPin('8080') }] });
    const screen: CallContext = { host: 'browser', clientId: 'screen-1/session-ab12cd34' };
    expect(await dispatchCall(cp.service, 'getRendererConfig', {}, screen)).toMatchObject({ ok: true, value: { guardPinRequired: true } });
    hub.fitThermometer({ connected: true });
    await cp.service.submitScan({ text: code('zhangsan'), source: 'camera' }, screen);
    clock.advance(2500);
    await cp.flow.settled();
    const v = passages().pop()!;
    expect(v).toMatchObject({ decision: 'review', awaitingGuard: true });
    expect(await dispatchCall(cp.service, 'guardReview', { passageId: v.passageId, verdict: 'allow' }, screen)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(await dispatchCall(cp.service, 'guardReview', { passageId: v.passageId, verdict: 'allow', guardPin: '0000' }, screen)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED', message: 'wrong guard PIN' });
    expect(hub.pulses).toBe(0);
    const r = await dispatchCall(cp.service, 'guardReview', { passageId: v.passageId, verdict: 'allow', guardPin: '8080' }, screen);
    expect(r).toMatchObject({ ok: true, value: { guardVerdict: 'allow' } });
    expect(store.readOverridesAfterSeq(0, 10)).toMatchObject([{ decision: 'admit', guard: 'G-020 via browser:screen-1/session-ab12cd34' }]);
    expect(store.auditOf(['guard-pin-failed', 'guard-verdict'], 10).map((a) => [a.action, a.detail.by, a.detail.holder ?? null]).reverse()).toEqual([
      ['guard-pin-failed', 'browser:screen-1/session-ab12cd34', null],
      ['guard-verdict', 'browser:screen-1/session-ab12cd34', 'G-020'],
    ]);
  });

  it('without guards configured, the override still names the screen session', async () => {
    setup({ policy: { requireTemperature: true } });
    expect(await dispatchCall(cp.service, 'getRendererConfig', {}, ctx)).toMatchObject({ ok: true, value: { guardPinRequired: false } });
    hub.fitThermometer({ connected: true });
    const screen: CallContext = { host: 'browser', clientId: 'screen-1/session-ab12cd34' };
    await cp.service.submitScan({ text: code('zhangsan'), source: 'camera' }, screen);
    clock.advance(2500);
    await cp.flow.settled();
    const v = passages().pop()!;
    expect(await dispatchCall(cp.service, 'guardReview', { passageId: v.passageId, verdict: 'deny' }, screen)).toMatchObject({ ok: true });
    expect(store.readOverridesAfterSeq(0, 10)).toMatchObject([{ decision: 'deny', guard: 'browser:screen-1/session-ab12cd34' }]);
  });

  it('a storage failure is announced as a storage event and in status', async () => {
    setup();
    fillDisk({ store, clock });
    await cp.service.submitScan({ text: code('zhangsan'), source: 'camera' }, ctx);
    expect(events.filter((e) => e.type === 'storage').pop()).toEqual({ type: 'storage', storage: { writable: false, reason: 'STORAGE_FULL' } });
    const status = await cp.service.getStatus({}, ctx);
    expect(status).toMatchObject({ ok: true, value: { storage: { writable: false, reason: 'STORAGE_FULL' }, passage: { decision: 'review', reason: 'STORAGE_FULL' } } });
    expect(hub.pulses).toBe(0);
  });

  it('a scan while a review waits answers `held` (not an error), and status tells the idle screen whether a card alone is allowed', async () => {
    setup({ policy: { cardOnlyAllowed: false } });
    hub.fitThermometer({ connected: true, fault: 'FRAME_TIMEOUT', detail: 'no valid frame within 1400 ms (no reply)' });
    expect(await cp.service.getStatus({}, ctx)).toMatchObject({ ok: true, value: { cardOnlyAllowed: false, devices: expect.arrayContaining([expect.objectContaining({ kind: 'thermometer', state: 'offline', reason: 'FRAME_TIMEOUT' })]) } });
    // A faulty thermometer is not waited for: decided at once, and without a reading it goes to the guard.
    await cp.service.submitScan({ text: code('zhangsan'), source: 'camera' }, ctx);
    const review = passages().pop()!;
    expect(review).toMatchObject({ state: 'shown', decision: 'review', reason: 'TEMPERATURE_MISSING', awaitingGuard: true });
    const held = await dispatchCall(cp.service, 'submitScan', { text: code('lisi'), source: 'camera' }, ctx);
    expect(held).toEqual({ ok: true, value: { passageId: review.passageId, duplicate: false, held: true } });
    expect(passages().pop()).toMatchObject({ passageId: review.passageId, heldAttempts: 1 });
    for (const e of events) expect(KioskEventSchema.safeParse(e).success).toBe(true);
  });

  it('a passage waiting for a temperature is decided the moment the thermometer fails, not when its window ends', async () => {
    setup();
    hub.fitThermometer({ connected: true });
    await cp.service.submitScan({ text: code('zhangsan'), source: 'camera' }, ctx);
    expect(passages().pop()).toMatchObject({ state: 'collecting', missing: ['temperature'] });
    hub.fitThermometer({ connected: true, fault: 'FRAME_TIMEOUT', detail: 'no valid frame within 1400 ms (no reply)' });
    hub.emit({ type: 'health', at: clock.now(), health: hub.healthList.find((h) => h.device === 'thermometer')! });
    await cp.flow.settled();
    expect(passages().pop()).toMatchObject({ state: 'shown', decision: 'review', reason: 'TEMPERATURE_MISSING' });
    expect(logs).toContain('device thermometer offline (FRAME_TIMEOUT): no valid frame within 1400 ms (no reply)');
  });
});
