// The admin PIN (architecture.md, "Security boundaries": admin functions behind a PIN, hashed,
// rate-limited; docs/security.md, "Admin PIN"). Stored in config.json as `admin.pin = { salt, hash }`
// (hex): scrypt, so the file does not give the PIN away to a quick brute force. At the screen:
// - no PIN configured: admin functions are closed (the demo sets its PIN explicitly);
// - a call without a PIN is refused and counts for nothing, so it cannot lock the admin out;
// - every wrong PIN is an audit row, and the failure count is read back from those rows, so it
//   survives a restart; after a few free tries each failure doubles the wait (30 s, 1 min, … 24 h),
//   which puts a 4-digit PIN out of reach of guessing at the screen;
// - every admin view is an audit row; no audit log, no admin view (the trail must not have holes).
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from './clock.js';

export const adminPinRecordSchema = z.object({ salt: z.string().regex(/^[0-9a-f]{32}$/), hash: z.string().regex(/^[0-9a-f]{64}$/) });
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

/** Reads `admin.pin` from a configuration object; null when none is set (or it is malformed). */
export function adminPinOf(config: unknown): AdminPinRecord | null {
  const pin = (config as { admin?: { pin?: unknown } } | null)?.admin?.pin;
  const parsed = adminPinRecordSchema.safeParse(pin);
  return parsed.success ? parsed.data : null;
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

export type PinCheck = { ok: true } | { ok: false; reason: 'UNAUTHORIZED' | 'STORAGE_UNAVAILABLE'; message: string };

/** Who asks, for the audit row: the host and screen/session (never a person's data). */
export interface AdminCaller {
  by: string;
  what: string;
}

export class AdminPinGate {
  /** Identifies the PIN in force (a prefix of its random salt): a new PIN starts a new count. */
  private readonly pinId: string | null;

  constructor(
    private readonly record: AdminPinRecord | null,
    private readonly clock: Clock,
    private readonly trail: AdminAuditTrail,
    private readonly policy: BackoffPolicy = DEFAULT_BACKOFF,
  ) {
    this.pinId = record ? record.salt.slice(0, 8) : null;
  }

  get configured(): boolean {
    return this.record !== null;
  }

  /** Wrong PINs in a row for the PIN in force, and when the last one was tried (from the audit trail). */
  failures(): { count: number; lastAt: number | null } {
    let count = 0;
    let lastAt: number | null = null;
    // The cap only bounds the read: the wait stops growing long before this many failures.
    for (const row of this.trail.auditOf([ADMIN_AUDIT.failed, ADMIN_AUDIT.view], 64)) {
      if (row.detail.pin !== this.pinId || row.action === ADMIN_AUDIT.view) break;
      count++;
      lastAt ??= row.atMs;
    }
    return { count, lastAt };
  }

  check(pin: string | undefined, caller: AdminCaller): PinCheck {
    if (!this.record) return { ok: false, reason: 'UNAUTHORIZED', message: 'no admin PIN is set: admin functions stay closed until `kiosk admin set-pin` sets one' };
    if (pin === undefined) return { ok: false, reason: 'UNAUTHORIZED', message: 'the admin PIN is required' };
    const now = this.clock.now();
    try {
      const { count, lastAt } = this.failures();
      const openAt = lastAt === null ? 0 : lastAt + lockMsAfter(count, this.policy);
      if (now < openAt) {
        this.trail.audit(ADMIN_AUDIT.locked, { by: caller.by, what: caller.what, pin: this.pinId, failures: count }, now);
        return { ok: false, reason: 'UNAUTHORIZED', message: `too many wrong PINs; try again in ${Math.ceil((openAt - now) / 1000)} s` };
      }
      if (adminPinMatches(pin, this.record)) {
        this.trail.audit(ADMIN_AUDIT.view, { by: caller.by, what: caller.what, pin: this.pinId }, now);
        return { ok: true };
      }
      const failures = count + 1;
      this.trail.audit(ADMIN_AUDIT.failed, { by: caller.by, what: caller.what, pin: this.pinId, failures }, now);
      const wait = lockMsAfter(failures, this.policy);
      return { ok: false, reason: 'UNAUTHORIZED', message: wait > 0 ? `wrong admin PIN; try again in ${Math.ceil(wait / 1000)} s` : 'wrong admin PIN' };
    } catch (err) {
      // No trail, no admin function: a failure that cannot be counted must not be free to repeat.
      return { ok: false, reason: 'STORAGE_UNAVAILABLE', message: `admin functions need the audit log (${(err as Error).name})` };
    }
  }
}
