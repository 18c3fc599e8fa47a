// The fleet console's storage (docs/fleet.md): operator accounts, login failures (the lockout),
// sessions and the console's audit trail, plus the entries-per-hour figures the console charts. One
// SQL text serves both backends through a tiny executor (`:name` parameters, as fleet.ts does), so
// SQLite and PostgreSQL cannot drift apart. Everything lives in the database, never in a process:
// any collector process sharing a PostgreSQL database accepts any session and counts every failure.
import { sqliteParams, pgParams } from './fleet.js';
import type Database from 'better-sqlite3';
import type pg from 'pg';

/** Runs `:name`-parameter SQL: rows of a query (or of RETURNING), or the rows a statement changed. */
export interface SqlExec {
  all(sql: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]>;
  run(sql: string, params: Record<string, unknown>): Promise<number>;
}

export function sqliteExec(db: Database.Database): SqlExec {
  return {
    async all(sql, params) {
      const p = sqliteParams(sql, params);
      return db.prepare(p.sql).all(p.params) as Record<string, unknown>[];
    },
    async run(sql, params) {
      const p = sqliteParams(sql, params);
      return db.prepare(p.sql).run(p.params).changes;
    },
  };
}

export function pgExec(pool: pg.Pool): SqlExec {
  return {
    async all(sql, params) {
      const p = pgParams(sql, params);
      return (await pool.query(p.sql, p.values)).rows as Record<string, unknown>[];
    },
    async run(sql, params) {
      const p = pgParams(sql, params);
      return (await pool.query(p.sql, p.values)).rowCount ?? 0;
    },
  };
}

/**
 * The console's tables, for each backend's numbered migrations (db.ts, pg.ts). `INTEGER` there is
 * SQLite's 64-bit integer and PostgreSQL's `bigint` here; `enabled` is 0/1 on both so one SQL text
 * reads it.
 */
export function consoleMigration(backend: 'sqlite' | 'postgres'): string {
  const int = backend === 'sqlite' ? 'INTEGER' : 'bigint';
  const strict = backend === 'sqlite' ? ' STRICT' : '';
  const id = backend === 'sqlite' ? 'id INTEGER PRIMARY KEY' : 'id bigserial PRIMARY KEY';
  return `CREATE TABLE console_operators (
     name TEXT PRIMARY KEY,
     password_hash TEXT NOT NULL,
     enabled ${int} NOT NULL DEFAULT 1,
     created_at ${int} NOT NULL,
     last_login_at ${int}
   )${strict};
   CREATE TABLE console_login_failures (
     key TEXT PRIMARY KEY,
     failures ${int} NOT NULL,
     last_at ${int} NOT NULL,
     locked_until ${int} NOT NULL
   )${strict};
   CREATE TABLE console_sessions (
     token_hash TEXT PRIMARY KEY,
     operator TEXT NOT NULL REFERENCES console_operators (name),
     csrf TEXT NOT NULL,
     created_at ${int} NOT NULL,
     last_seen_at ${int} NOT NULL,
     address TEXT NOT NULL
   )${strict};
   CREATE INDEX console_sessions_by_operator ON console_sessions (operator);
   CREATE TABLE console_audit (
     ${id},
     at ${int} NOT NULL,
     operator TEXT NOT NULL,
     action TEXT NOT NULL,
     detail TEXT NOT NULL,
     address TEXT NOT NULL
   )${strict};`;
}

export interface OperatorAccount {
  name: string;
  enabled: boolean;
  createdAt: number;
  lastLoginAt: number | null;
}

export interface ConsoleSessionRow {
  operator: string;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  /** The account is still enabled (a disabled operator's sessions are refused even if a row remains). */
  enabled: boolean;
}

export interface ConsoleAuditRow {
  at: number;
  /** The operator name, or the name tried at a failed login (never a password). */
  operator: string;
  /** login-ok, login-failed, login-locked, logout, view-kiosks, view-entries-per-hour, operator-add, … */
  action: string;
  /** What was asked (filters, page): never personal data; the console shows none. */
  detail: Record<string, unknown>;
  /** The client's address as the rate limit keys it, or 'cli'. */
  address: string;
}

export interface HourCount {
  venueId: string | null;
  /** Start of the hour, ms since the epoch (UTC). */
  hour: number;
  count: number;
}

export interface ConsoleStore {
  addOperator(name: string, passwordHash: string, now: number): Promise<'added' | 'exists'>;
  operators(): Promise<OperatorAccount[]>;
  /** Also ends the account's sessions when disabling. False: no such operator. */
  setOperatorEnabled(name: string, enabled: boolean): Promise<boolean>;
  operatorForLogin(name: string): Promise<{ name: string; passwordHash: string; enabled: boolean } | null>;
  loggedIn(name: string, now: number): Promise<void>;
  /** Until when `key` is locked (0: not locked). */
  lockedUntil(key: string): Promise<number>;
  /**
   * Counts one failure of `key` (atomically in the database: concurrent processes lose none) and
   * returns the count. Failures older than `forgetBefore` start the count afresh.
   */
  countFailure(key: string, now: number, forgetBefore: number): Promise<number>;
  lock(key: string, until: number): Promise<void>;
  clearFailures(key: string): Promise<void>;
  createSession(s: { tokenHash: string; operator: string; csrf: string; now: number; address: string }): Promise<void>;
  session(tokenHash: string): Promise<ConsoleSessionRow | null>;
  touchSession(tokenHash: string, now: number): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  audit(row: ConsoleAuditRow): Promise<void>;
  /** Newest first. */
  auditRows(limit: number): Promise<ConsoleAuditRow[]>;
  /** Entries scanned in [from, to) counted per venue and UTC hour (entries_by_time). */
  entriesPerHour(from: number, to: number): Promise<HourCount[]>;
}

const n = (v: unknown): number => Number(v);

export function consoleStore(sql: SqlExec): ConsoleStore {
  return {
    async addOperator(name, passwordHash, now) {
      const added = await sql.run('INSERT INTO console_operators (name, password_hash, enabled, created_at) VALUES (:name, :hash, 1, :now) ON CONFLICT (name) DO NOTHING', { name, hash: passwordHash, now });
      return added === 1 ? 'added' : 'exists';
    },
    async operators() {
      const rows = await sql.all('SELECT name, enabled, created_at, last_login_at FROM console_operators ORDER BY name', {});
      return rows.map((r) => ({ name: String(r.name), enabled: n(r.enabled) === 1, createdAt: n(r.created_at), lastLoginAt: r.last_login_at === null ? null : n(r.last_login_at) }));
    },
    async setOperatorEnabled(name, enabled) {
      const changed = await sql.run('UPDATE console_operators SET enabled = :on WHERE name = :name', { name, on: enabled ? 1 : 0 });
      if (changed === 1 && !enabled) await sql.run('DELETE FROM console_sessions WHERE operator = :name', { name });
      return changed === 1;
    },
    async operatorForLogin(name) {
      const [r] = await sql.all('SELECT name, password_hash, enabled FROM console_operators WHERE name = :name', { name });
      return r ? { name: String(r.name), passwordHash: String(r.password_hash), enabled: n(r.enabled) === 1 } : null;
    },
    async loggedIn(name, now) {
      await sql.run('UPDATE console_operators SET last_login_at = :now WHERE name = :name', { name, now });
    },
    async lockedUntil(key) {
      const [r] = await sql.all('SELECT locked_until FROM console_login_failures WHERE key = :key', { key });
      return r ? n(r.locked_until) : 0;
    },
    async countFailure(key, now, forgetBefore) {
      const [r] = await sql.all(
        `INSERT INTO console_login_failures (key, failures, last_at, locked_until) VALUES (:key, 1, :now, 0)
         ON CONFLICT (key) DO UPDATE SET
           failures = CASE WHEN console_login_failures.last_at < :forget THEN 1 ELSE console_login_failures.failures + 1 END,
           locked_until = CASE WHEN console_login_failures.last_at < :forget THEN 0 ELSE console_login_failures.locked_until END,
           last_at = :now
         RETURNING failures`,
        { key, now, forget: forgetBefore },
      );
      return n(r?.failures ?? 1);
    },
    async lock(key, until) {
      await sql.run('UPDATE console_login_failures SET locked_until = :until WHERE key = :key', { key, until });
    },
    async clearFailures(key) {
      await sql.run('DELETE FROM console_login_failures WHERE key = :key', { key });
    },
    async createSession(s) {
      await sql.run('INSERT INTO console_sessions (token_hash, operator, csrf, created_at, last_seen_at, address) VALUES (:token, :operator, :csrf, :now, :now, :address)', {
        token: s.tokenHash,
        operator: s.operator,
        csrf: s.csrf,
        now: s.now,
        address: s.address,
      });
    },
    async session(tokenHash) {
      const [r] = await sql.all(
        `SELECT s.operator, s.csrf, s.created_at, s.last_seen_at, o.enabled FROM console_sessions s JOIN console_operators o ON o.name = s.operator WHERE s.token_hash = :token`,
        { token: tokenHash },
      );
      return r ? { operator: String(r.operator), csrf: String(r.csrf), createdAt: n(r.created_at), lastSeenAt: n(r.last_seen_at), enabled: n(r.enabled) === 1 } : null;
    },
    async touchSession(tokenHash, now) {
      await sql.run('UPDATE console_sessions SET last_seen_at = :now WHERE token_hash = :token', { token: tokenHash, now });
    },
    async deleteSession(tokenHash) {
      await sql.run('DELETE FROM console_sessions WHERE token_hash = :token', { token: tokenHash });
    },
    async audit(row) {
      await sql.run('INSERT INTO console_audit (at, operator, action, detail, address) VALUES (:at, :operator, :action, :detail, :address)', {
        at: row.at,
        operator: row.operator,
        action: row.action,
        detail: JSON.stringify(row.detail),
        address: row.address,
      });
    },
    async auditRows(limit) {
      const rows = await sql.all('SELECT at, operator, action, detail, address FROM console_audit ORDER BY id DESC LIMIT :limit', { limit });
      return rows.map((r) => ({ at: n(r.at), operator: String(r.operator), action: String(r.action), detail: JSON.parse(String(r.detail)) as Record<string, unknown>, address: String(r.address) }));
    },
    async entriesPerHour(from, to) {
      // The range on scanned_at first (entries_by_time on both backends), then grouped: a day of a
      // fleet's entries is read through the index, never the whole table.
      const rows = await sql.all(
        `SELECT venue_id, (scanned_at / 3600000) AS h, count(*) AS c FROM entries WHERE scanned_at >= :from AND scanned_at < :to GROUP BY venue_id, (scanned_at / 3600000) ORDER BY h, venue_id`,
        { from, to },
      );
      return rows.map((r) => ({ venueId: r.venue_id === null ? null : String(r.venue_id), hour: n(r.h) * 3600_000, count: n(r.c) }));
    },
  };
}
