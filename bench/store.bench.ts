// `npm run bench -- store` (issue 3 §9): the entry log's costs on this machine, as one JSON object.
// - single durable insert latency p50/p99, next to a raw 4 KiB write+fdatasync p50/p99 measured in
//   the same run on the same file system (the physical floor a durable commit cannot beat);
// - batched insert rows/s (the seeder, which also builds the data for the rest);
// - export of N entries to CSV and XLSX as `kiosk export` runs it (rows/s, peak RSS of the export
//   process);
// - purge of N entries (rows/s, longest batch = the most a passage could wait).
// N defaults to 1,000,000 (STORE_BENCH_ROWS overrides, e.g. for a quick look).
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryStore } from '../src/core/store/entry-store.js';
import { purgeExpired } from '../src/core/store/purge.js';
import { exportInChildProcess } from '../src/core/store/export-process.js';
import { seedEntries } from '../src/core/store/seed.js';
import { samplePassage } from '../src/core/store/test-support.js';


function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summary(samplesMs: number[]): { p50: number; p99: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { p50: round(percentile(s, 50)), p99: round(percentile(s, 99)) };
}
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function rawFdatasync(dir: string, n: number): number[] {
  const file = join(dir, 'raw-fdatasync.bin');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 7);
  const samples: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      writeSync(fd, block, 0, block.length, i * 4096);
      fdatasyncSync(fd);
      samples.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return samples;
}

/**
 * Durable appends on a store opened once, as the kiosk keeps it: a store reopened per round would
 * count statement preparation and WAL creation into the first append of each round, which a kiosk
 * pays once at boot, not per passage.
 */
async function durableInserts(store: EntryStore, n: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const entry = samplePassage({ temperatureC: 36 + (i % 10) / 10 });
    const t = performance.now();
    store.append(entry);
    samples.push(performance.now() - t);
    // The kiosk's event loop turns between passages (screen, gate, devices); so does the bench's,
    // which lets the store's between-passage work (its WAL checkpoint) run where it would.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return samples;
}

/** The same path `kiosk export` takes: its own process, which reports its peak RSS. */
async function runExport(dataDir: string, format: 'csv' | 'xlsx', rows: number) {
  const out = join(dataDir, `export.${format}`);
  const started = performance.now();
  const res = await exportInChildProcess(dataDir, out, { fromMs: 0, toMs: 8.64e15, format, reveal: false, requestedBy: 'benchmark' });
  const seconds = (performance.now() - started) / 1000;
  if (res.rows !== rows) throw new Error(`export wrote ${res.rows} rows, expected ${rows}`);
  const bytes = statSync(out).size;
  rmSync(out, { force: true });
  // Seconds include starting the process and its quick_check: what an admin waits for.
  return { rows: res.rows, seconds: round(seconds, 2), rowsPerSecond: Math.round(res.rows / seconds), peakRssMB: res.peakRssMB, fileMB: round(bytes / 1e6, 1) };
}

/**
 * exceljs's streaming writer alone, same 20 columns, same options, into a file: the ceiling any
 * exceljs-based export can reach on this machine, so the XLSX figure can be read as a ratio.
 */
async function exceljsCeiling(dir: string, rows: number): Promise<number> {
  const { default: ExcelJS } = await import('exceljs');
  const file = join(dir, 'ceiling.xlsx');
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useStyles: false, useSharedStrings: false, zip: { zlib: { level: 1 } } });
  const sheet = wb.addWorksheet('entries');
  const row = [1, '01a1dcfb-e260-7b5a-8c6d-2116af039bc9', '2026-11-15T02:14:17.440Z', 'demo-venue', 'kiosk-1', 'code', '张三', 'CN', '3301**********1234',
    '668e82aef6618fd9986ab142b3d12424', '330000', 'green', 36.6, 'admit', null, 42, null, null, null, null];
  const started = performance.now();
  for (let i = 0; i < rows; i++) sheet.addRow(row).commit();
  sheet.commit();
  await wb.commit();
  const seconds = (performance.now() - started) / 1000;
  rmSync(file, { force: true });
  return Math.round(rows / seconds);
}

export async function run(): Promise<object> {
  const rows = Number(process.env.STORE_BENCH_ROWS ?? 1_000_000);
  const root = mkdtempSync(join(tmpdir(), 'kiosk-store-bench-'));
  try {
    // Interleave the two latency series in rounds so background load hits both alike.
    const fsync: number[] = [];
    const insert: number[] = [];
    const latencyStore = EntryStore.open(join(root, 'latency'));
    // Steady state, as on a kiosk that has been running: a new database's WAL grows for its first
    // ~1000 pages, and every commit that grows a file makes fdatasync journal the new size too. Once
    // the WAL has wrapped after its first checkpoint, commits overwrite it in place (SQLite never
    // truncates it: journal_size_limit is off), so the warm-up fills it once before measuring.
    await durableInserts(latencyStore, 1000);
    try {
      for (let round = 0; round < 5; round++) {
        fsync.push(...rawFdatasync(root, 100));
        insert.push(...(await durableInserts(latencyStore, 100)));
      }
    } finally {
      latencyStore.close();
    }
    const fs = summary(fsync);
    const ins = summary(insert);

    const dataDir = join(root, 'bulk');
    const store = EntryStore.open(dataDir);
    const now = Date.now();
    let t = performance.now();
    await seedEntries(store, rows, { fromMs: now - 60 * 86_400_000, toMs: now - 40 * 86_400_000, batchSize: 5000 });
    const seedSeconds = (performance.now() - t) / 1000;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    const dbMB = statSync(join(dataDir, 'kiosk.sqlite3')).size / 1e6;
    store.close();

    const csv = await runExport(dataDir, 'csv', rows);
    const xlsx = await runExport(dataDir, 'xlsx', rows);
    const ceiling = await exceljsCeiling(root, Math.min(rows, 200_000));

    const purgeStore = EntryStore.open(dataDir);
    t = performance.now();
    const purge = await purgeExpired(purgeStore, { retentionDays: 28, now, batchSize: 500 });
    const purgeSeconds = (performance.now() - t) / 1000;
    purgeStore.close();
    if (purge.entriesDeleted !== rows) throw new Error(`purge deleted ${purge.entriesDeleted}, expected ${rows}`);

    return {
      machine: { note: 'medians and percentiles of this run; compare ratios, not absolute times, across machines' },
      durableInsert: {
        samples: insert.length,
        p50Ms: ins.p50,
        p99Ms: ins.p99,
        rawFdatasync4KiB: { samples: fsync.length, p50Ms: fs.p50, p99Ms: fs.p99 },
        p99RatioToFdatasync: round(ins.p99 / fs.p99, 2),
        target: 'p99 within 2x the raw fdatasync p99',
      },
      batchedInsert: { rows, batchSize: 5000, seconds: round(seedSeconds, 2), rowsPerSecond: Math.round(rows / seedSeconds), databaseMB: round(dbMB, 1) },
      exportCsv: { ...csv, target: '>= 200000 rows/s, < 200 MB peak RSS' },
      exportXlsx: {
        ...xlsx,
        exceljsAloneRowsPerSecond: ceiling,
        ratioToExceljsAlone: round(xlsx.rowsPerSecond / ceiling, 2),
        target: '>= 50000 rows/s, < 200 MB peak RSS',
      },
      purge: {
        rows: purge.entriesDeleted,
        batchSize: 500,
        batches: purge.batches,
        seconds: round(purgeSeconds, 2),
        rowsPerSecond: Math.round(purge.entriesDeleted / purgeSeconds),
        batchP50Ms: round(purge.batchP50Ms, 2),
        batchP99Ms: round(purge.batchP99Ms, 2),
        longestBatchMs: round(purge.longestBatchMs, 2),
        note: 'a batch is one write transaction: the most a passage waits behind the purge (outliers are WAL checkpoints)',
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
