// `kiosk doctor`'s heartbeat check (docs/upload-protocol.md §11): what the running kiosk's upload
// service last heard back, read from the data directory. A real kiosk data directory, its real upload
// service and worker, a real collector on 127.0.0.1 that first does not know the kiosk.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../testing/run-cli.js';
import { runDoctor } from '../doctor-checks.js';
import { updateConfigForTest } from './doctor.test-support.js';
import { loadOrCreateDeviceKey } from '../../core/identity/device-key.js';
import { startCollector } from '../../collector/server.js';
import { until } from '../../collector/testing/until.js';
import { EntryStore } from '../../core/store/index.js';
import { resolveUploadConfig, startUploadService, type UploadService } from '../../core/upload/service.js';
import { ListCache } from '../../core/codes/list-cache.js';
import { loadConfig } from '../../core/config/config.js';
import { heartbeatSnapshot } from '../../core/upload/heartbeat.js';

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

describe('kiosk doctor: heartbeat', () => {
  it('says none yet, then the refusal and what to do, then when the collector took it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doctor-heartbeat-'));
    temps.push(dir);
    expect((await runCli(['pki', 'demo', join(dir, 'pki'), '--seed', 'doctor-hb', '--status-records', '5', '--install', '--data-dir', dir])).code).toBe(0);
    const collector = await startCollector({ database: join(dir, 'collector.sqlite3') });
    const store = EntryStore.open(dir);
    let svc: UploadService | null = null;
    try {
      updateConfigForTest(dir, { upload: { collectorUrl: collector.url } } as never);
      const check = async () => (await runDoctor({ dataDir: dir, devices: false })).checks.find((c) => c.id === 'heartbeat');
      expect(await check()).toMatchObject({ status: 'warn', summary: expect.stringContaining('no heartbeat recorded yet') });

      const start = () =>
        startUploadService({
          dataDir: dir,
          config: resolveUploadConfig(loadConfig(dir)),
          store,
          lists: new ListCache(dir, []),
          log: () => undefined,
          heartbeat: async () =>
            heartbeatSnapshot({
              status: { version: '0.1.0', trustList: { state: 'fresh', seq: 1, issuedAt: Date.now(), nextUpdateAt: null }, statusList: { state: 'fresh', seq: 1, issuedAt: Date.now(), nextUpdateAt: null } },
              devices: [],
              config: loadConfig(dir),
              dataDir: dir,
              now: Date.now(),
            }),
        });
      svc = start();
      await until(() => svc!.lastHeartbeat(), 'the first heartbeat');
      const refused = await check();
      expect(refused).toMatchObject({ status: 'warn', summary: expect.stringMatching(/failed: KIOSK_UNKNOWN \(HTTP 401\)/), action: expect.stringContaining('register this kiosk') });

      await svc.close();
      const id = loadOrCreateDeviceKey(dir);
      await collector.db.registerKiosk(id.kioskId, id.publicKey, 'doctor');
      svc = start();
      await until(() => svc!.lastHeartbeat()?.ok, 'a heartbeat the collector took');
      expect(await check()).toMatchObject({ status: 'pass', summary: expect.stringMatching(/received by the collector; clock offset -?\d+ ms/) });
    } finally {
      await svc?.close();
      store.close();
      await collector.close();
    }
  }, 60_000);
});
