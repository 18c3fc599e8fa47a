// Runs an export in a child Node process. Why a process and not in the caller:
// - the kiosk keeps admitting people while an admin exports a million rows: the export's CPU time
//   (exceljs builds XML per cell) and memory never sit in the process that logs passages;
// - the child runs with a small V8 young generation (--max-semi-space-size), which keeps a
//   million-row XLSX export's peak RSS under its 200 MB target where the default let the
//   heap balloon to ~205 MB with garbage it had not yet collected.
// Progress and the result come back as JSON lines (export-child.ts).
import { setPriority } from 'node:os';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { StoreError, type StoreFailure, type StoreReason } from './errors.js';
import { childEnvironment, nodeRuntimeForChildren } from './child-runtime.js';
import type { ExportJob } from './export-child.js';
import { EntryStore } from './entry-store.js';
import { databasePath } from './db.js';
import type { ExportOptions, ExportResult } from './export.js';

/**
 * MiB per V8 semi-space for an XLSX export process (young generation = 3 × this). CSV and NDJSON
 * keep V8's default: they stay far under the bound and run faster with the larger nursery.
 */
const XLSX_SEMI_SPACE_MB = 4;

function childCommand(): { script: string; preload: string[] } {
  const own = import.meta.url;
  // From sources (tests, tsx) the child is a .ts file and needs tsx's loader; the build runs .js.
  const ts = own.endsWith('.ts');
  const script = fileURLToPath(new URL(`./export-child.${ts ? 'ts' : 'js'}`, own));
  return { script, preload: ts ? ['--import', createRequire(own).resolve('tsx')] : [] };
}

export interface ExportProcessResult extends ExportResult {
  /** The export process's own peak resident memory. */
  peakRssMB: number;
}

/**
 * Exports entries of the database in `dataDir` into `outFile` (created 0600) in a child process.
 * Rejects with the child's StoreError (BAD_REQUEST for bad options, STORAGE_* otherwise).
 */
/** The export process's nice value: the lowest priority (POSIX 19), so passages are never behind it. */
export const EXPORT_PROCESS_NICE = 19;

export function exportInChildProcess(
  dataDir: string,
  outFile: string,
  options: ExportOptions,
  extra: { file?: string; onSpawn?: (pid: number) => void } = {},
): Promise<ExportProcessResult> {
  const { onProgress, signal, onAuditStarted, ...rest } = options;
  const job: ExportJob = { dataDir, outFile, options: rest, ...(extra.file ? { file: extra.file } : {}) };
  const { script, preload } = childCommand();
  // A real Node, never Electron-as-Node: the packaged kiosk has the RunAsNode fuse off (child-runtime.ts).
  const runtime = nodeRuntimeForChildren();
  if ('missing' in runtime) {
    auditExportThatNeverStarted(dataDir, extra.file, rest, false, { reason: 'STORAGE_UNAVAILABLE', detail: `no Node runtime: ${runtime.missing}` });
    return Promise.reject(new StoreError('STORAGE_UNAVAILABLE', 'IO_ERROR', `cannot start the export process: ${runtime.missing}`));
  }
  return new Promise((resolve, reject) => {
    const v8Flags = options.format === 'xlsx' ? [`--max-semi-space-size=${XLSX_SEMI_SPACE_MB}`] : [];
    const child = spawn(runtime.path, [...v8Flags, ...preload, script, JSON.stringify(job)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnvironment(),
    });
    // The door comes first: on a 2-core box the export would otherwise take a core from the passage
    // flow and quadruple its tail latency (bench/export-passage.bench.ts). The lowest CPU priority
    // lets it use only what passages leave; it still finishes on an idle kiosk as fast as before.
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, EXPORT_PROCESS_NICE);
      } catch {
        // Not permitted (some sandboxes): the export runs at normal priority.
      }
      extra.onSpawn?.(child.pid);
    }
    let buffered = '';
    let stderr = '';
    // Cancelling (Ctrl-C on `kiosk export`) asks the child to stop between pages: it then completes
    // its audit row as `cancelled` and removes its partial file.
    let auditSeq: number | null = null;
    const cancel = () => child.kill('SIGTERM');
    if (signal?.aborted) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
    let outcome: { result?: ExportResult; peakRssMB?: number; error?: { reason: StoreReason; detail: StoreFailure; message: string } } = {};
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let msg: { progress?: number; total?: number; auditSeq?: number; result?: ExportResult; peakRssMB?: number; error?: typeof outcome.error };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          continue; // not ours (a stray write): ignore
        }
        if (msg.progress !== undefined && msg.total !== undefined) onProgress?.(msg.progress, msg.total);
        else if (msg.auditSeq !== undefined) {
          auditSeq = msg.auditSeq;
          onAuditStarted?.(msg.auditSeq, msg.total ?? 0);
        } else outcome = msg;
      }
    });
    // The child never logs personal data; keep its stderr only to explain a crash.
    child.stderr.on('data', (c) => (stderr = (stderr + String(c)).slice(-2000)));
    child.on('error', (err) => reject(new StoreError('STORAGE_UNAVAILABLE', 'IO_ERROR', `cannot start the export process: ${err.message}`, { cause: err })));
    child.on('close', (code, exitSignal) => {
      signal?.removeEventListener('abort', cancel);
      // A child killed before it could complete its audit row: complete it here, so no export stays
      // recorded as running (docs/security.md).
      if (!outcome.result && !outcome.error && auditSeq !== null) finishAuditOfDeadChild(dataDir, extra.file, auditSeq, signal?.aborted === true, exitSignal ?? code);
      // A failure before the child wrote its audit row (a bad range, an output file it could not
      // create, a full disk, a child that never started): recorded here, so no export goes unaudited.
      if (!outcome.result && auditSeq === null) {
        const failure = outcome.error
          ? { reason: outcome.error.reason, detail: outcome.error.detail }
          : { reason: 'STORAGE_UNAVAILABLE', detail: `the export process ended (${String(exitSignal ?? code)})` };
        auditExportThatNeverStarted(dataDir, extra.file, rest, signal?.aborted === true, failure);
      }
      if (outcome.result && code === 0) resolve({ ...outcome.result, peakRssMB: Math.round((outcome.peakRssMB ?? 0) * 10) / 10 });
      else if (outcome.error) reject(new StoreError(outcome.error.reason, outcome.error.detail, outcome.error.message));
      else reject(new StoreError('STORAGE_UNAVAILABLE', 'IO_ERROR', `the export process ended without a result (exit ${code ?? exitSignal}): ${stderr.trim().split('\n').pop() ?? ''}`));
    });
  });
}

/** One export audit row, begun and completed at once: an export that failed before its child audited it. */
export function auditExportThatNeverStarted(
  dataDir: string,
  file: string | undefined,
  options: Pick<ExportOptions, 'fromMs' | 'toMs' | 'decision' | 'format' | 'reveal' | 'requestedBy'>,
  cancelled: boolean,
  failure: { reason: string; detail: string },
): void {
  // Never create an entry log just to record that there was none to export.
  if (!existsSync(file ?? databasePath(dataDir))) return;
  let store: EntryStore | undefined;
  try {
    store = EntryStore.open(dataDir, { skipIntegrityCheck: true, ...(file ? { file } : {}) });
    const iso = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
    const seq = store.beginAudit('export', {
      from: iso(options.fromMs),
      to: iso(options.toMs),
      decision: options.decision ?? null,
      format: options.format,
      revealed: options.reveal,
      requestedBy: options.requestedBy ?? null,
      rowsPlanned: null,
    });
    store.finishAudit(seq, cancelled ? 'cancelled' : 'failed', { rows: 0, failure: cancelled ? null : failure });
  } catch {
    // No entry log to write to (it is what failed): the caller reports the failure itself.
  } finally {
    store?.close();
  }
}

function finishAuditOfDeadChild(dataDir: string, file: string | undefined, auditSeq: number, cancelled: boolean, exit: string | number | null): void {
  let store: EntryStore | undefined;
  try {
    store = EntryStore.open(dataDir, { skipIntegrityCheck: true, ...(file ? { file } : {}) });
    store.finishAudit(auditSeq, cancelled ? 'cancelled' : 'failed', { failure: { reason: 'STORAGE_UNAVAILABLE', detail: `the export process ended (${String(exit)})` } });
  } catch {
    // The row stays `started`: an interrupted export, as the audit log then shows.
  } finally {
    store?.close();
  }
}
