// Fault tests (docs/upload-protocol.md §5): the real uploader and the real collector on 127.0.0.1, through a
// fault-injecting TCP proxy. After every scenario the collector holds every entry exactly once and
// received the batches in seq order. Scenarios: collector down for a while, 500s, answers slower
// than the timeout, resets mid-request and mid-response, a collector restart mid-drain, a random
// mix, the kiosk process SIGKILLed mid-upload 22 times, and the collector process SIGKILLed 5 times.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { FaultProxy, type Fault } from './fault-proxy.js';
import { EntryStore } from '../core/store/index.js';
import { mulberry32 } from '../base/prng.js';
import { samplePassage, tempDataDir } from '../core/store/test-support.js';
import { loadOrCreateDeviceKey, type DeviceIdentity } from '../core/identity/device-key.js';
import { openStoreUploadSource, type StoreUploadSource } from '../core/upload/store-source.js';
import { Uploader, type UploadEvent } from '../core/upload/uploader.js';

let data: { dir: string; cleanup(): void };
let store: EntryStore;
let source: StoreUploadSource;
let collector: RunningCollector;
let proxy: FaultProxy;
let identity: DeviceIdentity;
let collectorDb: string;
const running: Uploader[] = [];
const BACKENDS = collectorBackends();

function seed(n: number): void {
  const batch = Array.from({ length: n }, (_, i) => samplePassage({ at: 1_763_000_000_000 + i * 500, kioskId: identity.kioskId }));
  store.appendBatch(batch);
}

async function restartCollector(): Promise<void> {
  collector = await startCollector({ database: collectorDb });
  proxy.setTarget(collector.port);
}

// Timeouts are generous except where a scenario is about them: a loaded CI machine must not turn a
// healthy exchange into an extra, unplanned failure.
function startUploader(events: UploadEvent[], timeoutMs = 2000, keepAlive = true): Uploader {
  const u = new Uploader({
    collectorUrl: proxy.url,
    identity,
    streams: source.streams,
    ledger: source.ledger,
    batchSize: 50,
    requestTimeoutMs: timeoutMs,
    backoffBaseMs: 10,
    backoffMaxMs: 100,
    idlePollMs: 20,
    keepAlive,
    onEvent: (e) => events.push(e),
  });
  running.push(u);
  u.start();
  return u;
}

async function until(cond: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const drained = (u: Uploader) => () => {
  const s = u.status().streams.entries!;
  return s.backlog === 0 && s.pendingBatchId === null;
};

/** Every entry once, nothing else, and the accepted batches arrived in seq order. */
async function expectExactlyOnceInOrder(n: number): Promise<void> {
  const rows = await collector.db.entries(identity.kioskId);
  const seqs = rows.map((r) => r.seq);
  expect({ rows: rows.length, seqs: new Set(seqs).size, lo: Math.min(...seqs), hi: Math.max(...seqs) }).toEqual({ rows: n, seqs: n, lo: 1, hi: n });
  const batches = await collector.db.batches();
  expect(batches.reduce((sum, b) => sum + b.accepted, 0)).toBe(n);
  // The status page's counter moved in the same transactions as the rows it counts.
  expect((await (await collector.db.kiosks()))[0]!.entries).toBe(n);
  for (let i = 1; i < batches.length; i++) expect(batches[i]!.firstSeq).toBeGreaterThan(batches[i - 1]!.lastSeq);
  // The original scan times survived the trip.
  const times = rows.filter((r) => r.seq === 1 || r.seq === n).map((r) => ({ seq: r.seq, scanned_at: r.scannedAt }));
  expect(times).toEqual([
    { seq: 1, scanned_at: 1_763_000_000_000 },
    { seq: n, scanned_at: 1_763_000_000_000 + (n - 1) * 500 },
  ]);
}

const failures = (events: UploadEvent[], reason: string) => events.filter((e) => e.type === 'failed' && e.reason === reason).length;
const replays = (events: UploadEvent[]) => events.filter((e) => e.type === 'sent' && e.replay).length;

describe.each(BACKENDS)('on $name', (backend) => {
  beforeEach(async () => {
    data = tempDataDir('upload-faults-');
    identity = loadOrCreateDeviceKey(data.dir);
    store = EntryStore.open(data.dir);
    source = openStoreUploadSource(data.dir);
    collectorDb = await backend.database(join(data.dir, 'collector'));
    collector = await startCollector({ database: collectorDb });
    await collector.db.registerKiosk(identity.kioskId, identity.publicKey, 'faulty link');
    proxy = await FaultProxy.start({ port: collector.port });
  });

  afterEach(async () => {
    for (const u of running.splice(0)) await u.stop();
    await proxy.close();
    await collector.close();
    source.close();
    store.close();
    data.cleanup();
  });

  describe('upload through faults', () => {
    it('collector down for a while: pauses as offline, then drains', async () => {
      seed(500);
      await collector.close();
      const events: UploadEvent[] = [];
      const u = startUploader(events);
      await until(() => failures(events, 'COLLECTOR_UNREACHABLE') >= 3, 'three failed attempts');
      expect(u.status().state).toBe('offline');
      await restartCollector();
      await until(drained(u), 'drain');
      await expectExactlyOnceInOrder(500);
    });

    it('500s: backs off and retries until the collector answers', async () => {
      seed(500);
      proxy.setFault((i) => (i < 4 ? { kind: 'http500' } : { kind: 'pass' }));
      const events: UploadEvent[] = [];
      const u = startUploader(events);
      await until(drained(u), 'drain');
      expect(failures(events, 'COLLECTOR_ERROR')).toBe(4);
      await expectExactlyOnceInOrder(500);
    });

    it('answers slower than the timeout: the collector stored the batch, the resend is a replay', async () => {
      seed(500);
      proxy.setFault((i) => (i < 3 ? { kind: 'delayResponse', ms: 4000 } : { kind: 'pass' }));
      const events: UploadEvent[] = [];
      const u = startUploader(events, 800);
      await until(drained(u), 'drain');
      expect(failures(events, 'COLLECTOR_TIMEOUT')).toBeGreaterThanOrEqual(3);
      expect(replays(events)).toBeGreaterThanOrEqual(1);
      await expectExactlyOnceInOrder(500);
    });

    it('connection reset mid-request: nothing half-stored, everything arrives once', async () => {
      seed(500);
      proxy.setFault((i) => (i < 4 ? { kind: 'resetRequest', afterBytes: 300 + i * 200 } : { kind: 'pass' }));
      const events: UploadEvent[] = [];
      const u = startUploader(events);
      await until(drained(u), 'drain');
      expect(failures(events, 'COLLECTOR_UNREACHABLE')).toBeGreaterThanOrEqual(4);
      expect(replays(events)).toBe(0);
      await expectExactlyOnceInOrder(500);
    });

    it('connection reset mid-response: the collector stored the batch, the resend is a replay', async () => {
      seed(500);
      proxy.setFault((i) => (i < 3 ? { kind: 'resetResponse', afterBytes: 40 } : { kind: 'pass' }));
      const events: UploadEvent[] = [];
      // This scenario is about resets, not timeouts: a timeout no stall of a loaded machine reaches, so
      // the only failures are the three injected resets, whatever the scheduling.
      const u = startUploader(events, 60_000);
      await until(drained(u), 'drain');
      expect(proxy.counts.resetResponse).toBe(3);
      expect(events.filter((e) => e.type === 'failed').map((e) => (e as { reason: string }).reason)).toEqual(Array(3).fill('COLLECTOR_UNREACHABLE'));
      // The collector stored the first batch on the first try; the kiosk heard of it only on the fourth.
      expect(replays(events)).toBe(1);
      await expectExactlyOnceInOrder(500);
    });

    it('collector restart mid-drain', async () => {
      seed(2000);
      // Slow answers stretch the drain so the restart lands in the middle of it.
      proxy.setFault({ kind: 'delayResponse', ms: 20 });
      const events: UploadEvent[] = [];
      const u = startUploader(events, 2000);
      await until(() => events.filter((e) => e.type === 'sent').length >= 5, 'five batches');
      await collector.close();
      await until(() => failures(events, 'COLLECTOR_UNREACHABLE') >= 1, 'a failure while down');
      await restartCollector();
      await until(drained(u), 'drain');
      await expectExactlyOnceInOrder(2000);
    });

    it('a random mix of every fault over many connections', async () => {
      seed(1500);
      const rand = mulberry32(6);
      const kinds: Fault[] = [
        { kind: 'refuse' },
        { kind: 'http500' },
        { kind: 'delayResponse', ms: 3000 },
        { kind: 'resetRequest', afterBytes: 500 },
        { kind: 'resetResponse', afterBytes: 10 },
      ];
      proxy.setFault(() => (rand() < 0.4 ? kinds[Math.floor(rand() * kinds.length)]! : { kind: 'pass' }));
      const events: UploadEvent[] = [];
      // One connection per request (no keep-alive), so every request meets a freshly drawn fault.
      const u = startUploader(events, 700, false);
      await until(drained(u), 'drain', 45_000);
      // Every kind of fault was met (the draws are seeded and one per request, so this is stable).
      for (const [kind, n] of Object.entries(proxy.counts)) expect(n, kind).toBeGreaterThan(0);
      await expectExactlyOnceInOrder(1500);
    });
  });

  describe('kiosk SIGKILLed mid-upload', () => {
    const runner = fileURLToPath(new URL('./testing/kiosk-upload-runner.ts', import.meta.url));

    function spawnRunner(extra: string[] = []) {
      const child = spawn(process.execPath, ['--import', 'tsx', runner, '--data-dir', data.dir, '--url', proxy.url, '--batch-size', '40', '--timeout-ms', '3000', ...extra], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: Record<string, unknown>[] = [];
      const waiters: Array<() => void> = [];
      createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          return;
        }
        waiters.splice(0).forEach((w) => w());
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const waitFor = async (pred: (l: Record<string, unknown>) => boolean, limitMs = 20_000) => {
        const deadline = Date.now() + limitMs;
        while (!lines.some(pred)) {
          if (Date.now() > deadline) throw new Error('runner did not report in time');
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 50);
          });
        }
      };
      return { child, lines, exited, waitFor };
    }

    /** SIGKILLs `child` from inside the collector's 'finish' of the next batch it stored (answered 200). */
    function killOnNextStoredBatch(child: ReturnType<typeof spawn>, limitMs = 20_000): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        const server = collector.server;
        const timer = setTimeout(() => {
          server.off('request', onRequest);
          reject(new Error('no batch stored in time'));
        }, limitMs);
        function onRequest(req: IncomingMessage, res: ServerResponse) {
          if (req.method !== 'POST') return;
          res.once('finish', () => {
            if (res.statusCode !== 200 || child.killed || child.exitCode !== null) return;
            child.kill('SIGKILL');
            clearTimeout(timer);
            server.off('request', onRequest);
            resolve();
          });
        }
        server.on('request', onRequest);
      });
    }

    it('22 kills at random points of the upload and on the collector\'s answer, then a clean run: every entry once, in order', async () => {
      seed(4000);
      // Every answer is held 30 ms, so a kill often lands after the collector stored a batch but
      // before the kiosk recorded the ack: the case the batch id exists for.
      proxy.setFault({ kind: 'delayResponse', ms: 30 });
      const rand = mulberry32(20261122);
      const kills = 22;
      let killedOnAnswer = 0;
      let killedOnAnswerWithBatchInFlight = 0;
      for (let k = 0; k < kills; k++) {
        const r = spawnRunner();
        // Every other kill lands on an event, not on a guess of time: the moment the collector has
        // stored a batch and handed its answer to the proxy, which holds it 30 ms, so the kiosk cannot
        // have recorded the ack. The others land at random points after a batch went through.
        const onAnswer = k % 2 === 0;
        try {
          if (onAnswer) await killOnNextStoredBatch(r.child);
          else {
            await r.waitFor((l) => l.type === 'sent');
            await new Promise((res) => setTimeout(res, Math.floor(rand() * 60)));
          }
        } finally {
          r.child.kill('SIGKILL');
        }
        expect(await r.exited).toBe(null);
        if (onAnswer) {
          killedOnAnswer += 1;
          if (source.ledger.cursor('entries').pending) killedOnAnswerWithBatchInFlight += 1;
        }
      }
      expect(source.ledger.cursor('entries').ackedSeq).toBeLessThan(4000);
      // Each of those kills left a batch the collector holds but the kiosk still has pending.
      expect(killedOnAnswerWithBatchInFlight).toBe(killedOnAnswer);

      const final = spawnRunner(['--exit-when-drained']);
      expect(await final.exited).toBe(0);
      await expectExactlyOnceInOrder(4000);
      expect(source.ledger.cursor('entries')).toEqual({ ackedSeq: 4000, pending: null });
    }, 240_000);

    it('collector process SIGKILLed 5 times mid-drain and restarted on the same database: every entry once, in order', async () => {
      const collectorRunner = fileURLToPath(new URL('./testing/collector-runner.ts', import.meta.url));
      // The in-process collector of beforeEach steps aside; its database file is the one the
      // collector processes open (the kiosk is already registered in it).
      await collector.close();
      const startProcess = async () => {
        const child = spawn(process.execPath, ['--import', 'tsx', collectorRunner, '--db', collectorDb], { stdio: ['ignore', 'pipe', 'inherit'] });
        const line = await new Promise<string>((resolve, reject) => {
          createInterface({ input: child.stdout! }).once('line', resolve);
          child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
        });
        proxy.setTarget((JSON.parse(line) as { port: number }).port);
        return child;
      };
      seed(3000);
      // Slow answers widen the window in which a kill lands between "stored" and "answered".
      proxy.setFault({ kind: 'delayResponse', ms: 15 });
      let child = await startProcess();
      const events: UploadEvent[] = [];
      const u = startUploader(events, 1000);
      try {
        for (let k = 0; k < 5; k++) {
          const sentBefore = events.filter((e) => e.type === 'sent').length;
          await until(() => events.filter((e) => e.type === 'sent').length >= sentBefore + 3, 'three more batches');
          child.kill('SIGKILL');
          await new Promise((r) => child.once('exit', r));
          child = await startProcess();
        }
        await until(drained(u), 'drain');
      } finally {
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      collector = await startCollector({ database: collectorDb });
      await expectExactlyOnceInOrder(3000);
      expect(failures(events, 'COLLECTOR_UNREACHABLE') + failures(events, 'COLLECTOR_TIMEOUT')).toBeGreaterThanOrEqual(5);
    }, 240_000);
  });
});
