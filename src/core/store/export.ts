// Export of the entry log for the authorities (docs/security.md "Exports"): CSV (UTF-8 with BOM, so Excel shows
// Chinese names), XLSX (exceljs's streaming WorkbookWriter: rows are zipped as they come, the
// workbook is never held in memory) or NDJSON. Rows are read in keyset pages by seq, each page a
// short read, so memory stays constant for any range and the kiosk keeps logging passages on the
// same connection meanwhile (a long-lived iterator would make the connection busy). Names and
// document numbers are masked unless `reveal` (the stored masked columns: a masked export never
// decrypts). The audit row is written BEFORE the first row is read and completed when the export
// ends, completed, failed or cancelled (docs/security.md), so no export goes unrecorded.
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Decision } from '../../contract/reasons.js';
import type { EntryColumn } from './chain.js';
import { connectionOf, type EntryStore } from './entry-store.js';
import { StoreError } from './errors.js';

export type ExportFormat = 'csv' | 'xlsx' | 'ndjson';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx', 'ndjson'];

export interface ExportOptions {
  /** Range of passage times [fromMs, toMs), UTC ms. */
  fromMs: number;
  toMs: number;
  decision?: Decision;
  format: ExportFormat;
  /** Names and document numbers in clear (an admin asked, PIN checked by the caller); otherwise masked. */
  reveal: boolean;
  /** Who asked, for the audit record (no personal data of holders). */
  requestedBy?: string;
  pageSize?: number;
  /** XLSX rows per worksheet before continuing on the next (default and maximum: Excel's limit). */
  xlsxRowsPerSheet?: number;
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
  /** Aborting cancels the export between pages; the audit row then says `cancelled`. */
  signal?: AbortSignal;
  /** Called with the audit row's seq once it is written (before any row is read). */
  onAuditStarted?: (auditSeq: number) => void;
}

export interface ExportResult {
  rows: number;
  format: ExportFormat;
  revealed: boolean;
}

/**
 * Where each exported entry column comes from: a column of the entry log (chain.ts's one list, so a
 * renamed column fails to compile here), or for name and number the masked or the sealed column.
 */
const EXPORT_SOURCES = {
  seq: 'seq',
  id: 'id',
  time_utc: 'at_ms',
  venue_id: 'venue_id',
  kiosk_id: 'kiosk_id',
  method: 'method',
  holder_name: { masked: 'holder_name_masked', revealed: 'holder_name' },
  document_type: 'doc_type',
  document_number: { masked: 'doc_number_masked', revealed: 'doc_number_box' },
  code_id: 'code_id',
  code_issuer: 'code_issuer',
  status_colour: 'status_colour',
  temperature_c: 'temperature_c',
  decision: 'decision',
  reason: 'reason',
  trust_list_seq: 'trust_list_seq',
} as const satisfies Record<string, EntryColumn | { masked: EntryColumn; revealed: EntryColumn }>;
type ExportEntryColumn = keyof typeof EXPORT_SOURCES;
const EXPORT_ENTRY_COLUMNS = Object.keys(EXPORT_SOURCES) as ExportEntryColumn[];

/** Column keys (NDJSON keys, CSV/XLSX header row): the entry's, then its latest guard override. */
export const EXPORT_COLUMNS = [...EXPORT_ENTRY_COLUMNS, 'override_decision', 'override_guard', 'override_note', 'override_time_utc'] as const;

type Cell = string | number | null;

/** Columns read per page, in EXPORT_COLUMNS order up to the override (raw arrays: no row objects). */
export const exportPageColumns = (reveal: boolean): EntryColumn[] =>
  EXPORT_ENTRY_COLUMNS.map((c) => {
    const source: EntryColumn | { masked: EntryColumn; revealed: EntryColumn } = EXPORT_SOURCES[c];
    return typeof source === 'string' ? source : reveal ? source.revealed : source.masked;
  });
const PAGE_COLUMNS = (reveal: boolean) => exportPageColumns(reveal).join(', ');
const AT = EXPORT_ENTRY_COLUMNS.indexOf('time_utc');
const NAME = EXPORT_ENTRY_COLUMNS.indexOf('holder_name');
const DOC = EXPORT_ENTRY_COLUMNS.indexOf('document_number');

/**
 * One CSV field (RFC 4180): quoted only when it holds a quote, comma or line break. Hand-written
 * rather than csv-stringify because that library alone measured ~100,000 rows/s on the kiosk
 * hardware, half the export target; these few lines run ~5× faster.
 * A text cell starting with = + - @ gets a leading apostrophe so Excel shows it instead of
 * evaluating it as a formula (CSV injection; names and notes are outside input).
 */
const NEEDS_QUOTES = /[",\r\n]/;

function csvField(v: Cell): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const first = v.charCodeAt(0);
  // = + - @ TAB CR: what spreadsheet programs treat as the start of a formula.
  const text = first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13 ? `'${v}` : v;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Columns whose values cannot need quoting or defusing: integers and reals, times we format
 * ourselves, and text the schema CHECK-constrains to fixed words. Skipping the test there is a
 * measurable part of the CSV export's time at a million rows.
 */
const CSV_PLAIN_COLUMNS = new Set<string>(['seq', 'time_utc', 'method', 'status_colour', 'temperature_c', 'decision', 'trust_list_seq', 'override_decision', 'override_time_utc']);
const CSV_PLAIN = EXPORT_COLUMNS.map((c) => CSV_PLAIN_COLUMNS.has(c));

function csvLines(rows: readonly Cell[][]): string {
  let out = '';
  for (const r of rows) {
    let line = '';
    for (let i = 0; i < r.length; i++) {
      const v = r[i]!;
      if (i > 0) line += ',';
      line += CSV_PLAIN[i] ? (v === null ? '' : String(v)) : csvField(v);
    }
    out += line + '\r\n';
  }
  return out;
}

export const XLSX_BACKLOG_LIMIT = 1024 * 1024;
/** Excel's 1,048,576 rows per worksheet, less the header row. */
export const XLSX_MAX_DATA_ROWS = 1_048_575;

/**
 * Bytes exceljs holds for the sheet and has not yet handed to the zip deflater: its StreamBuf's
 * unread buffers plus what its pipe destinations buffer. Relies on exceljs 4 internals
 * (`WorksheetWriter.stream`, `StreamBuf.buffers/pipes`); if they change, this returns 0 and the
 * export still works, only without the memory bound (the benchmark's peak RSS would show it).
 * Exported for the store benchmark's exceljs-alone baseline, which waits on it the same way.
 */
export function xlsxBacklogBytes(sheet: unknown): number {
  type Pipe = { writableLength?: number; _writableState?: { length?: number } };
  const sb = (sheet as { stream?: { buffers?: unknown[]; pipes?: Pipe[] } }).stream;
  if (!sb) return 0;
  const buffered = (sb.buffers ?? []).length * 65536;
  // archiver's streams come from the readable-stream package, which has no writableLength.
  const piped = (sb.pipes ?? []).reduce((n, p) => n + (p.writableLength ?? p._writableState?.length ?? 0), 0);
  return buffered + piped;
}

async function writeChunk(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/**
 * Streams the matching entries into `out` and ends it. Resolves once `out` has finished; the
 * caller writes to a temporary file and renames it on success so a failed export leaves no file
 * that looks complete.
 */
export async function exportEntries(store: EntryStore, out: Writable, options: ExportOptions): Promise<ExportResult> {
  const MAX_DATE_MS = 8.64e15; // ECMAScript's last representable Date
  const inRange = (ms: number) => Number.isFinite(ms) && ms >= 0 && ms <= MAX_DATE_MS;
  if (!inRange(options.fromMs) || !inRange(options.toMs) || options.toMs <= options.fromMs) {
    throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', 'export range must have --from before --to');
  }
  if (!EXPORT_FORMATS.includes(options.format)) {
    throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', `unknown export format ${String(options.format)}; expected ${EXPORT_FORMATS.join(', ')}`);
  }
  const pageSize = Math.max(100, Math.min(20_000, options.pageSize ?? 1000));
  const decisionClause = options.decision ? 'AND e.decision = @decision' : '';
  const params = { from: options.fromMs, to: options.toMs, decision: options.decision ?? null };
  const db = connectionOf(store);
  const bounds = db
    .prepare(`SELECT min(seq) AS lo, max(seq) AS hi, count(*) AS n FROM entries e WHERE at_ms >= @from AND at_ms < @to ${decisionClause}`)
    .get(params) as { lo: number | null; hi: number | null; n: number };
  // Unary + keeps SQLite off the at_ms index here: the page must walk the primary key from `after`
  // (an at_ms index scan would sort the whole range for every page, O(N²)).
  const page = db
    .prepare(
      `SELECT ${PAGE_COLUMNS(options.reveal)} FROM entries e
        WHERE e.seq > @after AND e.seq <= @hi AND +e.at_ms >= @from AND +e.at_ms < @to ${decisionClause} ORDER BY e.seq LIMIT ${pageSize}`,
    )
    .raw(true);
  // Guard overrides are rare: one indexed range read per page, not a subquery per row.
  const overridesOf = db
    .prepare('SELECT entry_seq, decision, guard, note, at_ms FROM entry_overrides WHERE entry_seq >= ? AND entry_seq <= ? ORDER BY seq')
    .raw(true);
  const NO_OVERRIDE: Cell[] = [null, null, null, null];
  const pages = async function* (): AsyncGenerator<Cell[][]> {
    if (bounds.lo === null || bounds.hi === null) return;
    let after = bounds.lo - 1;
    for (;;) {
      const rows = page.all({ ...params, after, hi: bounds.hi }) as Cell[][];
      if (rows.length === 0) return;
      const first = rows[0]![0] as number;
      after = rows[rows.length - 1]![0] as number;
      const latest = new Map<number, Cell[]>();
      for (const o of overridesOf.all(first, after) as Cell[][]) {
        latest.set(o[0] as number, [o[1]!, o[2]!, o[3]!, new Date(o[4] as number).toISOString()]);
      }
      for (const r of rows) {
        r[AT] = new Date(r[AT] as number).toISOString();
        if (options.reveal) {
          r[NAME] = store.revealName(r[NAME] as unknown as Uint8Array | null);
          r[DOC] = store.revealDocumentNumber(r[DOC] as unknown as Uint8Array | null);
        }
        r.push(...(latest.get(r[0] as number) ?? NO_OVERRIDE));
      }
      yield rows;
    }
  };

  const auditSeq = store.beginAudit('export', {
    from: new Date(options.fromMs).toISOString(),
    to: new Date(options.toMs).toISOString(),
    decision: options.decision ?? null,
    format: options.format,
    revealed: options.reveal,
    requestedBy: options.requestedBy ?? null,
    rowsPlanned: bounds.n,
  });
  options.onAuditStarted?.(auditSeq);
  let written = 0;
  try {
    await writeAll();
  } catch (err) {
    const cancelled = options.signal?.aborted === true;
    const e = err as { reason?: unknown; detail?: unknown };
    try {
      store.finishAudit(auditSeq, cancelled ? 'cancelled' : 'failed', { rows: written, failure: cancelled ? null : { reason: e.reason ?? null, detail: e.detail ?? null } });
    } catch {
      // The storage itself failed: the row stays `started`, which reads as an interrupted export.
    }
    if (!out.destroyed) out.destroy();
    if (cancelled) throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', `the export was cancelled after ${written} rows`, { cause: err });
    throw err;
  }
  store.finishAudit(auditSeq, 'completed', { rows: written });
  return { rows: written, format: options.format, revealed: options.reveal };

  async function writeAll(): Promise<void> {
  const progress = () => {
    options.onProgress?.(written, bounds.n);
    options.signal?.throwIfAborted();
  };
  options.signal?.throwIfAborted();
  if (options.format === 'csv' || options.format === 'ndjson') {
    if (options.format === 'csv') await writeChunk(out, '\uFEFF' + csvLines([[...EXPORT_COLUMNS]]));
    for await (const cells of pages()) {
      const text =
        options.format === 'csv'
          ? csvLines(cells)
          : cells.map((c) => JSON.stringify(Object.fromEntries(EXPORT_COLUMNS.map((k, i) => [k, c[i]])))).join('\n') + '\n';
      await writeChunk(out, text);
      written += cells.length;
      progress();
    }
    out.end();
    await finished(out);
  } else if (options.format === 'xlsx') {
    // No styles and inline strings: shared strings would keep every distinct name in memory.
    // Loaded only for XLSX: exceljs adds ~25 MB to the process and CSV/NDJSON do not need it.
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false, zip: { zlib: { level: 1 } } });
    // A worksheet holds at most 1,048,576 rows (Excel's limit); larger exports continue on
    // `entries-2`, `entries-3`… each with the header row.
    const rowsPerSheet = Math.max(1, Math.min(XLSX_MAX_DATA_ROWS, Math.floor(options.xlsxRowsPerSheet ?? XLSX_MAX_DATA_ROWS)));
    let sheetNumber = 1;
    let rowsInSheet = 0;
    const newSheet = () => {
      const ws = workbook.addWorksheet(sheetNumber === 1 ? 'entries' : `entries-${sheetNumber}`);
      ws.addRow([...EXPORT_COLUMNS]).commit();
      rowsInSheet = 0;
      return ws;
    };
    let sheet = newSheet();
    for await (const rows of pages()) {
      for (const r of rows) {
        if (rowsInSheet === rowsPerSheet) {
          sheet.commit();
          sheetNumber++;
          sheet = newSheet();
        }
        sheet.addRow(r).commit();
        rowsInSheet++;
      }
      written += rows.length;
      progress();
      // exceljs's sheet buffer never signals back-pressure (its write() always returns true), so
      // without this wait the uncompressed XML of every row piles up in memory before the zip
      // deflater (~650 MB per million rows, measured). Wait until the deflater has taken it.
      while (xlsxBacklogBytes(sheet) > XLSX_BACKLOG_LIMIT || out.writableNeedDrain) {
        await new Promise<void>((resolve) => setTimeout(resolve, 1));
      }
    }
    sheet.commit();
    await workbook.commit();
    await finished(out);
  } else {
    throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', `unknown export format ${String(options.format)}`);
  }
  }
}
