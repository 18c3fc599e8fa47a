// Signed fleet configuration end to end (docs/upload-protocol.md §12): a real collector on 127.0.0.1
// with a fleet key, two composed demo kiosks each on its own data directory with its simulated
// devices on socat ptys, uploading to it and pinning the fleet public key. A push for their venue
// reaches both (the same path as a save on the settings screen: config revision bumps, audited,
// reported in the heartbeat) and decides their next passage: 38.0 °C denied at the demo's 37.3 °C,
// admitted at 38.5 °C. A bundle signed by another key and an older revision are refused, audited,
// logged, and change nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeKiosk, DEMO_INTEGRATOR_PIN, ensureDemoConfig, type ComposedKiosk } from './compose.js';
import { configPath, updateConfig } from '../core/config/config.js';
import { loadOrCreateDeviceKey } from '../core/identity/device-key.js';
import { startCollector, type RunningCollector } from '../collector/server.js';
import { initFleetKey, type FleetKey } from '../collector/fleet-config.js';
import { until } from '../collector/testing/until.js';
import { signFleetBundle } from '../core/fleet/bundle.js';
import { FLEET_AUDIT, readFleetState } from '../core/fleet/kiosk.js';
import { generateKeyPair } from '../core/codes/ed25519.js';

const TOKEN = 'fleet-operator-token-for-tests';
const VENUE = 'venue-east';
let dir: string;
let collector: RunningCollector;
let fleetKey: FleetKey;
const kiosks: { composed: ComposedKiosk; dataDir: string; logs: string[] }[] = [];
const savedEnv = process.env.KIOSK_COLLECTOR_URL;

async function startKiosk(name: string, options: { pinKey?: boolean } = {}): Promise<{ composed: ComposedKiosk; dataDir: string; logs: string[] }> {
  const dataDir = join(dir, name);
  ensureDemoConfig(dataDir, { kioskId: name });
  const doc = JSON.parse(readFileSync(configPath(dataDir), 'utf8')) as Record<string, unknown>;
  const key = loadOrCreateDeviceKey(dataDir);
  await collector.db.registerKiosk(key.kioskId, key.publicKey, name);
  // Uploads to the collector; the periodic list/fleet sync an hour away, so only syncNow fetches.
  doc.venueId = VENUE;
  doc.kioskId = key.kioskId;
  // The same person passes several times in a few seconds here: no duplicate-scan window.
  doc.checkpoint = { ...(doc.checkpoint as object | undefined), duplicateWindowMs: 0 };
  doc.upload = { collectorUrl: collector.url, listSyncMinutes: 60, heartbeatSeconds: 3600 };
  doc.fleet = { publicKey: options.pinKey === false ? null : fleetKey.publicKeyB64 };
  writeFileSync(configPath(dataDir), JSON.stringify(doc), { mode: 0o600 });
  const logs: string[] = [];
  const composed = await composeKiosk({ dataDir, log: (l) => logs.push(l) });
  const k = { composed, dataDir, logs };
  kiosks.push(k);
  return k;
}

/** One person at `celsius` presenting zhangsan's (green) demo code; the entry the kiosk wrote. */
async function passage(k: { composed: ComposedKiosk }, celsius: number) {
  const store = k.composed.store!;
  const before = store.lastSeq();
  expect(await k.composed.demoCommand!(`thermometer temp ${celsius}`)).not.toMatch(/^error/);
  expect(await k.composed.demoCommand!('scan zhangsan')).not.toMatch(/^error/);
  await until(() => store.lastSeq() > before, 'the passage entry');
  const entry = store.lastEntries(1)[0]!;
  return { decision: entry.decision, reason: entry.reason, temperatureC: entry.temperatureC };
}

async function push(body: Record<string, unknown>) {
  const res = await fetch(`${collector.url}/v1/fleet/config`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const configOf = (k: { dataDir: string }) => JSON.parse(readFileSync(configPath(k.dataDir), 'utf8')) as { revision: number; policy: { feverThresholdC?: number }; devices?: unknown; upload: unknown };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-fleet-config-'));
  delete process.env.KIOSK_COLLECTOR_URL;
  fleetKey = initFleetKey(join(dir, 'collector', 'fleet-key.json'));
  collector = await startCollector({ database: join(dir, 'collector', 'collector.sqlite3'), statusToken: TOKEN, fleetKey });
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') for (const k of kiosks) process.stderr.write(`kiosk ${k.dataDir} log:\n  ${k.logs.join('\n  ')}\n`);
  for (const k of kiosks.splice(0)) await k.composed.close();
  await collector.close();
  if (savedEnv !== undefined) process.env.KIOSK_COLLECTOR_URL = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

describe('signed fleet configuration pushed to two kiosks', () => {
  it('a policy change for their venue reaches both kiosks and decides their next passage; forged and rolled-back bundles are refused', async () => {
    const a = await startKiosk('kiosk-a');
    const b = await startKiosk('kiosk-b');
    for (const k of [a, b]) {
      // Nothing published yet: nothing applied.
      expect(await k.composed.fleet!.syncNow()).toEqual({ outcome: 'none' });
      expect(await passage(k, 38.0)).toMatchObject({ decision: 'deny', temperatureC: 38 });
    }
    const revisionsBefore = [configOf(a).revision, configOf(b).revision];

    // The operator pushes 38.5 °C for the venue (the endpoint the fleet console uses).
    const pushed = await push({ target: { venueId: VENUE }, changes: { policy: { feverThresholdC: 38.5 } }, by: 'ops-1' });
    expect(pushed).toMatchObject({ status: 200, body: { ok: true, revision: 1, target: { venueId: VENUE }, paths: ['policy.feverThresholdC'] } });

    for (const [i, k] of [a, b].entries()) {
      expect(await k.composed.fleet!.syncNow()).toMatchObject({ outcome: 'applied', revision: 1, paths: ['policy.feverThresholdC'], applied: ['policy.feverThresholdC'], restartNeeded: [] });
      // Saved as the settings screen saves: the next config revision, in force without a restart.
      expect(configOf(k).revision).toBe(revisionsBefore[i]! + 1);
      expect(configOf(k).policy.feverThresholdC).toBe(38.5);
      expect(k.composed.checkpoint.liveConfig.config.policy.feverThresholdC).toBe(38.5);
      expect(k.composed.store!.auditOf([FLEET_AUDIT.applied], 5)).toEqual([expect.objectContaining({ action: FLEET_AUDIT.applied, detail: { revision: 1, configRevision: revisionsBefore[i]! + 1, target: { venueId: VENUE }, paths: ['policy.feverThresholdC'] } })]);
      expect(await passage(k, 38.0)).toMatchObject({ decision: 'admit', temperatureC: 38 });
      // Unchanged at the collector: a 304, nothing applied twice.
      expect(await k.composed.fleet!.syncNow()).toEqual({ outcome: 'not-modified' });
      // The heartbeat reports the fleet revision in force.
      expect(k.composed.fleet!.heartbeat()).toEqual({ revision: 1 });
    }

    // A push that carries a port is refused at the collector (the same allow-list as the kiosks').
    expect(await push({ target: { venueId: VENUE }, changes: { devices: { scanner: { port: '/dev/ttyS9' } } } })).toMatchObject({ status: 400, body: { reason: 'FLEET_CONFIG_FORBIDDEN_PATH' } });

    // A forged bundle: revision 9, signed by another key, slipped into the collector's table.
    const forger = generateKeyPair(new Uint8Array(32).fill(3));
    const forged = signFleetBundle({ revision: 9, target: { venueId: VENUE }, changes: { policy: { feverThresholdC: 42 } }, issuedAt: Date.now() }, forger);
    if (!forged.ok) throw new Error(forged.message);
    expect(await collector.db.fleetConfig.insert({ revision: 9, target: { venueId: VENUE }, jws: forged.value.jws, issuedAt: Date.now(), pushedBy: 'attacker' })).toBe(true);
    for (const k of [a, b]) {
      const revision = configOf(k).revision;
      expect(await k.composed.fleet!.syncNow()).toMatchObject({ outcome: 'refused', reason: 'SIGNATURE_INVALID' });
      expect(configOf(k).revision).toBe(revision);
      expect(k.composed.checkpoint.liveConfig.config.policy.feverThresholdC).toBe(38.5);
      expect(k.logs).toContainEqual(expect.stringMatching(/^fleet config refused: SIGNATURE_INVALID/));
      expect(k.composed.store!.auditOf([FLEET_AUDIT.refused], 5)).toEqual([expect.objectContaining({ detail: expect.objectContaining({ reason: 'SIGNATURE_INVALID', revision: null }) })]);
      expect(k.composed.fleet!.heartbeat()).toEqual({ revision: 1, refused: { revision: null, reason: 'SIGNATURE_INVALID' } });
    }

    // A rolled-back bundle: properly signed, but revision 1 after a kiosk took 2 (a collector restored
    // from an old backup serving its newest, older, bundle).
    const second = await push({ target: { kioskIds: [loadOrCreateDeviceKey(a.dataDir).kioskId] }, changes: { checkpoint: { resetAfterMs: 6000 } } });
    expect(second).toMatchObject({ status: 200, body: { revision: 10 } });
    expect(await a.composed.fleet!.syncNow()).toMatchObject({ outcome: 'applied', revision: 10, paths: ['checkpoint.resetAfterMs'] });
    const old = signFleetBundle({ revision: 2, target: { venueId: VENUE }, changes: { policy: { feverThresholdC: 37.0 } }, issuedAt: Date.now() }, fleetKey);
    if (!old.ok) throw new Error(old.message);
    const restored = await startCollector({ database: join(dir, 'restored.sqlite3'), statusToken: TOKEN });
    try {
      const id = loadOrCreateDeviceKey(a.dataDir);
      await restored.db.registerKiosk(id.kioskId, id.publicKey, 'kiosk-a');
      await restored.db.fleetConfig.insert({ revision: 2, target: { venueId: VENUE }, jws: old.value.jws, issuedAt: Date.now(), pushedBy: 'ops-1' });
      const revision = configOf(a).revision;
      const { syncFleetConfig } = await import('../core/fleet/kiosk.js');
      const refused = await syncFleetConfig({ dataDir: a.dataDir, collectorUrl: restored.url, identity: id, deviceKioskId: id.kioskId, liveConfig: a.composed.checkpoint.liveConfig, now: () => Date.now(), audit: (x, d, t) => a.composed.store!.audit(x, d, t), log: (l) => a.logs.push(l) });
      expect(refused).toMatchObject({ outcome: 'refused', reason: 'FLEET_CONFIG_ROLLBACK', revision: 2 });
      expect(configOf(a).revision).toBe(revision);
      expect(a.composed.checkpoint.liveConfig.config.policy.feverThresholdC).toBe(38.5);
      expect(readFleetState(a.dataDir)).toMatchObject({ revision: 10, refused: { revision: 2, reason: 'FLEET_CONFIG_ROLLBACK' } });
      expect(a.logs).toContainEqual(expect.stringMatching(/^fleet config refused: FLEET_CONFIG_ROLLBACK/));
    } finally {
      await restored.close();
    }
    // Local fields untouched by all of it: ports, the collector URL.
    expect(configOf(a).upload).toMatchObject({ collectorUrl: collector.url });
    expect(await passage(a, 38.0)).toMatchObject({ decision: 'admit' });

    // The heartbeat carries it to the collector: the first one of each start (revision 0 before any
    // bundle), and kiosk b restarted on its data directory reports revision 1 and its last refusal.
    const idB = loadOrCreateDeviceKey(b.dataDir).kioskId;
    expect((await collector.db.heartbeatHistory(idB, 10)).at(-1)?.body.fleetConfig).toEqual({ revision: 0 });
    await b.composed.close();
    kiosks.splice(kiosks.indexOf(b), 1);
    const heartbeatsBefore = (await collector.db.heartbeatHistory(idB, 10)).length;
    const b2 = await startKiosk('kiosk-b');
    const latest = await until(async () => {
      const h = await collector.db.heartbeatHistory(idB, 10);
      return h.length > heartbeatsBefore && h[0];
    }, 'kiosk b heartbeat after its restart');
    expect(latest.body.fleetConfig).toEqual({ revision: 1, refused: { revision: null, reason: 'SIGNATURE_INVALID' } });
    // Still 38.5 after the restart, and revision 1 again is not applied twice.
    expect(b2.composed.checkpoint.liveConfig.config.policy.feverThresholdC).toBe(38.5);
  }, 120_000);

  it('a fleet key pinned on a running kiosk is in force without a restart and the pushed bundle is fetched at once', async () => {
    const k = await startKiosk('kiosk-unpinned', { pinKey: false });
    const pushed = await push({ target: { venueId: VENUE }, changes: { policy: { feverThresholdC: 38.5 } }, by: 'ops-1' });
    expect(pushed).toMatchObject({ status: 200, body: { ok: true, revision: 1 } });
    // No key pinned: the bundle is refused and nothing changes.
    expect(await k.composed.fleet!.syncNow()).toMatchObject({ outcome: 'refused', reason: 'FLEET_KEY_NOT_PINNED' });
    expect(k.composed.checkpoint.liveConfig.config.policy.feverThresholdC).not.toBe(38.5);

    // The operator at the kiosk's terminal sees why.
    expect(await k.composed.demoCommand!('help')).toMatch(/^fleet fetch /m);
    const before = await k.composed.demoCommand!('fleet');
    expect(before).toMatch(/^fleet key: not pinned/m);
    expect(before).toMatch(/^applied fleet revision: none$/m);
    expect(before).toMatch(/^last refusal: FLEET_KEY_NOT_PINNED/m);

    // What `kiosk config pin-fleet-key` does (updateConfig), then the reload its watcher runs.
    updateConfig(k.dataDir, [{ path: 'fleet.publicKey', value: fleetKey.publicKeyB64 }]);
    const reloaded = k.composed.checkpoint.liveConfig.reload(k.dataDir);
    expect(reloaded.applied).toMatchObject({ changed: ['fleet.publicKey'], applied: ['fleet.publicKey'], restartNeeded: [] });
    expect(k.logs).toContainEqual(expect.stringMatching(/^configuration revision \d+ loaded from config\.json: changed fleet\.publicKey$/));
    expect(k.logs).not.toContainEqual(expect.stringMatching(/after a restart/));
    // Fetched at once on the new key (the periodic sync is an hour away and syncNow is not called).
    await until(() => k.composed.checkpoint.liveConfig.config.policy.feverThresholdC === 38.5, 'the pushed bundle applied on the newly pinned key');
    expect(readFleetState(k.dataDir)).toMatchObject({ revision: 1, refused: null });
    expect(k.composed.fleet!.heartbeat()).toEqual({ revision: 1 });
    const after = await k.composed.demoCommand!('fleet');
    expect(after).toMatch(new RegExp(`^fleet key: pinned, kid ${fleetKey.kid}$`, 'm'));
    expect(after).toMatch(/^applied fleet revision: 1 at .* \(policy\.feverThresholdC\)$/m);
    expect(after).toMatch(/^last refusal: none$/m);

    // `fleet fetch` fetches now: a second push is in force without waiting for the list sync.
    expect(await push({ target: { venueId: VENUE }, changes: { policy: { feverThresholdC: 38.2 } }, by: 'ops-1' })).toMatchObject({ status: 200, body: { revision: 2 } });
    expect(await k.composed.demoCommand!('fleet fetch')).toMatch(/^fleet revision 2 applied as configuration revision \d+: policy\.feverThresholdC$/);
    expect(k.composed.checkpoint.liveConfig.config.policy.feverThresholdC).toBe(38.2);
    expect(await k.composed.demoCommand!('fleet fetch')).toBe('no new fleet configuration (unchanged at the collector)');

    // The trust screen's Sync now fetches the fleet bundle too and reports it beside the lists'.
    expect(await push({ target: { venueId: VENUE }, changes: { policy: { feverThresholdC: 38.4 } }, by: 'ops-1' })).toMatchObject({ status: 200, body: { revision: 3 } });
    const ctx = { host: 'browser' as const, clientId: 'fleet-test' };
    const opened = await k.composed.service.openAdminSession({ pin: DEMO_INTEGRATOR_PIN }, ctx);
    if (!opened.ok) throw new Error(opened.message);
    const synced = await k.composed.service.syncListsNow({ session: opened.value.session }, ctx);
    expect(synced).toMatchObject({ ok: true, value: { outcomes: expect.any(Array), fleet: { outcome: 'applied', revision: 3, reason: null, message: expect.stringMatching(/^fleet revision 3 applied/) } } });
    expect(k.composed.checkpoint.liveConfig.config.policy.feverThresholdC).toBe(38.4);
  }, 60_000);
});
