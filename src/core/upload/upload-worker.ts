// The uploader in a worker thread: the kiosk process runs it here so that reading, compressing and
// signing batches (a few milliseconds of CPU per thousand entries) never runs on the event loop
// that handles passages. The worker opens its own connection to the kiosk database.
//
// Parent side: `startUploadWorker(options)`; this same file is the worker's entry point.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { setPriority } from 'node:os';
import { loadOrCreateDeviceKey } from '../identity/device-key.js';
import { openStoreUploadSource } from './store-source.js';
import { Uploader, type UploadEvent, type UploadStatus } from './uploader.js';
import { Heartbeater, type HeartbeatOutcome, type HeartbeatSnapshot } from './heartbeat.js';

export interface UploadWorkerOptions {
  dataDir: string;
  collectorUrl: string;
  /** Kiosk database file when not `<dataDir>/kiosk.sqlite3`. */
  databaseFile?: string;
  batchSize?: number;
  requestTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  idlePollMs?: number;
  /** PEM of a private CA for an https collector. */
  caPem?: string;
  /** Drain pace limit (Uploader default 30,000; 0 = none). */
  maxEntriesPerSecond?: number;
  /**
   * Heartbeat interval (docs/upload-protocol.md §11): one at start, then every this many seconds and
   * at once when a batch goes through after a failed heartbeat. Absent: none (the parent gives no
   * snapshot to send).
   */
  heartbeatSeconds?: number;
}

/** What the worker reports besides the uploader's own events. */
export type UploadWorkerEvent = UploadEvent | { type: 'fatal'; reason: string; message: string } | { type: 'heartbeat'; outcome: HeartbeatOutcome };

type ToWorker = { type: 'nudge' } | { type: 'status'; id: number } | { type: 'stop' } | { type: 'pause' } | { type: 'resume' } | { type: 'snapshot'; id: number; snapshot: HeartbeatSnapshot | null };
type FromWorker =
  | { type: 'event'; event: UploadEvent }
  | { type: 'status'; id: number; status: UploadStatus }
  | { type: 'stopped' }
  | { type: 'paused' }
  | { type: 'fatal'; reason: string; message: string }
  | { type: 'heartbeat'; outcome: HeartbeatOutcome }
  | { type: 'snapshot?'; id: number };

export interface UploadWorker {
  status(): Promise<UploadStatus>;
  /** New entries were written: look now rather than at the next poll. */
  nudge(): void;
  /** Stops sending after the batch in flight (if any) is answered; `resume()` carries on. */
  pause(): Promise<void>;
  resume(): void;
  /** Stops the uploader (a batch in flight stays pending and is resent next time) and the thread. */
  stop(): Promise<void>;
}

/**
 * Starts the uploader in a worker thread. `onEvent` gets progress, failures and heartbeat outcomes (no
 * entry contents). `heartbeatSnapshot` gives the main thread's part of each heartbeat (lists, devices,
 * configuration, disk): the worker asks for it when one is due.
 */
export function startUploadWorker(
  options: UploadWorkerOptions,
  onEvent: (e: UploadWorkerEvent) => void = () => undefined,
  heartbeatSnapshot?: () => Promise<HeartbeatSnapshot | null> | HeartbeatSnapshot | null,
): UploadWorker {
  const here = new URL(import.meta.url);
  let worker: Worker;
  if (here.pathname.endsWith('.ts')) {
    // Running from sources (vitest, tsx): the worker needs the TypeScript loader registered first.
    const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(here.href)}); })`;
    worker = new Worker(boot, { eval: true, workerData: options });
  } else {
    worker = new Worker(here, { workerData: options });
  }
  let nextId = 0;
  const waiting = new Map<number, (s: UploadStatus) => void>();
  let stopped: () => void = () => undefined;
  let paused: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: FromWorker) => {
    if (m.type === 'event') onEvent(m.event);
    else if (m.type === 'status') waiting.get(m.id)?.(m.status);
    else if (m.type === 'stopped') stopped();
    else if (m.type === 'paused') paused();
    else if (m.type === 'fatal') onEvent(m);
    else if (m.type === 'heartbeat') onEvent(m);
    else if (m.type === 'snapshot?') {
      void Promise.resolve()
        .then(() => heartbeatSnapshot?.() ?? null)
        .catch(() => null)
        .then((snapshot) => worker.postMessage({ type: 'snapshot', id: m.id, snapshot } satisfies ToWorker));
    }
  });
  worker.on('error', (err) => onEvent({ type: 'fatal', reason: 'COLLECTOR_ERROR', message: `upload worker failed: ${err.message}` }));
  const send = (m: ToWorker) => worker.postMessage(m);
  return {
    status: () =>
      new Promise((resolve) => {
        const id = nextId++;
        waiting.set(id, (s) => {
          waiting.delete(id);
          resolve(s);
        });
        send({ type: 'status', id });
      }),
    nudge: () => send({ type: 'nudge' }),
    pause: () => {
      const done = new Promise<void>((resolve) => (paused = resolve));
      send({ type: 'pause' });
      return done;
    },
    resume: () => send({ type: 'resume' }),
    stop: async () => {
      const done = new Promise<void>((resolve) => (stopped = resolve));
      send({ type: 'stop' });
      await Promise.race([done, exited]);
      await worker.terminate();
    },
  };
}

function runWorker(): void {
  const options = workerData as UploadWorkerOptions;
  const post = (m: FromWorker) => parentPort!.postMessage(m);
  // Lowest scheduling priority for this thread: on a two-core kiosk a drain must yield the CPU to
  // the passage flow (the benchmark measured passage p95 +2-3 ms at nice 10, +0.3 ms at nice 19).
  // On Linux the nice value is per thread, and pid 0 here means this worker thread only
  // (setpriority(2), NOTES). Best effort: other platforms may refuse.
  try {
    setPriority(0, 19);
  } catch {
    // keep the default priority
  }

  let source;
  let uploader: Uploader;
  let heartbeater: Heartbeater | null = null;
  let nextSnapshot = 0;
  const snapshotWaiting = new Map<number, (s: HeartbeatSnapshot | null) => void>();
  try {
    const identity = loadOrCreateDeviceKey(options.dataDir);
    source = openStoreUploadSource(options.dataDir, options.databaseFile ? { file: options.databaseFile } : {});
    uploader = new Uploader({
      collectorUrl: options.collectorUrl,
      identity,
      streams: source.streams,
      ledger: source.ledger,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
      ...(options.backoffBaseMs ? { backoffBaseMs: options.backoffBaseMs } : {}),
      ...(options.backoffMaxMs ? { backoffMaxMs: options.backoffMaxMs } : {}),
      ...(options.idlePollMs ? { idlePollMs: options.idlePollMs } : {}),
      ...(options.caPem ? { tls: { ca: options.caPem } } : {}),
      ...(options.maxEntriesPerSecond !== undefined ? { maxEntriesPerSecond: options.maxEntriesPerSecond } : {}),
      onEvent: (event) => {
        post({ type: 'event', event });
        // A batch went through: the link is back; a heartbeat that failed is sent again now.
        if (event.type === 'sent') heartbeater?.connected();
      },
    });
    if (options.heartbeatSeconds) {
      const up = uploader;
      heartbeater = new Heartbeater({
        collectorUrl: options.collectorUrl,
        identity,
        snapshot: () =>
          new Promise((resolve) => {
            const id = nextSnapshot++;
            snapshotWaiting.set(id, resolve);
            post({ type: 'snapshot?', id });
          }),
        backlog: () => Object.values(up.status().streams).reduce((n, s) => n + s.backlog, 0),
        intervalMs: options.heartbeatSeconds * 1000,
        timeoutMs: Math.min(options.requestTimeoutMs ?? 15_000, 15_000),
        ...(options.caPem ? { tls: { ca: options.caPem } } : {}),
        onOutcome: (outcome) => post({ type: 'heartbeat', outcome }),
      });
    }
  } catch (err) {
    const e = err as Error & { reason?: string };
    post({ type: 'fatal', reason: e.reason ?? 'STORAGE_UNAVAILABLE', message: e.message });
    return;
  }
  const src = source;
  const beats = heartbeater;
  parentPort!.on('message', (m: ToWorker) => {
    if (m.type === 'snapshot') {
      snapshotWaiting.get(m.id)?.(m.snapshot);
      snapshotWaiting.delete(m.id);
    } else if (m.type === 'nudge') uploader.nudge();
    else if (m.type === 'status') post({ type: 'status', id: m.id, status: uploader.status() });
    else if (m.type === 'pause') void uploader.stop({ abortInFlight: false }).then(() => post({ type: 'paused' }));
    else if (m.type === 'resume') uploader.start();
    else if (m.type === 'stop') {
      for (const resolve of snapshotWaiting.values()) resolve(null);
      void Promise.all([uploader.stop(), beats?.stop()]).then(() => {
        src.close();
        post({ type: 'stopped' });
        parentPort!.close();
      });
    }
  });
  uploader.start();
  beats?.start();
}

if (!isMainThread && (workerData as { collectorUrl?: unknown } | null)?.collectorUrl) runWorker();
