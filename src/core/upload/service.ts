// The upload side of a running kiosk, in one object the composition (src/app/compose.ts) can hand
// to the checkpoint service as its `UploadMonitor`: the uploader in its worker thread, periodic
// list sync through the kiosk's ListCache, and the connectivity the status bar shows.
//
// Configuration: the `upload` section of config.json (or the collector URL given on the command
// line / KIOSK_COLLECTOR_URL). Without a collector URL nothing starts and the kiosk is simply offline.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Connectivity } from '../../contract/api.js';
import type { ListCache } from '../codes/list-cache.js';
import { uploadConfigSchema, type KioskConfig } from '../../contract/config.js';
import type { EntryStore } from '../store/entry-store.js';
import { listCacheInstaller, syncLists, type ListSyncOutcome } from './list-sync.js';
import { dscListSync } from './dsc-list-sync.js';
import type { DscListCache } from '../codes/dcc/dsc-list.js';
import { isInsecureCollectorUrl, type TlsOptions } from './http.js';
import { startUploadWorker, type UploadWorker, type UploadWorkerEvent } from './upload-worker.js';
import type { UploadStatus } from './uploader.js';
import type { HeartbeatOutcome, HeartbeatSnapshot } from './heartbeat.js';

// The `upload` section of the one configuration document (src/contract/config.ts).
export { uploadConfigSchema };
export type UploadConfig = z.infer<typeof uploadConfigSchema>;

/** The `upload` section of the kiosk configuration, with `collectorUrl` overridable (CLI flag, env). */
export function resolveUploadConfig(config: Pick<KioskConfig, 'upload'>, collectorUrl?: string | null): UploadConfig {
  const url = collectorUrl ?? process.env.KIOSK_COLLECTOR_URL ?? config.upload.collectorUrl;
  if (url && !z.url().safeParse(url).success) throw new Error(`collector URL ${JSON.stringify(url)} is not a URL`);
  return { ...config.upload, collectorUrl: url || null };
}

export interface UploadServiceOptions {
  dataDir: string;
  config: UploadConfig;
  /** The passage flow's store: list sync outcomes go to its `list_sync` table (rare, tiny writes). */
  store: EntryStore;
  lists: ListCache;
  /** The signed DSC list (docs/dcc-trust.md): fetched with the lists when given. */
  dscList?: DscListCache | null;
  /** Operational log: counts, seqs, reasons, never entry contents. */
  log: (line: string) => void;
  /**
   * The main thread's part of each heartbeat (docs/upload-protocol.md §11): lists, devices,
   * configuration, disk. Null while the kiosk is still starting. Without it no heartbeats are sent.
   */
  heartbeat?: () => Promise<HeartbeatSnapshot | null>;
}

/** The last heartbeat's outcome, kept beside the data for `kiosk doctor` (another process). */
export const HEARTBEAT_FILE = 'heartbeat-last.json';

export interface UploadService {
  connectivity(): Connectivity;
  nudge(): void;
  onChange(listener: () => void): () => void;
  /** Asks the collector for newer lists now (also runs every `listSyncMinutes` while online). */
  syncListsNow(): Promise<ListSyncOutcome[]>;
  lastListSync(): ListSyncOutcome[];
  uploadStatus(): UploadStatus | null;
  /** The last heartbeat's outcome since this start (null before the first). */
  lastHeartbeat(): HeartbeatOutcome | null;
  close(): Promise<void>;
}

/**
 * One line per batch would be a thousand lines for a long backlog: sent batches are summed and
 * logged at most every few seconds, and when the uploader falls idle.
 */
function batchLog(log: (line: string) => void, everyMs = 5_000) {
  let sum: { batches: number; entries: number; accepted: number; replays: number; first: number; last: number; stream: string } | null = null;
  let lastAt = 0;
  const flush = () => {
    if (!sum) return;
    log(`upload: ${sum.stream} ${sum.first}..${sum.last} sent in ${sum.batches} batch(es): ${sum.accepted} new, ${sum.entries - sum.accepted} already there${sum.replays ? `, ${sum.replays} replayed` : ''}`);
    sum = null;
    lastAt = Date.now();
  };
  return {
    add(e: Extract<UploadWorkerEvent, { type: 'sent' }>) {
      if (sum && sum.stream !== e.stream) flush();
      sum ??= { batches: 0, entries: 0, accepted: 0, replays: 0, first: e.firstSeq, last: e.lastSeq, stream: e.stream };
      sum.batches += 1;
      sum.entries += e.count;
      sum.accepted += e.accepted;
      sum.replays += e.replay ? 1 : 0;
      sum.last = e.lastSeq;
      if (Date.now() - lastAt >= everyMs) flush();
    },
    flush,
  };
}

/** When the collector last acknowledged anything (persisted, so it survives a restart). */
function lastAckedAt(store: EntryStore): number | null {
  return store.uploadedThrough().lastAckAtMs;
}

export function startUploadService(options: UploadServiceOptions): UploadService {
  const { config, log } = options;
  const listeners = new Set<() => void>();
  const changed = () => listeners.forEach((l) => l());
  let status: UploadStatus | null = null;
  let online = false;
  let wasOffline = false;
  let listOutcomes: ListSyncOutcome[] = [];
  let heartbeat: HeartbeatOutcome | null = null;
  // One log line when the outcome changes (first one, ok ↔ failed, another reason), not one a minute.
  const heartbeatSeen = (outcome: HeartbeatOutcome) => {
    const before = heartbeat;
    heartbeat = outcome;
    if (!before || before.ok !== outcome.ok || before.reason !== outcome.reason) {
      log(outcome.ok ? `heartbeat: ok (${outcome.message})` : `heartbeat: ${outcome.reason}${outcome.httpStatus ? ` (HTTP ${outcome.httpStatus})` : ''}: ${outcome.message}`);
    }
    try {
      const file = join(options.dataDir, HEARTBEAT_FILE);
      writeFileSync(`${file}.tmp`, JSON.stringify(outcome), { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch {
      // doctor then says it has no record; the log has the outcome
    }
  };
  let worker: UploadWorker | null = null;
  let closed = false;
  let url = config.collectorUrl;
  let tls: TlsOptions = {};
  if (url && isInsecureCollectorUrl(url) && !config.allowInsecureHttp) {
    log(`upload: COLLECTOR_INSECURE: ${url} is plain http beyond this machine; entries would cross the network in clear. Use https (upload.caFile for a private CA) or set upload.allowInsecureHttp. Not uploading.`);
    url = null;
  }
  if (url && config.caFile) {
    try {
      tls = { ca: readFileSync(config.caFile, 'utf8') };
    } catch (err) {
      log(`upload: COLLECTOR_INSECURE: cannot read upload.caFile ${config.caFile} (${(err as Error).message}). Not uploading.`);
      url = null;
    }
  }

  const refresh = async () => {
    if (!worker || closed) return;
    try {
      status = await worker.status();
      changed();
    } catch {
      // the worker is stopping
    }
  };

  const sentLog = batchLog(log);
  const dscSync = options.dscList ? dscListSync(options.dscList) : null;
  const syncListsNow = async (): Promise<ListSyncOutcome[]> => {
    if (!url) return [];
    listOutcomes = await syncLists({ collectorUrl: url, install: listCacheInstaller(options.lists), state: options.store.listSyncTable(), timeoutMs: 60_000, tls });
    // Any answer from the collector shows the link works; no answer at all shows it does not.
    online = listOutcomes.some((o) => o.outcome !== 'failed');
    for (const o of listOutcomes) if (o.outcome !== 'unchanged') log(`lists: ${o.kind} ${o.outcome}${o.reason ? ` ${o.reason}` : ''}: ${o.message}`);
    if (dscSync) {
      // The DSC list (docs/dcc-trust.md) after the two lists; a failure to write it is the log's, not the lists' outcome.
      try {
        const d = await dscSync.syncNow(url, { timeoutMs: 60_000, ...(tls ? { tls } : {}) });
        if (d.outcome !== 'unchanged') log(`lists: dsc ${d.outcome}${d.reason ? ` ${d.reason}` : ''}: ${d.message}`);
      } catch (err) {
        log(`lists: dsc not installed: ${(err as Error).name}: ${(err as Error).message}`);
      }
    }
    changed();
    return listOutcomes;
  };
  if (url) {
    const workerOptions = {
      dataDir: options.dataDir,
      collectorUrl: url,
      batchSize: config.batchSize,
      requestTimeoutMs: config.requestTimeoutMs,
      maxEntriesPerSecond: config.maxEntriesPerSecond,
      ...(tls.ca ? { caPem: tls.ca } : {}),
      ...(options.heartbeat ? { heartbeatSeconds: config.heartbeatSeconds } : {}),
    };
    worker = startUploadWorker(workerOptions, (e: UploadWorkerEvent) => {
      if (e.type === 'heartbeat') {
        heartbeatSeen(e.outcome);
        changed();
        return;
      }
      if (e.type === 'sent') {
        // The link is back after an outage: the lists may have moved on meanwhile, ask now.
        if (!online && wasOffline) void syncListsNow().catch((err: Error) => log(`lists: sync failed: ${err.message}`));
        online = true;
        wasOffline = false;
        sentLog.add(e);
      } else if (e.type === 'failed') {
        if (e.reason === 'COLLECTOR_UNREACHABLE' || e.reason === 'COLLECTOR_TIMEOUT') {
          online = false;
          wasOffline = true;
        }
        log(`upload: ${e.reason}${e.httpStatus ? ` (HTTP ${e.httpStatus})` : ''}: ${e.message}; retry in ${e.retryInMs} ms`);
      } else if (e.type === 'fatal') {
        online = false;
        log(`upload: stopped: ${e.reason}: ${e.message}`);
      } else if (e.type === 'state' && e.state === 'idle') {
        sentLog.flush();
      }
      void refresh();
    }, options.heartbeat);
    log(`upload: sending to ${url}`);
  }

  const listTimer = url
    ? setInterval(() => {
        void syncListsNow().catch((err: Error) => log(`lists: sync failed: ${err.message}`));
      }, config.listSyncMinutes * 60_000)
    : null;
  listTimer?.unref();
  const statusTimer = url ? setInterval(() => void refresh(), 2_000) : null;
  statusTimer?.unref();
  if (url) void syncListsNow().catch((err: Error) => log(`lists: sync failed: ${err.message}`));

  return {
    connectivity: () => ({
      online,
      uploadsPending: status ? Object.values(status.streams).reduce((n, s) => n + s.backlog, 0) : Math.max(0, options.store.lastSeq() - options.store.uploadedThrough().entries),
      lastUploadAt: status?.lastSuccessAt ?? lastAckedAt(options.store),
    }),
    nudge: () => worker?.nudge(),
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    syncListsNow,
    lastListSync: () => listOutcomes,
    uploadStatus: () => status,
    lastHeartbeat: () => heartbeat,
    close: async () => {
      closed = true;
      sentLog.flush();
      if (listTimer) clearInterval(listTimer);
      if (statusTimer) clearInterval(statusTimer);
      await worker?.stop();
    },
  };
}
