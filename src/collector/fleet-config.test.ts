// The collector's side of signed fleet configuration (docs/upload-protocol.md §12), on both storage
// backends: pushing signs the next revision (monotonic over the collector, whatever the target) and
// refuses what a kiosk would refuse before anything is signed or stored; GET /v1/fleet/config answers
// only a registered kiosk's signed request, with the newest bundle targeting it, and a 304 for the
// revision it has.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { tempDataDir } from '../core/store/test-support.js';
import { generateIdentity, b64url, type DeviceIdentity } from '../core/identity/device-key.js';
import { initFleetKey, loadFleetKey, type FleetKey } from './fleet-config.js';
import { FLEET_CONFIG_PATH, fleetRequestMessage } from '../core/fleet/kiosk.js';
import { verifyFleetBundle } from '../core/fleet/bundle.js';

const TOKEN = 'fleet-operator-token-for-tests';
let data: { dir: string; cleanup(): void };
let collector: RunningCollector;
let fleetKey: FleetKey;
let kiosk: DeviceIdentity;

const push = async (body: unknown, token: string | null = TOKEN) => {
  const res = await fetch(`${collector.url}${FLEET_CONFIG_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const fetchFor = (who: DeviceIdentity, query: string, headers: Record<string, string> = {}) =>
  fetch(`${collector.url}${FLEET_CONFIG_PATH}?${query}`, { headers: { 'kiosk-id': who.kioskId, 'kiosk-signature': b64url(who.sign(fleetRequestMessage(who.kioskId))), ...headers } });

describe.each(collectorBackends())('fleet configuration on the $name collector', (backend) => {
  beforeEach(async () => {
    data = tempDataDir('collector-fleet-config-');
    fleetKey = initFleetKey(join(data.dir, 'fleet-key.json'));
    kiosk = generateIdentity();
    collector = await startCollector({ database: await backend.database(data.dir), statusToken: TOKEN, fleetKey });
    await collector.db.registerKiosk(kiosk.kioskId, kiosk.publicKey, 'east door');
  });
  afterEach(async () => {
    await collector.close();
    data.cleanup();
  });

  it('keeps the fleet key in its file: made once, read back the same', () => {
    const again = initFleetKey(join(data.dir, 'fleet-key.json'));
    expect(again.created).toBe(false);
    expect(again.publicKeyB64).toBe(fleetKey.publicKeyB64);
    expect(loadFleetKey(join(data.dir, 'fleet-key.json')).kid).toBe(fleetKey.kid);
  });

  it('signs monotonic revisions across targets, refuses forbidden paths, bad values and no token, and serves the newest bundle for the kiosk', async () => {
    expect(await push({ target: { venueId: 'mall' }, changes: { policy: { feverThresholdC: 38 } } }, null)).toMatchObject({ status: 401 });
    expect(await push({ target: { venueId: 'mall' }, changes: { upload: { collectorUrl: 'https://elsewhere' } } })).toMatchObject({ status: 400, body: { reason: 'FLEET_CONFIG_FORBIDDEN_PATH' } });
    expect(await push({ target: { venueId: 'mall' }, changes: { policy: { feverThresholdC: 'hot' } } })).toMatchObject({ status: 400, body: { reason: 'CONFIG_INVALID' } });
    expect(await push({ target: { building: 'b' }, changes: { policy: { feverThresholdC: 38 } } })).toMatchObject({ status: 400, body: { reason: 'FLEET_CONFIG_FORMAT' } });
    expect(await collector.db.fleetConfig.maxRevision()).toBe(0);

    // Nothing for this kiosk yet.
    expect((await fetchFor(kiosk, 'venue=mall')).status).toBe(404);
    expect(await push({ target: { venueId: 'mall' }, changes: { policy: { feverThresholdC: 38 } } })).toMatchObject({ status: 200, body: { revision: 1, paths: ['policy.feverThresholdC'] } });
    expect(await push({ target: { venueId: 'other' }, changes: { policy: { feverThresholdC: 39 } } })).toMatchObject({ status: 200, body: { revision: 2 } });
    expect(await push({ target: { group: 'north' }, changes: { checkpoint: { resetAfterMs: 5000 } } })).toMatchObject({ status: 200, body: { revision: 3 } });

    const venueOnly = await fetchFor(kiosk, 'venue=mall');
    expect(venueOnly.status).toBe(200);
    expect(venueOnly.headers.get('etag')).toBe('"fleet-1"');
    const bundle = verifyFleetBundle(await venueOnly.text(), fleetKey.publicKey);
    expect(bundle).toMatchObject({ ok: true, value: { revision: 1, target: { venueId: 'mall' }, changes: { policy: { feverThresholdC: 38 } } } });
    // In the north group too: the newer group bundle.
    const withGroup = await fetchFor(kiosk, 'venue=mall&groups=north');
    expect(withGroup.headers.get('etag')).toBe('"fleet-3"');
    expect((await fetchFor(kiosk, 'venue=mall&groups=north', { 'if-none-match': '"fleet-3"' })).status).toBe(304);
  });

  it('answers only a registered kiosk signing its own id', async () => {
    await push({ target: { venueId: 'mall' }, changes: { policy: { feverThresholdC: 38 } } });
    const stranger = generateIdentity();
    expect((await fetchFor(stranger, 'venue=mall')).status).toBe(401);
    const forged = await fetch(`${collector.url}${FLEET_CONFIG_PATH}?venue=mall`, { headers: { 'kiosk-id': kiosk.kioskId, 'kiosk-signature': b64url(stranger.sign(fleetRequestMessage(kiosk.kioskId))) } });
    expect(forged.status).toBe(403);
    expect((await fetch(`${collector.url}${FLEET_CONFIG_PATH}?venue=mall`)).status).toBe(401);
  });
});
