// The tracing query, the reason the platform holds real-name entries (docs/upload-protocol.md §8):
// where and when a person passed (venue, kiosk, time, decision) in a time range, and optionally who
// was at the same venue within ±N minutes. Found by the keyed hash of the document number
// (trace-key.ts), never by a plaintext scan. Only an operator may ask, must say why, and every
// question is audited (who, why, when, what range, how many rows) without the document number.
import { docKeyOf, normaliseDocumentNumber } from './trace-key.js';
import { parseIsoInstant } from '../base/iso-instant.js';
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

export type TraceRefusal = { reason: Extract<CollectorReason, 'TRACE_REASON_REQUIRED' | 'TRACE_INVALID'>; message: string };

/** 2001-09-09 in ms: a smaller `from`/`to` is a count of seconds (1796256000 is 2026 in seconds, 1970 in ms). */
const SECONDS_NOT_MS_BELOW = 1_000_000_000_000;

/**
 * `from`/`to` of an HTTP trace body (docs/upload-protocol.md §8): ms since the epoch, or an ISO 8601
 * time with its zone. Returns the ms, or what is wrong with this field in words an operator acts on.
 */
export function traceTimeOf(value: unknown, field: 'from' | 'to'): number | TraceRefusal {
  const refuse = (why: string): TraceRefusal => ({ reason: 'TRACE_INVALID', message: `${field}: ${why}` });
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return refuse(`${value} is not a whole number of ms since the epoch`);
    if (value < SECONDS_NOT_MS_BELOW) return refuse(`${value} is before 2001: seconds rather than ms since the epoch? (ms: ${value * 1000})`);
    return value;
  }
  if (typeof value !== 'string') return refuse('missing: ms since the epoch or an ISO 8601 time with its zone, e.g. 2026-11-01T00:00:00+08:00');
  const ms = parseIsoInstant(value);
  if (ms !== null) return ms;
  if (/^\d+$/.test(value)) return refuse(`${JSON.stringify(value)} is a string: give ms since the epoch as a JSON number`);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return refuse(`${JSON.stringify(value)} is a day without a time and zone: which day it is depends on the zone; give e.g. ${value}T00:00:00+08:00`);
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(value)) return refuse(`${JSON.stringify(value)} has no zone: add Z or the offset, e.g. ${value}+08:00`);
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(value)) return refuse(`${JSON.stringify(value)} is not a date that exists`);
  return refuse(`${JSON.stringify(value).slice(0, 80)} is not ms since the epoch nor an ISO 8601 time with its zone (2026-11-01T00:00:00+08:00)`);
}

/** Why `request` cannot be run, or null. */
export function traceProblem(r: Omit<Partial<TraceRequest>, 'from' | 'to'> & { from?: unknown; to?: unknown }): TraceRefusal | null {
  if (typeof r.reason !== 'string' || r.reason.trim().length < 4) return { reason: 'TRACE_REASON_REQUIRED', message: 'say why this person is traced (reason: at least 4 characters); it is audited' };
  if (r.reason.length > 1000) return { reason: 'TRACE_INVALID', message: 'reason: at most 1000 characters' };
  if (typeof r.documentNumber !== 'string' || r.documentNumber.trim().length < 4 || r.documentNumber.length > 64) return { reason: 'TRACE_INVALID', message: 'documentNumber: 4 to 64 characters' };
  const from = traceTimeOf(r.from, 'from');
  if (typeof from !== 'number') return from;
  const to = traceTimeOf(r.to, 'to');
  if (typeof to !== 'number') return to;
  if (from > to) return { reason: 'TRACE_INVALID', message: `from (${new Date(from).toISOString()}) is after to (${new Date(to).toISOString()})` };
  if (to - from > MAX_RANGE_MS) return { reason: 'TRACE_INVALID', message: 'the range is at most 366 days' };
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
  // Masked as it is searched (normalised: no spaces, upper case), so the operator sees which number was meant.
  const doc = normaliseDocumentNumber(request.documentNumber);
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
