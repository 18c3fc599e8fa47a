// The export job from the admin console, with real parts: a real SQLite entry log in a temp data
// directory, the real export process (store/export-process.ts), the real admin sessions and PIN gate,
// and calls through the hosts' own dispatcher (validated both ways against the contract). Only time
// is a ManualClock (the file's expiry).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPORT_DOWNLOAD_PATH, type CallContext, type KioskEvent, type MethodName, type MethodRequest, type MethodResponse, type Result } from '../../contract/api.js';
import { dispatchCall } from '../../contract/dispatch.js';
import { DEMO_PEOPLE } from '../demo/people.js';
import { makeDemoPki } from '../codes/pki.js';
import { ListCache } from '../codes/list-cache.js';
import { kioskConfigSchema } from '../config/config.js';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { ManualClock } from '../checkpoint/clock.js';
import { createCheckpointService, type CheckpointService } from '../checkpoint/service.js';
import { EntryStore } from '../store/entry-store.js';
import { seedEntries } from '../store/seed.js';
import { samplePassage } from '../store/test-support.js';
import { EXPORTS_DIR, FILE_TTL_MS, exportRange } from './export-methods.js';

// The kiosk's own time zone is the venue's: the export reads the process's (TZ).
process.env.TZ = 'Asia/Shanghai';
const T0 = Date.UTC(2026, 10, 21, 1, 0, 0); // 09:00 in Shanghai
const PIN = '2468';
const screen: CallContext = { host: 'browser', clientId: 'screen-1/session-aaaa' };
const other: CallContext = { host: 'browser', clientId: 'screen-2/session-bbbb' };
const zhang = DEMO_PEOPLE[0]!;

let dir: string;
let store: EntryStore;
let clock: ManualClock;
let cp: CheckpointService;
let events: KioskEvent[];

function call<M extends MethodName>(method: M, request: MethodRequest<M> | Record<string, unknown>, context = screen): Promise<Result<MethodResponse<M>>> {
  return dispatchCall(cp.service, method, request, context) as never;
}
async function openSession(context = screen): Promise<string> {
  const r = await call('openAdminSession', { pin: PIN }, context);
  if (!r.ok) throw new Error(r.message);
  return r.value.session;
}
/** Waits for the job's end as the console does: the exportProgress event that is not `running`. */
function ended(jobId: string): Promise<KioskEvent & { type: 'exportProgress' }> {
  return new Promise((resolve) => {
    const seen = events.find((e) => e.type === 'exportProgress' && e.jobId === jobId && e.state !== 'running');
    if (seen) return resolve(seen as never);
    const off = cp.service.subscribe((e) => {
      if (e.type === 'exportProgress' && e.jobId === jobId && e.state !== 'running') {
        off();
        resolve(e);
      }
    });
  });
}
const exportsDir = () => join(dir, EXPORTS_DIR);
const filesInExports = () => (existsSync(exportsDir()) ? readdirSync(exportsDir()) : []);
const exportAudits = () => store.auditLog(50).filter((a) => a.action === 'export');
const tokenOf = (url: string | null) => (url ?? '').slice(EXPORT_DOWNLOAD_PATH.length);
const range = { from: '2026-11-21', to: '2026-11-21', decision: 'any', format: 'csv', reveal: false, language: 'zh-CN' } as const;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-export-jobs-'));
  const pki = makeDemoPki({ seed: 'export-jobs-tests', now: Math.floor(T0 / 1000) });
  const lists = new ListCache(dir, pki.roots).load();
  store = EntryStore.open(dir);
  clock = new ManualClock(T0 + 3_600_000);
  store.append(samplePassage({ at: Date.UTC(2026, 10, 20, 15, 59, 59) })); // 23:59:59 on the 20th in Shanghai: outside
  store.append(samplePassage({ at: T0 }));
  store.append(samplePassage({ at: T0 + 1000, decision: 'deny', reason: 'FEVER', temperatureC: 38.4 }));
  store.append(samplePassage({ at: Date.UTC(2026, 10, 21, 16, 0, 0) })); // 00:00 on the 22nd in Shanghai: outside
  events = [];
  cp = createCheckpointService({
    config: kioskConfigSchema.parse({ kioskId: 'kiosk-export', roots: pki.roots, admin: { pin: hashAdminPin(PIN) } }),
    store,
    lists,
    devices: null,
    clock,
    exportsFrom: { dataDir: dir },
    statusTick: { everyMs: 3_600_000, clockEveryMs: 3_600_000 },
    log: () => {},
  });
  cp.service.subscribe((e) => events.push(e));
});
afterEach(() => {
  cp.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('exportRange', () => {
  it('takes venue-local days whole, and date-times as given', () => {
    expect(exportRange('2026-11-21', '2026-11-21', 'Asia/Shanghai')).toEqual({ fromMs: Date.UTC(2026, 10, 20, 16), toMs: Date.UTC(2026, 10, 21, 16) });
    // A day with a daylight-saving change is 23 hours long in New York.
    const ny = exportRange('2026-03-08', '2026-03-08', 'America/New_York') as { fromMs: number; toMs: number };
    expect(ny).toEqual({ fromMs: Date.UTC(2026, 2, 8, 5), toMs: Date.UTC(2026, 2, 9, 4) });
    expect(exportRange('2026-11-21T01:00:00Z', '2026-11-21T03:00:00+01:00', 'UTC')).toEqual({ fromMs: T0, toMs: T0 + 3_600_000 });
    expect(exportRange('2026-11-21T01:00:00Z', '2026-11-21T02:00:00+01:00', 'UTC')).toHaveProperty('error');
    expect(exportRange('2026-11-22', '2026-11-21', 'UTC')).toHaveProperty('error');
  });
});

describe('export jobs', () => {
  it('exports the range as a job, then serves the file once to its own screen and admin session, and audits both', async () => {
    const session = await openSession();
    const started = await call('startExport', { session, ...range });
    expect(started).toMatchObject({ ok: true, value: { total: 2 } });
    if (!started.ok) return;
    const end = await ended(started.value.jobId);
    expect(end).toMatchObject({ state: 'done', rowsDone: 2, total: 2 });
    const job = await call('getExportJob', { session, jobId: started.value.jobId });
    expect(job).toMatchObject({ ok: true, value: { state: 'done', file: 'ready', fileName: 'entries-2026-11-21_2026-11-21-masked.csv', saveable: false } });
    if (!job.ok) return;
    expect(job.value.downloadUrl).toMatch(new RegExp(`^${EXPORT_DOWNLOAD_PATH}[A-Za-z0-9_-]{40,}$`));
    // Another screen is never given the link.
    expect((await call('getExportJob', { session: await openSession(other), jobId: started.value.jobId }, other)).ok).toBe(false);

    const download = cp.exports.takeDownload(tokenOf(job.value.downloadUrl), screen.clientId);
    expect(download).not.toBeNull();
    const text = readFileSync(download!.path, 'utf8');
    expect(download!.size).toBe(statSync(download!.path).size);
    expect(download!.contentType).toBe('text/csv; charset=utf-8');
    // Both rows of the day, masked, local time beside UTC, reason in words and code.
    expect(text.split('\r\n').filter((l) => l.length > 0)).toHaveLength(3);
    expect(text).toContain('2026-11-21 09:00:00');
    expect(text).toContain('FEVER');
    expect(text).not.toContain(zhang.idNumber);
    download!.done(true);
    expect(filesInExports()).toEqual([]);
    // Single use: the same token again finds nothing.
    expect(cp.exports.takeDownload(tokenOf(job.value.downloadUrl), screen.clientId)).toBeNull();
    expect((await call('getExportJob', { session, jobId: started.value.jobId })).ok && (await call('getExportJob', { session, jobId: started.value.jobId }))).toMatchObject({
      value: { file: 'delivered', downloadUrl: null },
    });
    expect(exportAudits()[0]).toMatchObject({ outcome: 'completed', detail: { rows: 2, revealed: false, format: 'csv' } });
    expect(store.auditLog(50).find((a) => a.action === 'export-downloaded')).toMatchObject({ detail: { rows: 2, revealed: false } });
  });

  it('asks the PIN again before revealing, and the revealed file holds the names and numbers', async () => {
    const session = await openSession();
    expect(await call('startExport', { session, ...range, reveal: true })).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(await call('startExport', { session, ...range, reveal: true, pin: '1111' })).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(filesInExports()).toEqual([]);
    const started = await call('startExport', { session, ...range, reveal: true, pin: PIN, format: 'xlsx', language: 'en' });
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    expect(await ended(started.value.jobId)).toMatchObject({ state: 'done' });
    const job = await call('getExportJob', { session, jobId: started.value.jobId });
    if (!job.ok) throw new Error(job.message);
    expect(job.value).toMatchObject({ revealed: true, fileName: 'entries-2026-11-21_2026-11-21-revealed.xlsx' });
    const download = cp.exports.takeDownload(tokenOf(job.value.downloadUrl), screen.clientId)!;
    expect(download.contentType).toContain('spreadsheetml');
    const { default: ExcelJS } = await import('exceljs');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(download.path);
    const values = JSON.stringify(wb.getWorksheet('entries')!.getSheetValues());
    expect(values).toContain(zhang.idNumber);
    expect(values).toContain(zhang.name);
    download.done(true);
    expect(store.auditLog(50).some((a) => a.action === 'admin-reconfirmed')).toBe(true);
  });

  it('runs one export at a time: a second is refused with EXPORT_RUNNING and audited as failed', async () => {
    const session = await openSession();
    const first = call('startExport', { session, ...range });
    const second = await call('startExport', { session, ...range, format: 'xlsx' });
    expect(second).toMatchObject({ ok: false, reason: 'EXPORT_RUNNING' });
    const done = await first;
    if (!done.ok) throw new Error(done.message);
    await ended(done.value.jobId);
    const audits = exportAudits();
    expect(audits.find((a) => a.outcome === 'failed')).toMatchObject({ detail: { format: 'xlsx', failure: { reason: 'EXPORT_RUNNING' } } });
    expect(audits.find((a) => a.outcome === 'completed')).toMatchObject({ detail: { format: 'csv' } });
  });

  it('refuses a bad range with BAD_REQUEST and audits the refused export; needs an open session', async () => {
    const session = await openSession();
    expect(await call('startExport', { session, ...range, from: '2026-11-22', to: '2026-11-21' })).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(exportAudits()[0]).toMatchObject({ outcome: 'failed', detail: { failure: { reason: 'BAD_REQUEST' } } });
    expect(await call('startExport', { session: 'x'.repeat(32), ...range })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
  });

  it('cancels a running export: no file at all in the exports directory, and the audit row says cancelled', async () => {
    await seedEntries(store, 30_000, { fromMs: T0 + 2000, toMs: T0 + 3_000_000, batchSize: 5000 });
    const session = await openSession();
    const started = await call('startExport', { session, ...range, format: 'xlsx' });
    if (!started.ok) throw new Error(started.message);
    expect(started.value.total).toBe(30_002);
    const cancel = await call('cancelExport', { session, jobId: started.value.jobId });
    expect(cancel.ok).toBe(true);
    const end = await ended(started.value.jobId);
    expect(end.state).toBe('cancelled');
    expect(end.rowsDone).toBeLessThan(30_002);
    expect(filesInExports()).toEqual([]);
    expect(exportAudits()[0]).toMatchObject({ outcome: 'cancelled', detail: { format: 'xlsx' } });
    expect(await call('getExportJob', { session, jobId: started.value.jobId })).toMatchObject({ ok: true, value: { state: 'cancelled', file: 'none', downloadUrl: null } });
  });

  it('serves nobody else: another screen, an ended admin session or an expired file get nothing, and the file goes', async () => {
    const session = await openSession();
    const run = async () => {
      const started = await call('startExport', { session, ...range });
      if (!started.ok) throw new Error(started.message);
      await ended(started.value.jobId);
      events = [];
      const job = await call('getExportJob', { session, jobId: started.value.jobId });
      if (!job.ok) throw new Error(job.message);
      return tokenOf(job.value.downloadUrl);
    };
    // Another screen holding the link: refused, and the token is spent with the file.
    let token = await run();
    expect(cp.exports.takeDownload(token, other.clientId)).toBeNull();
    expect(filesInExports()).toEqual([]);
    expect(cp.exports.takeDownload(token, screen.clientId)).toBeNull();
    // The admin session that made it has ended.
    token = await run();
    await call('closeAdminSession', { session });
    expect(cp.exports.takeDownload(token, screen.clientId)).toBeNull();
    expect(filesInExports()).toEqual([]);
    // Left unfetched past its time: removed.
    const again = await openSession();
    const started = await call('startExport', { session: again, ...range });
    if (!started.ok) throw new Error(started.message);
    await ended(started.value.jobId);
    const job = await call('getExportJob', { session: again, jobId: started.value.jobId });
    if (!job.ok) throw new Error(job.message);
    expect(filesInExports()).toHaveLength(1);
    clock.advance(FILE_TTL_MS);
    expect(filesInExports()).toEqual([]);
    expect(cp.exports.takeDownload(tokenOf(job.value.downloadUrl), screen.clientId)).toBeNull();
    // (The admin session idled out meanwhile too: a new one reads the job's end.)
    expect(await call('getExportJob', { session: await openSession(), jobId: started.value.jobId })).toMatchObject({ ok: true, value: { file: 'expired' } });
  });

  it('keeps the exports directory owner-only and refuses when there is no entry log to export', async () => {
    const session = await openSession();
    const started = await call('startExport', { session, ...range });
    if (!started.ok) throw new Error(started.message);
    await ended(started.value.jobId);
    expect(statSync(exportsDir()).mode & 0o777).toBe(0o700);
    for (const name of filesInExports()) expect(statSync(join(exportsDir(), name)).mode & 0o777).toBe(0o600);
    const none = createCheckpointService({
      config: kioskConfigSchema.parse({ kioskId: 'kiosk-export', roots: [], admin: { pin: hashAdminPin(PIN) } }),
      store,
      lists: new ListCache(dir, []).load(),
      devices: null,
      clock,
      statusTick: { everyMs: 3_600_000, clockEveryMs: 3_600_000 },
      log: () => {},
    });
    try {
      const s = await dispatchCall(none.service, 'openAdminSession', { pin: PIN }, screen);
      if (!s.ok) throw new Error(s.message);
      expect(await dispatchCall(none.service, 'startExport', { session: (s.value as { session: string }).session, ...range }, screen)).toMatchObject({
        ok: false,
        reason: 'STORAGE_UNAVAILABLE',
      });
    } finally {
      none.close();
    }
  });
});
