// The uploader against the real entry log (src/core/store, SQLite) and the real collector on
// 127.0.0.1, on each of its storage backends (SQLite, a real PostgreSQL): every entry arrives once, in order, with its original time; failures are reported
// with a reason and lose nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { EntryStore } from '../core/store/index.js';
import { samplePassage, tempDataDir } from '../core/store/test-support.js';
import { loadOrCreateDeviceKey, type DeviceIdentity } from '../core/identity/device-key.js';
import { openStoreUploadSource, type StoreUploadSource } from '../core/upload/store-source.js';
import { Uploader, type UploadEvent, type UploaderOptions } from '../core/upload/uploader.js';
import { startUploadWorker } from '../core/upload/upload-worker.js';
import { resolveUploadConfig, startUploadService } from '../core/upload/service.js';
import { ListCache } from '../core/codes/list-cache.js';
import { kioskConfigSchema } from '../core/config/config.js';

let data: { dir: string; cleanup(): void };
let store: EntryStore;
let source: StoreUploadSource;
let collector: RunningCollector;
let identity: DeviceIdentity;
const uploaders: Uploader[] = [];
let database: string;
const BACKENDS = collectorBackends();

function appendPassages(n: number, startMs = 1_763_000_000_000): void {
  for (let i = 0; i < n; i++) store.append(samplePassage({ at: startMs + i * 1000, kioskId: identity.kioskId }));
}

function uploader(extra: Partial<UploaderOptions> = {}): Uploader {
  const u = new Uploader({ collectorUrl: collector.url, identity, streams: source.streams, ledger: source.ledger, batchSize: 7, requestTimeoutMs: 2000, backoffBaseMs: 10, backoffMaxMs: 50, idlePollMs: 20, ...extra });
  uploaders.push(u);
  return u;
}

async function until(cond: () => boolean, what: string, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(BACKENDS)('on $name', (backend) => {
  beforeEach(async () => {
    data = tempDataDir('upload-test-');
    identity = loadOrCreateDeviceKey(data.dir);
    store = EntryStore.open(data.dir);
    source = openStoreUploadSource(data.dir);
    database = await backend.database(join(data.dir, 'collector'));
    collector = await startCollector({ database });
    await collector.db.registerKiosk(identity.kioskId, identity.publicKey, 'test kiosk');
  });

  afterEach(async () => {
    for (const u of uploaders.splice(0)) await u.stop();
    await collector.close();
    source.close();
    store.close();
    data.cleanup();
  });

  describe('uploader → collector', () => {
    it('drains the log in order, each entry once, with its original scan time', async () => {
      appendPassages(30);
      const u = uploader();
      const sent: UploadEvent[] = [];
      let r;
      while ((r = await u.step()).kind === 'sent') sent.push(r as never);
      expect(r.kind).toBe('empty');
      expect(sent).toHaveLength(5); // 7+7+7+7+2
      const stored = (await collector.db.entrySeqs(identity.kioskId));
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(stored[0]!.scannedAt).toBe(1_763_000_000_000);
      expect(stored[29]!.scannedAt).toBe(1_763_000_029_000);
      expect(store.uploadedThrough().entries).toBe(30);
      expect(u.status().streams.entries).toMatchObject({ ackedSeq: 30, backlog: 0, pendingBatchId: null });
    });

    it('uploads the document number in clear to the collector (the platform needs it) and guard overrides after their entry', async () => {
      appendPassages(3);
      store.addOverride({ entry: { seq: 2 }, decision: 'deny', guard: 'guard-7', note: 'photo mismatch' });
      const u = uploader();
      while ((await u.step()).kind === 'sent');
      const rows = await collector.db.entries(identity.kioskId);
      expect(rows).toHaveLength(4);
      const passages = rows.filter((r) => r.record.kind !== 'override');
      expect(passages.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(passages[0]!.record.documentNumber).toBe(samplePassage().documentNumber);
      const overrideRow = rows.find((r) => r.record.kind === 'override')!;
    const override = overrideRow.record;
    // After the passage it refers to: its batch arrived later.
    const arrival = (await collector.db.batches()).map((b) => b.batchId);
    expect(arrival.indexOf(overrideRow.batchId)).toBeGreaterThan(arrival.indexOf(passages[1]!.batchId));
      expect(override).toMatchObject({ kind: 'override', entrySeq: 2, decision: 'deny' });
      expect(store.uploadedThrough()).toMatchObject({ entries: 3, overrides: 1 });
    });

    it('reports COLLECTOR_UNREACHABLE when the collector is down, keeps the batch pending, and resends the same batch id later', async () => {
      appendPassages(10);
      const port = collector.port;
      await collector.close();
      const u = uploader();
      const r = await u.step();
      expect(r).toMatchObject({ kind: 'failed', reason: 'COLLECTOR_UNREACHABLE' });
      const pending = source.ledger.cursor('entries').pending!;
      expect(pending).toMatchObject({ firstSeq: 1, lastSeq: 7, count: 7 });
      // A new uploader (as after a restart) resends exactly that batch.
      collector = await startCollector({ database, port });
      const u2 = uploader();
      const r2 = await u2.step();
      expect(r2).toMatchObject({ kind: 'sent', count: 7 });
      expect((await collector.db.batches()).map((b) => b.batchId)).toEqual([pending.batchId]);
    });

    it('reports KIOSK_UNKNOWN for an unregistered kiosk and uploads once it is registered', async () => {
      appendPassages(3);
      expect(await collector.db.removeKiosk(identity.kioskId)).toBe(true);
      const u = uploader();
      expect(await u.step()).toMatchObject({ kind: 'failed', reason: 'KIOSK_UNKNOWN', httpStatus: 401 });
      await collector.db.registerKiosk(identity.kioskId, identity.publicKey, null);
      expect(await u.step()).toMatchObject({ kind: 'sent', count: 3 });
    });

    it('halves its batches when the collector answers 413', async () => {
      await collector.close();
      collector = await startCollector({ database, maxEntriesPerBatch: 2 });
      appendPassages(9);
      const u = uploader({ batchSize: 8 });
      const r = await u.step();
      expect(r).toMatchObject({ kind: 'failed', reason: 'BATCH_TOO_LARGE', retryNow: true });
      u.start();
      await until(() => u.status().streams.entries!.backlog === 0, 'drain');
      expect(u.status().batchSize).toBe(2);
      expect((await collector.db.entrySeqs(identity.kioskId))).toHaveLength(9);
    });

    it('runs in the background: idle, nudged by new entries, and reports its state', async () => {
      const events: UploadEvent[] = [];
      const u = uploader({ idlePollMs: 60_000, onEvent: (e) => events.push(e) });
      u.start();
      await until(() => u.status().state === 'idle', 'idle');
      appendPassages(12);
      u.nudge();
      await until(() => u.status().streams.entries!.backlog === 0, 'upload after nudge');
      expect((await collector.db.entrySeqs(identity.kioskId))).toHaveLength(12);
      await u.stop();
      expect(u.status().state).toBe('stopped');
      expect(events.filter((e) => e.type === 'sent').length).toBe(2);
      // Events carry counts and seqs, never entry contents.
      expect(JSON.stringify(events)).not.toContain(samplePassage().documentNumber!);
      expect(JSON.stringify(events)).not.toContain(samplePassage().holderName!);
    });

    it('reports STORAGE_UNAVAILABLE when its own log cannot be read, and keeps running', async () => {
      appendPassages(3);
      const events: UploadEvent[] = [];
      const u = uploader({ onEvent: (e) => events.push(e) });
      source.store.close();
      u.start();
      await until(() => events.some((e) => e.type === 'failed' && e.reason === 'STORAGE_UNAVAILABLE'), 'a storage failure');
      expect(u.status().lastError).toMatchObject({ reason: 'STORAGE_UNAVAILABLE' });
      await u.stop();
      expect((await collector.db.entrySeqs(identity.kioskId))).toHaveLength(0);
    });

    it('backs off exponentially with jitter, capped', () => {
      const lo = uploader({ backoffBaseMs: 1000, backoffMaxMs: 8000, random: () => 0 });
      const hi = uploader({ backoffBaseMs: 1000, backoffMaxMs: 8000, random: () => 0.999999 });
      expect([1, 2, 3, 4, 5, 10].map((n) => lo.backoffDelay(n))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
      expect([1, 2, 3, 4, 5, 10].map((n) => hi.backoffDelay(n))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    });

    it('runs in a worker thread beside the passage flow, with its own database connection', async () => {
      appendPassages(25);
      const events: string[] = [];
      const worker = startUploadWorker({ dataDir: data.dir, collectorUrl: collector.url, batchSize: 10, idlePollMs: 30 }, (e) => events.push(e.type));
      try {
        const deadline = Date.now() + 20_000;
        while ((await worker.status()).streams.entries!.backlog > 0 || (await collector.db.entrySeqs(identity.kioskId)).length < 25) {
          if (Date.now() > deadline) throw new Error('worker did not drain');
          await new Promise((r) => setTimeout(r, 20));
        }
        // One transaction, so the worker sees all five at once whenever it looks.
        store.appendBatch(Array.from({ length: 5 }, (_, i) => samplePassage({ at: 1_763_100_000_000 + i, kioskId: identity.kioskId })));
        worker.nudge();
        // The worker's events cross a thread: the last `sent` can arrive after the collector has
        // stored its batch, so both are waited for.
        while ((await collector.db.entrySeqs(identity.kioskId)).length < 30 || events.filter((t) => t === 'sent').length < 4) {
          if (Date.now() > deadline) throw new Error(`worker did not pick up new entries (events: ${events.join(' ')})`);
          await new Promise((r) => setTimeout(r, 20));
        }
      } finally {
        await worker.stop();
      }
      expect(events.filter((t) => t === 'sent').length).toBe(4);
      expect(store.uploadedThrough().entries).toBe(30);
    });

    it('as the kiosk\'s upload service: reports connectivity and backlog, sends, syncs lists', async () => {
      const lines: string[] = [];
      const config = resolveUploadConfig(kioskConfigSchema.parse({ upload: { batchSize: 10 } }), collector.url);
      expect(config).toMatchObject({ collectorUrl: collector.url, batchSize: 10 });
      expect(resolveUploadConfig(kioskConfigSchema.parse({}), null).collectorUrl).toBe(process.env.KIOSK_COLLECTOR_URL ?? null);
      appendPassages(15);
      const svc = startUploadService({ dataDir: data.dir, config, store, lists: new ListCache(data.dir, []), log: (l) => lines.push(l) });
      let changes = 0;
      const off = svc.onChange(() => changes++);
      try {
        const deadline = Date.now() + 20_000;
        while (!(svc.connectivity().online && svc.connectivity().uploadsPending === 0 && (await collector.db.entrySeqs(identity.kioskId)).length === 15)) {
          if (Date.now() > deadline) throw new Error(`service did not drain: ${JSON.stringify(svc.connectivity())}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(svc.connectivity().lastUploadAt).toEqual(expect.any(Number));
        expect(changes).toBeGreaterThan(0);
        const outcomes = await svc.syncListsNow();
        expect(outcomes.map((o) => o.outcome)).toEqual(['unavailable', 'unavailable']);
      } finally {
        off();
        await svc.close();
      }
      expect(lines.some((l) => /^upload: entries 1\.\.10 sent/.test(l))).toBe(true);
      expect(lines.join('\n')).not.toContain(samplePassage().documentNumber!);
    });
  });
});
