// List sync (docs/upload-protocol.md §4): when online, fetch newer trust and status lists from the collector with
// conditional requests (If-None-Match / If-Modified-Since, so an unchanged multi-megabyte status
// list costs one 304), and install them only through the spec's checks (core/codes ListCache:
// signature under a pinned root, type, rollback). A refused list leaves the old one in place and
// the outcome says why; it is also remembered, so the admin screen can show it between syncs.
import type { ListUpdateReason, UploadReason } from '../../contract/reasons.js';
import type { ListCache } from '../codes/list-cache.js';
import { MAX_TRUST_LIST_CHARS } from '../codes/lists.js';
import { HttpFailure, httpExchange, type TlsOptions } from './http.js';
import { LIST_PATHS, type ListKind } from './protocol.js';

export const LIST_KINDS: readonly ListKind[] = ['trust', 'status'];

/** What installing one downloaded list did; the installer never throws for bad input. */
export type InstallOutcome = { accepted: true; seq: number } | { accepted: false; reason: ListUpdateReason; message: string };
/** `jws`: the list as downloaded (its UTF-8 bytes) or as text. */
export type ListInstaller = (kind: ListKind, jws: string | Uint8Array) => InstallOutcome | Promise<InstallOutcome>;

export interface ListSyncRecord {
  etag: string | null;
  lastModified: string | null;
  checkedAt: number | null;
  outcome: ListSyncOutcome['outcome'] | null;
  reason: string | null;
  installedSeq: number | null;
}

export interface ListSyncState {
  get(kind: ListKind): ListSyncRecord;
  put(kind: ListKind, record: ListSyncRecord): void;
}

export interface ListSyncOutcome {
  kind: ListKind;
  /**
   * installed: a newer list passed every check and is in use. unchanged: the collector has nothing
   * newer (304). refused: a list came but failed a check; the old one stays (`reason`).
   * unavailable: the collector publishes no such list (404). failed: the collector could not be asked.
   */
  outcome: 'installed' | 'unchanged' | 'refused' | 'unavailable' | 'failed';
  reason: ListUpdateReason | UploadReason | null;
  message: string;
  seq: number | null;
}

/**
 * Installs through the kiosk's ListCache: the lead's spec §2–3 checks, then an atomic write to disk.
 * installAsync: a large list is checked in a worker thread, so passages go on being decided while a
 * million-record status list is verified (list-cache.ts OFF_THREAD_MIN_CHARS).
 */
export function listCacheInstaller(cache: ListCache): ListInstaller {
  return async (kind, jws) => {
    const r = await cache.installAsync(kind, jws);
    return r.accepted ? { accepted: true, seq: r.list.seq } : { accepted: false, reason: r.reason, message: r.message };
  };
}

export interface SyncListsOptions {
  collectorUrl: string;
  install: ListInstaller;
  state: ListSyncState;
  kinds?: readonly ListKind[];
  timeoutMs?: number;
  /**
   * Largest status list accepted (default 512 MiB: millions of 40-byte records, base64url). A trust
   * list is never downloaded past MAX_TRUST_LIST_CHARS (core/codes/lists.ts), whatever this says.
   */
  maxListBytes?: number;
  now?: () => number;
  tls?: TlsOptions;
}

export async function syncLists(options: SyncListsOptions): Promise<ListSyncOutcome[]> {
  const out: ListSyncOutcome[] = [];
  for (const kind of options.kinds ?? LIST_KINDS) out.push(await syncOne(kind, options));
  return out;
}

async function syncOne(kind: ListKind, o: SyncListsOptions): Promise<ListSyncOutcome> {
  const prior = o.state.get(kind);
  const now = (o.now ?? Date.now)();
  const headers: Record<string, string> = { accept: 'application/jose' };
  if (prior.etag) headers['if-none-match'] = prior.etag;
  if (prior.lastModified) headers['if-modified-since'] = prior.lastModified;
  const record = (r: ListSyncOutcome, validators: Pick<ListSyncRecord, 'etag' | 'lastModified'> = prior): ListSyncOutcome => {
    o.state.put(kind, { ...validators, checkedAt: now, outcome: r.outcome, reason: r.reason, installedSeq: r.outcome === 'installed' ? r.seq : prior.installedSeq });
    return r;
  };
  let res;
  try {
    res = await httpExchange(o.collectorUrl.replace(/\/+$/, '') + LIST_PATHS[kind], { method: 'GET', headers, timeoutMs: o.timeoutMs ?? 60_000, maxResponseBytes: kind === 'trust' ? Math.min(MAX_TRUST_LIST_CHARS, o.maxListBytes ?? MAX_TRUST_LIST_CHARS) : (o.maxListBytes ?? 512 * 1024 * 1024), ...(o.tls ? { tls: o.tls } : {}) });
  } catch (err) {
    const e = err as HttpFailure;
    // Not recorded as the list's outcome: a dead link says nothing about the list we have.
    return { kind, outcome: 'failed', reason: e.kind === 'timeout' ? 'COLLECTOR_TIMEOUT' : 'COLLECTOR_UNREACHABLE', message: e.message, seq: null };
  }
  if (res.status === 304) {
    // Same bytes as last time: if those were refused, they still are, for the same reason.
    const refused = prior.outcome === 'refused';
    return record({ kind, outcome: refused ? 'refused' : 'unchanged', reason: refused ? (prior.reason as ListUpdateReason) : null, message: refused ? 'the collector still offers the list refused before' : 'no newer list', seq: prior.installedSeq });
  }
  if (res.status === 404) return record({ kind, outcome: 'unavailable', reason: 'LIST_UNAVAILABLE', message: `the collector publishes no ${kind} list`, seq: null });
  if (res.status !== 200) return { kind, outcome: 'failed', reason: 'COLLECTOR_ERROR', message: `HTTP ${res.status}`, seq: null };
  const validators = { etag: headerOf(res.headers.etag), lastModified: headerOf(res.headers['last-modified']) };
  // The bytes as downloaded: decoding 70 MB to text is left to the installer's thread.
  const installed = await o.install(kind, res.body);
  if (installed.accepted) return record({ kind, outcome: 'installed', reason: null, message: `installed ${kind} list seq ${installed.seq}`, seq: installed.seq }, validators);
  return record({ kind, outcome: 'refused', reason: installed.reason, message: installed.message, seq: prior.installedSeq }, validators);
}

function headerOf(v: string | string[] | undefined): string | null {
  return typeof v === 'string' ? v : null;
}
