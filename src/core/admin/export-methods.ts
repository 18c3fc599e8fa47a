// Export of the entry log from the admin console (docs/security.md "Exports"): a job in core.
//
// - The rows are written by the existing export process (store/export-process.ts), so the export's
//   CPU and memory never sit in the process that decides passages; this file only starts it, follows
//   its progress lines, cancels it and hands the finished file over.
// - One export at a time (EXPORT_RUNNING): a second one would double the disk and CPU load beside the
//   entry log for nothing.
// - Every export is audited, including failures before the export process wrote its own row (a bad
//   range, a full disk: export-process.ts and `auditRefused` below) and cancelled ones.
// - Files live in `<dataDir>/exports` (0700, files 0600), written as `.part` and renamed when
//   complete, so a cancelled or failed export leaves no file, not even a partial one. A finished file
//   is removed once delivered or after FILE_TTL_MS unfetched, and every file left over from an
//   earlier run (a crash, a restart) is removed at start: its session ended with that run.
// - Delivery depends on the host (both behind this one contract): the browser host serves a one-time
//   URL bound to the screen's cookie session AND the admin session that made the export (takeDownload,
//   called by src/host/server.ts); Electron's main installs a save dialog (setSaveDialog) so the file
//   can go to a USB stick, and core copies the file where the admin chose.
import { randomBytes, createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXPORT_DOWNLOAD_PATH,
  fail,
  ok,
  type CallContext,
  type ExportJob,
  type KioskService,
  type Language,
  type MethodRequest,
  type Result,
} from '../../contract/api.js';
import type { Reason } from '../../contract/reasons.js';
import { exportInChildProcess, auditExportThatNeverStarted } from '../store/export-process.js';
import { processTimeZone, zoneOffset } from '../store/export.js';
import { StoreError } from '../store/errors.js';
import type { AdminDeps } from './deps.js';

/** How long a finished file waits on the kiosk for its download or save before it is removed. */
export const FILE_TTL_MS = 10 * 60_000;
export const EXPORTS_DIR = 'exports';
/** The longest startExport waits for the export process to count the rows before answering. */
export const START_ANSWER_MS = 3000;

const CONTENT_TYPE: Record<ExportJob['format'], string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** A file handed to the browser host for one response. */
export interface ExportDownload {
  path: string;
  fileName: string;
  contentType: string;
  size: number;
  /** The response ended (`sent`: completely): the file is removed either way, the token is spent. */
  done(sent: boolean): void;
}

/** What the hosts reach of the export jobs (src/app hands it to them). */
export interface ExportHostSide {
  /**
   * Browser host: the file behind a one-time download token, for the screen `clientId` (its cookie
   * session). Null when the token is unknown, spent, expired, another screen's, or its admin session
   * has ended; the token is spent by this call whatever the outcome.
   */
  takeDownload(token: string, clientId: string): ExportDownload | null;
  /** Electron: shows a save dialog for `fileName`; resolves to the chosen path, or null when dismissed. */
  setSaveDialog(dialog: ((fileName: string) => Promise<string | null>) | null): void;
}

interface Job {
  id: string;
  clientId: string;
  session: string;
  by: string;
  state: ExportJob['state'];
  rowsDone: number;
  total: number;
  format: ExportJob['format'];
  revealed: boolean;
  reason: Reason | null;
  message: string | null;
  fileName: string;
  partPath: string;
  path: string;
  file: ExportJob['file'];
  /** SHA-256 of the download token (the map never holds a credential a heap dump could replay). */
  tokenDigest: string | null;
  token: string | null;
  expiresAt: number | null;
  expiryTimer: unknown;
  cancel: AbortController;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * [fromMs, toMs) for the request: a venue-local day covers that whole day (midnight to midnight in
 * `timeZone`, whatever its offset that day), so `to` as a day includes it; a date-time is taken as
 * given and excludes `to`.
 */
export function exportRange(from: string, to: string, timeZone: string): { fromMs: number; toMs: number } | { error: string } {
  const offset = zoneOffset(timeZone);
  const bound = (text: string, end: boolean): number => {
    const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!day) return Date.parse(text);
    const wall = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + (end ? 1 : 0));
    // The instant whose wall clock is `wall`: the offset read at a first guess, then at the answer.
    const guess = wall - offset(wall);
    return wall - offset(guess);
  };
  const fromMs = bound(from, false);
  const toMs = bound(to, true);
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return { error: `not a date: ${!Number.isFinite(fromMs) ? from : to}` };
  if (toMs <= fromMs) return { error: `the range ends (${to}) before it starts (${from})` };
  return { fromMs, toMs };
}

function fileNameOf(from: string, to: string, revealed: boolean, format: string): string {
  const part = (s: string) => s.replace(/[^0-9A-Za-z-]/g, '').slice(0, 20);
  return `entries-${part(from)}_${part(to)}-${revealed ? 'revealed' : 'masked'}.${format}`;
}

export interface ExportJobs {
  /** The contract's export methods, spread into the kiosk service. */
  methods: Pick<KioskService, 'startExport' | 'getExportJob' | 'cancelExport' | 'saveExport'>;
  /** What the hosts use to hand the file over. */
  host: ExportHostSide;
  /** Shutdown: a running export is cancelled, a waiting file removed. */
  close(): void;
}

export function exportJobs(deps: AdminDeps): ExportJobs {
  const { sessions, clock, emit, log } = deps;
  const source = deps.exportsFrom;
  const dir = source ? join(source.dataDir, EXPORTS_DIR) : null;
  let job: Job | null = null;
  let saveDialog: ((fileName: string) => Promise<string | null>) | null = null;

  const removeQuietly = (path: string) => {
    try {
      rmSync(path, { force: true });
    } catch (err) {
      log(`export file not removed (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})`);
    }
  };

  // Files of an earlier run are nobody's any more: their sessions ended with it.
  if (dir) {
    try {
      for (const name of readdirSync(dir)) removeQuietly(join(dir, name));
    } catch {
      // No exports directory yet.
    }
  }

  const view = (j: Job, context: CallContext | null): ExportJob => {
    const mine = context !== null && context.clientId === j.clientId;
    const ready = j.file === 'ready' && mine;
    return {
      jobId: j.id,
      state: j.state,
      rowsDone: j.rowsDone,
      total: j.total,
      format: j.format,
      revealed: j.revealed,
      reason: j.reason,
      message: j.message,
      fileName: j.state === 'done' ? j.fileName : null,
      file: j.file,
      downloadUrl: ready && context.host === 'browser' && j.token ? `${EXPORT_DOWNLOAD_PATH}${j.token}` : null,
      saveable: ready && context.host === 'electron' && saveDialog !== null,
    };
  };

  const progress = (j: Job) => emit({ type: 'exportProgress', jobId: j.id, state: j.state, rowsDone: j.rowsDone, total: j.total });

  const discardFile = (j: Job, file: ExportJob['file']) => {
    if (j.expiryTimer !== null) clock.clearTimer(j.expiryTimer);
    j.expiryTimer = null;
    j.tokenDigest = null;
    j.token = null;
    removeQuietly(j.partPath);
    removeQuietly(j.path);
    if (j.file === 'ready') {
      j.file = file;
      // The console reads the job again on this and says the file was delivered or has expired.
      progress(j);
    }
  };

  const auditDelivery = (j: Job, how: 'downloaded' | 'saved') => {
    try {
      deps.store.audit(`export-${how}`, { by: j.by, jobId: j.id, format: j.format, revealed: j.revealed, rows: j.rowsDone }, clock.now());
    } catch (err) {
      log(`export ${how}, not audited (${(err as Error).name})`);
    }
  };

  /** A request refused before any export process ran: still one audited export, `failed`. */
  const auditRefused = (request: MethodRequest<'startExport'>, by: string, range: { fromMs: number; toMs: number } | null, reason: Reason, detail: string) => {
    if (!source) return;
    auditExportThatNeverStarted(
      source.dataDir,
      undefined,
      {
        fromMs: range?.fromMs ?? Number.NaN,
        toMs: range?.toMs ?? Number.NaN,
        decision: request.decision === 'any' ? undefined : request.decision,
        format: request.format,
        reveal: request.reveal,
        requestedBy: by,
      },
      false,
      { reason, detail: detail.slice(0, 200) },
    );
  };

  const ownJob = (jobId: string, context: CallContext): Result<Job> => {
    if (!job || job.id !== jobId) return fail('BAD_REQUEST', 'no such export (it may belong to an earlier start of the kiosk)');
    if (job.clientId !== context.clientId) return fail('UNAUTHORIZED', 'this export was started on another screen');
    return ok(job);
  };

  const methods: ExportJobs['methods'] = {
    async startExport(request, context) {
      const held = request.reveal
        ? sessions.reconfirm(request.session, request.pin, context, 'export-revealed')
        : sessions.require(request.session, context, 'export');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const by = held.session.by;
      if (!source || !dir) return fail('STORAGE_UNAVAILABLE', 'there is no entry log to export (it could not be opened)');
      const timeZone = processTimeZone();
      const range = exportRange(request.from, request.to, timeZone);
      if ('error' in range) {
        auditRefused(request, by, null, 'BAD_REQUEST', range.error);
        return fail('BAD_REQUEST', range.error);
      }
      if (job?.state === 'running') {
        auditRefused(request, by, range, 'EXPORT_RUNNING', 'another export was running');
        return fail('EXPORT_RUNNING', `an export is already running (${job.rowsDone} of ${job.total} rows): wait for it or cancel it`);
      }
      // A new export replaces the previous one's file (one export at a time, one file at a time).
      if (job) discardFile(job, 'expired');
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        chmodSync(dir, 0o700);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'IO_ERROR';
        auditRefused(request, by, range, code === 'ENOSPC' ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE', `exports directory: ${code}`);
        return fail(code === 'ENOSPC' ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE', `the exports directory cannot be made (${code})`);
      }
      const id = randomBytes(12).toString('base64url');
      const fileName = fileNameOf(request.from, request.to, request.reveal, request.format);
      const current: Job = {
        id,
        clientId: context.clientId,
        session: request.session,
        by,
        state: 'running',
        rowsDone: 0,
        total: 0,
        format: request.format,
        revealed: request.reveal,
        reason: null,
        message: null,
        fileName,
        partPath: join(dir, `${id}.${request.format}.part`),
        path: join(dir, `${id}.${request.format}`),
        file: 'none',
        tokenDigest: null,
        token: null,
        expiresAt: null,
        expiryTimer: null,
        cancel: new AbortController(),
      };
      job = current;
      let started: (total: number) => void = () => {};
      const startedOrEnded = new Promise<number | null>((resolve) => (started = resolve));
      const run = exportInChildProcess(source.dataDir, current.partPath, {
        fromMs: range.fromMs,
        toMs: range.toMs,
        ...(request.decision === 'any' ? {} : { decision: request.decision }),
        format: request.format,
        reveal: request.reveal,
        requestedBy: by,
        language: request.language as Language,
        timeZone,
        signal: current.cancel.signal,
        onAuditStarted: (_seq, total) => {
          current.total = total;
          started(total);
          progress(current);
        },
        onProgress: (rows, total) => {
          current.rowsDone = rows;
          current.total = total;
          progress(current);
        },
      });
      run.then(
        (result) => {
          current.rowsDone = result.rows;
          if (current.cancel.signal.aborted) throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', 'cancelled');
          renameSync(current.partPath, current.path);
          current.state = 'done';
          current.file = 'ready';
          const token = randomBytes(32).toString('base64url');
          current.token = token;
          current.tokenDigest = sha256(token);
          current.expiresAt = clock.now() + FILE_TTL_MS;
          current.expiryTimer = clock.setTimer(FILE_TTL_MS, () => {
            current.expiryTimer = null;
            if (current.file === 'ready') {
              discardFile(current, 'expired');
              log(`export ${current.id}: file removed unfetched after ${FILE_TTL_MS / 60_000} minutes`);
            }
          });
          log(`export ${current.id}: ${result.rows} rows (${current.format}${current.revealed ? ', revealed' : ''}) ready`);
          progress(current);
        },
      ).catch((err: unknown) => {
        const cancelled = current.cancel.signal.aborted;
        current.state = cancelled ? 'cancelled' : 'failed';
        current.file = 'none';
        if (!cancelled) {
          const e = err instanceof StoreError ? err : null;
          current.reason = e?.reason === 'STORAGE_FULL' ? 'STORAGE_FULL' : e?.reason === 'BAD_REQUEST' ? 'BAD_REQUEST' : 'STORAGE_UNAVAILABLE';
          current.message = (err as Error).message.slice(0, 500);
        }
        // The export process removes its own file; this also covers one killed before it could.
        discardFile(current, 'none');
        log(`export ${current.id}: ${current.state}${current.reason ? ` (${current.reason})` : ''} after ${current.rowsDone} rows`);
        started(-1);
        progress(current);
      });
      // Answer once the export process has counted the rows, or after START_ANSWER_MS at the latest:
      // a slow start (a loaded box) must not outlast the screen's call timeout; the total then
      // arrives with the first exportProgress event.
      let deadline: unknown = null;
      const total = await Promise.race([startedOrEnded, new Promise<null>((resolve) => (deadline = clock.setTimer(START_ANSWER_MS, () => resolve(null))))]);
      clock.clearTimer(deadline);
      if (total === -1 && current.state === 'failed') return fail(current.reason ?? 'STORAGE_UNAVAILABLE', current.message ?? 'the export failed');
      return ok({ jobId: id, total: Math.max(0, total ?? 0) });
    },

    async getExportJob(request, context) {
      const held = sessions.require(request.session, context, 'export-status');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const j = ownJob(request.jobId, context);
      return j.ok ? ok(view(j.value, context)) : j;
    },

    async cancelExport(request, context) {
      const held = sessions.require(request.session, context, 'export-cancel');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const j = ownJob(request.jobId, context);
      if (!j.ok) return j;
      if (j.value.state === 'running') {
        j.value.cancel.abort();
        // The job turns `cancelled` when its process has stopped and removed its file (an event says so).
      }
      return ok(view(j.value, context));
    },

    async saveExport(request, context) {
      const held = sessions.require(request.session, context, 'export-save');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const j = ownJob(request.jobId, context);
      if (!j.ok) return j;
      const current = j.value;
      if (current.file !== 'ready') return fail('BAD_REQUEST', `the export's file is ${current.state === 'running' ? 'not finished yet' : current.file === 'none' ? 'not there' : current.file}`);
      if (context.host !== 'electron' || !saveDialog) return fail('BAD_REQUEST', 'this screen downloads the file through its link instead');
      const target = await saveDialog(current.fileName);
      if (target === null) return ok({ saved: false, job: view(current, context) });
      if (current.file !== 'ready') return fail('BAD_REQUEST', 'the file expired while the dialog was open; export again');
      try {
        copyFileSync(current.path, target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'IO_ERROR';
        return fail(code === 'ENOSPC' ? 'STORAGE_FULL' : 'STORAGE_UNAVAILABLE', `the file could not be written there (${code})`);
      }
      discardFile(current, 'delivered');
      auditDelivery(current, 'saved');
      return ok({ saved: true, job: view(current, context) });
    },
  };

  const host: ExportHostSide = {
    takeDownload(token, clientId) {
      const current = job;
      if (!current || current.tokenDigest === null || current.tokenDigest !== sha256(token)) return null;
      // Spent now, whatever follows: a second request for the same URL finds nothing.
      current.tokenDigest = null;
      current.token = null;
      const expired = current.expiresAt === null || clock.now() >= current.expiresAt;
      const held = current.clientId === clientId ? sessions.require(current.session, { host: 'browser', clientId }, 'export-download') : null;
      if (current.file !== 'ready' || expired || !held?.ok) {
        // A wrong screen or an ended session leaves the file for nobody: remove it.
        discardFile(current, 'expired');
        return null;
      }
      let size: number;
      try {
        size = statSync(current.path).size;
      } catch {
        discardFile(current, 'expired');
        return null;
      }
      return {
        path: current.path,
        fileName: current.fileName,
        contentType: CONTENT_TYPE[current.format],
        size,
        done(sent) {
          discardFile(current, sent ? 'delivered' : 'expired');
          if (sent) auditDelivery(current, 'downloaded');
        },
      };
    },

    setSaveDialog(dialog) {
      saveDialog = dialog;
    },
  };

  return {
    methods,
    host,
    close() {
      if (job?.state === 'running') job.cancel.abort();
      if (job) discardFile(job, 'expired');
    },
  };
}
