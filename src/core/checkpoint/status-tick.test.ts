import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KioskEventSchema, type KioskEvent } from '../../contract/api.js';
import { makeDemoDcc } from '../codes/dcc/demo-dcc.js';
import { DscListCache } from '../codes/dcc/dsc-list.js';
import { ListCache } from '../codes/list-cache.js';
import { makeDemoPki } from '../codes/pki.js';
import { kioskConfigSchema } from '../config/config.js';
import type { DeviceEventListener, DeviceHealth, DeviceHub } from '../devices/types.js';
import { EntryStore } from '../store/entry-store.js';
import { ManualClock } from './clock.js';
import { createCheckpointService, type CheckpointService, type UploadMonitor } from './service.js';
import { T0, fillDisk } from './test-support.js';

const DAY_S = 86_400;
/** The trust list's nextUpdate falls ten minutes after T0 (makeDemoPki: issued = now − 1 h, nextUpdate = issued + 7 d). */
const NEXT_UPDATE_MS = T0 + 10 * 60_000;
const pki = makeDemoPki({ seed: 'status-tick', now: Math.floor(NEXT_UPDATE_MS / 1000) - 7 * DAY_S + 3600 });

/** A hub whose health changes without any event: what a device that goes quiet looks like to core. */
class SilentHub implements DeviceHub {
  healthList: DeviceHealth[] = [
    { device: 'idcard', configured: true, connected: true, port: '/dev/pts/idcard', lastGoodFrameAt: null, errors: {}, lastError: null, fault: null, detail: null },
  ];
  async start() {}
  async stop() {}
  onEvent(_l: DeviceEventListener) {
    return () => {};
  }
  health() {
    return this.healthList;
  }
  async pulseGate() {
    return { ok: true as const, driver: 'none' as const, relay: 0, ms: 0 };
  }
  async readTemperature() {
    return { valid: false as const, reason: 'PORT_UNAVAILABLE' as const, rawCelsius: null };
  }
}

/** Entries logged and not uploaded, as the upload service counts them; tests raise it as entries are made. */
let pendingUploads = 0;
/** The collector is unreachable: nothing is uploaded and no list sync ever calls back. */
const networkDown: UploadMonitor = {
  connectivity: () => ({ online: false, uploadsPending: pendingUploads, lastUploadAt: null }),
  nudge: () => {},
  onChange: () => () => {},
};

let dir: string;
let store: EntryStore;
let cp: CheckpointService;
let clock: ManualClock;
let hub: SilentHub;
let events: KioskEvent[];

function setup(policy: Record<string, unknown> = {}, dscListJws: string | null = null) {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-status-tick-'));
  const lists = new ListCache(dir, pki.roots).load();
  lists.installTrust(pki.trustListJws);
  const dscList = new DscListCache(dir, pki.roots).load();
  if (dscListJws !== null) expect(dscList.install(dscListJws)).toMatchObject({ accepted: true });
  store = EntryStore.open(dir);
  clock = new ManualClock(T0);
  hub = new SilentHub();
  events = [];
  pendingUploads = 0;
  cp = createCheckpointService({
    config: kioskConfigSchema.parse({ kioskId: 'kiosk-7', roots: pki.roots, policy }),
    store,
    lists,
    dscList,
    devices: hub,
    clock,
    uploads: networkDown,
    log: () => {},
  });
  cp.service.subscribe((e) => events.push(e));
}

afterEach(() => {
  cp?.close();
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const of = <T extends KioskEvent['type']>(type: T) => events.filter((e): e is Extract<KioskEvent, { type: T }> => e.type === type);

describe('status tick (status that changes with time alone is pushed)', () => {
  it('the trust list passing nextUpdate with the network down pushes `lists` stale, then expired past the maximum age', async () => {
    // Expired one hour after nextUpdate (issued + 7 d + 1 h).
    setup({ maxTrustListAgeDays: 7 + 1 / 24 });
    expect(await cp.service.getStatus({}, { host: 'browser', clientId: 't' })).toMatchObject({ ok: true, value: { trustList: { state: 'fresh' } } });
    clock.advance(NEXT_UPDATE_MS - T0 - 1000);
    // Nothing changed yet, so nothing about the lists was pushed.
    expect(of('lists')).toEqual([]);
    clock.advance(2000);
    expect(of('lists').map((e) => e.trustList.state)).toEqual(['stale']);
    expect(of('lists')[0]!.trustList).toMatchObject({ seq: 1, nextUpdateAt: NEXT_UPDATE_MS });
    clock.advance(3_600_000);
    expect(of('lists').map((e) => e.trustList.state)).toEqual(['stale', 'expired']);
    for (const e of events) expect(KioskEventSchema.safeParse(e).success).toBe(true);
  });

  it('the DSC list, where foreign credentials are accepted, is in the status and turns stale past its nextUpdate on the tick alone', async () => {
    // makeDemoDcc: nextUpdate = now − 1 h + 1 d; here twenty minutes after T0.
    const DSC_NEXT_UPDATE_MS = T0 + 20 * 60_000;
    const dsc = makeDemoDcc({ root: pki.root, now: Math.floor(DSC_NEXT_UPDATE_MS / 1000) + 3600 - DAY_S, dscListSeq: 4 }).dscListJws;
    setup({ dccAccept: true, maxTrustListAgeDays: 30 }, dsc);
    const status = await cp.service.getStatus({}, { host: 'browser', clientId: 't' });
    expect(status).toMatchObject({ ok: true, value: { dscList: { state: 'fresh', seq: 4, nextUpdateAt: DSC_NEXT_UPDATE_MS } } });
    clock.advance(DSC_NEXT_UPDATE_MS - T0 - 1000);
    expect(of('lists').map((e) => e.dscList?.state)).not.toContain('stale');
    clock.advance(2000);
    expect(of('lists').at(-1)!.dscList).toMatchObject({ state: 'stale', seq: 4, nextUpdateAt: DSC_NEXT_UPDATE_MS });
    for (const e of events) expect(KioskEventSchema.safeParse(e).success).toBe(true);
  });

  it('the DSC list is missing where foreign credentials are accepted and none is installed, and absent where they are not', async () => {
    setup({ dccAccept: true });
    expect(await cp.service.getStatus({}, { host: 'browser', clientId: 't' })).toMatchObject({ ok: true, value: { dscList: { state: 'missing', seq: null } } });
    cp.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
    setup({ dccAccept: false }, makeDemoDcc({ root: pki.root, now: Math.floor(T0 / 1000), dscListSeq: 1 }).dscListJws);
    const off = await cp.service.getStatus({}, { host: 'browser', clientId: 't' });
    expect(off.ok && 'dscList' in off.value).toBe(false);
    clock.advance(DAY_S * 1000);
    expect(of('lists').some((e) => 'dscList' in e)).toBe(false);
  });

  it('pushes `clock` once a minute, and storage and devices when they change without an event of their own', () => {
    setup();
    clock.advance(59_000);
    expect(of('clock')).toEqual([]);
    clock.advance(1000);
    expect(of('clock')).toEqual([{ type: 'clock', clock: { warning: false, now: T0 + 60_000, newestSeenAt: T0 + 60_000 } }]);

    // A device goes quiet: its health changes, but the hub raises no event.
    hub.healthList = [{ ...hub.healthList[0]!, fault: 'FRAME_TIMEOUT', detail: 'no valid frame within 1400 ms' }];
    clock.advance(1000);
    expect(of('devices').pop()?.devices.find((d) => d.kind === 'cardReader')).toMatchObject({ state: 'offline', reason: 'FRAME_TIMEOUT' });
    const devicesPushed = of('devices').length;
    clock.advance(5000);
    expect(of('devices')).toHaveLength(devicesPushed);

    // The disk fills under a write the passage flow did not make.
    fillDisk({ store, clock });
    clock.advance(1000);
    expect(of('storage')).toEqual([{ type: 'storage', storage: { writable: false, reason: 'STORAGE_FULL' } }]);
    clock.advance(5000);
    expect(of('storage')).toHaveLength(1);
  });

  it('pushes `connectivity` when the uploads pending change with no upload callback (no collector), so the bar and the console agree', async () => {
    setup();
    const ctx = { host: 'browser' as const, clientId: 't' };
    const first = await cp.service.getStatus({}, ctx);
    expect(first.ok && first.value.connectivity.uploadsPending).toBe(0);
    clock.advance(3000);
    expect(of('connectivity')).toEqual([]);
    pendingUploads = 23;
    clock.advance(1000);
    expect(of('connectivity')).toEqual([{ type: 'connectivity', connectivity: { online: false, uploadsPending: 23, lastUploadAt: null } }]);
    clock.advance(5000);
    expect(of('connectivity')).toHaveLength(1);
    const now = await cp.service.getStatus({}, ctx);
    expect(now.ok && now.value.connectivity.uploadsPending).toBe(of('connectivity')[0]!.connectivity.uploadsPending);
  });

  it('stops with the service', () => {
    setup();
    const before = clock.pending();
    cp.close();
    expect(clock.pending()).toBe(before - 1);
  });
});
