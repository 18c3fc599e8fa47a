// Cloning a setup through the kiosk service, on real config.json files and a real entry log: the
// integrator exports kiosk A's setup, previews it on kiosk B (nothing written), applies it on the
// previewed revision (the new fever threshold decides B's next passage at once; B's ports and PINs
// stay), and every refusal carries its reason: the admin's role, a stale revision, a typo (its path),
// a file that is not a setup file, a file too big for the contract.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallContext, KioskEvent } from '../../contract/api.js';
import { SETUP_TEXT_MAX_CHARS } from '../../contract/api.js';
import { dispatchCall } from '../../contract/dispatch.js';
import { ListCache } from '../codes/list-cache.js';
import { issueDemoCode, makeDemoPki } from '../codes/pki.js';
import { configPath, loadConfig, saveConfig, updateConfig, type KioskConfigInput } from '../config/config.js';
import { SETUP_LOCAL_PATHS } from '../config/clone.js';
import { EntryStore } from '../store/entry-store.js';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { ManualClock } from '../checkpoint/clock.js';
import { createCheckpointService, type CheckpointService } from '../checkpoint/service.js';
import { T0, person } from '../checkpoint/test-support.js';
import { CONFIG_AUDIT, CONFIG_SECRET_PATHS } from './config-methods.js';
import { DevicesConfigSchema } from '../../contract/config.js';
import type { DeviceHub, DeviceSettings } from '../devices/types.js';

/**
 * A device manager running `settings` that config.json does not hold (the demo's simulated devices
 * run from startDemoDevices' settings, src/app/compose.ts): the DeviceHub interface, nothing else.
 */
function runningHub(settings: DeviceSettings): DeviceHub {
  return {
    start: async () => {},
    stop: async () => {},
    onEvent: () => () => {},
    health: () => [],
    pulseGate: async () => ({ ok: true }) as never,
    readTemperature: async () => ({ ok: false }) as never,
    deviceSettings: () => structuredClone(settings),
  };
}
const RUNNING = DevicesConfigSchema.parse({
  idcard: { port: '/dev/pts/71' },
  thermometer: { port: '/dev/pts/73', protocol: { name: 'lu90614' } },
  scanner: { port: '/dev/pts/75' },
  gate: { driver: 'lcus', port: '/dev/pts/77' },
}) as DeviceSettings;

const ctx: CallContext = { host: 'browser', clientId: 'ws-1' };
const pki = makeDemoPki({ seed: 'clone-methods-tests', now: Math.floor(T0 / 1000) });
const ADMIN = '2468';
const INTEGRATOR = '1357';

interface Kiosk {
  dir: string;
  store: EntryStore;
  cp: CheckpointService;
  clock: ManualClock;
  events: KioskEvent[];
  logs: string[];
}
const kiosks: Kiosk[] = [];

function kiosk(doc: KioskConfigInput, devices: DeviceHub | null = null): Kiosk {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-clone-methods-'));
  saveConfig(dir, { roots: pki.roots, admin: { pin: hashAdminPin(ADMIN), integratorPin: hashAdminPin(INTEGRATOR) }, checkpoint: { resetAfterMs: 1000 }, ...doc });
  const lists = new ListCache(dir, pki.roots).load();
  lists.installTrust(pki.trustListJws);
  lists.installStatus(pki.statusListJws);
  const store = EntryStore.open(dir);
  const clock = new ManualClock(T0);
  const events: KioskEvent[] = [];
  const logs: string[] = [];
  const cp = createCheckpointService({ config: loadConfig(dir), store, lists, devices, clock, configFile: { dataDir: dir, watch: false }, log: (l) => logs.push(l) });
  cp.service.subscribe((e) => events.push(e));
  const k = { dir, store, cp, clock, events, logs };
  kiosks.push(k);
  return k;
}

afterEach(() => {
  for (const k of kiosks.splice(0)) {
    k.cp.close();
    k.store.close();
    rmSync(k.dir, { recursive: true, force: true });
  }
});

async function session(k: Kiosk, pin = INTEGRATOR): Promise<string> {
  const opened = await k.cp.service.openAdminSession({ pin }, ctx);
  if (!opened.ok) throw new Error(opened.message);
  return opened.value.session;
}

/** A person scans a green code with a temperature: the entry their passage made. */
async function pass(k: Kiosk, key: string, temperatureC: number) {
  await k.cp.flow.presentTemperature(temperatureC);
  const r = await k.cp.service.submitScan({ text: issueDemoCode(pki.provinces, person(key), Math.floor(k.clock.now() / 1000)), source: 'manual' }, ctx);
  if (!r.ok) throw new Error(r.message);
  await k.cp.flow.settled();
  k.clock.advance(3_000);
  await k.cp.flow.settled();
  const entry = k.store.lastEntries(1)[0];
  k.clock.advance(5_000);
  await k.cp.flow.settled();
  return entry;
}

const A_DOC: KioskConfigInput = {
  venueId: 'mall-east',
  kioskId: 'lane-1',
  policy: { feverThresholdC: 37.8 },
  devices: { thermometer: { port: '/dev/ttyA-THERM', protocol: { name: 'lu90614' }, offsetC: 0.4 } },
  guards: [{ id: 'g-1', pin: hashAdminPin('9999') }],
};
const B_DOC: KioskConfigInput = { kioskId: 'lane-2', devices: { thermometer: { port: '/dev/ttyUSB1', protocol: { name: 'lu90614' } } } };

async function exportedFromA(): Promise<string> {
  const a = kiosk(A_DOC);
  const r = await dispatchCall(a.cp.service, 'exportSetup', { session: await session(a) }, ctx);
  if (!r.ok) throw new Error(r.message);
  return (r.value as { text: string }).text;
}

describe('exportSetup / previewSetupImport / applySetupImport', () => {
  it('A exports; B previews (nothing written) and applies: in force at once, ports and PINs kept, audited by path', async () => {
    const text = await exportedFromA();
    const aConfig = loadConfig(kiosks[0]!.dir);
    for (const secret of [aConfig.admin.pin!.hash, aConfig.admin.integratorPin!.hash, aConfig.guards[0]!.pin.hash, '/dev/ttyA-THERM']) expect(text).not.toContain(secret);
    expect(JSON.parse(text).config).not.toHaveProperty('kioskId');

    const b = kiosk(B_DOC);
    const s = await session(b);
    const before = readFileSync(configPath(b.dir), 'utf8');
    const preview = await dispatchCall(b.cp.service, 'previewSetupImport', { session: s, text }, ctx);
    expect(preview).toMatchObject({ ok: true, value: { revision: 1, problems: [], source: { venueId: 'mall-east', kioskId: 'lane-1' } } });
    const plan = (preview as { value: { changes: Array<{ path: string; from: unknown; to: unknown }>; keptLocal: string[]; appliesLive: string[] } }).value;
    expect(plan.changes).toEqual(expect.arrayContaining([{ path: 'policy.feverThresholdC', from: 37.3, to: 37.8 }, { path: 'venueId', from: 'demo-venue', to: 'mall-east' }]));
    expect(plan.keptLocal).toEqual(expect.arrayContaining(['devices.thermometer.port', 'devices.thermometer.offsetC', 'admin.pin', 'admin.integratorPin', 'kioskId']));
    expect(plan.appliesLive).toContain('policy.feverThresholdC');
    expect(plan.appliesLive).not.toContain('venueId');
    expect(readFileSync(configPath(b.dir), 'utf8')).toBe(before);

    // 37.5 °C is a fever under B's own threshold (37.3, gte); under A's 37.8 the same reading passes.
    expect(await pass(b, 'zhangsan', 37.5)).toMatchObject({ decision: 'deny', reason: 'FEVER' });
    const appliedAt = b.clock.now();
    const applied = await dispatchCall(b.cp.service, 'applySetupImport', { session: s, text, baseRevision: 1 }, ctx);
    expect(applied).toMatchObject({ ok: true, value: { revision: 2, applied: expect.arrayContaining(['policy.feverThresholdC']), restartNeeded: expect.arrayContaining(['venueId']) } });
    expect(await pass(b, 'lisi', 37.5)).toMatchObject({ decision: 'admit', reason: null });

    const after = loadConfig(b.dir);
    expect(after).toMatchObject({ revision: 2, venueId: 'mall-east', kioskId: 'lane-2', policy: { feverThresholdC: 37.8 }, guards: [] });
    expect(after.devices.thermometer).toMatchObject({ port: '/dev/ttyUSB1', offsetC: 0 });
    expect(after.admin.pin).toEqual(JSON.parse(before).admin.pin);
    expect(after.admin.integratorPin).toEqual(JSON.parse(before).admin.integratorPin);
    expect(b.events).toContainEqual({ type: 'config', revision: 2 });

    const rows = b.store.auditOf([CONFIG_AUDIT.changed], 5);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ atMs: appliedAt, detail: { by: 'browser:ws-1', revision: 2, paths: expect.arrayContaining(['policy.feverThresholdC', 'venueId']) } });
    expect(JSON.stringify(rows[0]!.detail)).not.toMatch(/mall-east|37\.8/);
    const actions = b.store.auditOf(['admin-action'], 10).map((r) => (r.detail as { what?: string }).what);
    expect(actions).toEqual(expect.arrayContaining(['setup-import-preview', 'setup-import']));
    expect(b.logs.join('\n')).not.toMatch(/37\.8|mall-east/);
  });

  it('refuses: the admin\'s role, a stale revision, a typo with its path, a file that is not a setup file, a file too big', async () => {
    const text = await exportedFromA();
    const b = kiosk(B_DOC);
    const admin = await session(b, ADMIN);
    expect(await dispatchCall(b.cp.service, 'exportSetup', { session: admin }, ctx)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(await dispatchCall(b.cp.service, 'applySetupImport', { session: admin, text, baseRevision: 1 }, ctx)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    const s = await session(b);

    const typo = JSON.parse(text);
    typo.config.policy.feverTreshold = 38;
    const t = JSON.stringify(typo);
    expect(await dispatchCall(b.cp.service, 'previewSetupImport', { session: s, text: t }, ctx)).toMatchObject({ ok: true, value: { problems: [{ path: 'policy.feverTreshold', message: 'unknown key' }], changes: [] } });
    expect(await dispatchCall(b.cp.service, 'applySetupImport', { session: s, text: t, baseRevision: 1 }, ctx)).toEqual({ ok: false, reason: 'CONFIG_INVALID', message: 'policy.feverTreshold: unknown key' });
    expect(await dispatchCall(b.cp.service, 'applySetupImport', { session: s, text: '{"format":"something-else"}', baseRevision: 1 }, ctx)).toMatchObject({ ok: false, reason: 'CONFIG_INVALID', message: expect.stringMatching(/^format: not a setup file/) });
    expect(await dispatchCall(b.cp.service, 'previewSetupImport', { session: s, text: '\u0000garbage' }, ctx)).toMatchObject({ ok: true, value: { problems: [{ path: '(file)', message: expect.stringMatching(/^not JSON/) }] } });
    expect(await dispatchCall(b.cp.service, 'previewSetupImport', { session: s, text: 'x'.repeat(SETUP_TEXT_MAX_CHARS + 1) }, ctx)).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });

    updateConfig(b.dir, [{ path: 'kioskName', value: 'Lane 9' }]);
    b.cp.liveConfig.reload(b.dir);
    const stale = await dispatchCall(b.cp.service, 'applySetupImport', { session: s, text, baseRevision: 1 }, ctx);
    expect(stale).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringMatching(/changed by someone else/) });
    expect(loadConfig(b.dir).policy.feverThresholdC).toBe(37.3);
  });

  it('refuses a file whose roots sign none of the lists installed here (every code would be issuer unknown); the same roots pass', async () => {
    const text = await exportedFromA();
    const b = kiosk(B_DOC);
    const s = await session(b);
    const other = makeDemoPki({ seed: 'another-national-root', now: Math.floor(T0 / 1000) });
    const foreign = JSON.parse(text);
    foreign.config.roots = other.roots;
    const preview = await dispatchCall(b.cp.service, 'previewSetupImport', { session: s, text: JSON.stringify(foreign) }, ctx);
    expect(preview).toMatchObject({ ok: true, value: { problems: [{ path: 'roots', message: expect.stringMatching(/do not sign the installed trust list and the installed status list: every code would be refused as issuer unknown/) }] } });
    expect(await dispatchCall(b.cp.service, 'applySetupImport', { session: s, text: JSON.stringify(foreign), baseRevision: 1 }, ctx)).toMatchObject({ ok: false, reason: 'CONFIG_INVALID', message: expect.stringMatching(/^roots: /) });
    expect(loadConfig(b.dir).roots).toEqual(pki.roots);
    // The file's roots plus this kiosk's: the installed lists are still signed, so it may be imported.
    foreign.config.roots = [...pki.roots, ...other.roots];
    expect(await dispatchCall(b.cp.service, 'previewSetupImport', { session: s, text: JSON.stringify(foreign) }, ctx)).toMatchObject({ ok: true, value: { problems: [] } });
  });

  it('exports the devices as they run and imports against the running devices\' ports (the demo runs devices config.json does not hold)', async () => {
    // A: config.json names no device; four run (as in the demo). Its export carries all four, no port.
    const a = kiosk({ venueId: 'mall-east', kioskId: 'lane-1' }, runningHub(RUNNING));
    const exported = await dispatchCall(a.cp.service, 'exportSetup', { session: await session(a) }, ctx);
    if (!exported.ok) throw new Error(exported.message);
    const text = (exported.value as { text: string }).text;
    const devices = JSON.parse(text).config.devices;
    expect(devices).toMatchObject({ idcard: { baudRate: 115200 }, thermometer: { protocol: { name: 'lu90614' } }, scanner: { baudRate: 9600 }, gate: { driver: 'lcus', relay: 1 } });
    expect(text).not.toContain('/dev/pts/');

    // B: config.json names no device either, its own four run on its own ports: the import plans
    // against those ports (no "this kiosk has no thermometer port") and keeps them.
    const bRunning = structuredClone(RUNNING);
    bRunning.thermometer!.port = '/dev/pts/93';
    bRunning.idcard!.port = '/dev/pts/91';
    bRunning.scanner!.port = '/dev/pts/95';
    (bRunning.gate as { port: string }).port = '/dev/pts/97';
    bRunning.idcard!.pollIntervalMs = 50;
    const b = kiosk({ kioskId: 'lane-2' }, runningHub(bRunning));
    const s = await session(b);
    const preview = await dispatchCall(b.cp.service, 'previewSetupImport', { session: s, text }, ctx);
    expect(preview).toMatchObject({ ok: true, value: { problems: [] } });
    expect((preview as { value: { keptLocal: string[] } }).value.keptLocal).toEqual(expect.arrayContaining(['devices.thermometer.port', 'devices.idcard.port', 'devices.scanner.port', 'devices.gate.port']));
    const applied = await dispatchCall(b.cp.service, 'applySetupImport', { session: s, text, baseRevision: 1 }, ctx);
    expect(applied).toMatchObject({ ok: true, value: { revision: 2 } });
    // The card reader's one difference is written as its whole section with B's port (config.json held none).
    expect(loadConfig(b.dir)).toMatchObject({ venueId: 'mall-east', kioskId: 'lane-2', devices: { idcard: { port: '/dev/pts/91', pollIntervalMs: 25 } } });

    // Without a device manager (config.json's devices, as the CLI plans) the same file is refused at the port.
    const c = kiosk({ kioskId: 'lane-3' });
    const refused = await dispatchCall(c.cp.service, 'previewSetupImport', { session: await session(c), text }, ctx);
    expect(refused).toMatchObject({ ok: true, value: { problems: expect.arrayContaining([expect.objectContaining({ path: 'devices.thermometer.port' })]) } });
  });

  it('refuses an import that leaves no pinned root (a kiosk needs at least one)', async () => {
    const text = await exportedFromA();
    const b = kiosk(B_DOC);
    const s = await session(b);
    const none = JSON.parse(text);
    none.config.roots = [];
    const preview = await dispatchCall(b.cp.service, 'previewSetupImport', { session: s, text: JSON.stringify(none) }, ctx);
    expect(preview).toMatchObject({ ok: true, value: { problems: [{ path: 'roots', message: expect.stringMatching(/a kiosk needs at least one pinned root/) }] } });
    expect(await dispatchCall(b.cp.service, 'applySetupImport', { session: s, text: JSON.stringify(none), baseRevision: 1 }, ctx)).toMatchObject({ ok: false, reason: 'CONFIG_INVALID' });
    expect(loadConfig(b.dir).roots).toEqual(pki.roots);
  });

  it('every secret path of the settings screen is local to the kiosk in a setup file too', () => {
    for (const p of CONFIG_SECRET_PATHS) expect(SETUP_LOCAL_PATHS).toContain(p);
  });
});
