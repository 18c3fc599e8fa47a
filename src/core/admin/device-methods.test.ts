// The devices screen's methods on a real kiosk service over a real entry log and a real config.json,
// with a device hub built from core's DeviceHub interface (the real DeviceManager is covered by
// native-bridge's tests and by e2e/devices-setup.e2e.test.ts over socat ptys). Calls go through the
// hosts' dispatcher, so requests and answers are checked against the contract's schemas.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallContext, MethodName, MethodRequest, MethodResponse, Result } from '../../contract/api.js';
import { dispatchCall } from '../../contract/dispatch.js';
import { ListCache } from '../codes/list-cache.js';
import { makeDemoPki } from '../codes/pki.js';
import { configPath, loadConfig, saveConfig } from '../config/config.js';
import { parseDevicesConfig, type DevicesConfig } from '../devices/config.js';
import type {
  ApplyDeviceResult,
  DecodedCard,
  DeviceEventListener,
  DeviceHealth,
  DeviceHub,
  DeviceKind,
  DeviceSettings,
  DeviceTestResult,
  FrameListener,
  FrameLogEntry,
} from '../devices/types.js';
import { EntryStore } from '../store/entry-store.js';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { ManualClock } from '../checkpoint/clock.js';
import { createCheckpointService, type CheckpointService } from '../checkpoint/service.js';
import { T0 } from '../checkpoint/test-support.js';
import { DEVICE_AUDIT } from './device-methods.js';

const ctx: CallContext = { host: 'browser', clientId: 'ws-integrator' };
const pki = makeDemoPki({ seed: 'device-methods-tests', now: Math.floor(T0 / 1000) });
const INTEGRATOR_PIN = '5678';
const ADMIN_PIN = '2468';
const THERMO = { port: '/dev/ttyUSB1', baudRate: 9600, protocol: { name: 'modbus-rtu', scale: 0.01 } };

const CARD: DecodedCard = {
  cardType: ' ',
  docType: 'CN',
  name: '张三丰',
  nameEn: null,
  sex: { code: '1', zh: '男', en: 'male' },
  ethnicGroup: null,
  birthDate: '1990-01-01',
  address: null,
  idNumber: '330106199001011234',
  authority: null,
  validFrom: '2020-01-01',
  validTo: null,
  passNumber: null,
  issueCount: null,
  nationality: null,
  cardVersion: null,
  authorityCode: null,
  photo: { format: 'wlt', bytes: new Uint8Array(0), decoded: null },
};

/**
 * A hub that behaves as DeviceHub promises: a port that does not exist is refused and the previous
 * settings stay; a frame recorded goes to the frame listeners.
 */
class FakeHub implements DeviceHub {
  config: DevicesConfig = parseDevicesConfig({ thermometer: THERMO });
  applied: Array<{ kind: DeviceKind; settings: unknown }> = [];
  testResult: DeviceTestResult = { ok: true, device: 'idcard', card: CARD };
  private readonly events = new Set<DeviceEventListener>();
  private readonly frames = new Set<FrameListener>();
  async start() {}
  async stop() {}
  onEvent(l: DeviceEventListener) {
    this.events.add(l);
    return () => this.events.delete(l);
  }
  emitEvent(e: Parameters<DeviceEventListener>[0]) {
    for (const l of this.events) l(e);
  }
  health(): DeviceHealth[] {
    return (['idcard', 'thermometer', 'scanner', 'gate'] as const).map((device) => ({
      device,
      configured: device === 'thermometer' ? this.config.thermometer !== null : false,
      connected: device === 'thermometer',
      port: device === 'thermometer' ? (this.config.thermometer?.port ?? null) : null,
      lastGoodFrameAt: null,
      errors: {},
      lastError: null,
      fault: null,
      detail: null,
    }));
  }
  async pulseGate() {
    return { ok: true as const, driver: 'none' as const, relay: 0, ms: 0 };
  }
  async readTemperature() {
    return { valid: true as const, celsius: 36.6, rawCelsius: 36.6, samples: 3 };
  }
  onFrame(l: FrameListener) {
    this.frames.add(l);
    return () => this.frames.delete(l);
  }
  frame(entry: Omit<FrameLogEntry, 'at'>) {
    for (const l of this.frames) l({ at: T0, ...entry });
  }
  recentFrames() {
    return [];
  }
  async listPorts() {
    return { ports: [{ path: '/dev/ttyUSB1', vendorId: '1a86', productId: '7523' }], problem: null };
  }
  deviceSettings(): DeviceSettings {
    return { idcard: this.config.idcard, thermometer: this.config.thermometer, scanner: this.config.scanner, gate: this.config.gate };
  }
  async applyDevice(kind: DeviceKind, settings: unknown): Promise<ApplyDeviceResult> {
    this.applied.push({ kind, settings });
    const port = (settings as { port?: string } | null)?.port;
    if (port === '/dev/does-not-exist') return { ok: false, reason: 'PORT_UNAVAILABLE', message: `no such port ${port}` };
    this.config = parseDevicesConfig({ ...this.config, [kind]: settings });
    return { ok: true, proven: `port ${port} opened at 9600 baud; valid reply` };
  }
  async testDevice(): Promise<DeviceTestResult> {
    return this.testResult;
  }
}

let dir: string;
let store: EntryStore;
let cp: CheckpointService;
let clock: ManualClock;
let hub: FakeHub;

function call<M extends MethodName>(method: M, request: MethodRequest<M> | Record<string, unknown>): Promise<Result<MethodResponse<M>>> {
  return dispatchCall(cp.service, method, request, ctx) as never;
}

async function session(pin = INTEGRATOR_PIN): Promise<string> {
  const r = await call('openAdminSession', { pin });
  if (!r.ok) throw new Error(r.message);
  return r.value.session;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-device-methods-'));
  saveConfig(dir, { kioskId: 'kiosk-d', roots: pki.roots, admin: { pin: hashAdminPin(ADMIN_PIN), integratorPin: hashAdminPin(INTEGRATOR_PIN) }, devices: { thermometer: THERMO } });
  const lists = new ListCache(dir, pki.roots).load();
  store = EntryStore.open(dir);
  clock = new ManualClock(T0);
  hub = new FakeHub();
  cp = createCheckpointService({ config: loadConfig(dir), store, lists, devices: hub, clock, configFile: { dataDir: dir }, statusTick: { everyMs: 3_600_000, clockEveryMs: 3_600_000 }, log: () => {} });
});

afterEach(() => {
  cp.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const savedThermometer = () => (JSON.parse(readFileSync(configPath(dir), 'utf8')) as { devices?: { thermometer?: Record<string, unknown> } }).devices?.thermometer;

describe('devices screen', () => {
  it('lists the ports and each device with its running and saved settings, for the integrator only', async () => {
    const s = await session();
    const r = await call('getDeviceSetup', { session: s });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.available).toBe(true);
    expect(r.value.ports).toEqual([{ path: '/dev/ttyUSB1', vendorId: '1a86', productId: '7523' }]);
    const thermo = r.value.devices.find((d) => d.device === 'thermometer')!;
    expect(thermo.running).toMatchObject({ port: '/dev/ttyUSB1', protocol: { name: 'modbus-rtu', scale: 0.01 } });
    expect(thermo.saved).toMatchObject({ port: '/dev/ttyUSB1' });
    expect(r.value.devices.map((d) => d.device)).toEqual(['idcard', 'thermometer', 'scanner', 'gate']);

    const admin = await session(ADMIN_PIN);
    const refused = await call('getDeviceSetup', { session: admin });
    expect(refused.ok ? null : refused.reason).toBe('UNAUTHORIZED');
  });

  it('a port that does not exist is refused with the device reason, the previous settings keep running and stay saved', async () => {
    const s = await session();
    const before = savedThermometer();
    const r = await call('applyDeviceSettings', { session: s, device: 'thermometer', settings: { ...THERMO, port: '/dev/does-not-exist' }, baseRevision: cp.liveConfig.revision });
    if (!r.ok) throw new Error(r.message);
    expect(r.value).toMatchObject({ applied: false, reason: 'PORT_UNAVAILABLE', message: 'no such port /dev/does-not-exist' });
    expect(r.value.applied === false && r.value.running).toMatchObject({ port: '/dev/ttyUSB1' });
    expect(hub.deviceSettings().thermometer?.port).toBe('/dev/ttyUSB1');
    expect(savedThermometer()).toEqual(before);
    const rows = store.auditOf([DEVICE_AUDIT.refused], 5);
    expect(rows.map((x) => x.detail)).toEqual([expect.objectContaining({ device: 'thermometer', reason: 'PORT_UNAVAILABLE' })]);
  });

  it('a proven change is saved as devices.<kind> with the next revision, in force without a restart, audited by path only', async () => {
    const s = await session();
    const revision = cp.liveConfig.revision;
    const next = { ...THERMO, port: '/dev/ttyUSB2', protocol: { name: 'gy-mcu90614', mode: 'query' } };
    const r = await call('applyDeviceSettings', { session: s, device: 'thermometer', settings: next, baseRevision: revision });
    if (!r.ok) throw new Error(r.message);
    expect(r.value).toMatchObject({ applied: true, revision: revision + 1 });
    expect(savedThermometer()).toMatchObject({ port: '/dev/ttyUSB2', protocol: { name: 'gy-mcu90614' } });
    expect(cp.liveConfig.revision).toBe(revision + 1);
    // The live applier saw the saved document equal what the hub runs: no second apply.
    expect(hub.applied).toHaveLength(1);
    expect(cp.liveConfig.livePaths()).toContain('devices');
    const [row] = store.auditOf([DEVICE_AUDIT.applied], 5);
    expect(row!.detail).toMatchObject({ device: 'thermometer', revision: revision + 1 });
    expect(row!.detail.paths).toEqual(expect.arrayContaining(['devices.thermometer.port', 'devices.thermometer.protocol.name']));
    expect(JSON.stringify(row!.detail)).not.toContain('ttyUSB2');
  });

  it('an unknown protocol is refused with its path before any port is touched; so is a change on an old revision', async () => {
    const s = await session();
    const bad = await call('applyDeviceSettings', { session: s, device: 'thermometer', settings: { ...THERMO, protocol: { name: 'modbus-tcp' } }, baseRevision: cp.liveConfig.revision });
    expect(bad.ok ? null : bad.reason).toBe('CONFIG_INVALID');
    expect(bad.ok ? '' : bad.message).toMatch(/^devices\.thermometer\.protocol(\.name)?: /);
    const stale = await call('applyDeviceSettings', { session: s, device: 'thermometer', settings: THERMO, baseRevision: cp.liveConfig.revision + 5 });
    expect(stale.ok ? null : stale.reason).toBe('BAD_REQUEST');
    expect(hub.applied).toHaveLength(0);
  });

  it('a card test answers the card masked, never the full name or number', async () => {
    const s = await session();
    const r = await call('testDevice', { session: s, device: 'idcard', timeoutMs: 2000 });
    if (!r.ok) throw new Error(r.message);
    expect(r.value).toMatchObject({ passed: true, card: { maskedName: '张**', docType: 'CN' } });
    const text = JSON.stringify(r.value);
    expect(text).not.toContain(CARD.idNumber);
    expect(text).not.toContain(CARD.name);
    hub.testResult = { ok: false, device: 'idcard', reason: 'FRAME_TIMEOUT', message: 'no card presented in 2 s' };
    const none = await call('testDevice', { session: s, device: 'idcard', timeoutMs: 2000 });
    expect(none.ok && none.value).toEqual({ passed: false, device: 'idcard', reason: 'FRAME_TIMEOUT', message: 'no card presented in 2 s' });
  });

  it('the frame log answers only frames after the cursor, errors kept, and its polls neither audit nor keep the session alive', async () => {
    const s = await session();
    hub.frame({ device: 'thermometer', dir: 'tx', hex: '01 03 00 00 00 01 84 0A', meaning: 'Modbus read 1 reg @0 fn 3', error: null });
    hub.frame({ device: 'thermometer', dir: 'rx', hex: '01 03 02 0E 4A 3C 71', meaning: 'checksum error', error: 'FRAME_CHECKSUM' });
    hub.emitEvent({ type: 'temperature', at: T0, reading: { valid: true, celsius: 36.8, rawCelsius: 36.5, samples: 3 } });
    const auditsBefore = store.auditPage({ limit: 500 }).rows.length;
    const first = await call('getFrameLog', { session: s, after: -1 });
    if (!first.ok) throw new Error(first.message);
    expect(first.value.frames.map((f) => [f.seq, f.dir, f.error])).toEqual([
      [0, 'tx', null],
      [1, 'rx', 'FRAME_CHECKSUM'],
    ]);
    expect(first.value.lastReading).toMatchObject({ valid: true, celsius: 36.8, rawCelsius: 36.5 });
    hub.frame({ device: 'gate', dir: 'tx', hex: 'A0 01 01 A2', meaning: 'relay 1 on', error: null });
    const next = await call('getFrameLog', { session: s, after: first.value.last });
    expect(next.ok && next.value.frames.map((f) => f.device)).toEqual(['gate']);
    const onlyThermo = await call('getFrameLog', { session: s, after: -1, device: 'thermometer' });
    expect(onlyThermo.ok && onlyThermo.value.frames).toHaveLength(2);
    expect(store.auditPage({ limit: 500 }).rows.length).toBe(auditsBefore);
    // Polling is not input: past the idle time the session has ended.
    for (let i = 0; i < 10; i++) {
      clock.advance(15_000);
      await call('getFrameLog', { session: s, after: -1 });
    }
    const late = await call('getFrameLog', { session: s, after: -1 });
    expect(late.ok ? null : late.reason).toBe('SESSION_REQUIRED');
  });

  it('a calibration saves offsetC and gain and audits them as a calibration', async () => {
    const s = await session();
    const r = await call('applyDeviceSettings', {
      session: s,
      device: 'thermometer',
      settings: { ...THERMO, offsetC: 0.4, gain: 1.02 },
      baseRevision: cp.liveConfig.revision,
      purpose: 'calibration',
    });
    expect(r.ok && r.value.applied).toBe(true);
    expect(savedThermometer()).toMatchObject({ offsetC: 0.4, gain: 1.02 });
    const [row] = store.auditOf([DEVICE_AUDIT.calibrated], 5);
    expect(row!.detail).toMatchObject({ offsetC: { from: 0, to: 0.4 }, gain: { from: 1, to: 1.02 } });
  });
});

describe('a kiosk without a device manager', () => {
  it('says so on the devices screen and refuses a change with DEVICE_UNAVAILABLE', async () => {
    cp.close();
    cp = createCheckpointService({ config: loadConfig(dir), store, lists: new ListCache(dir, pki.roots).load(), devices: null, clock, configFile: { dataDir: dir }, log: () => {} });
    const s = await session();
    const r = await call('getDeviceSetup', { session: s });
    expect(r.ok && r.value).toMatchObject({ available: false, unavailableWhy: expect.stringMatching(/no serial devices configured/) });
    const apply = await call('applyDeviceSettings', { session: s, device: 'gate', settings: null, baseRevision: cp.liveConfig.revision });
    expect(apply.ok ? null : apply.reason).toBe('DEVICE_UNAVAILABLE');
  });
});
