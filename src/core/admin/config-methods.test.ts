// The settings screen's methods on a real kiosk service over a real entry log and a real config.json:
// a save is validated with the contract schema, refused on a stale revision, written with the next
// revision, applied at once (the next passage is decided by the new venue rule), reported as needing
// a restart where the part cannot take it live, and audited by path (never values). A change made to
// config.json outside the kiosk (`kiosk admin set-pin`, a hand edit) is reloaded by the watcher; a
// broken one is not applied and raises the configuration problem (the red chip), cleared by a good one.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallContext, KioskEvent } from '../../contract/api.js';
import { dispatchCall } from '../../contract/dispatch.js';
import { ListCache } from '../codes/list-cache.js';
import { issueDemoCode, makeDemoPki } from '../codes/pki.js';
import { configPath, loadConfig, readConfigDocument, saveConfig, updateConfig } from '../config/config.js';
import { EntryStore } from '../store/entry-store.js';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { ManualClock } from '../checkpoint/clock.js';
import { createCheckpointService, type CheckpointService } from '../checkpoint/service.js';
import { T0, person } from '../checkpoint/test-support.js';
import { CONFIG_AUDIT } from './config-methods.js';

const ctx: CallContext = { host: 'browser', clientId: 'ws-1' };
const pki = makeDemoPki({ seed: 'config-methods-tests', now: Math.floor(T0 / 1000) });

let dir: string;
let store: EntryStore;
let cp: CheckpointService;
let clock: ManualClock;
let events: KioskEvent[];
let logs: string[];

function start(watch = false) {
  const lists = new ListCache(dir, pki.roots).load();
  lists.installTrust(pki.trustListJws);
  lists.installStatus(pki.statusListJws);
  store = EntryStore.open(dir);
  clock = new ManualClock(T0);
  events = [];
  logs = [];
  cp = createCheckpointService({
    config: loadConfig(dir),
    store,
    lists,
    devices: null,
    clock,
    configFile: { dataDir: dir, watch },
    log: (l) => logs.push(l),
  });
  cp.service.subscribe((e) => events.push(e));
}

function setup(watch = false) {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-config-methods-'));
  saveConfig(dir, { kioskId: 'kiosk-7', roots: pki.roots, admin: { pin: hashAdminPin('2468') }, checkpoint: { resetAfterMs: 1000 } });
  start(watch);
}

afterEach(() => {
  cp?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function session(pin = '2468'): Promise<string> {
  const opened = await cp.service.openAdminSession({ pin }, ctx);
  if (!opened.ok) throw new Error(opened.message);
  return opened.value.session;
}

/** A green code through the service: the entry its passage made; then the screen resets. */
async function pass(key: string) {
  const r = await cp.service.submitScan({ text: issueDemoCode(pki.provinces, person(key), Math.floor(clock.now() / 1000)), source: 'manual' }, ctx);
  if (!r.ok) throw new Error(r.message);
  await cp.flow.settled();
  // Past any collect window (a passage may wait for a card), then its entry; then the screen resets.
  clock.advance(3_000);
  await cp.flow.settled();
  const entry = store.lastEntries(1)[0];
  clock.advance(5_000);
  await cp.flow.settled();
  return entry;
}

async function until(condition: () => boolean, what: string) {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!condition()) throw new Error(`never: ${what}`);
}

describe('getConfig / saveConfigChange', () => {
  it('a saved venue rule decides the next passage, is in config.json with the next revision, and is audited by path', async () => {
    setup();
    const s = await session();
    expect(await pass('zhangsan')).toMatchObject({ reason: null, decision: 'admit' });

    const got = await cp.service.getConfig({ session: s }, ctx);
    expect(await dispatchCall(cp.service, 'getConfig', { session: s }, ctx)).toMatchObject({ ok: true });
    if (!got.ok) throw new Error(got.message);
    expect(got.value.revision).toBe(1);
    expect(got.value.appliesLive).toEqual(expect.arrayContaining(['policy', 'checkpoint', 'language', 'kioskName', 'admin.sessionIdleSeconds']));

    const savedAt = clock.now();
    const saved = await dispatchCall(cp.service, 'saveConfigChange', { session: s, baseRevision: 1, changes: [{ path: 'policy.requireTemperature', value: true }, { path: 'venueId', value: 'mall-east' }] }, ctx);
    expect(saved).toEqual({ ok: true, value: { revision: 2, applied: ['policy.requireTemperature'], restartNeeded: ['venueId'] } });
    // The file holds what was written before plus the change, and nothing filled in.
    expect(readConfigDocument(dir)).toMatchObject({ revision: 2, policy: { requireTemperature: true }, venueId: 'mall-east', checkpoint: { resetAfterMs: 1000 } });
    expect(Object.keys(readConfigDocument(dir).policy as object)).toEqual(['requireTemperature']);
    // Spec §4 rule 7: without a temperature, the next person goes to the guard.
    expect(await pass('lisi')).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING' });
    expect(events).toContainEqual({ type: 'config', revision: 2 });

    const rows = store.auditOf([CONFIG_AUDIT.changed], 5);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'config-changed', atMs: savedAt, detail: { by: 'browser:ws-1', revision: 2, paths: ['policy.requireTemperature', 'venueId'] } });
    // Paths only: no value in the row.
    expect(JSON.stringify(rows[0]!.detail)).not.toMatch(/mall-east|true/);
  });

  it('passage windows apply from the next passage, and a save names the paths it refuses', async () => {
    setup();
    const s = await session();
    const bad = await cp.service.saveConfigChange({ session: s, baseRevision: 1, changes: [{ path: 'checkpoint.collectWindowMs', value: 50 }, { path: 'policy.feverComparison', value: 'ge' }] }, ctx);
    expect(bad).toMatchObject({ ok: false, reason: 'CONFIG_INVALID' });
    expect(!bad.ok && bad.message.split('; ').map((p) => p.split(': ')[0]).sort()).toEqual(['checkpoint.collectWindowMs', 'policy.feverComparison']);
    const misspelt = await cp.service.saveConfigChange({ session: s, baseRevision: 1, changes: [{ path: 'policy.feverTreshold', value: 38 }] }, ctx);
    expect(misspelt).toMatchObject({ ok: false, reason: 'CONFIG_INVALID', message: 'policy.feverTreshold: unknown key' });
    expect(loadConfig(dir).revision).toBe(1);
    const ok = await cp.service.saveConfigChange({ session: s, baseRevision: 1, changes: [{ path: 'checkpoint.collectWindowMs', value: 7000 }] }, ctx);
    expect(ok).toMatchObject({ ok: true, value: { applied: ['checkpoint.collectWindowMs'] } });
    await cp.flow.settled();
    expect(cp.settings.collectWindowMs).toBe(7000);
  });

  it('a passage being collected when a rule is saved keeps the rule it started under; the next one gets the new rule', async () => {
    setup();
    const s = await session();
    await cp.service.saveConfigChange({ session: s, baseRevision: 1, changes: [{ path: 'checkpoint.waitForCardWithCode', value: true }] }, ctx);
    await cp.flow.settled();
    // A code alone now waits (collecting) for a card, up to the window.
    await cp.service.submitScan({ text: issueDemoCode(pki.provinces, person('zhangsan'), Math.floor(clock.now() / 1000)), source: 'manual' }, ctx);
    await cp.flow.settled();
    expect(cp.flow.view().state).toBe('collecting');
    await cp.service.saveConfigChange({ session: s, baseRevision: 2, changes: [{ path: 'policy.requireTemperature', value: true }] }, ctx);
    clock.advance(3_000);
    await cp.flow.settled();
    expect(store.lastEntries(1)[0]).toMatchObject({ decision: 'admit', reason: null });
    clock.advance(5_000);
    await cp.flow.settled();
    expect(await pass('lisi')).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING' });
  });

  it('a change made on a stale revision is refused: someone else saved in between', async () => {
    setup();
    const s = await session();
    updateConfig(dir, [{ path: 'kioskName', value: 'Lane 9' }]);
    const r = await cp.service.saveConfigChange({ session: s, baseRevision: 1, changes: [{ path: 'policy.feverThresholdC', value: 37.8 }] }, ctx);
    expect(r).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringMatching(/changed by someone else/) });
    expect(loadConfig(dir).policy.feverThresholdC).toBe(37.3);
  });

  it('secrets are never shown and never changed from the screen; no session, no config', async () => {
    setup();
    expect(await cp.service.getConfig({ session: 'A'.repeat(32) }, ctx)).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    const s = await session();
    const got = await cp.service.getConfig({ session: s }, ctx);
    if (!got.ok) throw new Error(got.message);
    expect(got.value.config).toMatchObject({ admin: { pin: 'set' }, store: { keyFile: 'not set' } });
    const hash = (loadConfig(dir).admin.pin as { hash: string }).hash;
    expect(JSON.stringify(got.value)).not.toContain(hash);
    for (const path of ['admin.pin', 'admin', 'guards', 'store.keyFile', 'revision', 'demo.seed']) {
      expect(await cp.service.saveConfigChange({ session: s, baseRevision: 1, changes: [{ path, value: null }] }, ctx), path).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    }
    expect(readFileSync(configPath(dir), 'utf8')).toContain(hash);
  });

  it('a camera setting applies at once: the screen, told by the config event, reads the new camera and restarts its capture', async () => {
    setup();
    const s = await session();
    expect(await cp.service.getRendererConfig({}, ctx)).toMatchObject({ ok: true, value: { camera: { deviceId: null, width: 640, height: 480, frameRate: 30 } } });
    const changes = [
      { path: 'camera.deviceId', value: 'usb-cam-2' },
      { path: 'camera.width', value: 1280 },
      { path: 'camera.height', value: 720 },
      { path: 'camera.frameRate', value: 15 },
    ];
    const saved = await dispatchCall(cp.service, 'saveConfigChange', { session: s, baseRevision: 1, changes }, ctx);
    expect(saved).toEqual({ ok: true, value: { revision: 2, applied: ['camera.deviceId', 'camera.frameRate', 'camera.height', 'camera.width'], restartNeeded: [] } });
    expect(events).toContainEqual({ type: 'config', revision: 2 });
    expect(await cp.service.getRendererConfig({}, ctx)).toMatchObject({ ok: true, value: { camera: { enabled: true, deviceId: 'usb-cam-2', width: 1280, height: 720, frameRate: 15, engine: 'zxing-wasm' } } });
    // A bad value is refused with its path, and the camera in force stays as it was.
    const bad = await cp.service.saveConfigChange({ session: s, baseRevision: 2, changes: [{ path: 'camera.width', value: 99999 }] }, ctx);
    expect(bad).toMatchObject({ ok: false, reason: 'CONFIG_INVALID', message: expect.stringMatching(/^camera\.width: /) });
    expect(await cp.service.getRendererConfig({}, ctx)).toMatchObject({ ok: true, value: { camera: { width: 1280 } } });
  });

  it('language and lane name apply at once; the screen is told', async () => {
    setup();
    const s = await session();
    await cp.service.saveConfigChange({ session: s, baseRevision: 1, changes: [{ path: 'language', value: 'en' }, { path: 'kioskName', value: 'East gate' }] }, ctx);
    expect(events).toContainEqual({ type: 'language', language: 'en' });
    expect(await cp.service.getRendererConfig({}, ctx)).toMatchObject({ ok: true, value: { language: 'en', kioskName: 'East gate' } });
  });
});

describe('config.json changed outside the kiosk', () => {
  it('a new admin PIN (kiosk admin set-pin) works without a restart, and the reload is audited', async () => {
    setup(true);
    updateConfig(dir, [{ path: 'admin.pin', value: hashAdminPin('97531') }]);
    await until(() => events.some((e) => e.type === 'config' && e.revision === 2), 'the reload');
    expect(await cp.service.openAdminSession({ pin: '97531' }, ctx)).toMatchObject({ ok: true });
    expect(await cp.service.openAdminSession({ pin: '2468' }, { host: 'browser', clientId: 'ws-2' })).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(store.auditOf([CONFIG_AUDIT.changed], 1)[0]).toMatchObject({ detail: { by: 'config.json', revision: 2, paths: ['admin.pin.hash', 'admin.pin.salt'] } });
    expect(logs.join('\n')).not.toContain(hashAdminPin('97531').hash.slice(0, 8));
  });

  it('a broken edit is not applied and raises the problem naming the path; a good one clears it', async () => {
    setup(true);
    const good = readFileSync(configPath(dir), 'utf8');
    writeFileSync(configPath(dir), good.replace('"checkpoint": {', '"checkpoint": {\n    "colectWindowMs": 3000,'));
    await until(() => events.some((e) => e.type === 'config' && e.configProblem !== undefined), 'the problem');
    const status = await cp.service.getStatus({}, ctx);
    expect(status).toMatchObject({ ok: true, value: { configProblem: { paths: ['checkpoint.colectWindowMs'] } } });
    // Still running on what it had.
    expect(cp.liveConfig.revision).toBe(1);
    expect(cp.settings.resetAfterMs).toBe(1000);
    expect(logs.some((l) => l.startsWith('CONFIG_INVALID checkpoint.colectWindowMs'))).toBe(true);

    updateConfig(dir, [{ path: 'checkpoint', value: { resetAfterMs: 2000 } }]);
    await until(() => cp.settings.resetAfterMs === 2000, 'the good file');
    const after = await cp.service.getStatus({}, ctx);
    expect(after.ok && after.value.configProblem).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'config', revision: 2 });
    expect((events.at(-1) as { configProblem?: unknown }).configProblem).toBeUndefined();
  });
});
