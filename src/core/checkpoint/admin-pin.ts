// The admin PIN (architecture.md, "Security boundaries": admin functions behind a PIN, hashed,
// rate-limited). Stored in config.json as `admin.pin = { salt, hash }` (hex): scrypt, so the file
// does not give the PIN away to a quick brute force; and after a few wrong tries the gate closes
// for a while, so the short PIN cannot be guessed at the screen either.
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

export type PinCheck = { ok: true } | { ok: false; message: string };

/** Checks PINs, closing for `lockMs` after `maxFailures` wrong ones in a row. */
export class AdminPinGate {
  private failures = 0;
  private lockedUntil = 0;

  constructor(
    private readonly record: AdminPinRecord | null,
    private readonly clock: Clock,
    private readonly maxFailures = 5,
    private readonly lockMs = 60_000,
  ) {}

  get configured(): boolean {
    return this.record !== null;
  }

  check(pin: string | undefined): PinCheck {
    if (!this.record) return { ok: true };
    const now = this.clock.now();
    if (now < this.lockedUntil) return { ok: false, message: `too many wrong PINs; try again in ${Math.ceil((this.lockedUntil - now) / 1000)} s` };
    if (pin !== undefined && adminPinMatches(pin, this.record)) {
      this.failures = 0;
      return { ok: true };
    }
    this.failures++;
    if (this.failures >= this.maxFailures) {
      this.failures = 0;
      this.lockedUntil = now + this.lockMs;
    }
    return { ok: false, message: pin === undefined ? 'the admin PIN is required' : 'wrong admin PIN' };
  }
}
