// The uploader: moves the kiosk's log to the collector in signed, compressed batches, exactly once
// and in order (docs/upload-protocol.md). It runs beside the passage flow and never in its way: it
// only reads the log (WAL readers do not block the writer) and writes one tiny ledger row per batch.
//
// Exactly once = at-least-once delivery + idempotency on the collector:
// - a batch is recorded in the ledger (id + seq range) BEFORE it is first sent, and only cut anew
//   once the collector acknowledged it, so every retry — after a timeout, a reset, a crash, a
//   SIGKILL — resends the same entries under the same batch id;
// - the collector deduplicates by (kiosk, batch id) and by (kiosk, entry id).
// In order: one batch in flight per kiosk, contiguous seq ranges, the cursor only moves forward.
import { randomUUID } from 'node:crypto';
import type { KioskReason, UploadReason } from '../../contract/reasons.js';

/** Why an upload attempt failed: the collector's side, or the kiosk's own log could not be read. */
export type UploadFailureReason = UploadReason | Extract<KioskReason, 'STORAGE_UNAVAILABLE'>;
import type { DeviceIdentity } from '../identity/device-key.js';
import { b64url } from '../identity/device-key.js';
import {
  BATCHES_PATH,
  BATCH_CONTENT_ENCODING,
  BATCH_CONTENT_TYPE,
  HEADER,
  batchAckSchema,
  encodeBatch,
  refusalSchema,
  toBatchBody,
  type UploadEntry,
} from './protocol.js';
import { HttpFailure, httpExchange, uploadAgent, type TlsOptions } from './http.js';
import { readRange, type PendingBatch, type StreamName, type UploadLedger, type UploadStream } from './source.js';

export interface UploaderOptions {
  /** Base URL of the collector, e.g. `http://127.0.0.1:8787`. */
  collectorUrl: string;
  identity: Pick<DeviceIdentity, 'kioskId' | 'sign'>;
  /** Streams in priority order; `entries` first. */
  streams: readonly UploadStream[];
  ledger: UploadLedger;
  /** Entries per batch (default 1000). Halved automatically when the collector answers 413. */
  batchSize?: number;
  /** Whole request, answer included (default 15 s). A slower collector counts as a failure. */
  requestTimeoutMs?: number;
  /** First retry delay; doubles per consecutive failure up to `backoffMaxMs` (defaults 1 s, 60 s). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** How often an idle uploader looks for new entries when nobody calls `nudge()` (default 2 s). */
  idlePollMs?: number;
  /** Optional link check (e.g. the OS says the network is down): when false, wait without trying. */
  online?: () => boolean;
  /** For an https collector whose certificate a private CA signed. */
  tls?: TlsOptions;
  /**
   * Most entries per second a drain may send (default 30,000; 0 = no limit). A backlog of a million
   * drains in about half a minute either way, and the CPU the uploader does not take stays with the
   * passage flow on a two-core kiosk.
   */
  maxEntriesPerSecond?: number;
  /** Reuse one connection across batches (default true). Tests turn it off to meet a fresh fault per request. */
  keepAlive?: boolean;
  /** Jitter source, [0, 1). Tests pass a fixed one. */
  random?: () => number;
  /** Progress and failures, with seqs, ids, counts and reasons: never entry contents. */
  onEvent?: (event: UploadEvent) => void;
}

export type UploadState = 'idle' | 'uploading' | 'backoff' | 'offline' | 'stopped';

export type UploadEvent =
  | { type: 'sent'; stream: StreamName; batchId: string; firstSeq: number; lastSeq: number; count: number; accepted: number; duplicates: number; replay: boolean; ms: number }
  | { type: 'failed'; stream: StreamName; batchId: string; reason: UploadFailureReason; httpStatus: number | null; message: string; retryInMs: number; consecutiveFailures: number }
  | { type: 'state'; state: UploadState };

export interface UploadStatus {
  state: UploadState;
  streams: Record<string, { ackedSeq: number; backlog: number; pendingBatchId: string | null }>;
  lastError: { reason: UploadFailureReason; httpStatus: number | null; message: string; at: number } | null;
  lastSuccessAt: number | null;
  /** Entries sent and acknowledged since this uploader started (replays included). */
  sentSinceStart: number;
  consecutiveFailures: number;
  batchSize: number;
}

export type StepResult =
  | { kind: 'sent'; stream: StreamName; count: number; accepted: number; duplicates: number; replay: boolean }
  | { kind: 'empty' }
  | { kind: 'failed'; stream: StreamName; reason: UploadFailureReason; httpStatus: number | null; message: string; retryAfterMs: number | null; retryNow: boolean };

interface Prepared {
  stream: StreamName;
  pending: PendingBatch;
  body: Buffer;
  signature: string;
}

export class Uploader {
  private readonly opts: Required<Omit<UploaderOptions, 'online' | 'onEvent' | 'tls'>> & Pick<UploaderOptions, 'online' | 'onEvent' | 'tls'>;
  private readonly prepared = new Map<StreamName, Prepared>();
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private wakeOnNudge = false;
  private inflight: AbortController | null = null;
  private state: UploadState = 'stopped';
  private batchSize: number;
  private lastError: UploadStatus['lastError'] = null;
  private lastSuccessAt: number | null = null;
  private sentSinceStart = 0;
  private failures = 0;
  private agent: ReturnType<typeof uploadAgent>;
  private agentClosed = false;
  private lastStreams: UploadStatus['streams'] = {};
  /** The next batch, read, compressed and signed while the previous one was on the wire. */
  private next: { afterSeq: number; prepared: Prepared } | null = null;

  constructor(options: UploaderOptions) {
    this.opts = {
      batchSize: 1000,
      requestTimeoutMs: 15_000,
      backoffBaseMs: 1_000,
      backoffMaxMs: 60_000,
      idlePollMs: 2_000,
      random: Math.random,
      keepAlive: true,
      maxEntriesPerSecond: 30_000,
      ...options,
      collectorUrl: options.collectorUrl.replace(/\/+$/, ''),
    };
    if (!Number.isInteger(this.opts.batchSize) || this.opts.batchSize < 1) throw new RangeError('batchSize must be a positive integer');
    this.batchSize = this.opts.batchSize;
    this.agent = uploadAgent(this.opts.collectorUrl, this.opts.tls, this.opts.keepAlive);
  }

  status(): UploadStatus {
    const streams: UploadStatus['streams'] = {};
    for (const s of this.opts.streams) {
      try {
        const c = this.opts.ledger.cursor(s.name);
        streams[s.name] = { ackedSeq: c.ackedSeq, backlog: Math.max(0, s.lastSeq() - c.ackedSeq), pendingBatchId: c.pending?.batchId ?? null };
      } catch {
        // The log cannot be read right now (lastError says why): report what was last known.
        const known = this.lastStreams[s.name];
        if (known) streams[s.name] = known;
      }
    }
    this.lastStreams = streams;
    return { state: this.state, streams, lastError: this.lastError, lastSuccessAt: this.lastSuccessAt, sentSinceStart: this.sentSinceStart, consecutiveFailures: this.failures, batchSize: this.batchSize };
  }

  /** Sends at most one batch (the oldest unacknowledged one). Never throws for network or collector faults. */
  async step(): Promise<StepResult> {
    const prepared = this.prepare();
    if (!prepared) return { kind: 'empty' };
    const sending = this.send(prepared);
    // Pipelining: cut the next batch while this one travels and the collector stores it, so the
    // kiosk's CPU work and the collector's overlap. It is only recorded (and sent) after this ack.
    const prefetching = new Promise<void>((resolve) =>
      setImmediate(() => {
        try {
          this.prefetch(prepared);
        } catch {
          this.next = null; // a read error shows up again on the regular path
        }
        resolve();
      }),
    );
    const result = await sending;
    await prefetching;
    if (result.kind !== 'sent') this.next = null;
    return result;
  }

  /** Starts the background loop: send while there is backlog, back off on failure, poll when idle. */
  start(): void {
    if (this.running) return;
    if (this.agentClosed) {
      this.agent = uploadAgent(this.opts.collectorUrl, this.opts.tls, this.opts.keepAlive);
      this.agentClosed = false;
    }
    this.running = true;
    this.loopDone = this.loop();
  }

  /**
   * Stops the loop. By default a request in flight is aborted (its batch stays pending and is resent
   * later); with `abortInFlight: false` it is allowed to finish first (a pause).
   */
  async stop(options: { abortInFlight?: boolean } = {}): Promise<void> {
    this.running = false;
    if (options.abortInFlight ?? true) this.inflight?.abort();
    this.wake?.();
    await this.loopDone;
    this.loopDone = null;
    this.agent.destroy();
    this.agentClosed = true;
  }

  /** New entries were written: an idle uploader looks now instead of at its next poll. */
  nudge(): void {
    if (this.wakeOnNudge) this.wake?.();
  }

  private setState(state: UploadState): void {
    if (this.state === state) return;
    this.state = state;
    this.opts.onEvent?.({ type: 'state', state });
  }

  private async loop(): Promise<void> {
    this.setState('idle');
    while (this.running) {
      if (this.opts.online && !this.opts.online()) {
        this.setState('offline');
        await this.sleep(this.opts.idlePollMs, true);
        continue;
      }
      let result: StepResult;
      const stepStarted = performance.now();
      try {
        result = await this.step();
      } catch (err) {
        // The log itself failed to read (disk error): report and retry later like any fault.
        result = { kind: 'failed', stream: 'entries', reason: 'STORAGE_UNAVAILABLE', httpStatus: null, message: `reading the log: ${(err as Error).message}`, retryAfterMs: null, retryNow: false };
      }
      if (!this.running) break;
      if (result.kind === 'sent') {
        this.failures = 0;
        this.setState('uploading');
        // Pace the drain, and in any case yield between batches so timers and I/O of the rest of
        // the process run during a drain.
        const rate = this.opts.maxEntriesPerSecond;
        const due = rate > 0 ? stepStarted + (result.count / rate) * 1000 - performance.now() : 0;
        if (due > 1) await this.sleep(due, false);
        else await new Promise((r) => setImmediate(r));
      } else if (result.kind === 'empty') {
        this.failures = 0;
        this.setState('idle');
        await this.sleep(this.opts.idlePollMs, true);
      } else {
        if (result.retryNow) continue;
        this.failures += 1;
        const delay = result.retryAfterMs ?? this.backoffDelay(this.failures);
        this.lastError = { reason: result.reason, httpStatus: result.httpStatus, message: result.message, at: Date.now() };
        this.setState(result.reason === 'COLLECTOR_UNREACHABLE' || result.reason === 'COLLECTOR_TIMEOUT' ? 'offline' : 'backoff');
        this.opts.onEvent?.({ type: 'failed', stream: result.stream, batchId: this.prepared.get(result.stream)?.pending.batchId ?? '', reason: result.reason, httpStatus: result.httpStatus, message: result.message, retryInMs: delay, consecutiveFailures: this.failures });
        await this.sleep(delay, false);
      }
    }
    this.setState('stopped');
  }

  /** Exponential backoff with "equal jitter": half the window fixed, half random, so kiosks that lost the link together do not retry together. */
  backoffDelay(failures: number): number {
    const window = Math.min(this.opts.backoffMaxMs, this.opts.backoffBaseMs * 2 ** Math.min(30, failures - 1));
    return Math.round(window / 2 + this.opts.random() * (window / 2));
  }

  private sleep(ms: number, wakeOnNudge: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        this.wakeOnNudge = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      this.wakeOnNudge = wakeOnNudge;
    });
  }

  /** The batch to send next: the pending one (rebuilt after a restart), or a new cut from the backlog. */
  private prepare(): Prepared | null {
    const { ledger, streams } = this.opts;
    for (const stream of streams) {
      const cursor = ledger.cursor(stream.name);
      if (cursor.pending) {
        const cached = this.prepared.get(stream.name);
        if (cached && cached.pending.batchId === cursor.pending.batchId) return cached;
        const entries = readRange(stream, cursor.pending.firstSeq, cursor.pending.lastSeq);
        if (entries.length === cursor.pending.count && entries.length > 0) return this.build(stream, cursor.pending, entries);
        // The range no longer reads back as recorded (it should not happen: retention keeps
        // unacknowledged entries). Cut a fresh batch; entry ids still deduplicate on the collector.
        ledger.clearPending(stream.name);
      }
      const next = this.next;
      this.next = null;
      if (next && next.prepared.stream === stream.name && next.afterSeq === cursor.ackedSeq && next.prepared.pending.count <= this.batchSize) {
        ledger.savePending(stream.name, next.prepared.pending);
        this.prepared.set(stream.name, next.prepared);
        return next.prepared;
      }
      let entries = stream.read(cursor.ackedSeq, this.batchSize);
      if (stream.name === 'overrides') entries = this.overridesReady(entries);
      if (entries.length === 0) continue;
      const pending: PendingBatch = { batchId: randomUUID(), firstSeq: entries[0]!.seq, lastSeq: entries[entries.length - 1]!.seq, count: entries.length };
      ledger.savePending(stream.name, pending);
      return this.build(stream, pending, entries);
    }
    return null;
  }

  // An override goes up only after the entry it decides on: the platform then never sees a guard's
  // decision about a passage it does not have yet.
  private overridesReady(entries: UploadEntry[]): UploadEntry[] {
    const entriesAcked = this.opts.ledger.cursor('entries').ackedSeq;
    const ready: UploadEntry[] = [];
    for (const e of entries) {
      const entrySeq = e.record.entrySeq;
      if (typeof entrySeq === 'number' && entrySeq > entriesAcked) break;
      ready.push(e);
    }
    return ready;
  }

  private prefetch(current: Prepared): void {
    this.next = null;
    const stream = this.opts.streams.find((s) => s.name === current.stream);
    if (!stream || stream.name === 'overrides') return;
    const entries = stream.read(current.pending.lastSeq, this.batchSize);
    if (entries.length === 0) return;
    const pending: PendingBatch = { batchId: randomUUID(), firstSeq: entries[0]!.seq, lastSeq: entries[entries.length - 1]!.seq, count: entries.length };
    this.next = { afterSeq: current.pending.lastSeq, prepared: this.encode(stream, pending, entries) };
  }

  private build(stream: UploadStream, pending: PendingBatch, entries: UploadEntry[]): Prepared {
    const prepared = this.encode(stream, pending, entries);
    this.prepared.set(stream.name, prepared);
    return prepared;
  }

  private encode(stream: UploadStream, pending: PendingBatch, entries: UploadEntry[]): Prepared {
    const backlog = Math.max(0, stream.lastSeq() - pending.lastSeq);
    const body = encodeBatch(toBatchBody(this.opts.identity.kioskId, pending.batchId, entries, backlog));
    return { stream: stream.name, pending, body, signature: b64url(this.opts.identity.sign(body)) };
  }

  private async send(p: Prepared): Promise<StepResult> {
    const started = performance.now();
    const controller = new AbortController();
    this.inflight = controller;
    const fail = (reason: UploadReason, httpStatus: number | null, message: string, retryAfterMs: number | null = null, retryNow = false): StepResult => ({
      kind: 'failed',
      stream: p.stream,
      reason,
      httpStatus,
      message,
      retryAfterMs,
      retryNow,
    });
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await httpExchange(this.opts.collectorUrl + BATCHES_PATH, {
        method: 'POST',
        body: p.body,
        headers: {
          'content-type': BATCH_CONTENT_TYPE,
          'content-encoding': BATCH_CONTENT_ENCODING,
          [HEADER.kioskId]: this.opts.identity.kioskId,
          [HEADER.batchId]: p.pending.batchId,
          [HEADER.signature]: p.signature,
        },
        timeoutMs: this.opts.requestTimeoutMs,
        maxResponseBytes: 64 * 1024,
        agent: this.agent,
        signal: controller.signal,
      });
      status = res.status;
      const ra = res.headers['retry-after'];
      retryAfter = typeof ra === 'string' ? ra : null;
      text = res.body.toString('utf8');
    } catch (err) {
      const e = err as HttpFailure;
      if (e.kind === 'timeout') return fail('COLLECTOR_TIMEOUT', null, e.message);
      return fail('COLLECTOR_UNREACHABLE', null, e.message);
    } finally {
      this.inflight = null;
    }
    if (status === 200) {
      let ack;
      try {
        ack = batchAckSchema.parse(JSON.parse(text));
      } catch {
        return fail('COLLECTOR_ERROR', status, 'the collector answered 200 without a valid acknowledgement');
      }
      if (ack.batchId !== p.pending.batchId || ack.lastSeq !== p.pending.lastSeq) return fail('COLLECTOR_ERROR', status, 'the acknowledgement names another batch');
      this.opts.ledger.markAcked(p.stream, p.pending);
      this.prepared.delete(p.stream);
      this.lastSuccessAt = Date.now();
      this.sentSinceStart += p.pending.count;
      const ms = Math.round(performance.now() - started);
      this.opts.onEvent?.({ type: 'sent', stream: p.stream, batchId: ack.batchId, firstSeq: ack.firstSeq, lastSeq: ack.lastSeq, count: p.pending.count, accepted: ack.accepted, duplicates: ack.duplicates, replay: ack.replay, ms });
      return { kind: 'sent', stream: p.stream, count: p.pending.count, accepted: ack.accepted, duplicates: ack.duplicates, replay: ack.replay };
    }
    const refusal = refusalSchema.safeParse(safeJson(text));
    const message = refusal.success ? refusal.data.message : `HTTP ${status}`;
    if (status === 429) return fail('RATE_LIMITED', status, message, retryAfterMs(retryAfter));
    if (status === 413 && this.batchSize > 1) {
      // Too big for this collector: cut smaller batches from the same place and retry at once.
      this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
      this.opts.ledger.clearPending(p.stream);
      this.prepared.delete(p.stream);
      return fail('BATCH_TOO_LARGE', status, message, null, true);
    }
    if (status === 409) {
      this.opts.ledger.clearPending(p.stream);
      this.prepared.delete(p.stream);
      // Not at once: a collector that answered 409 to every new batch must not get a tight loop.
      return fail('BATCH_CONFLICT', status, message);
    }
    if (status === 401) return fail('KIOSK_UNKNOWN', status, message);
    if (status === 403) return fail(refusal.success && refusal.data.reason === 'KIOSK_UNKNOWN' ? 'KIOSK_UNKNOWN' : 'BATCH_SIGNATURE_INVALID', status, message);
    if (status === 400 || status === 413) return fail(status === 413 ? 'BATCH_TOO_LARGE' : 'BATCH_INVALID', status, message);
    return fail('COLLECTOR_ERROR', status, message);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 §10.2.3); capped at 10 minutes. */
function retryAfterMs(value: string | null): number | null {
  if (!value) return null;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.min(600_000, Math.max(0, ms)) : null;
}
