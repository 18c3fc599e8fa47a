// The audit view (docs/security.md, "Admin sessions"; architecture.md "Data at rest"): the audit trail
// (exports, reveals, configuration changes, PIN failures and lockouts, sessions, purges) and the guard
// overrides table (a guard's allow/deny of a review, labelled `guard-override`), newest first,
// filtered by action and time, paged, and exportable as CSV.
//
// Audit rows carry no personal data by construction: every writer stores codes, counts, times, file
// basenames and who (a screen, a PIN holder's id, a guard id). Some of those `who` values are typed
// by a person (`kiosk export --requested-by`), so before a row leaves core its detail is checked
// once more: keys that name personal data are withheld, and anything shaped like a document number
// is masked. The screen therefore never receives a value it would have to hide.
import { MAX_AUDIT_PAGE, fail, ok, type AuditCursor, type AuditRow, type KioskService, type MethodRequest } from '../../contract/api.js';
import { StoreError } from '../store/errors.js';
import type { AuditPageQuery, RawAuditRow } from '../store/admin-views.js';
import type { AdminDeps } from './deps.js';

/** Detail keys whose values are personal data wherever they appear; withheld from the view. */
const PERSONAL_KEY = /(^|[._-])(name|names|holder_?name|name_?en|document_?number|doc_?number|id_?number|idnumber|phone|mobile|address|birth(day|date)?)$|name$|number$/i;
/** Keys that end in "number" yet are counts or codes, not personal data. */
const SAFE_NUMBER_KEYS = new Set(['seqnumber']);
/** A run of 15 or more digits (optionally ending in X): the shape of a resident ID number. */
const ID_LIKE = /\d{14,}[\dXx]/g;
export const REDACTED = '[withheld]';

function maskIdLike(text: string): string {
  return text.replace(ID_LIKE, (m) => `${m.slice(0, 4)}${'*'.repeat(m.length - 8)}${m.slice(-4)}`);
}

/** A detail object as `key: value` pairs (nested keys dotted), personal data withheld or masked. */
export function redactedDetail(detail: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const visit = (prefix: string, value: unknown, depth: number) => {
    if (out.length >= 24) return;
    const key = prefix.slice(0, 64);
    const leaf = prefix.split('.').pop() ?? prefix;
    if (PERSONAL_KEY.test(leaf) && !SAFE_NUMBER_KEYS.has(leaf.toLowerCase())) {
      out.push([key, REDACTED]);
      return;
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && depth < 3) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) visit(prefix ? `${prefix}.${k}` : k, v, depth + 1);
      return;
    }
    const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    out.push([key, maskIdLike(text).slice(0, 200)]);
  };
  for (const [k, v] of Object.entries(detail)) visit(k, v, 0);
  return out;
}

function whoOf(row: RawAuditRow): string | null {
  const d = row.detail;
  const who = [d.by, d.requestedBy, d.admin, d.guard].find((v) => typeof v === 'string' && v.length > 0) as string | undefined;
  return who === undefined ? null : maskIdLike(who).slice(0, 120);
}

/**
 * A guard override's note is free text in the store (`NewOverride.note`): the kiosk writes a reason
 * code (GUARD_ALLOWED), but a typed note could name the person at the door, so only a code is shown.
 */
function overrideDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const note = detail.note;
  return { ...detail, note: typeof note === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(note) ? note : REDACTED };
}

export function toAuditRow(row: RawAuditRow): AuditRow {
  const detail = row.source === 'override' ? overrideDetail(row.detail) : row.detail;
  return {
    source: row.source,
    seq: row.seq,
    at: row.atMs,
    action: row.action.slice(0, 48),
    who: whoOf(row),
    outcome: row.outcome === null ? null : row.outcome.slice(0, 16),
    detail: redactedDetail(detail),
  };
}

type Filters = Pick<MethodRequest<'getAudit'>, 'actions' | 'from' | 'to'>;
const queryOf = (f: Filters, limit: number, before: AuditCursor | undefined): AuditPageQuery => ({
  ...(f.actions ? { actions: f.actions } : {}),
  ...(f.from !== undefined ? { fromMs: f.from } : {}),
  ...(f.to !== undefined ? { toMs: f.to } : {}),
  limit,
  ...(before ? { before } : {}),
});

/** A CSV cell: quoted, and a leading = + - @ neutralised so a spreadsheet never runs it as a formula. */
function cell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}
export const AUDIT_CSV_HEADER = ['seq', 'source', 'time_utc', 'action', 'who', 'outcome', 'detail'];
export function auditCsvLine(r: AuditRow): string {
  return [String(r.seq), r.source, new Date(r.at).toISOString(), r.action, r.who ?? '', r.outcome ?? '', r.detail.map(([k, v]) => `${k}=${v}`).join('; ')].map(cell).join(',') + '\r\n';
}
/** One export chunk stays under this many bytes of JSON, well inside the browser host's 64 KB message. */
const CSV_CHUNK_BYTES = 40 * 1024;

function invalidRange(f: Filters): string | null {
  return f.from !== undefined && f.to !== undefined && f.from > f.to ? 'the time range ends before it starts' : null;
}

function failure(err: unknown) {
  if (err instanceof StoreError) return fail(err.reason === 'BAD_REQUEST' ? 'INTERNAL' : err.reason, `the audit trail could not be read: ${err.message}`);
  return fail('STORAGE_UNAVAILABLE', `the audit trail could not be read (${(err as Error).name})`);
}

export function auditMethods(deps: AdminDeps): Pick<KioskService, 'getAudit' | 'exportAudit'> {
  return {
    async getAudit(request, context) {
      const held = deps.sessions.require(request.session, context, 'audit-view');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const bad = invalidRange(request);
      if (bad) return fail('BAD_REQUEST', bad);
      try {
        const page = deps.store.auditPage(queryOf(request, Math.min(request.limit, MAX_AUDIT_PAGE), request.before));
        return ok({ rows: page.rows.map(toAuditRow), next: page.next, matched: page.matched });
      } catch (err) {
        return failure(err);
      }
    },

    async exportAudit(request, context) {
      const held = deps.sessions.require(request.session, context, 'audit-export');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const bad = invalidRange(request);
      if (bad) return fail('BAD_REQUEST', bad);
      try {
        let csv = request.before ? '' : AUDIT_CSV_HEADER.map(cell).join(',') + '\r\n';
        let cursor: AuditCursor | undefined = request.before;
        let rows = 0;
        for (;;) {
          const page = deps.store.auditPage(queryOf(request, 50, cursor));
          let consumed = 0;
          // Rows of each log come in that log's order, so a consumed prefix moves each log's cursor to its last row taken.
          const next: AuditCursor = { ...(cursor ?? { audit: Number.MAX_SAFE_INTEGER, overrides: Number.MAX_SAFE_INTEGER }) };
          let full = false;
          for (const raw of page.rows) {
            const line = auditCsvLine(toAuditRow(raw));
            if (Buffer.byteLength(JSON.stringify(csv + line)) > CSV_CHUNK_BYTES) {
              full = true;
              break;
            }
            csv += line;
            rows++;
            consumed++;
            if (raw.source === 'audit') next.audit = raw.seq;
            else next.overrides = raw.seq;
          }
          if (full) return ok({ csv, rows, next });
          if (page.next === null) return ok({ csv, rows, next: null });
          cursor = page.next;
          if (consumed === 0) return ok({ csv, rows, next: cursor });
        }
      } catch (err) {
        return failure(err);
      }
    },
  };
}
