// Sortable unique ids for log rows: UUIDv7 (RFC 9562 §5.7), 48-bit Unix milliseconds then random
// bits, so ids sort by time across kiosks and never collide without coordination. Node 20 has no
// UUIDv7 generator; the layout is a few lines.
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/**
 * `n` (≤ 64) bytes from the CSPRNG, drawn from a pool refilled by one getrandom() call per 4 KiB:
 * a call per id or nonce cost a third of the seeder's time (a million rows).
 */
export function randomBytesPooled(n: number): Buffer {
  if (n > 64) throw new RangeError('randomBytesPooled serves at most 64 bytes');
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  // A copy, so a later refill never changes bytes already handed out.
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
}

export function uuidv7(unixMs: number): string {
  const b = randomBytesPooled(16);
  const ms = Math.max(0, Math.floor(unixMs));
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f); // version 7
  b[8] = 0x80 | (b[8]! & 0x3f); // variant 10
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
