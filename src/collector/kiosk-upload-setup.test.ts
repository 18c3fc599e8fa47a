// The integrator's uploads screen (src/core/admin/upload-setup-methods.ts) against real parts: a real collector on 127.0.0.1 (its own SQLite
// file), the kiosk's real device key in a temp data directory, the kiosk service built as the
// composition builds it, calls through the hosts' dispatcher (both directions checked by the
// contract's schemas). Only time is a ManualClock.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import QRCode from 'qrcode';
import type { CallContext, MethodName, MethodRequest, MethodResponse, Result } from '../contract/api.js';
import { dispatchCall } from '../contract/dispatch.js';
import { ListCache } from '../core/codes/list-cache.js';
import { saveConfig } from '../core/config/config.js';
import { hashAdminPin } from '../core/checkpoint/admin-pin.js';
import { ManualClock } from '../core/checkpoint/clock.js';
import { createCheckpointService, type CheckpointService } from '../core/checkpoint/service.js';
import { EntryStore } from '../core/store/entry-store.js';
import { loadOrCreateDeviceKey } from '../core/identity/device-key.js';
import { startCollector, type RunningCollector } from './server.js';
import { qrMatrix } from '../core/admin/upload-setup-methods.js';

const ADMIN_PIN = '2468';
const INTEGRATOR_PIN = '5678';
const screen: CallContext = { host: 'browser', clientId: 'ws-integrator' };

interface Rig {
  dir: string;
  store: EntryStore;
  cp: CheckpointService;
  logs: string[];
  call<M extends MethodName>(method: M, request: MethodRequest<M> | Record<string, unknown>): Promise<Result<MethodResponse<M>>>;
  session(pin?: string): Promise<string>;
}

let dir: string;
let rig: Rig | null = null;
let collector: RunningCollector | null = null;
const savedEnv = process.env.KIOSK_COLLECTOR_URL;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'upload-setup-'));
  delete process.env.KIOSK_COLLECTOR_URL;
});
afterEach(async () => {
  rig?.cp.close();
  rig?.store.close();
  rig = null;
  await collector?.close();
  collector = null;
  if (savedEnv === undefined) delete process.env.KIOSK_COLLECTOR_URL;
  else process.env.KIOSK_COLLECTOR_URL = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

function makeRig(config: Record<string, unknown>): Rig {
  const dataDir = join(dir, 'kiosk');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const saved = saveConfig(dataDir, { kioskId: 'kiosk-1', roots: [], admin: { pin: hashAdminPin(ADMIN_PIN), integratorPin: hashAdminPin(INTEGRATOR_PIN) }, ...config } as never);
  const store = EntryStore.open(dataDir);
  const logs: string[] = [];
  const cp = createCheckpointService({
    config: saved,
    store,
    lists: new ListCache(dataDir, []).load(),
    devices: null,
    clock: new ManualClock(Date.UTC(2026, 10, 21, 9)),
    configFile: { dataDir, watch: false },
    statusTick: { everyMs: 3_600_000, clockEveryMs: 3_600_000 },
    log: (l) => logs.push(l),
  });
  return {
    dir: dataDir,
    store,
    cp,
    logs,
    call: (method, request) => dispatchCall(cp.service, method, request, screen) as never,
    async session(pin = INTEGRATOR_PIN) {
      const r = await dispatchCall(cp.service, 'openAdminSession', { pin }, screen);
      if (!r.ok) throw new Error(r.message);
      return (r.value as { session: string }).session;
    },
  };
}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
  return r.value;
}

describe('getUploadSetup (docs/upload-protocol.md §1)', () => {
  it('is the integrator\'s: refused without a session and to the admin', async () => {
    rig = makeRig({});
    expect(await rig.call('getUploadSetup', { session: 'A'.repeat(32) })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    const admin = await rig.session(ADMIN_PIN);
    expect(await rig.call('getUploadSetup', { session: admin })).toMatchObject({ ok: false });
    expect(await rig.call('testCollector', { session: admin, url: 'http://127.0.0.1:1' })).toMatchObject({ ok: false });
  });

  it('shows the device key, its fingerprint, the registration command and its QR, and warns that kioskId differs from the key id', async () => {
    rig = makeRig({ kioskName: "North gate 'B'", upload: { collectorUrl: 'http://127.0.0.1:9/' } });
    const key = loadOrCreateDeviceKey(rig.dir);
    const v = unwrap(await rig.call('getUploadSetup', { session: await rig.session() }));
    expect(v).toMatchObject({ collectorUrl: 'http://127.0.0.1:9/', source: 'config', configuredUrl: 'http://127.0.0.1:9/', runningUrl: 'http://127.0.0.1:9/', kioskId: 'kiosk-1', deviceKioskId: key.kioskId, publicKey: key.publicKeyB64 });
    // Groups of four; the first four groups are the kiosk id (SHA-256 of the key, docs/upload-protocol.md §1).
    expect(v.fingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);
    expect(v.fingerprint.replace(/ /g, '').slice(0, 16)).toBe(key.kioskId);
    expect(v.registration.text).toBe(`kiosk collector register ${key.publicKeyB64} --name 'North gate '\\''B'\\'''`);
    expect(v.registration.qr).toEqual(qrMatrix(v.registration.text));
    expect(v.mismatch?.warning).toContain(`set kioskId to ${key.kioskId}`);
  });

  it('has no warning when kioskId is the key id; KIOSK_COLLECTOR_URL is named as the source', async () => {
    const key = loadOrCreateDeviceKey(join(dir, 'kiosk'));
    process.env.KIOSK_COLLECTOR_URL = 'http://127.0.0.1:7/';
    rig = makeRig({ kioskId: key.kioskId });
    const v = unwrap(await rig.call('getUploadSetup', { session: await rig.session() }));
    expect(v).toMatchObject({ mismatch: null, source: 'env', collectorUrl: 'http://127.0.0.1:7/', configuredUrl: null, kioskId: key.kioskId });
    expect(v.registration.text).toBe(`kiosk collector register ${key.publicKeyB64} --name ${key.kioskId}`);
  });

  it('encodes the QR matrix the qrcode package makes, row by row', () => {
    const m = qrMatrix('kiosk collector register abc --name x');
    const ref = QRCode.create('kiosk collector register abc --name x', { errorCorrectionLevel: 'M' }).modules;
    expect(m.size).toBe(ref.size);
    expect(m.modules.length).toBe(ref.size * ref.size);
    expect([...m.modules].map(Number)).toEqual([...ref.data]);
  });
});

describe('testCollector against a real collector on 127.0.0.1', () => {
  it('answers not registered, then registered once the operator registers the key, then refused once disabled', async () => {
    collector = await startCollector({ database: join(dir, 'collector.sqlite3') });
    rig = makeRig({ upload: { collectorUrl: collector.url } });
    const session = await rig.session();
    const first = unwrap(await rig.call('testCollector', { session }));
    expect(first.url).toBe(collector.url);
    expect(first.steps.map((s) => [s.step, s.state, s.reason])).toEqual([
      ['address', 'ok', null],
      ['tls', 'ok', null],
      ['collector', 'ok', null],
      ['registered', 'failed', 'KIOSK_UNKNOWN'],
    ]);
    expect(first.steps[1]!.detail).toContain('loopback');

    const key = loadOrCreateDeviceKey(rig.dir);
    await collector.db.registerKiosk(key.kioskId, key.publicKey, 'north gate');
    const second = unwrap(await rig.call('testCollector', { session }));
    expect(second.steps[3]).toMatchObject({ step: 'registered', state: 'ok', reason: null });
    expect(second.steps[3]!.detail).toContain('"north gate"');

    await collector.db.setKioskEnabled(key.kioskId, false);
    const third = unwrap(await rig.call('testCollector', { session }));
    expect(third.steps[3]).toMatchObject({ state: 'failed', reason: 'KIOSK_UNKNOWN' });
    expect(third.steps[3]!.detail).toContain('disabled');
    // Reasons and states in the log, nothing else.
    expect(rig.logs.filter((l) => l.startsWith('upload-test '))).toHaveLength(3);
  });

  it('names the failing layer: refused port, not a collector, plain http beyond loopback, a garbage URL', async () => {
    rig = makeRig({});
    const session = await rig.session();
    // A port nothing listens on: take a free one and close it.
    const free = await new Promise<number>((resolve) => {
      const s: Server = createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const refused = unwrap(await rig.call('testCollector', { session, url: `http://127.0.0.1:${free}` }));
    expect(refused.steps.map((s) => s.state)).toEqual(['failed', 'skipped', 'skipped', 'skipped']);
    expect(refused.steps[0]).toMatchObject({ reason: 'COLLECTOR_UNREACHABLE' });
    expect(refused.steps[0]!.detail).toContain('ECONNREFUSED');

    // Something answers HTTP but is not a collector.
    const other = (await import('node:http')).createServer((_q, r) => r.writeHead(404).end('nope'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const wrong = unwrap(await rig.call('testCollector', { session, url: `http://127.0.0.1:${(other.address() as { port: number }).port}` }));
      expect(wrong.steps.map((s) => s.state)).toEqual(['ok', 'ok', 'failed', 'skipped']);
      expect(wrong.steps[2]).toMatchObject({ reason: 'COLLECTOR_ERROR' });
      expect(wrong.steps[2]!.detail).toContain('HTTP 404');
    } finally {
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }

    // Plain http to an address the kiosk does not count as this machine (an IPv4-mapped IPv6 address
    // reaching a real collector): the tls step refuses it, nothing is sent.
    collector = await startCollector({ database: join(dir, 'collector.sqlite3') });
    const mapped = unwrap(await rig.call('testCollector', { session, url: `http://[::ffff:127.0.0.1]:${collector.port}` }));
    expect(mapped.steps.map((s) => s.state)).toEqual(['ok', 'failed', 'skipped', 'skipped']);
    expect(mapped.steps[1]).toMatchObject({ reason: 'COLLECTOR_INSECURE' });
    // `localhost` may resolve to ::1 first while the collector listens on 127.0.0.1: every address is tried.
    const local = unwrap(await rig.call('testCollector', { session, url: `http://localhost:${collector.port}` }));
    expect(local.steps.map((s) => s.state)).toEqual(['ok', 'ok', 'ok', 'failed']);

    const garbage = unwrap(await rig.call('testCollector', { session, url: 'ftp://collector.example' }));
    expect(garbage.steps[0]).toMatchObject({ state: 'failed', reason: 'COLLECTOR_URL_INVALID' });
    expect(await rig.call('testCollector', { session, url: 'x'.repeat(3000) })).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(await rig.call('testCollector', { session })).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
  });

  it('checks TLS: a certificate from an unknown CA fails the tls step; with upload.caFile it passes', async () => {
    const certDir = join(dir, 'certs');
    execFileSync('mkdir', ['-p', certDir]);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem')], { stdio: 'ignore' });
    collector = await startCollector({ database: join(dir, 'collector.sqlite3'), tls: { cert: readFileSync(join(certDir, 'cert.pem')), key: readFileSync(join(certDir, 'key.pem')) } });
    expect(collector.url).toMatch(/^https:/);
    rig = makeRig({});
    let session = await rig.session();
    const untrusted = unwrap(await rig.call('testCollector', { session, url: collector.url }));
    expect(untrusted.steps.map((s) => s.state)).toEqual(['ok', 'failed', 'skipped', 'skipped']);
    expect(untrusted.steps[1]).toMatchObject({ reason: 'COLLECTOR_TLS_INVALID' });
    expect(untrusted.steps[1]!.detail).toContain('upload.caFile');
    rig.cp.close();
    rig.store.close();

    writeFileSync(join(dir, 'ca.pem'), readFileSync(join(certDir, 'cert.pem')));
    rmSync(join(dir, 'kiosk', 'config.json'));
    rig = makeRig({ upload: { collectorUrl: collector.url, caFile: join(dir, 'ca.pem') } });
    session = await rig.session();
    const trusted = unwrap(await rig.call('testCollector', { session }));
    expect(trusted.steps.map((s) => [s.step, s.state, s.reason])).toEqual([
      ['address', 'ok', null],
      ['tls', 'ok', null],
      ['collector', 'ok', null],
      ['registered', 'failed', 'KIOSK_UNKNOWN'],
    ]);
  });
});
