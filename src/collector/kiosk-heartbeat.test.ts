// The kiosk's upload service (its worker thread, its device key, its real entry log) sending
// heartbeats to a real collector on 127.0.0.1, on each backend (docs/upload-protocol.md §11): refused
// while the key is not registered (the outcome logged and kept for `kiosk doctor`), sent again as
// soon as a batch goes through once it is, without waiting for the next interval.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { until } from './testing/until.js';
import { EntryStore } from '../core/store/index.js';
import { samplePassage, tempDataDir } from '../core/store/test-support.js';
import { loadOrCreateDeviceKey, type DeviceIdentity } from '../core/identity/device-key.js';
import { HEARTBEAT_FILE, resolveUploadConfig, startUploadService, type UploadService } from '../core/upload/service.js';
import { ListCache } from '../core/codes/list-cache.js';
import { kioskConfigSchema } from '../core/config/config.js';
import { heartbeatSnapshot } from '../core/upload/heartbeat.js';
import type { DeviceHealth } from '../core/devices/types.js';

const BACKENDS = collectorBackends();
const STATUS_TOKEN = 'fleet-operator-token';
let data: { dir: string; cleanup(): void };
let store: EntryStore;
let collector: RunningCollector;
let identity: DeviceIdentity;
let svc: UploadService | null = null;

const thermometerDown: DeviceHealth = { device: 'thermometer', configured: true, connected: false, port: '/dev/ttyUSB1', lastGoodFrameAt: null, errors: {}, lastError: 'PORT_UNAVAILABLE', fault: 'PORT_UNAVAILABLE', detail: 'port missing' };

describe.each(BACKENDS)('kiosk heartbeats on $name', (backend) => {
  beforeEach(async () => {
    data = tempDataDir('kiosk-heartbeat-');
    identity = loadOrCreateDeviceKey(data.dir);
    store = EntryStore.open(data.dir);
    collector = await startCollector({ database: await backend.database(join(data.dir, 'collector')), statusToken: STATUS_TOKEN });
  });
  afterEach(async () => {
    await svc?.close();
    svc = null;
    await collector.close();
    store.close();
    data.cleanup();
  });

  it('is refused while the key is unregistered, then goes out with the first batch that goes through', async () => {
    for (let i = 0; i < 3; i++) store.append(samplePassage({ at: 1_763_000_000_000 + i * 1000, kioskId: identity.kioskId }));
    const lines: string[] = [];
    const config = resolveUploadConfig(kioskConfigSchema.parse({ upload: { heartbeatSeconds: 3600 } }), collector.url);
    const now = Date.now();
    const heartbeat = async () =>
      heartbeatSnapshot({
        status: { version: '0.1.0', trustList: { state: 'fresh', seq: 3, issuedAt: now - 7200_000, nextUpdateAt: null }, statusList: { state: 'missing', seq: null, issuedAt: null, nextUpdateAt: null } },
        devices: [thermometerDown],
        config: { venueId: 'venue-east', revision: 4 },
        dataDir: data.dir,
        now: Date.now(),
      });
    svc = startUploadService({ dataDir: data.dir, config, store, lists: new ListCache(data.dir, []), log: (l) => lines.push(l), heartbeat });
    const refused = await until(() => svc!.lastHeartbeat(), 'the first heartbeat', 15_000);
    expect(refused).toMatchObject({ ok: false, httpStatus: 401, reason: 'KIOSK_UNKNOWN' });
    expect(lines).toContainEqual(expect.stringMatching(/^heartbeat: KIOSK_UNKNOWN \(HTTP 401\)/));
    expect(JSON.parse(readFileSync(join(data.dir, HEARTBEAT_FILE), 'utf8'))).toMatchObject({ ok: false, reason: 'KIOSK_UNKNOWN' });
    expect(await collector.db.heartbeatHistory(identity.kioskId, 10)).toEqual([]);

    // Registered now: the uploader's next retry goes through, and a heartbeat follows at once. The
    // interval is an hour, so only the batch going through can have sent it.
    await collector.db.registerKiosk(identity.kioskId, identity.publicKey, 'east door');
    const kept = await until(async () => (await collector.db.heartbeatHistory(identity.kioskId, 10))[0], 'a heartbeat after registering', 20_000);
    expect(kept.body).toMatchObject({
      kioskId: identity.kioskId,
      venueId: 'venue-east',
      configRevision: 4,
      softwareVersion: '0.1.0',
      trustList: { state: 'fresh', seq: 3, ageHours: 2 },
      statusList: { state: 'missing', seq: null },
      devices: [{ device: 'thermometer', configured: true, connected: false, fault: 'PORT_UNAVAILABLE', lastError: 'PORT_UNAVAILABLE' }],
    });
    expect(kept.body.freeDiskBytes).toBeGreaterThan(0);
    expect(Math.abs(kept.clockOffsetMs)).toBeLessThan(5_000);
    const ok = await until(() => svc!.lastHeartbeat()?.ok && svc!.lastHeartbeat(), 'the kiosk to see its heartbeat taken', 5_000);
    expect(ok.clockOffsetMs).toEqual(expect.any(Number));
    expect(lines).toContainEqual(expect.stringMatching(/^heartbeat: ok/));
    // The operator sees the thermometer down and the missing status list.
    const res = await fetch(`${collector.url}/v1/fleet/kiosks`, { headers: { authorization: `Bearer ${STATUS_TOKEN}` } });
    const fleet = (await res.json()) as { kiosks: { kioskId: string; alerts: string[] }[] };
    expect(fleet.kiosks).toEqual([expect.objectContaining({ kioskId: identity.kioskId, alerts: ['stale-lists', 'device-offline'] })]);
  }, 60_000);
});
