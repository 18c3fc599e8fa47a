// The export's own process (see export-process.ts for why). Reads one job as JSON from argv[2],
// runs exportEntries into the job's file, and reports on stdout as JSON lines:
//   {"auditSeq": n, "total": rows}      once the export's audit row is written (before any row is read)
//   {"progress": rows, "total": rows}   after each page
//   {"result": {...}, "peakRssMB": n}   once done (the row count, and this process's peak RSS)
//   {"error": {"reason", "detail", "message"}}   on failure (exit code 1)
import { createWriteStream, rmSync } from 'node:fs';
import { EntryStore } from './entry-store.js';
import { exportEntries, type ExportOptions } from './export.js';
import { StoreError, toStoreError } from './errors.js';
import { once } from 'node:events';

export interface ExportJob {
  dataDir: string;
  /** Database file when not the data directory's default. */
  file?: string;
  outFile: string;
  options: Omit<ExportOptions, 'onProgress'>;
}

function send(message: unknown): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

async function runJob(job: ExportJob): Promise<void> {
  // No start-up quick_check here: it would read the whole file once more before exporting it (seconds
  // for a million rows), and a damaged page the export reads still fails as STORAGE_UNAVAILABLE/
  // CORRUPT with the restore hint. The kiosk itself checks at start (db.ts).
  const store = EntryStore.open(job.dataDir, { skipIntegrityCheck: true, ...(job.file ? { file: job.file } : {}) });
  try {
    let lastSent = 0;
    // 'wx': created exclusively, owner-only; never through a file or symbolic link planted at the name.
    const out = createWriteStream(job.outFile, { flags: 'wx', mode: 0o600, highWaterMark: 1 << 20 });
    // A missing directory or a read-only disk is a clear error before any row is read.
    try {
      await once(out, 'open');
    } catch (err) {
      if ((err as { code?: string }).code === 'EEXIST') throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', `${job.outFile} exists; the export never writes into an existing file`);
      throw toStoreError(err, `creating ${job.outFile}`);
    }
    // SIGTERM / SIGINT (the parent cancelling): stop between pages, audit `cancelled`, remove the file.
    const cancel = new AbortController();
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => cancel.abort());
    let result;
    try {
      result = await exportEntries(store, out, {
        ...job.options,
        signal: cancel.signal,
        onAuditStarted: (auditSeq, total) => send({ auditSeq, total }),
        onProgress: (rows, total) => {
          // At most ~100 progress lines per export.
          if (rows === total || rows - lastSent >= Math.max(1000, total / 100)) {
            lastSent = rows;
            send({ progress: rows, total });
          }
        },
      });
    } catch (err) {
      // The file is ours (created exclusively above): a failed or cancelled export leaves none.
      rmSync(job.outFile, { force: true });
      throw err;
    }
    send({ result, peakRssMB: process.resourceUsage().maxRSS / 1024 });
  } finally {
    store.close();
  }
}

try {
  await runJob(JSON.parse(process.argv[2] ?? '') as ExportJob);
} catch (err) {
  const e = err instanceof StoreError ? err : null;
  send({ error: { reason: e?.reason ?? 'STORAGE_UNAVAILABLE', detail: e?.detail ?? 'IO_ERROR', message: (err as Error).message } });
  process.exitCode = 1;
}
