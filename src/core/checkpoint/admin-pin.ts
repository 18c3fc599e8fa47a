// The admin PIN (architecture.md, "Security boundaries": admin functions behind a PIN, hashed,
// rate-limited; docs/security.md, "Admin PIN"). Stored in config.json as `admin.pin = { salt, hash }`
// (hex): scrypt, so the file does not give the PIN away to a quick brute force. At the screen:
// - no PIN configured: admin functions are closed (the demo sets its PIN explicitly);
// - a call without a PIN is refused and counts for nothing, so it cannot lock the admin out;
// - every wrong PIN is an audit row, and the failure count is read back from those rows, so it
//   survives a restart; after a few free tries each failure doubles the wait (30 s, 1 min, … 24 h),
//   which puts a 4-digit PIN out of reach of guessing at the screen;
// - every admin view is an audit row; no audit log, no admin view (the trail must not have holes).
import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { adminPinRecordSchema, guardSchema, type KioskConfig } from '../../contract/config.js';
import type { ConsoleRole } from '../../contract/api.js';
import type { Clock } from './clock.js';

// The `admin` and `guards` sections of the one configuration document (src/contract/config.ts).
export { adminPinRecordSchema, guardSchema };
export type AdminPinRecord = z.infer<typeof adminPinRecordSchema>;

const SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;

export function hashAdminPin(pin: string, salt: Buffer = randomBytes(16)): AdminPinRecord {
  if (!/^\d{4,12}$/.test(pin)) throw new Error('an admin PIN is 4 to 12 digits');
  return { salt: salt.toString('hex'), hash: scryptSync(pin, salt, 32, SCRYPT).toString('hex') };
}

export function adminPinMatches(pin: string, record: AdminPinRecord): boolean {
  const got = scryptSync(pin, Buffer.from(record.salt, 'hex'), 32, SCRYPT);
  return timingSafeEqual(got, Buffer.from(record.hash, 'hex'));
}

/** `admin.pin` of the parsed configuration; null when none is set. */
export function adminPinOf(config: Pick<KioskConfig, 'admin'>): AdminPinRecord | null {
  return config.admin.pin ?? null;
}

/**
 * Who a console PIN belongs to (docs/security.md, "Admin sessions"): the facility admin (figures,
 * exports, retention, audit) or the integrator (devices, camera, policy, trust, uploads, cloning).
 * Two PINs, two roles: neither opens the other's screens.
 */
export type { ConsoleRole };

/** The console PINs of the parsed configuration, each with its role. */
export function consolePinsOf(config: Pick<KioskConfig, 'admin'>): Array<{ role: ConsoleRole; record: AdminPinRecord }> {
  const pins: Array<{ role: ConsoleRole; record: AdminPinRecord }> = [];
  if (config.admin.pin) pins.push({ role: 'admin', record: config.admin.pin });
  if (config.admin.integratorPin) pins.push({ role: 'integrator', record: config.admin.integratorPin });
  return pins;
}

/** The audit trail the gate writes to and reads its failure count from (the entry log's audit table). */
export interface AdminAuditTrail {
  audit(action: string, detail: Record<string, unknown>, atMs: number): void;
  /** Newest first. */
  auditOf(actions: readonly string[], limit: number): Array<{ atMs: number; action: string; detail: Record<string, unknown> }>;
}

export const ADMIN_AUDIT = {
  /** A wrong PIN (counted). */
  failed: 'admin-pin-failed',
  /** A PIN tried while the gate was closed (not checked, not counted). */
  locked: 'admin-pin-locked',
  /** An admin function used with the right PIN; also ends a run of failures. */
  view: 'admin-view',
} as const;

export interface BackoffPolicy {
  /** Wrong PINs allowed before any wait (typing slips). */
  freeFailures: number;
  /** The first wait; each further failure doubles it. */
  firstLockMs: number;
  maxLockMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { freeFailures: 3, firstLockMs: 30_000, maxLockMs: 24 * 3_600_000 };

/** How long the gate stays closed after the `failures`-th wrong PIN in a row. */
export function lockMsAfter(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (failures <= policy.freeFailures) return 0;
  const doublings = failures - policy.freeFailures - 1;
  return doublings >= 40 ? policy.maxLockMs : Math.min(policy.maxLockMs, policy.firstLockMs * 2 ** doublings);
}

/** `retryInMs`: how long the gate stays closed (a wrong PIN that closed it, or a try while closed). */
export type PinCheck = { ok: true } | { ok: false; reason: 'UNAUTHORIZED' | 'PIN_LOCKED' | 'STORAGE_UNAVAILABLE'; message: string; retryInMs?: number };

/** Who asks, for the audit row: the host and screen/session (never a person's data). */
export interface AdminCaller {
  by: string;
  what: string;
}

/** One PIN and whose it is (`admin`, or a guard's badge id). */
export interface PinHolder {
  id: string;
  record: AdminPinRecord;
}

/** The audit actions of one gate: a wrong PIN (counted), a try while closed, a right PIN (ends a run). */
export interface PinGateActions {
  failed: string;
  locked: string;
  ok: string;
}

/**
 * A set of PINs behind one failure count and back-off, kept in the audit trail. The count belongs
 * to the set, not to a connection or a holder: reconnecting, or aiming at another guard's PIN,
 * buys no fresh tries.
 */
export class PinGate {
  /** Identifies the PINs in force (a digest of their random salts): a new PIN starts a new count. */
  private readonly setId: string | null;

  constructor(
    private readonly holders: readonly PinHolder[],
    private readonly clock: Clock,
    private readonly trail: AdminAuditTrail,
    private readonly actions: PinGateActions,
    /** Named in messages: `admin PIN`, `guard PIN`. */
    private readonly label: string,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
  ) {
    this.setId = holders.length ? createHash('sha256').update(holders.map((h) => h.record.salt).join(',')).digest('hex').slice(0, 8) : null;
  }

  get configured(): boolean {
    return this.holders.length > 0;
  }

  /** Wrong PINs in a row for the PINs in force, and when the last one was tried (from the audit trail). */
  failures(): { count: number; lastAt: number | null } {
    let count = 0;
    let lastAt: number | null = null;
    // The cap only bounds the read: the wait stops growing long before this many failures.
    for (const row of this.trail.auditOf([this.actions.failed, this.actions.ok], 64)) {
      if (row.detail.pin !== this.setId || row.action === this.actions.ok) break;
      count++;
      lastAt ??= row.atMs;
    }
    return { count, lastAt };
  }

  /** Whose PIN `pin` is, audited either way; refused while the gate is closed. */
  check(pin: string, caller: AdminCaller): { ok: true; holder: string } | Extract<PinCheck, { ok: false }> {
    const now = this.clock.now();
    try {
      const { count, lastAt } = this.failures();
      const openAt = lastAt === null ? 0 : lastAt + lockMsAfter(count, this.policy);
      if (now < openAt) {
        this.trail.audit(this.actions.locked, { by: caller.by, what: caller.what, pin: this.setId, failures: count }, now);
        // Locked, not "wrong": the screen says so, with the wait, even when the right PIN was typed.
        return { ok: false, reason: 'PIN_LOCKED', message: `too many wrong PINs; try again in ${Math.ceil((openAt - now) / 1000)} s`, retryInMs: openAt - now };
      }
      const holder = this.holders.find((h) => adminPinMatches(pin, h.record));
      if (holder) {
        this.trail.audit(this.actions.ok, { by: caller.by, what: caller.what, pin: this.setId, holder: holder.id }, now);
        return { ok: true, holder: holder.id };
      }
      const failures = count + 1;
      this.trail.audit(this.actions.failed, { by: caller.by, what: caller.what, pin: this.setId, failures }, now);
      const wait = lockMsAfter(failures, this.policy);
      if (wait === 0) return { ok: false, reason: 'UNAUTHORIZED', message: `wrong ${this.label}` };
      return { ok: false, reason: 'UNAUTHORIZED', message: `wrong ${this.label}; try again in ${Math.ceil(wait / 1000)} s`, retryInMs: wait };
    } catch (err) {
      // No trail, no PIN check: a failure that cannot be counted must not be free to repeat.
      return { ok: false, reason: 'STORAGE_UNAVAILABLE', message: `the ${this.label} needs the audit log (${(err as Error).name})` };
    }
  }
}

/**
 * The console's PIN gate: the admin's PIN and, when set, the integrator's, behind one failure count
 * (guessing at one PIN buys no fresh tries at the other). `check` says whose PIN it was.
 */
export class AdminPinGate {
  private readonly gate: PinGate;

  constructor(record: AdminPinRecord | null | Array<{ role: ConsoleRole; record: AdminPinRecord }>, clock: Clock, trail: AdminAuditTrail, policy: BackoffPolicy = DEFAULT_BACKOFF) {
    const pins = Array.isArray(record) ? record : record ? [{ role: 'admin' as const, record }] : [];
    this.gate = new PinGate(
      pins.map((p) => ({ id: p.role, record: p.record })),
      clock,
      trail,
      { failed: ADMIN_AUDIT.failed, locked: ADMIN_AUDIT.locked, ok: ADMIN_AUDIT.view },
      'admin PIN',
      policy,
    );
  }

  get configured(): boolean {
    return this.gate.configured;
  }

  failures(): { count: number; lastAt: number | null } {
    return this.gate.failures();
  }

  check(pin: string | undefined, caller: AdminCaller): PinCheck {
    const r = this.checkRole(pin, caller);
    return r.ok ? { ok: true } : r;
  }

  /** As `check`, and whose PIN it was. */
  checkRole(pin: string | undefined, caller: AdminCaller): { ok: true; role: ConsoleRole } | Extract<PinCheck, { ok: false }> {
    if (!this.gate.configured) return { ok: false, reason: 'UNAUTHORIZED', message: 'no admin PIN is set: admin functions stay closed until `kiosk admin set-pin` sets one' };
    if (pin === undefined) return { ok: false, reason: 'UNAUTHORIZED', message: 'the admin PIN is required' };
    const r = this.gate.check(pin, caller);
    return r.ok ? { ok: true, role: r.holder as ConsoleRole } : r;
  }
}

// Guards (docs/security.md, "Guard identity"): config.json `guards: [{ id, pin }]`, the id being
// the guard's badge number. When any is configured a verdict needs one of their PINs, and the
// override records whose it was next to the screen session that sent it.
export const GUARD_AUDIT = {
  failed: 'guard-pin-failed',
  locked: 'guard-pin-locked',
  /** A verdict given with a guard's PIN. */
  verdict: 'guard-verdict',
} as const;

export type GuardRecord = z.infer<typeof guardSchema>;

/** `guards` of the parsed configuration (validated with the whole document, so none is silently dropped). */
export function guardsOf(config: Pick<KioskConfig, 'guards'>): GuardRecord[] {
  return config.guards;
}

export function guardPinGate(guards: readonly GuardRecord[], clock: Clock, trail: AdminAuditTrail, policy: BackoffPolicy = DEFAULT_BACKOFF): PinGate {
  return new PinGate(
    guards.map((g) => ({ id: g.id, record: g.pin })),
    clock,
    trail,
    { failed: GUARD_AUDIT.failed, locked: GUARD_AUDIT.locked, ok: GUARD_AUDIT.verdict },
    'guard PIN',
    policy,
  );
}
