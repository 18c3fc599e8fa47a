// The composed kiosk's heartbeat (docs/upload-protocol.md §11): what compose hands the upload
// service is what the status bar shows (version, lists), the configuration in force (venue,
// revision) and the data disk, read from the running kiosk service. A real demo kiosk (camera only)
// and a real collector on 127.0.0.1 that knows its key.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeKiosk, ensureDemoConfig, type ComposedKiosk } from './compose.js';
import { loadConfig, saveConfig, type KioskConfigInput } from '../core/config/config.js';
import { loadOrCreateDeviceKey } from '../core/identity/device-key.js';
import { startCollector, type RunningCollector } from '../collector/server.js';

let dir: string;
let collector: RunningCollector;
let kiosk: ComposedKiosk | null = null;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-compose-heartbeat-'));
  collector = await startCollector({ database: join(dir, 'collector.sqlite3') });
});
afterEach(async () => {
  await kiosk?.close();
  kiosk = null;
  await collector.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('composed kiosk heartbeat', () => {
  it('reports the running kiosk: venue, config revision, installed lists, version and free disk', async () => {
    const data = join(dir, 'kiosk');
    ensureDemoConfig(data);
    saveConfig(data, { ...loadConfig(data), upload: { ...loadConfig(data).upload, collectorUrl: collector.url } } as KioskConfigInput);
    const id = loadOrCreateDeviceKey(data);
    await collector.db.registerKiosk(id.kioskId, id.publicKey, 'demo');
    kiosk = await composeKiosk({ dataDir: data, demo: true, demoDevices: false, log: () => undefined });
    const status = await kiosk.service.getStatus({}, { host: 'browser', clientId: 'test' });
    if (!status.ok) throw new Error('no status');
    const deadline = Date.now() + 30_000;
    let kept;
    while (!(kept = (await collector.db.heartbeatHistory(id.kioskId, 1))[0])) {
      if (Date.now() > deadline) throw new Error('no heartbeat from the composed kiosk');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(kept.body).toMatchObject({
      kioskId: id.kioskId,
      venueId: 'demo-venue',
      softwareVersion: status.value.version,
      configRevision: kiosk.checkpoint.liveConfig.config.revision ?? null,
      trustList: { state: status.value.trustList.state, seq: status.value.trustList.seq, issuedAt: status.value.trustList.issuedAt },
      statusList: { state: status.value.statusList.state, seq: status.value.statusList.seq },
    });
    // Camera only: the device manager's devices, none configured (so none can be offline).
    expect(kept.body.devices.length).toBeGreaterThan(0);
    expect(kept.body.devices.filter((d) => d.configured)).toEqual([]);
    expect(status.value.trustList.seq).toEqual(expect.any(Number));
    expect(kept.body.freeDiskBytes).toBeGreaterThan(0);
    // The kiosk hears the answer just after the collector stored it.
    while (!kiosk.uploads?.lastHeartbeat()) {
      if (Date.now() > deadline) throw new Error('the kiosk never heard back');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(kiosk.uploads.lastHeartbeat()).toMatchObject({ ok: true, reason: null });
  }, 60_000);
});
