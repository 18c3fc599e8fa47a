// `kiosk collector fleet [--alerts]` (docs/upload-protocol.md §11): the fleet view read from the
// collector's own database, on a real SQLite file with heartbeats stored as the endpoint stores them;
// `kiosk collector fleet-config push` (§12) says how many of those kiosks its target names.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.js';
import { generateIdentity } from '../../core/identity/device-key.js';
import { openCollectorStorage } from '../../collector/storage.js';
import { DEFAULT_HEARTBEAT_RETENTION } from '../../collector/fleet.js';
import type { HeartbeatBody } from '../../core/upload/protocol.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-fleet-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function heartbeat(kioskId: string, sentAt: number, over: Partial<HeartbeatBody> = {}): HeartbeatBody {
  return {
    v: 1,
    kioskId,
    sentAt,
    venueId: 'venue-a',
    softwareVersion: '0.1.0',
    configRevision: 2,
    trustList: { state: 'fresh', seq: 1, issuedAt: sentAt - 3600_000, ageHours: 1 },
    statusList: { state: 'fresh', seq: 1, ageHours: 1 },
    devices: [],
    backlog: 0,
    clockOffsetMs: null,
    freeDiskBytes: 50 * 1024 ** 3,
    ...over,
  };
}

describe('kiosk collector fleet', () => {
  it('lists every kiosk with its alerts, and only those with one under --alerts', async () => {
    const db = join(dir, 'collector.sqlite3');
    const storage = await openCollectorStorage(db);
    const well = generateIdentity();
    const faulty = generateIdentity();
    const silent = generateIdentity();
    const now = Date.now();
    try {
      await storage.registerKiosk(well.kioskId, well.publicKey, 'well');
      await storage.registerKiosk(faulty.kioskId, faulty.publicKey, 'faulty');
      await storage.registerKiosk(silent.kioskId, silent.publicKey, 'silent');
      await storage.storeHeartbeat(heartbeat(well.kioskId, now), now, 0, DEFAULT_HEARTBEAT_RETENTION);
      await storage.storeHeartbeat(heartbeat(faulty.kioskId, now, { devices: [{ device: 'idcard', configured: true, connected: false, fault: 'PORT_UNAVAILABLE', lastError: null }] }), now, 0, DEFAULT_HEARTBEAT_RETENTION);
      // Last heard from an hour ago.
      await storage.storeHeartbeat(heartbeat(silent.kioskId, now - 3600_000), now - 3600_000, 0, DEFAULT_HEARTBEAT_RETENTION);
    } finally {
      await storage.close();
    }
    const all = await runCli(['collector', 'fleet', '--db', db]);
    expect(all.code).toBe(0);
    const view = JSON.parse(all.stdout) as { total: number; alertCounts: Record<string, number>; kiosks: { name: string; alerts: string[] }[] };
    expect(view.total).toBe(3);
    expect(view.alertCounts).toMatchObject({ silent: 1, 'device-offline': 1 });
    expect(Object.fromEntries(view.kiosks.map((k) => [k.name, k.alerts]))).toEqual({ well: [], faulty: ['device-offline'], silent: ['silent'] });
    const alerts = JSON.parse((await runCli(['collector', 'fleet', '--alerts', '--db', db])).stdout) as typeof view;
    expect(alerts.total).toBe(2);
    expect(alerts.kiosks.map((k) => k.name).sort()).toEqual(['faulty', 'silent']);
    const one = JSON.parse((await runCli(['collector', 'fleet', '--alert', 'silent', '--db', db])).stdout) as typeof view;
    expect(one.kiosks.map((k) => k.name)).toEqual(['silent']);
    // A longer silence threshold: the hour-old kiosk is no longer silent.
    const patient = JSON.parse((await runCli(['collector', 'fleet', '--alerts', '--silent-minutes', '90', '--db', db])).stdout) as typeof view;
    expect(patient.kiosks.map((k) => k.name)).toEqual(['faulty']);
    const bad = await runCli(['collector', 'fleet', '--alert', 'on-fire', '--db', db]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('FLEET_QUERY_INVALID');
  });
});

describe('kiosk collector fleet-config push', () => {
  it('prints how many kiosks the collector knows that the target names now, warns at zero, and says a group cannot be counted', async () => {
    const db = join(dir, 'collector.sqlite3');
    const storage = await openCollectorStorage(db);
    const [a1, a2, b1] = [generateIdentity(), generateIdentity(), generateIdentity()];
    const now = Date.now();
    try {
      for (const [id, venueId] of [[a1, 'venue-a'], [a2, 'venue-a'], [b1, 'venue-b']] as const) {
        await storage.registerKiosk(id.kioskId, id.publicKey, null);
        await storage.storeHeartbeat(heartbeat(id.kioskId, now, { venueId }), now, 0, DEFAULT_HEARTBEAT_RETENTION);
      }
    } finally {
      await storage.close();
    }
    expect((await runCli(['collector', 'fleet-key', 'init', '--db', db])).code).toBe(0);
    const push = async (...target: string[]) => {
      const r = await runCli(['collector', 'fleet-config', 'push', ...target, '--set', 'policy.feverThresholdC=38.5', '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      return { json: JSON.parse(r.stdout) as { revision: number; targets: number | null }, stderr: r.stderr };
    };
    expect(await push('--venue', 'venue-a')).toEqual({ json: expect.objectContaining({ revision: 1, targets: 2 }), stderr: '' });
    expect((await push('--kiosk', b1.kioskId, '--kiosk', 'not-a-kiosk')).json).toMatchObject({ revision: 2, targets: 1 });
    const typo = await push('--venue', 'venue-q');
    expect(typo.json).toMatchObject({ revision: 3, targets: 0 });
    expect(typo.stderr).toBe('warning: no kiosk the collector knows is named by venue venue-q: check the id (signed anyway: a kiosk reporting it later fetches it)\n');
    const group = await push('--group', 'north-gates');
    expect(group.json).toMatchObject({ revision: 4, targets: null });
    expect(group.stderr).toMatch(/^note: kiosks declare their groups only when they fetch/);
  });
});
