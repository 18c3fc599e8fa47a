import { afterEach, describe, expect, it } from 'vitest';
import type { AuditCursor, AuditRow } from '../../contract/api.js';
import { samplePassage } from '../store/test-support.js';
import { makeViewsRig, T0, type ViewsRig } from './views-test-support.js';

let rig: ViewsRig | null = null;
afterEach(() => {
  rig?.close();
  rig = null;
});

async function page(r: ViewsRig, request: Record<string, unknown>) {
  const v = await r.call('getAudit', { session: await r.openSession(), limit: 100, ...request });
  if (!v.ok) throw new Error(v.message);
  return v.value;
}

/** Splits CSV text into records of cells (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  const re = /"((?:[^"]|"")*)"(,|\r\n)/g;
  let row: string[] = [];
  for (const m of text.matchAll(re)) {
    row.push(m[1]!.replace(/""/g, '"'));
    if (m[2] === '\r\n') {
      out.push(row);
      row = [];
    }
  }
  return out;
}

describe('audit view (docs/security.md, "Admin sessions")', () => {
  it('is refused without an admin session', async () => {
    rig = await makeViewsRig();
    expect(await rig.call('getAudit', { session: 'C'.repeat(32), limit: 10 })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(await rig.call('exportAudit', { session: 'C'.repeat(32) })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(await rig.call('getAudit', { limit: 10 })).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(await rig.call('getAudit', { session: await rig.openSession(), limit: 10, from: 5, to: 4 })).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
  });

  it('lists a PIN failure with who, filters to it, and shows guard overrides labelled', async () => {
    rig = await makeViewsRig();
    expect(await rig.call('openAdminSession', { pin: '1357' })).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    const entry = rig.store.append({ ...samplePassage(), at: T0 });
    rig.store.addOverride({ entry: { id: entry.id }, decision: 'deny', guard: 'G-017 via browser:screen-1', note: 'GUARD_DENIED', at: T0 + 1 });
    rig.clock.advance(1000);

    const all = await page(rig, {});
    const actions = all.rows.map((r) => r.action);
    expect(actions).toContain('admin-pin-failed');
    expect(actions).toContain('guard-override');
    expect(actions).toContain('admin-session-opened');
    const failed = all.rows.find((r) => r.action === 'admin-pin-failed')!;
    expect(failed).toMatchObject({ source: 'audit', who: 'browser:ws-admin' });
    expect(failed.detail).toContainEqual(['failures', '1']);
    const override = all.rows.find((r) => r.action === 'guard-override')!;
    expect(override).toMatchObject({ source: 'override', who: 'G-017 via browser:screen-1' });
    expect(override.detail).toContainEqual(['note', 'GUARD_DENIED']);

    const only = await page(rig, { actions: ['admin-pin-failed'] });
    expect(only.rows.map((r) => r.action)).toEqual(['admin-pin-failed']);
    expect(only.matched).toBe(1);
    const overrides = await page(rig, { actions: ['guard-override'] });
    expect(overrides.rows.map((r) => r.seq)).toEqual([override.seq]);
    // Newest first across both logs.
    expect(all.rows.map((r) => r.at)).toEqual([...all.rows.map((r) => r.at)].sort((a, b) => b - a));
  });

  it('withholds personal data a detail could carry: name keys, ID-shaped numbers, typed override notes', async () => {
    rig = await makeViewsRig();
    rig.store.audit('export', { requestedBy: 'ops 110101199003070012', holderName: '张三', rows: 3, failure: { reason: 'STORAGE_FULL', documentNumber: '330102198001011234' } }, T0);
    const entry = rig.store.append({ ...samplePassage(), at: T0 });
    rig.store.addOverride({ entry: { id: entry.id }, decision: 'admit', guard: 'G-2', note: '张三 is my neighbour', at: T0 });
    const { rows } = await page(rig, { actions: ['export', 'guard-override'] });
    const text = JSON.stringify(rows);
    expect(text).not.toContain('张三');
    expect(text).not.toContain('110101199003070012');
    expect(text).not.toContain('330102198001011234');
    const exp = rows.find((r) => r.action === 'export')!;
    expect(exp.who).toBe('ops 1101**********0012');
    expect(exp.detail).toEqual([
      ['requestedBy', 'ops 1101**********0012'],
      ['holderName', '[withheld]'],
      ['rows', '3'],
      ['failure.reason', 'STORAGE_FULL'],
      ['failure.documentNumber', '[withheld]'],
    ]);
    expect(rows.find((r) => r.action === 'guard-override')!.detail).toContainEqual(['note', '[withheld]']);
  });

  it('pages through both logs without skipping or repeating a row, and filters by time', async () => {
    rig = await makeViewsRig();
    const entry = rig.store.append({ ...samplePassage(), at: T0 });
    for (let i = 0; i < 60; i++) {
      rig.store.audit('backup', { file: `b${i}.sqlite3` }, T0 + i * 1000);
      if (i % 3 === 0) rig.store.addOverride({ entry: { id: entry.id }, decision: 'admit', guard: `G-${i}`, note: 'GUARD_ALLOWED', at: T0 + i * 1000 + 500 });
    }
    const seen: AuditRow[] = [];
    let before: AuditCursor | undefined;
    let matched = -1;
    for (let n = 0; n < 100; n++) {
      const p = await page(rig, { actions: ['backup', 'guard-override'], limit: 7, ...(before ? { before } : {}) });
      matched = p.matched;
      seen.push(...p.rows);
      if (!p.next) break;
      before = p.next;
    }
    expect(matched).toBe(80);
    expect(seen).toHaveLength(80);
    expect(new Set(seen.map((r) => `${r.source}:${r.seq}`)).size).toBe(80);
    expect(seen.map((r) => r.at)).toEqual([...seen.map((r) => r.at)].sort((a, b) => b - a));

    const window = await page(rig, { actions: ['backup', 'guard-override'], from: T0 + 10_000, to: T0 + 19_999 });
    // Backups at 10…19 s; overrides at 12.5, 15.5 and 18.5 s.
    expect(window.matched).toBe(10 + 3);
    expect(window.rows.every((r) => r.at >= T0 + 10_000 && r.at <= T0 + 19_999)).toBe(true);
  });

  it('exports the filtered rows as CSV in chunks under the wire limit, formulas neutralised', async () => {
    rig = await makeViewsRig();
    for (let i = 0; i < 400; i++) rig.store.audit('export', { requestedBy: i === 0 ? '=HYPERLINK("x")' : `admin-${i}`, format: 'csv', rows: i, from: '2026-11-01T00:00:00.000Z' }, T0 + i);
    const session = await rig.openSession();
    let csv = '';
    let before: AuditCursor | undefined;
    let chunks = 0;
    for (;;) {
      const r = await rig.call('exportAudit', { session, actions: ['export'], ...(before ? { before } : {}) });
      if (!r.ok) throw new Error(r.message);
      chunks++;
      expect(Buffer.byteLength(JSON.stringify(r.value))).toBeLessThan(60 * 1024);
      csv += r.value.csv;
      if (!r.value.next) break;
      before = r.value.next;
    }
    expect(chunks).toBeGreaterThan(1);
    const records = parseCsv(csv);
    expect(records[0]).toEqual(['seq', 'source', 'time_utc', 'action', 'who', 'outcome', 'detail']);
    expect(records.slice(1)).toHaveLength(400);
    expect(new Set(records.slice(1).map((r) => r[0])).size).toBe(400);
    expect(records.find((r) => r[4]!.includes('HYPERLINK'))![4]).toBe('\'=HYPERLINK("x")');
  });
});
