// The upload protocol shared by the kiosk's uploader and the collector: one definition of the batch
// body, its headers and the collector's answer, so both sides agree byte for byte.
// The prose version, with the reasons behind each choice, is docs/upload-protocol.md.
import { deflateSync, inflateSync } from 'node:zlib';
import { z } from 'zod';
import { parseJsonBytes } from './json-bytes.js';

export const PROTOCOL_VERSION = 1;
export const BATCHES_PATH = '/v1/batches';
export const LIST_PATHS = { trust: '/v1/lists/trust', status: '/v1/lists/status' } as const;
export type ListKind = keyof typeof LIST_PATHS;
/** The signed DSC list of EU DCC signer certificates (docs/dcc-trust.md), served beside the two lists. */
export const DSC_LIST_PATH = '/v1/lists/dsc';
/** Unauthenticated: "a collector answers here" (the integrator's connection test, docs/upload-protocol.md §1). */
export const HEALTH_PATH = '/v1/health';
/**
 * Signed: "is this kiosk's key registered here?" (docs/upload-protocol.md §1). GET with the kiosk-id
 * header and a kiosk-signature over `probeMessage(kioskId)`; 200 registered, 401/403 KIOSK_UNKNOWN.
 */
export const KIOSK_SELF_PATH = '/v1/kiosks/me';

/**
 * The bytes a registration probe signs. It reveals only whether the signer's own key is registered,
 * so a fixed message is enough (no body, no replay worth preventing); the domain prefix keeps it
 * from ever being mistaken for a batch body (those are zlib streams, never this text).
 */
export function probeMessage(kioskId: string): Uint8Array {
  return new TextEncoder().encode(`checkpoint-kiosk-probe v1 ${kioskId}`);
}

/** Header names (lower case, as node:http exposes them). */
export const HEADER = {
  kioskId: 'kiosk-id',
  batchId: 'batch-id',
  signature: 'kiosk-signature',
} as const;
export const BATCH_CONTENT_TYPE = 'application/json';
/** RFC 9110 "deflate" is the zlib format (RFC 1950), what zlib.deflateSync produces. */
export const BATCH_CONTENT_ENCODING = 'deflate';

/** One logged entry as it travels: its kiosk sequence number, its stable id and its original scan time. */
export interface UploadEntry {
  /** Monotonic per kiosk; batches carry contiguous runs of it, in order. */
  seq: number;
  /** Stable unique id of the entry: the collector's second deduplication key. */
  entryId: string;
  /** When the person was checked (ms since the epoch, UTC): the original time, never the upload time. */
  at: number;
  /** The entry's fields as the kiosk logged them. */
  record: Record<string, unknown>;
}

export interface BatchBody {
  v: typeof PROTOCOL_VERSION;
  kioskId: string;
  batchId: string;
  firstSeq: number;
  lastSeq: number;
  /** Entries waiting after this batch when it was built: shown on the collector's status page. */
  backlog: number;
  entries: { s: number; id: string; t: number; r: Record<string, unknown> }[];
}

// The envelope is checked with zod; the entries (thousands per batch, on the collector's hot path)
// with a plain loop: zod cost more than inflating and parsing the whole batch together.
const envelopeSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  kioskId: z.string().regex(/^[0-9a-f]{16}$/),
  batchId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  firstSeq: z.number().int().nonnegative(),
  lastSeq: z.number().int().nonnegative(),
  backlog: z.number().int().nonnegative(),
  entries: z.array(z.unknown()).min(1),
});

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Why `entries` is not a list of well-formed entries in ascending seq order, or null. */
function entriesProblem(entries: readonly unknown[], firstSeq: number, lastSeq: number): string | null {
  let prev = -1;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as Partial<BatchBody['entries'][number]> | null;
    if (typeof e !== 'object' || e === null || Array.isArray(e)) return `entries.${i}: not an object`;
    if (!isCount(e.s)) return `entries.${i}.s: not a seq`;
    if (typeof e.id !== 'string' || e.id.length === 0 || e.id.length > 128) return `entries.${i}.id: not an entry id`;
    if (!isCount(e.t)) return `entries.${i}.t: not a time`;
    if (typeof e.r !== 'object' || e.r === null || Array.isArray(e.r)) return `entries.${i}.r: not an object`;
    if (e.s <= prev) return 'entries must be in ascending seq order';
    prev = e.s;
  }
  const first = (entries[0] as { s: number }).s;
  if (first !== firstSeq || prev !== lastSeq) return 'firstSeq/lastSeq must match the entries';
  return null;
}

/** zlib(JSON(batch)). */
export function encodeBatch(body: BatchBody, level = 1): Buffer {
  // Level 1: entries are repetitive maps that compress ~4x even at the fastest level; higher
  // levels cost the kiosk's CPU for little gain on a LAN or 4G link.
  return deflateSync(Buffer.from(JSON.stringify(body), 'utf8'), { level });
}

export function toBatchBody(kioskId: string, batchId: string, entries: readonly UploadEntry[], backlog: number): BatchBody {
  return {
    v: PROTOCOL_VERSION,
    kioskId,
    batchId,
    firstSeq: entries[0]!.seq,
    lastSeq: entries[entries.length - 1]!.seq,
    backlog,
    entries: entries.map((e) => ({ s: e.seq, id: e.entryId, t: e.at, r: e.record })),
  };
}

export class BatchDecodeError extends Error {
  constructor(
    readonly reason: 'BATCH_INVALID' | 'BATCH_TOO_LARGE',
    message: string,
  ) {
    super(message);
  }
}

/** Inflates (refusing more than `maxInflatedBytes`: a deflate bomb is bad input), decodes, validates. */
export function decodeBatch(body: Uint8Array, maxInflatedBytes: number): BatchBody {
  let raw: Buffer;
  try {
    raw = inflateSync(body, { maxOutputLength: maxInflatedBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BatchDecodeError('BATCH_TOO_LARGE', `batch inflates to more than ${maxInflatedBytes} bytes`);
    }
    throw new BatchDecodeError('BATCH_INVALID', 'body is not zlib-deflated');
  }
  let decoded: unknown;
  try {
    // Not JSON.parse(raw.toString()): a batch of hundreds of entries is a string too large to make
    // cheaply (json-bytes.ts).
    decoded = parseJsonBytes(raw);
  } catch {
    throw new BatchDecodeError('BATCH_INVALID', 'body is not JSON');
  }
  const parsed = envelopeSchema.safeParse(decoded);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BatchDecodeError('BATCH_INVALID', `batch does not match protocol v1: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`);
  }
  const problem = entriesProblem(parsed.data.entries, parsed.data.firstSeq, parsed.data.lastSeq);
  if (problem) throw new BatchDecodeError('BATCH_INVALID', `batch does not match protocol v1: ${problem}`);
  return parsed.data as BatchBody;
}

/** The collector's answer to an accepted batch (HTTP 200). */
export const batchAckSchema = z.object({
  ok: z.literal(true),
  batchId: z.string(),
  firstSeq: z.number().int(),
  lastSeq: z.number().int(),
  /** Entries newly stored by this request. */
  accepted: z.number().int().nonnegative(),
  /** Entries the collector already held (same kiosk and entry id). */
  duplicates: z.number().int().nonnegative(),
  /** True when this batch id had been accepted before and nothing was written again. */
  replay: z.boolean(),
});
export type BatchAck = z.infer<typeof batchAckSchema>;

/** The collector's answer to anything it refuses. */
export const refusalSchema = z.object({ ok: z.literal(false), reason: z.string(), message: z.string() });
export type Refusal = z.infer<typeof refusalSchema>;

// ---- Heartbeats (docs/upload-protocol.md §11) ----
// Every minute while a collector is configured the kiosk says how it is: software, configuration,
// lists, devices, backlog, clock and disk. Sent on the upload channel, signed with the device key
// exactly like a batch (kiosk-id + kiosk-signature over the deflated body as sent). No personal data
// by design: every field is a version, a count, a seq, a time or a device's reason code.

export const HEARTBEATS_PATH = '/v1/heartbeats';
/** Longest compressed heartbeat the collector reads (a full one is well under 2 KB). */
export const HEARTBEAT_MAX_BYTES = 16 * 1024;

const shortText = (max: number) => z.string().max(max);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A list's freshness as the kiosk judges it (contract ListFreshness), and its seq and age. */
const listState = z.enum(['missing', 'fresh', 'stale', 'expired']);

export const heartbeatDeviceSchema = z.strictObject({
  device: z.enum(['idcard', 'thermometer', 'scanner', 'gate']),
  configured: z.boolean(),
  connected: z.boolean(),
  /** Why it cannot be used now (a device reason code), null when it works. Reason codes only: nothing else to show or log. */
  fault: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/).nullable(),
  lastError: z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/).nullable(),
});
export type HeartbeatDevice = z.infer<typeof heartbeatDeviceSchema>;

export const heartbeatBodySchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  kioskId: z.string().regex(/^[0-9a-f]{16}$/),
  /** Kiosk clock, ms since the epoch, when it was sent: the collector's receipt time minus this is the skew. */
  sentAt: count,
  /** The venue in the kiosk's configuration: the fleet view filters by it. */
  venueId: shortText(64).nullable(),
  softwareVersion: shortText(32),
  /** config.json `revision` (one more with every save). */
  configRevision: count.nullable(),
  trustList: z.strictObject({ state: listState, seq: count.nullable(), issuedAt: count.nullable(), ageHours: z.number().nonnegative().max(1e7).nullable() }),
  statusList: z.strictObject({ state: listState, seq: count.nullable(), ageHours: z.number().nonnegative().max(1e7).nullable() }),
  devices: z.array(heartbeatDeviceSchema).max(8),
  /** Entries (passages and overrides) not yet acknowledged by the collector. */
  backlog: count,
  /** Kiosk clock − collector clock as the kiosk measured it at its previous heartbeat; null before one was answered. */
  clockOffsetMs: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullable(),
  /** statfs of the data directory: bytes available to the kiosk; null when it could not be read. */
  freeDiskBytes: count.nullable(),
  /**
   * Signed fleet configuration (§12): the fleet revision in force (0: none) and the last bundle
   * refused, with its reason (revision null when it did not verify). Absent from kiosks before §12.
   */
  fleetConfig: z
    .strictObject({
      revision: count,
      refused: z.strictObject({ revision: count.nullable(), reason: shortText(40) }).optional(),
    })
    .optional(),
});
export type HeartbeatBody = z.infer<typeof heartbeatBodySchema>;

/** zlib(JSON(heartbeat)), as a batch is sent. */
export function encodeHeartbeat(body: HeartbeatBody): Buffer {
  return deflateSync(Buffer.from(JSON.stringify(body), 'utf8'), { level: 1 });
}

export class HeartbeatDecodeError extends Error {
  readonly reason = 'HEARTBEAT_INVALID' as const;
}

/** Inflates (at most 64 KiB), parses and validates; a HeartbeatDecodeError names what is wrong. */
export function decodeHeartbeat(body: Uint8Array): HeartbeatBody {
  let raw: Buffer;
  try {
    raw = inflateSync(body, { maxOutputLength: 64 * 1024 });
  } catch {
    throw new HeartbeatDecodeError('body is not zlib-deflated, or inflates to more than 64 KiB');
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new HeartbeatDecodeError('body is not JSON');
  }
  const parsed = heartbeatBodySchema.safeParse(decoded);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new HeartbeatDecodeError(`heartbeat does not match protocol v1: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`);
  }
  return parsed.data;
}

/** The collector's answer to a stored heartbeat: its own clock, so the kiosk learns its offset too. */
export const heartbeatAckSchema = z.object({
  ok: z.literal(true),
  /** Collector clock when the heartbeat arrived (ms since the epoch). */
  receivedAt: z.number().int(),
  /** sentAt − receivedAt as the collector computed it (the kiosk's clock minus the collector's). */
  clockOffsetMs: z.number().int(),
});
export type HeartbeatAck = z.infer<typeof heartbeatAckSchema>;
