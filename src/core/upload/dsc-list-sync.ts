// The DSC list's sync (docs/dcc-trust.md, "Installed, refreshed, persisted"): fetched from the
// collector with the trust and status lists (docs/upload-protocol.md §4), as they are: a conditional
// GET (If-None-Match), and installed only through every check of the DscListCache (format, typ,
// pinned root, signature, rollback floor); a refused list leaves the installed one in place and the
// outcome says why. Its validator is kept in memory only: after a restart the first fetch is a full
// one, which for a list of a few thousand certificates is a few megabytes once a start.
import type { ListUpdateReason, UploadReason } from '../../contract/reasons.js';
import { MAX_DSC_LIST_CHARS, type DscListCache } from '../codes/dcc/dsc-list.js';
import { HttpFailure, httpExchange, type TlsOptions } from './http.js';
import { DSC_LIST_PATH } from './protocol.js';

export interface DscListSyncOutcome {
  kind: 'dsc';
  /** As a list sync's (list-sync.ts ListSyncOutcome). */
  outcome: 'installed' | 'unchanged' | 'refused' | 'unavailable' | 'failed';
  reason: ListUpdateReason | UploadReason | null;
  message: string;
  seq: number | null;
}

export interface DscListSync {
  syncNow(collectorUrl: string, opts?: { timeoutMs?: number; tls?: TlsOptions }): Promise<DscListSyncOutcome>;
  last(): DscListSyncOutcome | null;
}

export function dscListSync(cache: DscListCache): DscListSync {
  let etag: string | null = null;
  let lastRefusal: { reason: ListUpdateReason; message: string } | null = null;
  let last: DscListSyncOutcome | null = null;
  const done = (o: Omit<DscListSyncOutcome, 'kind'>) => (last = { kind: 'dsc', ...o });
  return {
    last: () => last,
    async syncNow(collectorUrl, opts = {}) {
      const headers: Record<string, string> = { accept: 'application/jose' };
      if (etag) headers['if-none-match'] = etag;
      let res;
      try {
        res = await httpExchange(collectorUrl.replace(/\/+$/, '') + DSC_LIST_PATH, { method: 'GET', headers, timeoutMs: opts.timeoutMs ?? 60_000, maxResponseBytes: MAX_DSC_LIST_CHARS, ...(opts.tls ? { tls: opts.tls } : {}) });
      } catch (err) {
        const e = err as HttpFailure;
        return done({ outcome: 'failed', reason: e.kind === 'timeout' ? 'COLLECTOR_TIMEOUT' : 'COLLECTOR_UNREACHABLE', message: e.message, seq: null });
      }
      const seq = cache.list?.seq ?? null;
      if (res.status === 304) {
        // Same bytes as last time: refused then, refused now.
        return done(lastRefusal ? { outcome: 'refused', ...lastRefusal, seq } : { outcome: 'unchanged', reason: null, message: 'no newer DSC list', seq });
      }
      if (res.status === 404) return done({ outcome: 'unavailable', reason: 'LIST_UNAVAILABLE', message: 'the collector publishes no DSC list', seq: null });
      if (res.status !== 200) return done({ outcome: 'failed', reason: 'COLLECTOR_ERROR', message: `HTTP ${res.status}`, seq: null });
      etag = typeof res.headers.etag === 'string' ? res.headers.etag : null;
      const text = Buffer.from(res.body).toString('utf8');
      // The very list installed before, fetched again (no validator after a restart): nothing new.
      if (cache.isInstalled(text)) {
        lastRefusal = null;
        return done({ outcome: 'unchanged', reason: null, message: 'no newer DSC list', seq });
      }
      const r = cache.install(text);
      if (r.accepted) {
        lastRefusal = null;
        return done({ outcome: 'installed', reason: null, message: `installed DSC list seq ${r.list.seq} (${r.list.dscs.size} certificates)`, seq: r.list.seq });
      }
      lastRefusal = { reason: r.reason, message: r.message };
      return done({ outcome: 'refused', reason: r.reason, message: r.message, seq });
    },
  };
}
