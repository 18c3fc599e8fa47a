// The queries behind the admin console's retention and audit screens (docs/security.md, "Admin
// sessions"). They live here, beside the purge and the audit writes they describe, so a schema change
// has one home (README.md, "One home for every query"); EntryStore exposes them as typed methods.
import type Database from 'better-sqlite3';

const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export interface PurgePlanQuery {
  /** Entries logged before this time (UTC ms) are due. */
  cutoffMs: number;
  /** The collector's acknowledged seqs when uploading (purge.ts `uploadedThroughSeq`); null: no collector. */
  uploadedThroughSeq: number | null;
  overridesUploadedThroughSeq: number | null;
}

export interface PurgePlanResult {
  entriesRemoved: number;
  overridesRemoved: number;
  entriesKeptUnacknowledged: number;
  overridesKeptUnacknowledged: number;
  entriesKeptOutOfOrder: number;
  oldestEntryAtMs: number | null;
  entries: number;
  overrides: number;
}

/**
 * What `purgeExpired` would delete now, by the very rules it deletes by (purge.ts): the prefix of each
 * chain after its anchor, up to the first row that is young or not yet acknowledged; an override also
 * waits for its entry. What is old but stays is split into "not acknowledged" (the collector's copy
 * comes first, docs/upload-protocol.md §2) and "out of order" (behind a younger row in log order).
 * Reads only; each walk touches about as many rows as the purge would delete.
 */
export function purgePlan(db: Database.Database, q: PurgePlanQuery): PurgePlanResult {
  const read = db.transaction((): PurgePlanResult => {
    const anchor = (chain: string) => (db.prepare('SELECT seq FROM chain_anchors WHERE chain = ?').pluck().get(chain) as number | undefined) ?? 0;
    const count = (sql: string, ...params: number[]) => db.prepare(sql).pluck().get(...params) as number;
    const entryLimit = q.uploadedThroughSeq ?? NO_LIMIT;
    const overrideLimit = q.overridesUploadedThroughSeq ?? NO_LIMIT;

    const entryAnchor = anchor('entries');
    const lastEntry = count('SELECT COALESCE(MAX(seq), 0) FROM entries');
    const firstYoung = db.prepare('SELECT seq FROM entries WHERE seq > ? AND at_ms >= ? ORDER BY seq LIMIT 1').pluck().get(entryAnchor, q.cutoffMs) as number | undefined;
    const entryStop = Math.max(entryAnchor, Math.min(firstYoung === undefined ? lastEntry : firstYoung - 1, entryLimit));
    const entriesRemoved = count('SELECT COUNT(*) FROM entries WHERE seq > ? AND seq <= ?', entryAnchor, entryStop);
    const keptOld = count('SELECT COUNT(*) FROM entries WHERE at_ms < ? AND seq > ?', q.cutoffMs, entryStop);
    const keptUnacked = count('SELECT COUNT(*) FROM entries WHERE at_ms < ? AND seq > ?', q.cutoffMs, Math.max(entryStop, entryLimit));

    // The overrides' pass runs after the entries' (purge.ts), so it sees the entries anchor moved.
    const overrideAnchor = anchor('entry_overrides');
    const lastOverride = count('SELECT COALESCE(MAX(seq), 0) FROM entry_overrides');
    const firstKept = db
      .prepare('SELECT seq FROM entry_overrides WHERE seq > ? AND (at_ms >= ? OR seq > ? OR entry_seq > ?) ORDER BY seq LIMIT 1')
      .pluck()
      .get(overrideAnchor, q.cutoffMs, overrideLimit, entryStop) as number | undefined;
    const overrideStop = Math.max(overrideAnchor, firstKept === undefined ? lastOverride : firstKept - 1);
    const overridesRemoved = count('SELECT COUNT(*) FROM entry_overrides WHERE seq > ? AND seq <= ?', overrideAnchor, overrideStop);
    const overridesKeptUnacked = count('SELECT COUNT(*) FROM entry_overrides WHERE at_ms < ? AND seq > ?', q.cutoffMs, Math.max(overrideStop, overrideLimit));

    return {
      entriesRemoved,
      overridesRemoved,
      entriesKeptUnacknowledged: keptUnacked,
      overridesKeptUnacknowledged: overridesKeptUnacked,
      entriesKeptOutOfOrder: keptOld - keptUnacked,
      oldestEntryAtMs: (db.prepare('SELECT MIN(at_ms) FROM entries').pluck().get() as number | null) ?? null,
      entries: count('SELECT COUNT(*) FROM entries'),
      overrides: count('SELECT COUNT(*) FROM entry_overrides'),
    };
  });
  // One read transaction: a passage logged meanwhile cannot make the counts disagree with each other.
  return read.deferred();
}

/** The action name the guard overrides table is shown under in the audit view. */
export const GUARD_OVERRIDE_ACTION = 'guard-override';

export interface AuditPageQuery {
  /** Audit action names; `guard-override` selects the overrides table. Absent: every row of both. */
  actions?: readonly string[];
  fromMs?: number;
  toMs?: number;
  limit: number;
  /** Rows with seq below these, per log; absent: from the newest. */
  before?: { audit: number; overrides: number };
}

export interface RawAuditRow {
  source: 'audit' | 'override';
  seq: number;
  atMs: number;
  action: string;
  outcome: string | null;
  /** The stored detail, parsed (audit rows), or the override's columns. */
  detail: Record<string, unknown>;
}

export interface AuditPage {
  rows: RawAuditRow[];
  /** Where the next page starts; null when both logs are exhausted. */
  next: { audit: number; overrides: number } | null;
  /** Rows of both logs that match the filters (all pages). */
  matched: number;
}

/**
 * One page of the audit trail and the guard overrides together, newest first. Each log is read by
 * its own primary key (seq DESC, no sort) and the two are merged by time, so paging needs no index
 * on time and never skips or repeats a row: the cursor holds one seq per log.
 */
export function auditPage(db: Database.Database, q: AuditPageQuery): AuditPage {
  const limit = Math.max(1, Math.floor(q.limit));
  const wantAudit = q.actions === undefined || q.actions.some((a) => a !== GUARD_OVERRIDE_ACTION);
  const auditActions = q.actions?.filter((a) => a !== GUARD_OVERRIDE_ACTION);
  const wantOverrides = q.actions === undefined || q.actions.includes(GUARD_OVERRIDE_ACTION);
  const before = q.before ?? { audit: NO_LIMIT, overrides: NO_LIMIT };

  const timeWhere: string[] = [];
  const timeParams: number[] = [];
  if (q.fromMs !== undefined) {
    timeWhere.push('at_ms >= ?');
    timeParams.push(q.fromMs);
  }
  if (q.toMs !== undefined) {
    timeWhere.push('at_ms <= ?');
    timeParams.push(q.toMs);
  }
  const auditWhere = [...timeWhere];
  const auditParams: Array<number | string> = [...timeParams];
  if (auditActions && auditActions.length > 0) {
    auditWhere.push(`action IN (${auditActions.map(() => '?').join(', ')})`);
    auditParams.push(...auditActions);
  }
  const where = (clauses: string[]) => (clauses.length ? ` AND ${clauses.join(' AND ')}` : '');

  const read = db.transaction((): AuditPage => {
    type A = { seq: number; at_ms: number; action: string; detail: string; outcome: string | null };
    type O = { seq: number; at_ms: number; entry_id: string; entry_seq: number; decision: string; guard: string; note: string };
    const audits = wantAudit
      ? (db.prepare(`SELECT seq, at_ms, action, detail, outcome FROM audit WHERE seq < ?${where(auditWhere)} ORDER BY seq DESC LIMIT ?`).all(before.audit, ...auditParams, limit) as A[])
      : [];
    const overrides = wantOverrides
      ? (db
          .prepare(`SELECT seq, at_ms, entry_id, entry_seq, decision, guard, note FROM entry_overrides WHERE seq < ?${where(timeWhere)} ORDER BY seq DESC LIMIT ?`)
          .all(before.overrides, ...timeParams, limit) as O[])
      : [];
    let matched = 0;
    if (wantAudit) matched += db.prepare(`SELECT COUNT(*) FROM audit WHERE 1${where(auditWhere)}`).pluck().get(...auditParams) as number;
    if (wantOverrides) matched += db.prepare(`SELECT COUNT(*) FROM entry_overrides WHERE 1${where(timeWhere)}`).pluck().get(...timeParams) as number;

    const rows: RawAuditRow[] = [];
    let ai = 0;
    let oi = 0;
    while (rows.length < limit && (ai < audits.length || oi < overrides.length)) {
      const a = audits[ai];
      const o = overrides[oi];
      if (a && (!o || a.at_ms >= o.at_ms)) {
        let detail: Record<string, unknown>;
        try {
          detail = JSON.parse(a.detail) as Record<string, unknown>;
        } catch {
          detail = { unreadable: true };
        }
        rows.push({ source: 'audit', seq: a.seq, atMs: a.at_ms, action: a.action, outcome: a.outcome, detail });
        ai++;
      } else if (o) {
        rows.push({
          source: 'override',
          seq: o.seq,
          atMs: o.at_ms,
          action: GUARD_OVERRIDE_ACTION,
          outcome: null,
          detail: { guard: o.guard, decision: o.decision, entryId: o.entry_id, entrySeq: o.entry_seq, note: o.note },
        });
        oi++;
      }
    }
    const auditDone = ai === audits.length && audits.length < limit;
    const overridesDone = oi === overrides.length && overrides.length < limit;
    const next =
      auditDone && overridesDone
        ? null
        : {
            audit: auditDone ? 0 : ai > 0 ? audits[ai - 1]!.seq : before.audit,
            overrides: overridesDone ? 0 : oi > 0 ? overrides[oi - 1]!.seq : before.overrides,
          };
    return { rows, next, matched };
  });
  return read.deferred();
}
