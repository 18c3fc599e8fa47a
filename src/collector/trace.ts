// The tracing query, the reason the platform holds real-name entries (docs/upload-protocol.md §8):
// where and when a person passed (venue, kiosk, time, decision) in a time range, and optionally who
// was at the same venue within ±N minutes. Found by the keyed hash of the document number
// (trace-key.ts), never by a plaintext scan. Only an operator may ask, must say why, and every
// question is audited (who, why, when, what range, how many rows) without the document number.
import { docKeyOf } from './trace-key.js';
import type { CollectorReason } from '../contract/reasons.js';
import type { CollectorStorage, CoPresentEntry, TracePassage } from './storage.js';

export const TRACE_PATH = '/v1/trace';
/** Longest co-presence window asked for: a day either side. */
export const MAX_WINDOW_MINUTES = 24 * 60;
/** Longest range one query covers (a year): a wider one is a bulk export, not a trace. */
export const MAX_RANGE_MS = 366 * 24 * 3600_000;

export interface TraceRequest {
  documentNumber: string;
  from: number;
  to: number;
  windowMinutes?: number;
  /** Free text: why this person is being traced (a case number, an outbreak). Required. */
  reason: string;
  /** Who asks: the operator the token or the CLI user names. */
  operator: string;
  /** 'http' or 'cli'. */
  via: string;
}

/** A time as the answer gives it: ms since the epoch for programs, and the same instant in ISO 8601 (UTC) for people. */
type WithIso<T> = T & { scannedAtIso: string };

export interface TraceAnswer {
  documentNumberMasked: string;
  from: number;
  to: number;
  fromIso: string;
  toIso: string;
  windowMinutes: number | null;
  passages: WithIso<TracePassage>[];
  coPresent: WithIso<CoPresentEntry>[];
}

/** An ISO 8601 date and time with its zone (Z or ±hh:mm); a time without a zone would be guessed. */
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `from`/`to` of an HTTP trace body: ms since the epoch, or an ISO 8601 time with its zone
 * (docs/upload-protocol.md §8). Anything else, an impossible date included, comes back unchanged
 * for traceProblem to refuse with TRACE_INVALID.
 */
export function traceTimeOf(value: unknown): unknown {
  if (typeof value !== 'string' || !ISO_WITH_ZONE.test(value)) return value;
  const ms = Date.parse(value);
  // Date.parse rolls 2026-11-31 over to 12-01; a date that does not exist is refused instead.
  const [y, m, d] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  if (Number.isNaN(ms) || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return value;
  return ms;
}

export type TraceRefusal = { reason: Extract<CollectorReason, 'TRACE_REASON_REQUIRED' | 'TRACE_INVALID'>; message: string };

/** Why `request` cannot be run, or null. */
export function traceProblem(r: Partial<TraceRequest>): TraceRefusal | null {
  if (typeof r.reason !== 'string' || r.reason.trim().length < 4) return { reason: 'TRACE_REASON_REQUIRED', message: 'say why this person is traced (reason: at least 4 characters); it is audited' };
  if (r.reason.length > 1000) return { reason: 'TRACE_INVALID', message: 'reason: at most 1000 characters' };
  if (typeof r.documentNumber !== 'string' || r.documentNumber.trim().length < 4 || r.documentNumber.length > 64) return { reason: 'TRACE_INVALID', message: 'documentNumber: 4 to 64 characters' };
  if (!Number.isSafeInteger(r.from) || !Number.isSafeInteger(r.to) || r.from! > r.to!) return { reason: 'TRACE_INVALID', message: 'from and to: ms since the epoch or ISO 8601 times with their zone (2026-11-01T00:00:00+08:00), from ≤ to' };
  if (r.to! - r.from! > MAX_RANGE_MS) return { reason: 'TRACE_INVALID', message: 'the range is at most 366 days' };
  if (r.windowMinutes !== undefined && (!Number.isInteger(r.windowMinutes) || r.windowMinutes < 0 || r.windowMinutes > MAX_WINDOW_MINUTES)) {
    return { reason: 'TRACE_INVALID', message: `windowMinutes: an integer from 0 to ${MAX_WINDOW_MINUTES}` };
  }
  if (typeof r.operator !== 'string' || r.operator.length === 0) return { reason: 'TRACE_INVALID', message: 'operator: who asks' };
  return null;
}

/** Runs a valid request and audits it (the audit row is written before the answer is returned). */
export async function runTrace(storage: CollectorStorage, traceKey: Buffer, request: TraceRequest, now = Date.now()): Promise<TraceAnswer> {
  const docKey = docKeyOf(traceKey, request.documentNumber);
  const result = await storage.trace({ docKey, from: request.from, to: request.to, ...(request.windowMinutes !== undefined ? { windowMinutes: request.windowMinutes } : {}) });
  await storage.audit({
    at: now,
    operator: request.operator,
    reason: request.reason.trim(),
    kind: request.windowMinutes !== undefined ? 'trace+copresence' : 'trace',
    docKeyHex: docKey.toString('hex'),
    from: request.from,
    to: request.to,
    windowMinutes: request.windowMinutes ?? null,
    passages: result.passages.length,
    coPresent: result.coPresent.length,
    via: request.via,
  });
  const doc = request.documentNumber.trim();
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    documentNumberMasked: doc.length <= 4 ? '*'.repeat(doc.length) : `${doc.slice(0, 2)}${'*'.repeat(doc.length - 4)}${doc.slice(-2)}`,
    from: request.from,
    to: request.to,
    fromIso: iso(request.from),
    toIso: iso(request.to),
    windowMinutes: request.windowMinutes ?? null,
    passages: result.passages.map((p) => ({ ...p, scannedAtIso: iso(p.scannedAt) })),
    coPresent: result.coPresent.map((c) => ({ ...c, scannedAtIso: iso(c.scannedAt) })),
  };
}
