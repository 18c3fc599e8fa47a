// Child process of the store benchmark: exceljs's streaming writer alone, fed the very rows the
// XLSX export writes (read back from the CSV export of the same database, numbers as numbers), so
// the export's figure can be read as a ratio to the writer it is built on, like with like: same rows,
// same count, same writer options and back-pressure wait, same V8 flags, and process start counted
// on both sides (the parent times both from spawn to exit).
//   node --max-semi-space-size=4 exceljs-alone-child.js '{"csvFile": F, "outFile": F | null}'
// With outFile null it only reads and parses the CSV: the part of this baseline's time that is not
// exceljs, printed beside it. Prints one JSON object: rows and this process's peak RSS.
import { createReadStream, createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import { EXPORT_COLUMNS, XLSX_BACKLOG_LIMIT, xlsxBacklogBytes } from '../src/core/store/export.js';
import { parseCsvRecord } from './csv-record.js';

type Cell = string | number | null;
/** Columns SQLite hands the export as numbers. */
const NUMERIC = new Set<string>(['seq', 'temperature_c', 'trust_list_seq']);
const numericAt = EXPORT_COLUMNS.map((c) => NUMERIC.has(c));

async function* rows(csvFile: string): AsyncGenerator<Cell[]> {
  const lines = createInterface({ input: createReadStream(csvFile, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let header = true;
  let pending = '';
  for await (const line of lines) {
    // A quoted field may hold a line break: keep joining until the quotes balance.
    pending = pending ? `${pending}\n${line}` : line;
    if ((pending.split('"').length - 1) % 2 === 1) continue;
    const fields = parseCsvRecord(pending);
    pending = '';
    if (header) {
      header = false;
      continue;
    }
    yield fields.map((f, i) => (f === '' ? null : numericAt[i] ? Number(f) : f));
  }
}

async function main(job: { csvFile: string; outFile: string | null }): Promise<void> {
  let count = 0;
  if (job.outFile === null) {
    for await (const r of rows(job.csvFile)) if (r.length) count++;
  } else {
    const { default: ExcelJS } = await import('exceljs');
    const out = createWriteStream(job.outFile, { highWaterMark: 1 << 20 });
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false, zip: { zlib: { level: 1 } } });
    const sheet = workbook.addWorksheet('entries');
    sheet.addRow([...EXPORT_COLUMNS]).commit();
    for await (const r of rows(job.csvFile)) {
      sheet.addRow(r).commit();
      count++;
      // The export waits like this once per page of rows (export.ts); so does its baseline.
      if (count % 1000 === 0) {
        while (xlsxBacklogBytes(sheet) > XLSX_BACKLOG_LIMIT || out.writableNeedDrain) await new Promise<void>((resolve) => setTimeout(resolve, 1));
      }
    }
    sheet.commit();
    await workbook.commit();
    await finished(out);
  }
  process.stdout.write(JSON.stringify({ rows: count, peakRssMB: Math.round(process.resourceUsage().maxRSS / 102.4) / 10 }) + '\n');
}

await main(JSON.parse(process.argv[2] ?? '') as { csvFile: string; outFile: string | null });
