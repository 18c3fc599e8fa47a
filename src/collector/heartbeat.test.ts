// Heartbeats and the fleet view (docs/upload-protocol.md §11) on each storage backend, over real HTTP
// on 127.0.0.1: the kiosk's own Heartbeater sends, signed with a real device key; the collector keeps
// the latest and a bounded history, refuses strangers and forgeries without changing anything, and
// computes the alerts on its own (injected) clock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { generateIdentity, b64url, type DeviceIdentity } from '../core/identity/device-key.js';
import { Heartbeater, type HeartbeatSnapshot } from '../core/upload/heartbeat.js';
import { sampleSnapshot } from './testing/snapshot.js';
import { HEADER, HEARTBEATS_PATH, encodeHeartbeat, type HeartbeatBody } from '../core/upload/protocol.js';
import type { FleetAlert } from './fleet.js';

const STATUS_TOKEN = 'operator-token-for-the-fleet-view';
const operator = { authorization: `Bearer ${STATUS_TOKEN}` };
const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const BACKENDS = collectorBackends();

let dir: string;
let collector: RunningCollector;
let kiosk: DeviceIdentity;
let collectorNow: number;
let logLines: string[];

const snapshot = (over: Partial<HeartbeatSnapshot> = {}): HeartbeatSnapshot => sampleSnapshot(T0, over);

/** A kiosk's heartbeater whose clock is `kioskNow()` and whose snapshot is `current`. */
function heartbeater(id: DeviceIdentity, state: { snap: HeartbeatSnapshot; kioskNow: () => number; backlog?: number }) {
  return new Heartbeater({ collectorUrl: collector.url, identity: id, snapshot: async () => state.snap, backlog: () => state.backlog ?? 0, intervalMs: 60_000, timeoutMs: 5_000, now: () => state.kioskNow() });
}

/** The endpoint's answer as JSON (FleetPage with ISO times; a refusal's reason). */
type FleetJson = { total: number; page: number; pageSize: number; alertCounts: Record<FleetAlert, number>; reason?: string; kiosks: (Record<string, unknown> & { kioskId: string; alerts: FleetAlert[]; devices: unknown[]; configRevision: number | null; backlog: number | null; lastHeartbeatAt: string | null })[] };

async function fleet(query = ''): Promise<{ status: number; json: FleetJson }> {
  const res = await fetch(`${collector.url}/v1/fleet/kiosks${query}`, { headers: operator });
  return { status: res.status, json: (await res.json()) as FleetJson };
}

async function alertsOf(kioskId: string): Promise<FleetAlert[]> {
  const { json } = await fleet();
  return (json.kiosks as { kioskId: string; alerts: FleetAlert[] }[]).find((k) => k.kioskId === kioskId)!.alerts;
}

async function postRaw(body: Buffer, headers: Record<string, string>) {
  const res = await fetch(collector.url + HEARTBEATS_PATH, { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

function body(id: DeviceIdentity, sentAt: number, over: Partial<HeartbeatBody> = {}): HeartbeatBody {
  return { v: 1, kioskId: id.kioskId, sentAt, backlog: 0, clockOffsetMs: null, ...snapshot(), ...over };
}

describe.each(BACKENDS)('heartbeats on $name', (backend) => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'collector-heartbeat-'));
    collectorNow = T0;
    logLines = [];
    collector = await startCollector({
      database: await backend.database(dir),
      statusToken: STATUS_TOKEN,
      clock: () => collectorNow,
      fleet: { history: { count: 5, ms: 3600_000 } },
      log: (l) => logLines.push(l),
    });
    kiosk = generateIdentity();
    await collector.db.registerKiosk(kiosk.kioskId, kiosk.publicKey, 'north gate');
  });
  afterEach(async () => {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the latest heartbeat and its clock offset, and shows it in the fleet view with no alert', async () => {
    const state = { snap: snapshot(), kioskNow: () => collectorNow + 1_500, backlog: 12 };
    const hb = heartbeater(kiosk, state);
    const first = await hb.sendNow();
    expect(first).toMatchObject({ ok: true, httpStatus: 200, reason: null });
    // The kiosk measured its own offset from the collector's answer (its clock runs 1.5 s ahead).
    expect(first!.clockOffsetMs).toBe(1_500);
    const history = await collector.db.heartbeatHistory(kiosk.kioskId, 10);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ receivedAt: T0, clockOffsetMs: 1_500 });
    expect(history[0]!.body).toMatchObject({ kioskId: kiosk.kioskId, backlog: 12, softwareVersion: '0.1.0', configRevision: 3, venueId: 'venue-north' });
    const { status, json } = await fleet();
    expect(status).toBe(200);
    expect(json).toMatchObject({ ok: true, total: 1, page: 1, alertCounts: { silent: 0, 'stale-lists': 0, 'device-offline': 0, 'clock-skew': 0, 'disk-low': 0 } });
    expect(json.kiosks[0]).toMatchObject({
      kioskId: kiosk.kioskId,
      name: 'north gate',
      venueId: 'venue-north',
      lastHeartbeatAt: new Date(T0).toISOString(),
      backlog: 12,
      softwareVersion: '0.1.0',
      configRevision: 3,
      trustList: { state: 'fresh', seq: 7, ageHours: 1 },
      statusList: { state: 'fresh', seq: 42, ageHours: 0.5 },
      clockOffsetMs: 1_500,
      freeDiskBytes: 20 * 1024 ** 3,
      alerts: [],
    });
    // The second heartbeat carries the offset the kiosk learned from the first.
    collectorNow += 60_000;
    await hb.sendNow();
    expect((await collector.db.heartbeatHistory(kiosk.kioskId, 1))[0]!.body.clockOffsetMs).toBe(1_500);
    await hb.stop();
  });

  it('a heartbeat is the kiosk seen: the status list\'s last seen and backlog follow it, a replay and a forgery do not', async () => {
    const status = async () => {
      const res = await fetch(`${collector.url}/v1/status`, { headers: operator });
      return ((await res.json()) as { kiosks: { kioskId: string; lastSeenAt: string | null; backlog: number | null; lastUploadAt: string | null }[] }).kiosks.find((k) => k.kioskId === kiosk.kioskId)!;
    };
    expect(await status()).toMatchObject({ lastSeenAt: null, backlog: null });
    const first = encodeHeartbeat(body(kiosk, T0, { backlog: 7 }));
    const signed = { [HEADER.kioskId]: kiosk.kioskId, [HEADER.signature]: b64url(kiosk.sign(first)) };
    expect((await postRaw(first, signed)).status).toBe(200);
    // Seen on the collector's clock, with what it still has to upload; no upload for all that.
    expect(await status()).toEqual(expect.objectContaining({ lastSeenAt: new Date(T0).toISOString(), backlog: 7, lastUploadAt: null }));
    collectorNow += 5 * 60_000;
    expect((await postRaw(first, signed)).status).toBe(409);
    const forged = encodeHeartbeat(body(kiosk, T0 + 1, { backlog: 999 }));
    expect((await postRaw(forged, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.signature]: b64url(generateIdentity().sign(forged)) })).status).toBe(403);
    expect(await status()).toMatchObject({ lastSeenAt: new Date(T0).toISOString(), backlog: 7 });
    const next = encodeHeartbeat(body(kiosk, T0 + 2, { backlog: 0 }));
    expect((await postRaw(next, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.signature]: b64url(kiosk.sign(next)) })).status).toBe(200);
    expect(await status()).toMatchObject({ lastSeenAt: new Date(collectorNow).toISOString(), backlog: 0 });
  });

  it('keeps a bounded history: the newest 5 by count, and nothing older than the hour', async () => {
    const state = { snap: snapshot(), kioskNow: () => collectorNow };
    const hb = heartbeater(kiosk, state);
    for (let i = 0; i < 8; i++) {
      state.snap = snapshot({ configRevision: i });
      await hb.sendNow();
      collectorNow += 60_000;
    }
    let kept = await collector.db.heartbeatHistory(kiosk.kioskId, 100);
    expect(kept.map((h) => h.body.configRevision)).toEqual([7, 6, 5, 4, 3]);
    // Two hours later one heartbeat arrives: the rest are past the hour and go.
    collectorNow += 2 * 3600_000;
    state.snap = snapshot({ configRevision: 99 });
    await hb.sendNow();
    kept = await collector.db.heartbeatHistory(kiosk.kioskId, 100);
    expect(kept.map((h) => h.body.configRevision)).toEqual([99]);
    expect((await fleet()).json.kiosks[0]!.configRevision).toBe(99);
    await hb.stop();
  });

  it('refuses a heartbeat from an unregistered key with 401 KIOSK_UNKNOWN, logs it and changes nothing', async () => {
    const stranger = generateIdentity();
    const hb = heartbeater(stranger, { snap: snapshot(), kioskNow: () => collectorNow });
    const outcome = await hb.sendNow();
    expect(outcome).toMatchObject({ ok: false, httpStatus: 401, reason: 'KIOSK_UNKNOWN' });
    expect(await collector.db.heartbeatHistory(stranger.kioskId, 10)).toEqual([]);
    const { json } = await fleet();
    expect(json.total).toBe(1);
    expect(json.kiosks.map((k: { kioskId: string }) => k.kioskId)).toEqual([kiosk.kioskId]);
    expect(json.kiosks[0]!.lastHeartbeatAt).toBeNull();
    expect(logLines).toContainEqual(expect.stringContaining(`heartbeat refused: kiosk ${stranger.kioskId} -> 401 KIOSK_UNKNOWN`));
    await hb.stop();
  });

  it('refuses a forged signature with 403, a replay with 409, a malformed body with 400, and keeps what it had', async () => {
    const good = body(kiosk, T0);
    const encoded = encodeHeartbeat(good);
    const signedHeaders = { [HEADER.kioskId]: kiosk.kioskId, [HEADER.signature]: b64url(kiosk.sign(encoded)) };
    expect((await postRaw(encoded, signedHeaders)).status).toBe(200);
    // Signed by another key, in this kiosk's name, saying its devices are all fine a minute later.
    const forged = encodeHeartbeat(body(kiosk, T0 + 60_000, { backlog: 999 }));
    const r = await postRaw(forged, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.signature]: b64url(generateIdentity().sign(forged)) });
    expect(r).toMatchObject({ status: 403, json: { ok: false, reason: 'BATCH_SIGNATURE_INVALID' } });
    // The very same signed heartbeat again.
    expect(await postRaw(encoded, signedHeaders)).toMatchObject({ status: 409, json: { reason: 'HEARTBEAT_DUPLICATE' } });
    const bad = encodeHeartbeat({ ...body(kiosk, T0 + 1), devices: 'all fine' } as unknown as HeartbeatBody);
    expect(await postRaw(bad, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.signature]: b64url(kiosk.sign(bad)) })).toMatchObject({ status: 400, json: { reason: 'HEARTBEAT_INVALID' } });
    // A key name with a line break, and a device fault that is not a reason code: refused, one log line each.
    const sneaky = encodeHeartbeat({ ...body(kiosk, T0 + 2), 'x\nheartbeat ok: forged line': 1 } as unknown as HeartbeatBody);
    expect(await postRaw(sneaky, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.signature]: b64url(kiosk.sign(sneaky)) })).toMatchObject({ status: 400, json: { reason: 'HEARTBEAT_INVALID' } });
    const prose = encodeHeartbeat(body(kiosk, T0 + 3, { devices: [{ device: 'idcard', configured: true, connected: false, fault: 'port gone <b>', lastError: null }] }));
    expect(await postRaw(prose, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.signature]: b64url(kiosk.sign(prose)) })).toMatchObject({ status: 400, json: { reason: 'HEARTBEAT_INVALID' } });
    const history = await collector.db.heartbeatHistory(kiosk.kioskId, 10);
    expect(history.map((h) => h.body.backlog)).toEqual([0]);
    expect((await fleet()).json.kiosks[0]!.backlog).toBe(0);
    const refusals = logLines.filter((l) => l.startsWith('heartbeat refused'));
    expect(refusals).toHaveLength(5);
    expect(logLines.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('says silent once a kiosk has not reported for more than 5 minutes, and not before', async () => {
    const hb = heartbeater(kiosk, { snap: snapshot(), kioskNow: () => collectorNow });
    await hb.sendNow();
    collectorNow += 5 * 60_000;
    expect(await alertsOf(kiosk.kioskId)).toEqual([]);
    collectorNow += 1_000;
    expect(await alertsOf(kiosk.kioskId)).toEqual(['silent']);
    const { json } = await fleet('?alert=silent');
    expect(json).toMatchObject({ total: 1, alertCounts: { silent: 1 } });
    // A kiosk registered but never heard from is silent too.
    const other = generateIdentity();
    await collector.db.registerKiosk(other.kioskId, other.publicKey, 'south gate');
    expect(await alertsOf(other.kioskId)).toEqual(['silent']);
    // Heard from again: no longer silent.
    await hb.sendNow();
    expect(await alertsOf(kiosk.kioskId)).toEqual([]);
    await hb.stop();
  });

  it('raises device-offline for a faulty or disconnected configured device, stale-lists, clock-skew and disk-low', async () => {
    const state = { snap: snapshot(), kioskNow: () => collectorNow };
    const hb = heartbeater(kiosk, state);
    state.snap = snapshot({ devices: [{ device: 'thermometer', configured: true, connected: true, fault: 'FRAME_TIMEOUT', lastError: 'FRAME_TIMEOUT' }] });
    await hb.sendNow();
    expect(await alertsOf(kiosk.kioskId)).toEqual(['device-offline']);
    expect((await fleet()).json.kiosks[0]!.devices[0]).toEqual({ device: 'thermometer', configured: true, connected: true, fault: 'FRAME_TIMEOUT', lastError: 'FRAME_TIMEOUT' });
    collectorNow += 60_000;
    state.snap = snapshot({ devices: [{ device: 'idcard', configured: true, connected: false, fault: 'PORT_UNAVAILABLE', lastError: null }] });
    await hb.sendNow();
    expect(await alertsOf(kiosk.kioskId)).toEqual(['device-offline']);
    // A device that is not configured is not offline.
    collectorNow += 60_000;
    state.snap = snapshot({ devices: [{ device: 'gate', configured: false, connected: false, fault: null, lastError: null }] });
    await hb.sendNow();
    expect(await alertsOf(kiosk.kioskId)).toEqual([]);
    // The status list 23 h old: fresh. Two hours of silence later the collector counts it 25 h old.
    collectorNow += 60_000;
    state.snap = snapshot({ statusList: { state: 'fresh', seq: 42, ageHours: 23 } });
    await hb.sendNow();
    expect(await alertsOf(kiosk.kioskId)).toEqual([]);
    collectorNow += 2 * 3600_000;
    expect(await alertsOf(kiosk.kioskId)).toEqual(['silent', 'stale-lists']);
    state.snap = snapshot({ statusList: { state: 'fresh', seq: 42, ageHours: 25 } });
    await hb.sendNow();
    expect(await alertsOf(kiosk.kioskId)).toEqual(['stale-lists']);
    // Stale as the kiosk itself judged it (past the list's nextUpdate), whatever its age.
    collectorNow += 60_000;
    state.snap = snapshot({ trustList: { state: 'stale', seq: 7, issuedAt: T0, ageHours: 2 } });
    await hb.sendNow();
    expect(await alertsOf(kiosk.kioskId)).toEqual(['stale-lists']);
    // Clock two minutes ahead of the collector's, and under 1 GiB free.
    collectorNow += 60_000;
    state.snap = snapshot({ freeDiskBytes: 512 * 1024 ** 2 });
    state.kioskNow = () => collectorNow + 120_000;
    await hb.sendNow();
    expect(await alertsOf(kiosk.kioskId)).toEqual(['clock-skew', 'disk-low']);
    await hb.stop();
  });

  it('filters by venue and alert, pages, and answers only the operator', async () => {
    const ids: DeviceIdentity[] = [];
    for (let i = 0; i < 5; i++) {
      const id = generateIdentity();
      ids.push(id);
      await collector.db.registerKiosk(id.kioskId, id.publicKey, `k${i}`);
      const snap = snapshot({ venueId: i < 3 ? 'venue-a' : 'venue-b', devices: i === 4 ? [{ device: 'idcard', configured: true, connected: false, fault: 'PORT_UNAVAILABLE', lastError: null }] : [] });
      await heartbeater(id, { snap, kioskNow: () => collectorNow }).sendNow();
    }
    const a = await fleet('?venue=venue-a&pageSize=2');
    expect(a.json).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    expect(a.json.kiosks).toHaveLength(2);
    const a2 = await fleet('?venue=venue-a&pageSize=2&page=2');
    expect(a2.json.kiosks).toHaveLength(1);
    const all = new Set([...a.json.kiosks, ...a2.json.kiosks].map((k: { kioskId: string }) => k.kioskId));
    expect(all).toEqual(new Set(ids.slice(0, 3).map((i) => i.kioskId)));
    const off = await fleet('?alert=device-offline');
    expect(off.json.kiosks.map((k: { kioskId: string }) => k.kioskId)).toEqual([ids[4]!.kioskId]);
    // The first kiosk (registered in beforeEach) never reported: silent, in no venue.
    expect((await fleet('?alert=silent')).json.kiosks.map((k: { kioskId: string }) => k.kioskId)).toEqual([kiosk.kioskId]);
    expect(await fleet('?alert=on-fire')).toMatchObject({ status: 400, json: { reason: 'FLEET_QUERY_INVALID' } });
    expect(await fleet('?pageSize=100000')).toMatchObject({ status: 400, json: { reason: 'FLEET_QUERY_INVALID' } });
    expect((await fetch(`${collector.url}/v1/fleet/kiosks`)).status).toBe(401);
    expect((await fetch(`${collector.url}/v1/fleet/kiosks`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });
});
