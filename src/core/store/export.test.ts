import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { DEMO_PEOPLE } from '../demo/people.js';
import { EntryStore } from './entry-store.js';
import { exportEntries, exportHeader, EXPORT_COLUMNS, EXPORT_HEADERS, PEOPLE_COLUMNS, zoneOffset, type ExportOptions } from './export.js';
import { EXPORT_PROCESS_NICE, exportInChildProcess } from './export-process.js';
import { getPriority } from 'node:os';
import { parseCsv, samplePassage, tempDataDir } from './test-support.js';
import { REASON_TEXT } from '../../contract/reason-text.js';

const zhang = DEMO_PEOPLE[0]!;
const li = DEMO_PEOPLE[1]!;
const t0 = Date.UTC(2026, 10, 20, 1, 0, 0);
let tmp: ReturnType<typeof tempDataDir>;
let store: EntryStore;

beforeEach(() => {
  tmp = tempDataDir('kiosk-export-');
  store = EntryStore.open(tmp.dir);
  store.append(samplePassage({ at: t0 - 1 })); // before the range
  store.append(samplePassage({ at: t0 }));
  store.append(samplePassage({ at: t0 + 1000, holderName: li.name, documentNumber: li.idNumber, decision: 'deny', reason: 'FEVER', temperatureC: 38.2 }));
  // A name with a comma, a quote and a formula-looking start: CSV must quote and defuse it.
  store.append(samplePassage({ at: t0 + 2000, holderName: '=HYPERLINK("x"),李', decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null }));
  store.addOverride({ entry: { seq: 4 }, decision: 'admit', guard: 'guard-07', note: 'hand thermometer, 36.4', at: t0 + 3000 });
  store.append(samplePassage({ at: t0 + 86_400_000 })); // after the range
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

async function exportTo(name: string, options: Partial<ExportOptions> & Pick<ExportOptions, 'format'>): Promise<{ file: string; rows: number }> {
  const file = join(tmp.dir, name);
  const r = await exportEntries(store, createWriteStream(file), { fromMs: t0, toMs: t0 + 86_400_000, reveal: false, ...options });
  return { file, rows: r.rows };
}

describe('exportEntries', () => {
  it('writes CSV with a UTF-8 BOM, a header, the range only, masked names and numbers and the guard override', async () => {
    const { file, rows } = await exportTo('out.csv', { format: 'csv' });
    expect(rows).toBe(3);
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const table = parseCsv(bytes.subarray(3).toString('utf8'));
    expect(table[0]).toEqual([...PEOPLE_COLUMNS]);
    expect(table).toHaveLength(4);
    const col = (name: string) => PEOPLE_COLUMNS.indexOf(name as (typeof PEOPLE_COLUMNS)[number]);
    expect(table.slice(1).map((r) => r[col('seq')])).toEqual(['2', '3', '4']);
    expect(table[1]![col('holder_name')]).toBe('张*');
    expect(table[1]![col('document_number')]).toBe('3301**********' + zhang.idNumber.slice(-4));
    expect(table[1]![col('time_utc')]).toBe(new Date(t0).toISOString());
    expect(table[3]![col('temperature_c')]).toBe('');
    expect(table[3]!.slice(col('override_decision'))).toEqual(['admit', 'guard-07', 'hand thermometer, 36.4', new Date(t0 + 3000).toISOString()]);
    for (const secret of [zhang.idNumber, zhang.name, li.name, li.idNumber, 'HYPERLINK']) expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
  });

  it('quotes and defuses a formula-looking name in a revealed CSV', async () => {
    const { file } = await exportTo('revealed.csv', { format: 'csv', reveal: true });
    const table = parseCsv(readFileSync(file).subarray(3).toString('utf8'));
    const col = (name: string) => PEOPLE_COLUMNS.indexOf(name as (typeof PEOPLE_COLUMNS)[number]);
    expect(table[1]![col('holder_name')]).toBe(zhang.name);
    expect(table[3]![col('holder_name')]).toBe('\'=HYPERLINK("x"),李');
  });

  it('reveals document numbers only when asked, and audits every export', async () => {
    const { file } = await exportTo('revealed.csv', { format: 'csv', reveal: true, requestedBy: 'admin-1' });
    expect(readFileSync(file, 'utf8')).toContain(li.idNumber);
    await exportTo('masked.ndjson', { format: 'ndjson', decision: 'deny' });
    const [masked, revealed] = store.auditLog(2);
    expect(revealed).toMatchObject({ action: 'export', outcome: 'completed', detail: { format: 'csv', rows: 3, revealed: true, requestedBy: 'admin-1', from: new Date(t0).toISOString() } });
    expect(masked).toMatchObject({ action: 'export', detail: { format: 'ndjson', rows: 1, revealed: false, decision: 'deny' } });
    expect(JSON.stringify(store.auditLog())).not.toContain(li.idNumber);
  });

  it('writes the audit row before any row is read and completes it when the export is cancelled or fails', async () => {
    const cancel = new AbortController();
    const atStart: Array<ReturnType<EntryStore['auditLog']>[number]> = [];
    const cancelled = exportEntries(store, createWriteStream(join(tmp.dir, 'c.csv')), {
      fromMs: t0,
      toMs: t0 + 86_400_000,
      format: 'csv',
      reveal: true,
      requestedBy: 'admin-1',
      signal: cancel.signal,
      onAuditStarted: () => atStart.push(store.auditLog(1)[0]!),
      onProgress: () => cancel.abort(),
    });
    await expect(cancelled).rejects.toMatchObject({ reason: 'BAD_REQUEST', message: expect.stringContaining('cancelled') });
    expect(atStart[0]).toMatchObject({ action: 'export', outcome: 'started', endedAt: null, detail: { revealed: true, requestedBy: 'admin-1', rowsPlanned: 3 } });
    expect(store.auditLog(1)[0]).toMatchObject({ seq: atStart[0]!.seq, outcome: 'cancelled', detail: { rows: 3 } });
    expect(store.auditLog(1)[0]!.endedAt).not.toBeNull();

    const failingDisk = new Writable({ write: (_chunk, _enc, done) => done(Object.assign(new Error('disk gone'), { code: 'EIO' })) });
    await expect(exportEntries(store, failingDisk, { fromMs: t0, toMs: t0 + 86_400_000, format: 'ndjson', reveal: false })).rejects.toThrow();
    expect(store.auditLog(1)[0]).toMatchObject({ action: 'export', outcome: 'failed', detail: { revealed: false } });
  });

  it('writes NDJSON objects keyed by column, filtered by decision', async () => {
    const { file, rows } = await exportTo('deny.ndjson', { format: 'ndjson', decision: 'deny' });
    expect(rows).toBe(1);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ seq: 3, holder_name: '李*', decision: 'deny', reason: 'FEVER', temperature_c: 38.2, override_decision: null });
    expect(lines[0]!.document_number).toBe(li.idNumber.slice(0, 4) + '*'.repeat(10) + li.idNumber.slice(-4));
  });

  it('writes an XLSX workbook that Excel readers open, Chinese intact', async () => {
    const { file, rows } = await exportTo('out.xlsx', { format: 'xlsx' });
    expect(rows).toBe(3);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const sheet = wb.getWorksheet('entries')!;
    expect(sheet.rowCount).toBe(4);
    expect(sheet.getRow(1).values).toEqual([undefined, ...PEOPLE_COLUMNS]);
    const nameCol = PEOPLE_COLUMNS.indexOf('holder_name') + 1;
    expect(sheet.getRow(3).getCell(nameCol).value).toBe('李*');
    expect(sheet.getRow(4).getCell(PEOPLE_COLUMNS.indexOf('override_guard') + 1).value).toBe('guard-07');
  });

  it('writes CSV for people: header and reasons in the chosen language, the code beside, local time beside UTC, CRLF', async () => {
    const { file } = await exportTo('zh.csv', { format: 'csv', language: 'zh-CN', timeZone: 'Asia/Shanghai' });
    const text = readFileSync(file).subarray(3).toString('utf8');
    expect(text.split('\r\n')).toHaveLength(5); // header, three rows, the empty tail after the last CRLF
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    const table = parseCsv(text);
    expect(table[0]).toEqual(exportHeader('zh-CN', 'Asia/Shanghai'));
    expect(table[0]).toContain('当地时间（Asia/Shanghai）');
    const col = (name: (typeof PEOPLE_COLUMNS)[number]) => PEOPLE_COLUMNS.indexOf(name);
    // t0 is 01:00 UTC, 09:00 in Shanghai (UTC+8).
    expect(table[1]![col('time_local')]).toBe('2026-11-20 09:00:00');
    expect(table[1]![col('time_utc')]).toBe(new Date(t0).toISOString());
    expect(table[2]![col('reason')]).toBe(REASON_TEXT['zh-CN'].FEVER);
    expect(table[2]![col('reason_code')]).toBe('FEVER');
    const en = parseCsv(readFileSync((await exportTo('en.csv', { format: 'csv', language: 'en', timeZone: 'America/New_York' })).file).subarray(3).toString('utf8'));
    expect(en[0]![col('time_local')]).toBe('Local time (America/New_York)');
    expect(en[1]![col('time_local')]).toBe('2026-11-19 20:00:00'); // EST, UTC-5 in November
    expect(en[2]![col('reason')]).toBe(REASON_TEXT.en.FEVER);
    await expect(exportEntries(store, new PassThrough(), { fromMs: t0, toMs: t0 + 1, format: 'csv', reveal: false, timeZone: 'Mars/Olympus' })).rejects.toMatchObject({
      reason: 'BAD_REQUEST',
    });
  });

  it('words the method and the document type for people (an EU certificate as one), the code in brackets; NDJSON keeps the codes', async () => {
    const dcc = { holderName: 'Erika Musterfrau', documentNumber: null, codeId: 'ab'.repeat(16), statusColour: null, trustListSeq: null } as const;
    store.append(samplePassage({ ...dcc, at: t0 + 4000, documentType: 'DCC-V', codeIssuer: 'AT' }));
    store.append(samplePassage({ ...dcc, at: t0 + 5000, documentType: 'DCC-T', codeIssuer: 'DE', decision: 'deny', reason: 'DCC_TEST_TOO_OLD' }));
    store.append(samplePassage({ ...dcc, at: t0 + 6000, method: 'both', documentType: 'DCC-R', codeIssuer: 'AT', documentNumber: li.idNumber, decision: 'review', reason: 'DCC_CARD_UNMATCHED' }));
    store.append(samplePassage({ at: t0 + 7000, method: 'card', codeId: null, codeIssuer: null, documentType: 'XX' }));
    const col = (name: (typeof PEOPLE_COLUMNS)[number]) => PEOPLE_COLUMNS.indexOf(name);
    const zh = parseCsv(readFileSync((await exportTo('zh-words.csv', { format: 'csv', language: 'zh-CN', timeZone: 'Asia/Shanghai' })).file).subarray(3).toString('utf8'));
    const rows = (t: string[][]) => t.slice(1).map((r) => [r[col('method')], r[col('document_type')]]);
    expect(rows(zh)).toEqual([
      ['扫码', '居民身份证（CN）'],
      ['扫码', '居民身份证（CN）'],
      ['扫码', '居民身份证（CN）'],
      ['扫码', '欧盟证书：疫苗接种（DCC-V）'],
      ['扫码', '欧盟证书：检测（DCC-T）'],
      ['扫码并刷身份证', '欧盟证书：康复（DCC-R）'],
      ['刷身份证', 'XX'], // a type the export does not know: as stored
    ]);
    expect(zh[5]![col('reason')]).toBe(REASON_TEXT['zh-CN'].DCC_TEST_TOO_OLD);
    // No two columns share a header, even on a kiosk whose own zone is UTC.
    for (const language of ['zh-CN', 'en'] as const) expect(new Set(exportHeader(language, 'UTC')).size).toBe(PEOPLE_COLUMNS.length);
    const { file } = await exportTo('en-words.xlsx', { format: 'xlsx', language: 'en', timeZone: 'UTC' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const sheet = wb.getWorksheet('entries')!;
    expect(sheet.getRow(1).getCell(col('time_local') + 1).value).toBe('Local time (UTC)');
    expect(sheet.getRow(1).getCell(col('time_utc') + 1).value).toBe('Time (UTC)');
    expect([sheet.getRow(5).getCell(col('method') + 1).value, sheet.getRow(5).getCell(col('document_type') + 1).value]).toEqual(['Code', 'EU certificate: vaccination (DCC-V)']);
    expect([sheet.getRow(7).getCell(col('method') + 1).value, sheet.getRow(7).getCell(col('document_type') + 1).value]).toEqual(['Code and ID card', 'EU certificate: recovery (DCC-R)']);
    expect(sheet.getRow(8).getCell(col('method') + 1).value).toBe('ID card');
    // For machines the codes stay codes.
    const lines = readFileSync((await exportTo('codes.ndjson', { format: 'ndjson', language: 'zh-CN' })).file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(lines[0]!)).toEqual([...EXPORT_COLUMNS]);
    expect(lines.slice(3).map((l) => [l.method, l.document_type])).toEqual([['code', 'DCC-V'], ['code', 'DCC-T'], ['both', 'DCC-R'], ['card', 'XX']]);
  });

  it('knows a zone offset on both sides of a daylight-saving change', () => {
    const ny = zoneOffset('America/New_York');
    expect(ny(Date.UTC(2026, 2, 8, 6, 59))).toBe(-5 * 3_600_000); // 01:59 EST
    expect(ny(Date.UTC(2026, 2, 8, 7, 0))).toBe(-4 * 3_600_000); // 03:00 EDT
    expect(zoneOffset('Asia/Kathmandu')(t0)).toBe(5.75 * 3_600_000);
  });

  it('writes XLSX for people: real date cells with a date-time format, widths, a frozen header row and filters', async () => {
    const { file } = await exportTo('zh.xlsx', { format: 'xlsx', language: 'zh-CN', timeZone: 'Asia/Shanghai' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const sheet = wb.getWorksheet('entries')!;
    const col = (name: (typeof PEOPLE_COLUMNS)[number]) => PEOPLE_COLUMNS.indexOf(name) + 1;
    expect(sheet.getRow(1).getCell(col('holder_name')).value).toBe(EXPORT_HEADERS['zh-CN'].holder_name);
    const local = sheet.getRow(2).getCell(col('time_local'));
    const utc = sheet.getRow(2).getCell(col('time_utc'));
    // A date cell holds the wall-clock time: Shanghai's 09:00 reads back as 09:00 "UTC" in the reader.
    expect(local.value).toBeInstanceOf(Date);
    expect((local.value as Date).toISOString()).toBe('2026-11-20T09:00:00.000Z');
    expect((utc.value as Date).toISOString()).toBe(new Date(t0).toISOString());
    expect(local.numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(sheet.getRow(4).getCell(col('override_time_utc')).value).toBeInstanceOf(Date);
    expect(sheet.getRow(3).getCell(col('reason')).value).toBe(REASON_TEXT['zh-CN'].FEVER);
    expect(sheet.getRow(3).getCell(col('reason_code')).value).toBe('FEVER');
    expect(sheet.getRow(3).getCell(col('temperature_c')).value).toBe(38.2);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.autoFilter).toBe(`A1:V1`);
    expect(PEOPLE_COLUMNS).toHaveLength(22); // V is the 22nd column
    expect(sheet.getColumn(col('document_number')).width).toBeGreaterThanOrEqual(18);
    expect(sheet.getColumn(col('reason')).width).toBeGreaterThan(20);
  });

  it('continues on a new worksheet, header repeated, past the rows-per-sheet limit', async () => {
    const { file } = await exportTo('split.xlsx', { format: 'xlsx', xlsxRowsPerSheet: 2 });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => [w.name, w.rowCount])).toEqual([
      ['entries', 3],
      ['entries-2', 2],
    ]);
    expect(wb.getWorksheet('entries-2')!.getRow(2).getCell(1).value).toBe(4);
  });

  it('exports an empty range as a header only', async () => {
    const file = join(tmp.dir, 'empty.csv');
    const r = await exportEntries(store, createWriteStream(file), { fromMs: 0, toMs: 1000, format: 'csv', reveal: false });
    expect(r.rows).toBe(0);
    expect(parseCsv(readFileSync(file, 'utf8').slice(1))).toHaveLength(1);
  });

  it('refuses an inverted or impossible range with BAD_REQUEST', async () => {
    await expect(exportEntries(store, new PassThrough(), { fromMs: t0, toMs: t0, format: 'csv', reveal: false })).rejects.toMatchObject({ reason: 'BAD_REQUEST' });
    await expect(exportEntries(store, new PassThrough(), { fromMs: 0, toMs: 9e15, format: 'csv', reveal: false })).rejects.toMatchObject({ reason: 'BAD_REQUEST' });
    await expect(exportEntries(store, new PassThrough(), { fromMs: 0, toMs: 1000, format: 'pdf' as never, reveal: false })).rejects.toMatchObject({ reason: 'BAD_REQUEST' });
  });

  it('pages through more rows than one page holds, in seq order', async () => {
    const more = Array.from({ length: 2500 }, (_, i) => samplePassage({ at: t0 + 10_000 + i }));
    store.appendBatch(more);
    const { file, rows } = await exportTo('many.ndjson', { format: 'ndjson', pageSize: 700 });
    expect(rows).toBe(2503);
    const seqs = readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(2503);
  });
});

describe('exportInChildProcess', () => {
  it('runs the export process at the lowest CPU priority, so passages are never behind it', async () => {
    store.close();
    let priority: number | null = null;
    await exportInChildProcess(tmp.dir, join(tmp.dir, 'nice.csv'), { fromMs: t0, toMs: t0 + 86_400_000, format: 'csv', reveal: false }, {
      onSpawn: (pid) => {
        priority = getPriority(pid);
      },
    });
    expect(priority).toBe(EXPORT_PROCESS_NICE);
    store = EntryStore.open(tmp.dir);
  });

  it('exports in its own process, reporting progress, the result and its peak memory', async () => {
    store.close();
    const file = join(tmp.dir, 'child.csv');
    const progress: number[] = [];
    const r = await exportInChildProcess(tmp.dir, file, { fromMs: t0, toMs: t0 + 86_400_000, format: 'csv', reveal: false, onProgress: (n) => progress.push(n) });
    expect(r).toMatchObject({ rows: 3, format: 'csv', revealed: false });
    expect(r.peakRssMB).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(3);
    expect(readFileSync(file, 'utf8').trim().split('\r\n')).toHaveLength(4);
    store = EntryStore.open(tmp.dir);
    expect(store.auditLog(1)[0]).toMatchObject({ action: 'export', detail: { rows: 3 } });
  });

  it("rejects with the child's StoreError reason, and audits an export that failed before its process audited it", async () => {
    await expect(exportInChildProcess(tmp.dir, join(tmp.dir, 'x.csv'), { fromMs: 10, toMs: 5, format: 'csv', reveal: false, requestedBy: 'admin-1' })).rejects.toMatchObject({
      reason: 'BAD_REQUEST',
      detail: 'INVALID_ENTRY',
    });
    expect(store.auditLog(1)[0]).toMatchObject({ action: 'export', outcome: 'failed', detail: { requestedBy: 'admin-1', rows: 0, failure: { reason: 'BAD_REQUEST' } } });
    expect(store.auditLog(1)[0]!.endedAt).not.toBeNull();
  });
});
