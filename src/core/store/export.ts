// Export of the entry log for the authorities (docs/security.md "Exports"): CSV (UTF-8 with BOM, so Excel shows
// Chinese names), XLSX (exceljs's streaming WorkbookWriter: rows are zipped as they come, the
// workbook is never held in memory) or NDJSON. Rows are read in keyset pages by seq, each page a
// short read, so memory stays constant for any range and the kiosk keeps logging passages on the
// same connection meanwhile (a long-lived iterator would make the connection busy). Names and
// document numbers are masked unless `reveal` (the stored masked columns: a masked export never
// decrypts). The audit row is written BEFORE the first row is read and completed when the export
// ends, completed, failed or cancelled (docs/security.md), so no export goes unrecorded.
//
// CSV and XLSX are files for people at the venue as well as for machines (docs/security.md
// "Exports"): each time is given in the venue's time zone beside UTC, the header row and the reason
// texts are in the chosen language with the reason's machine code in its own column, and an XLSX
// has real date cells, column widths, a frozen header row and filters. The method and the document
// type are words too (an EU certificate's `DCC-V` reads "EU certificate: vaccination (DCC-V)", its
// code kept in brackets). NDJSON stays for machines: its keys and values are EXPORT_COLUMNS exactly.
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Language } from '../../contract/api.js';
import { REASON_TEXT } from '../../contract/reason-text.js';
import type { Decision, Reason } from '../../contract/reasons.js';
import type { EntryColumn } from './chain.js';
import { connectionOf, type EntryStore } from './entry-store.js';
import { StoreError } from './errors.js';
import { isTimeZone, kioskTimeZone, offsetAt as offsetInZone } from './local-days.js';

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
  /**
   * CSV/XLSX: header row and reason texts in this language (the reason code keeps its own column).
   * Absent: the header row is the machine column keys and reasons read in English.
   */
  language?: Language;
  /** CSV/XLSX: the venue's IANA time zone for the local-time column (default: the process's own). */
  timeZone?: string;
  pageSize?: number;
  /** XLSX rows per worksheet before continuing on the next (default and maximum: Excel's limit). */
  xlsxRowsPerSheet?: number;
  onProgress?: (rowsWritten: number, rowsTotal: number) => void;
  /** Aborting cancels the export between pages; the audit row then says `cancelled`. */
  signal?: AbortSignal;
  /** Called with the audit row's seq once it is written (before any row is read), and the rows planned. */
  onAuditStarted?: (auditSeq: number, rowsPlanned: number) => void;
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

/**
 * Column keys of a CSV or XLSX export (files for people): EXPORT_COLUMNS with the venue's local time
 * before UTC and the reason's machine code after its text.
 */
export const PEOPLE_COLUMNS = [
  ...EXPORT_COLUMNS.slice(0, EXPORT_COLUMNS.indexOf('time_utc')),
  'time_local',
  ...EXPORT_COLUMNS.slice(EXPORT_COLUMNS.indexOf('time_utc'), EXPORT_COLUMNS.indexOf('reason') + 1),
  'reason_code',
  ...EXPORT_COLUMNS.slice(EXPORT_COLUMNS.indexOf('reason') + 1),
] as const;
export type PeopleColumn = (typeof PEOPLE_COLUMNS)[number];

/** The header row of a CSV/XLSX export per language (`{tz}`: the time zone's name). */
export const EXPORT_HEADERS: Record<Language, Record<PeopleColumn, string>> = {
  'zh-CN': {
    seq: '序号',
    id: '记录编号',
    time_local: '当地时间（{tz}）',
    time_utc: '时间（UTC）',
    venue_id: '场所',
    kiosk_id: '设备',
    method: '核验方式',
    holder_name: '姓名',
    document_type: '证件类型',
    document_number: '证件号码',
    code_id: '健康码编号',
    code_issuer: '签发地',
    status_colour: '码色',
    temperature_c: '体温（°C）',
    decision: '结果',
    reason: '原因',
    reason_code: '原因代码',
    trust_list_seq: '密钥列表版本',
    override_decision: '人工处理结果',
    override_guard: '处理人',
    override_note: '处理备注',
    override_time_utc: '人工处理时间（UTC）',
  },
  en: {
    seq: 'Seq',
    id: 'Entry id',
    time_local: 'Local time ({tz})',
    time_utc: 'Time (UTC)',
    venue_id: 'Venue',
    kiosk_id: 'Kiosk',
    method: 'Method',
    holder_name: 'Name',
    document_type: 'Document type',
    document_number: 'Document number',
    code_id: 'Code id',
    code_issuer: 'Issuer',
    status_colour: 'Code colour',
    temperature_c: 'Temperature (°C)',
    decision: 'Decision',
    reason: 'Reason',
    reason_code: 'Reason code',
    trust_list_seq: 'Trust list seq',
    override_decision: 'Guard decision',
    override_guard: 'Guard',
    override_note: 'Guard note',
    override_time_utc: 'Guard decision time (UTC)',
  },
};

/** The method in words, per language (files for people; NDJSON keeps `code` / `card` / `both`). */
export const METHOD_WORDS: Record<Language, Record<string, string>> = {
  'zh-CN': { code: '扫码', card: '刷身份证', both: '扫码并刷身份证' },
  en: { code: 'Code', card: 'ID card', both: 'Code and ID card' },
};

/**
 * The document type in words, per language, the stored code in brackets after them: the card and
 * health-code types (id-number.ts) and an EU certificate's credential type (dcc-passage.ts). A type
 * not listed is written as stored.
 */
export const DOCUMENT_TYPE_WORDS: Record<Language, Record<string, string>> = {
  'zh-CN': {
    CN: '居民身份证',
    HMT: '港澳台居民居住证',
    FP: '外国人永久居留身份证',
    PP: '护照',
    'DCC-V': '欧盟证书：疫苗接种',
    'DCC-T': '欧盟证书：检测',
    'DCC-R': '欧盟证书：康复',
  },
  en: {
    CN: 'Resident ID card',
    HMT: 'HK/Macao/Taiwan residence permit',
    FP: 'Foreign permanent resident ID card',
    PP: 'Passport',
    'DCC-V': 'EU certificate: vaccination',
    'DCC-T': 'EU certificate: test',
    'DCC-R': 'EU certificate: recovery',
  },
};

/** The method and document type cells of a file for people, in `language`. */
function peopleWords(language: Language): { method: (v: Cell) => Cell; documentType: (v: Cell) => Cell } {
  const methods = METHOD_WORDS[language];
  const types = DOCUMENT_TYPE_WORDS[language];
  const [open, close] = language === 'zh-CN' ? ['（', '）'] : [' (', ')'];
  return {
    method: (v) => (typeof v === 'string' ? (methods[v] ?? v) : v),
    documentType: (v) => (typeof v === 'string' && types[v] !== undefined ? `${types[v]}${open}${v}${close}` : v),
  };
}

/** XLSX column widths in characters (a CJK character counts about two). */
const XLSX_WIDTHS: Record<PeopleColumn, number> = {
  seq: 9,
  id: 14,
  time_local: 20,
  time_utc: 20,
  venue_id: 14,
  kiosk_id: 14,
  method: 9,
  holder_name: 12,
  document_type: 22,
  document_number: 21,
  code_id: 24,
  code_issuer: 10,
  status_colour: 10,
  temperature_c: 11,
  decision: 10,
  reason: 34,
  reason_code: 22,
  trust_list_seq: 12,
  override_decision: 12,
  override_guard: 16,
  override_note: 24,
  override_time_utc: 20,
};

/** The header row for `language` (absent: the machine keys), naming the local column's time zone. */
export function exportHeader(language: Language | undefined, timeZone: string): string[] {
  return PEOPLE_COLUMNS.map((c) => (language ? EXPORT_HEADERS[language][c].replace('{tz}', timeZone) : c));
}

/** The kiosk process's own IANA time zone (TZ, else the system's): where the kiosk, and so the venue, is. */
export const processTimeZone = kioskTimeZone;

/**
 * `zone`'s offset from UTC at an instant, in ms (local-days.ts reads it from the zone's rules). Intl
 * is far too slow per row at a million rows, so offsets are cached per quarter hour (every zone's
 * transitions fall on a quarter hour). An unknown zone throws at once, before any row.
 */
export function zoneOffset(timeZone: string): (ms: number) => number {
  if (!isTimeZone(timeZone)) throw new RangeError(`unknown time zone ${timeZone}`);
  const cache = new Map<number, number>();
  return (ms: number) => {
    const bucket = Math.floor(ms / 900_000);
    let offset = cache.get(bucket);
    if (offset === undefined) {
      offset = offsetInZone(bucket * 900_000, timeZone);
      if (cache.size > 100_000) cache.clear();
      cache.set(bucket, offset);
    }
    return offset;
  };
}

const pad2 = (n: number) => (n < 10 ? '0' : '') + n;
/** `2026-11-21 17:00:05` for a wall-clock ms (a local time shifted into UTC), day prefixes cached. */
function wallClockText(): (wallMs: number) => string {
  const days = new Map<number, string>();
  return (wallMs: number) => {
    const day = Math.floor(wallMs / 86_400_000);
    let prefix = days.get(day);
    if (prefix === undefined) {
      prefix = new Date(day * 86_400_000).toISOString().slice(0, 10) + ' ';
      if (days.size > 10_000) days.clear();
      days.set(day, prefix);
    }
    const s = Math.floor((wallMs - day * 86_400_000) / 1000);
    return prefix + pad2(Math.floor(s / 3600)) + ':' + pad2(Math.floor(s / 60) % 60) + ':' + pad2(s % 60);
  };
}

/** Columns read per page, in EXPORT_COLUMNS order up to the override (raw arrays: no row objects). */
export const exportPageColumns = (reveal: boolean): EntryColumn[] =>
  EXPORT_ENTRY_COLUMNS.map((c) => {
    const source: EntryColumn | { masked: EntryColumn; revealed: EntryColumn } = EXPORT_SOURCES[c];
    return typeof source === 'string' ? source : reveal ? source.revealed : source.masked;
  });
const PAGE_COLUMNS = (reveal: boolean) => exportPageColumns(reveal).join(', ');
const AT = EXPORT_ENTRY_COLUMNS.indexOf('time_utc');
const REASON = EXPORT_COLUMNS.indexOf('reason');
const OVERRIDE_AT = EXPORT_COLUMNS.indexOf('override_time_utc');
const NAME = EXPORT_ENTRY_COLUMNS.indexOf('holder_name');
const METHOD = EXPORT_ENTRY_COLUMNS.indexOf('method');
const DOCUMENT_TYPE = EXPORT_ENTRY_COLUMNS.indexOf('document_type');
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
const CSV_PLAIN_COLUMNS = new Set<string>([
  'seq',
  'time_local',
  'time_utc',
  'method',
  'status_colour',
  'temperature_c',
  'decision',
  'reason_code',
  'trust_list_seq',
  'override_decision',
  'override_time_utc',
]);
/** Per EXPORT_COLUMNS index: written as is (see CSV_PLAIN_COLUMNS). */
const CSV_PLAIN_ENTRY = EXPORT_COLUMNS.map((c) => CSV_PLAIN_COLUMNS.has(c));

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

/** The date-time number format of the XLSX export's date cells. */
export const XLSX_DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/**
 * Date cells with date AND time. Full styles (useStyles) cost a style lookup per cell: a million-row
 * export measured ~40% slower with them. Without them exceljs gives every Date cell one style of its
 * own, date only (`mm-dd-yy`); this points that one style at a custom date-time format instead.
 * Relies on exceljs 4's style stub (`StylesXform.Mock`: `model.numFmts/styles`, `_dateStyleId`); if
 * that changes, the cells are still real dates, shown without the time (export.test.ts checks it).
 */
function dateCellsShowTime(workbook: unknown): void {
  type Stub = { model?: { numFmts?: unknown[]; styles?: unknown[] }; _dateStyleId?: number };
  const styles = (workbook as { styles?: Stub }).styles;
  if (!styles?.model?.numFmts || !styles.model.styles) return;
  const numFmtId = 164; // the first id for custom formats (ECMA-376 §18.8.30)
  styles.model.numFmts.push({ id: numFmtId, formatCode: XLSX_DATE_TIME_FORMAT });
  styles._dateStyleId = styles.model.styles.length;
  styles.model.styles.push({ numFmtId, fontId: 0, fillId: 0, borderId: 0, xfId: 0 });
}

/** `A`…`Z`, `AA`…: the spreadsheet letter of a 1-based column number. */
function columnLetter(n: number): string {
  let out = '';
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) out = String.fromCharCode(65 + ((k - 1) % 26)) + out;
  return out;
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
  /** Pages of EXPORT_COLUMNS cells, times still in UTC ms (each format writes them its own way). */
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
        latest.set(o[0] as number, [o[1]!, o[2]!, o[3]!, o[4]!]);
      }
      for (const r of rows) {
        if (options.reveal) {
          r[NAME] = store.revealName(r[NAME] as unknown as Uint8Array | null);
          r[DOC] = store.revealDocumentNumber(r[DOC] as unknown as Uint8Array | null);
        }
        r.push(...(latest.get(r[0] as number) ?? NO_OVERRIDE));
      }
      yield rows;
    }
  };

  const timeZone = options.timeZone ?? processTimeZone();
  let offsetAt: (ms: number) => number;
  try {
    offsetAt = zoneOffset(timeZone);
  } catch {
    throw new StoreError('BAD_REQUEST', 'INVALID_ENTRY', `unknown time zone ${JSON.stringify(timeZone)}; expected an IANA name such as Asia/Shanghai`);
  }
  const header = exportHeader(options.language, timeZone);
  const reasonText = REASON_TEXT[options.language ?? 'en'];
  // Worded as the reasons are: in the chosen language, English without one.
  const words = peopleWords(options.language ?? 'en');
  /** An EXPORT_COLUMNS row as PEOPLE_COLUMNS cells: local time added, method and document type in words, reason in words beside its code. */
  const forPeople = (c: Cell[], local: Cell | Date, utc: Cell | Date, overrideAt: Cell | Date): (Cell | Date)[] => {
    const reason = c[REASON] as Reason | null;
    return [
      c[0]!, c[1]!, local, utc, c[3]!, c[4]!, words.method(c[5]!), c[6]!, words.documentType(c[7]!), c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!,
      reason === null ? null : (reasonText[reason] ?? reason), reason,
      c[15]!, c[16]!, c[17]!, c[18]!, overrideAt,
    ];
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
  options.onAuditStarted?.(auditSeq, bounds.n);
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
    // The BOM makes Excel read UTF-8 (Chinese names); CRLF line ends are what it writes itself.
    if (options.format === 'csv') await writeChunk(out, '\uFEFF' + header.map(csvField).join(',') + '\r\n');
    const text = wallClockText();
    for await (const cells of pages()) {
      let chunk: string;
      if (options.format === 'csv') {
        // Straight into the line, no row of people's cells in between: at a million rows every
        // array per row shows in the export's time and its peak memory.
        chunk = '';
        for (const c of cells) {
          const at = c[AT] as number;
          let line = `${c[0]},${csvField(c[1]!)},${text(at + offsetAt(at))},${new Date(at).toISOString()}`;
          c[METHOD] = words.method(c[METHOD]!);
          c[DOCUMENT_TYPE] = words.documentType(c[DOCUMENT_TYPE]!);
          for (let i = AT + 1; i < REASON; i++) line += ',' + (CSV_PLAIN_ENTRY[i] ? (c[i] === null ? '' : String(c[i])) : csvField(c[i]!));
          const reason = c[REASON] as Reason | null;
          line += reason === null ? ',,' : `,${csvField(reasonText[reason] ?? reason)},${reason}`;
          for (let i = REASON + 1; i < OVERRIDE_AT; i++) line += ',' + (CSV_PLAIN_ENTRY[i] ? (c[i] === null ? '' : String(c[i])) : csvField(c[i]!));
          const o = c[OVERRIDE_AT];
          chunk += line + (o === null ? ',' : `,${new Date(o as number).toISOString()}`) + '\r\n';
        }
      } else {
        chunk = '';
        for (const c of cells) {
          c[AT] = new Date(c[AT] as number).toISOString();
          if (c[OVERRIDE_AT] !== null) c[OVERRIDE_AT] = new Date(c[OVERRIDE_AT] as number).toISOString();
          chunk += JSON.stringify(Object.fromEntries(EXPORT_COLUMNS.map((k, i) => [k, c[i]]))) + '\n';
        }
      }
      await writeChunk(out, chunk);
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
    dateCellsShowTime(workbook);
    const lastColumn = columnLetter(PEOPLE_COLUMNS.length);
    // A worksheet holds at most 1,048,576 rows (Excel's limit); larger exports continue on
    // `entries-2`, `entries-3`… each with the header row.
    const rowsPerSheet = Math.max(1, Math.min(XLSX_MAX_DATA_ROWS, Math.floor(options.xlsxRowsPerSheet ?? XLSX_MAX_DATA_ROWS)));
    let sheetNumber = 1;
    let rowsInSheet = 0;
    const newSheet = () => {
      // Frozen header row and filters on it, so the sheet reads like a table from the first click.
      const ws = workbook.addWorksheet(sheetNumber === 1 ? 'entries' : `entries-${sheetNumber}`, {
        views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }],
      });
      ws.columns = PEOPLE_COLUMNS.map((c) => ({ key: c, width: XLSX_WIDTHS[c] }));
      ws.autoFilter = `A1:${lastColumn}1`;
      ws.addRow(header).commit();
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
        // Excel date cells hold the wall-clock time: the local column is the instant shifted by the offset.
        const at = r[AT] as number;
        const o = r[OVERRIDE_AT] as number | null;
        sheet.addRow(forPeople(r, new Date(at + offsetAt(at)), new Date(at), o === null ? null : new Date(o))).commit();
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
