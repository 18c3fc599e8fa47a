// The embedded demo, as `npm start` composes it on an empty data directory, with a
// collector configured: a passage through the kiosk service is logged in SQLite and then goes out to
// the reference collector (src/collector) over HTTP, signed with the kiosk's device key. Also: a
// second start on the same directory keeps the PKI, re-signs fresher lists and keeps the log.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { databasePath } from '../src/core/store/db.js';
import { join } from 'node:path';
import { composeKiosk, ensureDemoConfig, DEMO_CODES_DIR, type ComposedKiosk } from '../src/app/compose.js';
import { startCollector, type RunningCollector } from '../src/collector/server.js';
import type { CollectorDb } from '../src/collector/db.js';
import { loadOrCreateDeviceKey } from '../src/core/identity/device-key.js';
import { loadConfig, saveConfig } from '../src/core/config/config.js';
import type { CallContext, KioskEvent } from '../src/contract/api.js';
import { scratchDir } from './support/harness.js';

const ctx: CallContext = { host: 'browser', clientId: 'test' };
let kiosk: ComposedKiosk | null = null;
let collector: RunningCollector | null = null;
const dirs: Array<{ remove(): void }> = [];

afterEach(async () => {
  await kiosk?.close();
  await collector?.close();
  kiosk = null;
  collector = null;
  for (const d of dirs.splice(0)) d.remove();
});

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the embedded demo', () => {
  it('first start on an empty directory: demo PKI pinned, lists installed, codes written, simulated devices up', async () => {
    const data = scratchDir('kiosk-demo-');
    dirs.push(data);
    kiosk = await composeKiosk({ dataDir: data.dir, log: () => {}, demo: true });
    expect(kiosk.banner.join('\n')).toMatch(/demo mode \(first start/);
    expect(kiosk.demo).not.toBeNull();
    const config = loadConfig(data.dir);
    expect(config.roots).toHaveLength(1);
    expect(config.kioskId).toBe(loadOrCreateDeviceKey(data.dir).kioskId);
    for (const key of ['zhangsan', 'wangwu', 'grandma', 'forged']) {
      expect(existsSync(join(data.dir, DEMO_CODES_DIR, `${key}.png`))).toBe(true);
      expect(readFileSync(join(data.dir, DEMO_CODES_DIR, `${key}.txt`), 'utf8')).toMatch(/^PHC1:/);
    }
    const status = await kiosk.service.getStatus({}, ctx);
    expect(status).toMatchObject({ ok: true, value: { demo: true, trustList: { state: 'fresh', seq: 1 }, statusList: { state: 'fresh', seq: 1 }, storage: { writable: true } } });
    // The demo's serial scanner feeds the same path as the camera.
    // The demo console (stdin of `kiosk start`) drives the simulators: a code through the serial scanner…
    expect(await kiosk.demoCommand!('scan wangwu')).toMatch(/^ok/);
    await until('the scanned code to be decided', () => kiosk!.checkpoint.flow.view().state === 'shown');
    expect(kiosk.checkpoint.flow.view()).toMatchObject({ decision: 'deny', reason: 'STATUS_RED' });
    // …and a card on the reader (grandpa is red on the status list).
    expect(await kiosk.demoCommand!('idcard present grandpa')).toMatch(/^ok/);
    await until('the card to be decided', () => kiosk!.store!.entryCount() === 2, 15_000);
    expect(kiosk.checkpoint.flow.view()).toMatchObject({ method: 'card', decision: 'deny', reason: 'STATUS_RED' });
    expect(await kiosk.demoCommand!('scan nobody')).toMatch(/^error/);
    expect(await kiosk.demoCommand!('help')).toMatch(/scan KEY/);
    await kiosk.close();

    // Second start: same PKI root, lists re-signed with a higher seq, the entry still there.
    kiosk = await composeKiosk({ dataDir: data.dir, log: () => {} });
    expect(loadConfig(data.dir).roots).toEqual(config.roots);
    expect(await kiosk.service.getStatus({}, ctx)).toMatchObject({ ok: true, value: { trustList: { seq: 2 }, statusList: { seq: 2 } } });
    expect(kiosk.store!.entryCount()).toBe(2);
  });

  it('with a collector configured, a passage is logged and then uploaded', async () => {
    const data = scratchDir('kiosk-demo-upload-');
    dirs.push(data);
    collector = await startCollector({ database: join(data.dir, 'collector.sqlite3') });
    const kioskDir = join(data.dir, 'kiosk');
    const config = ensureDemoConfig(kioskDir, {});
    saveConfig(kioskDir, { ...config, upload: { collectorUrl: collector.url } } as typeof config);
    const key = loadOrCreateDeviceKey(kioskDir);
    await collector.db.registerKiosk(key.kioskId, key.publicKey, 'demo lane');

    kiosk = await composeKiosk({ dataDir: kioskDir, log: () => {}, demoDevices: false });
    const events: KioskEvent[] = [];
    kiosk.service.subscribe((e) => events.push(e));
    const text = readFileSync(join(kioskDir, DEMO_CODES_DIR, 'zhangsan.txt'), 'utf8');
    expect(await kiosk.service.submitScan({ text, source: 'manual' }, ctx)).toMatchObject({ ok: true, value: { duplicate: false } });
    expect(kiosk.checkpoint.flow.view()).toMatchObject({ state: 'shown', decision: 'admit', entryId: 1 });
    // A SQLite file here: the test reads it through the backend's own handle.
    const uploaded = () => ((collector!.db as CollectorDb).db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
    await until('the entry to reach the collector', () => uploaded() === 1);
    await until('the status to show nothing pending', () => kiosk!.uploads!.connectivity().uploadsPending === 0 && kiosk!.uploads!.connectivity().online);
    expect(events.some((e) => e.type === 'connectivity')).toBe(true);
  });

  it('a damaged database does not keep the lane dark: the kiosk starts, and admits nobody automatically', async () => {
    const data = scratchDir('kiosk-demo-broken-');
    dirs.push(data);
    ensureDemoConfig(data.dir, {});
    writeFileSync(databasePath(data.dir), 'this is not a SQLite database, it is damaged '.repeat(200));
    const lines: string[] = [];
    kiosk = await composeKiosk({ dataDir: data.dir, log: (l) => lines.push(l), demoDevices: false });
    expect(kiosk.store).toBeNull();
    expect(kiosk.banner.join('\n')).toMatch(/ENTRY LOG UNAVAILABLE \(CORRUPT\)/);
    expect(await kiosk.service.getStatus({}, ctx)).toMatchObject({ ok: true, value: { storage: { writable: false, reason: 'STORAGE_UNAVAILABLE' } } });
    const text = readFileSync(join(data.dir, DEMO_CODES_DIR, 'zhangsan.txt'), 'utf8');
    await kiosk.service.submitScan({ text, source: 'manual' }, ctx);
    expect(kiosk.checkpoint.flow.view()).toMatchObject({ state: 'shown', decision: 'review', reason: 'STORAGE_UNAVAILABLE', awaitingGuard: true, entryId: null });
    expect(await kiosk.service.openAdminSession({ pin: '1234' }, ctx)).toMatchObject({ ok: false, reason: 'STORAGE_UNAVAILABLE' });
  });
});
