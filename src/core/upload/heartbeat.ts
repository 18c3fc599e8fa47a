// Heartbeats, the kiosk's side (docs/upload-protocol.md §11): every `upload.heartbeatSeconds` while a
// collector is configured, and at once when the link comes back, the kiosk tells the collector how it
// is. Sent from the upload worker on the upload channel, signed with the device key like a batch. A
// heartbeat that fails changes nothing for uploads: it is one small request on its own connection,
// and the next one goes out at the next interval.
import { statfsSync } from 'node:fs';
import type { KioskStatus } from '../../contract/api.js';
import type { KioskConfig } from '../../contract/config.js';
import type { DeviceHealth } from '../devices/types.js';
import type { DeviceIdentity } from '../identity/device-key.js';
import { b64url } from '../identity/device-key.js';
import { HttpFailure, httpExchange, uploadAgent, type TlsOptions } from './http.js';
import {
  BATCH_CONTENT_ENCODING,
  BATCH_CONTENT_TYPE,
  HEADER,
  HEARTBEATS_PATH,
  PROTOCOL_VERSION,
  encodeHeartbeat,
  heartbeatAckSchema,
  refusalSchema,
  type HeartbeatBody,
} from './protocol.js';
import type { UploadFailureReason } from './uploader.js';

/** What the kiosk's main thread knows (lists, devices, configuration, disk); the worker adds the rest. */
export type HeartbeatSnapshot = Omit<HeartbeatBody, 'v' | 'kioskId' | 'sentAt' | 'backlog' | 'clockOffsetMs'>;

export interface HeartbeatOutcome {
  /** Kiosk clock when it was sent. */
  at: number;
  ok: boolean;
  httpStatus: number | null;
  /** Why it failed (null when ok). */
  reason: UploadFailureReason | 'HEARTBEAT_INVALID' | 'HEARTBEAT_DUPLICATE' | null;
  message: string;
  /** Kiosk clock − collector clock measured by this exchange (null unless ok). */
  clockOffsetMs: number | null;
}

/** The snapshot from what the kiosk shows on its status bar, its devices, its configuration and its disk. */
export function heartbeatSnapshot(input: {
  status: Pick<KioskStatus, 'version' | 'trustList' | 'statusList'>;
  devices: readonly DeviceHealth[];
  config: Pick<KioskConfig, 'venueId' | 'revision'>;
  dataDir: string;
  now: number;
  /** The fleet configuration in force and the last refusal (src/core/fleet/kiosk.ts fleetHeartbeat). */
  fleetConfig?: HeartbeatSnapshot['fleetConfig'];
}): HeartbeatSnapshot {
  const age = (issuedAt: number | null) => (issuedAt === null ? null : Math.max(0, Math.round(((input.now - issuedAt) / 3600_000) * 100) / 100));
  const { trustList: t, statusList: s } = input.status;
  return {
    venueId: input.config.venueId.slice(0, 64),
    softwareVersion: input.status.version.slice(0, 32),
    configRevision: input.config.revision ?? null,
    trustList: { state: t.state, seq: t.seq, issuedAt: t.issuedAt, ageHours: age(t.issuedAt) },
    statusList: { state: s.state, seq: s.seq, ageHours: age(s.issuedAt) },
    devices: input.devices.slice(0, 8).map((d) => ({ device: d.device, configured: d.configured, connected: d.connected, fault: d.fault, lastError: d.lastError })),
    freeDiskBytes: freeDiskBytes(input.dataDir),
    ...(input.fleetConfig ? { fleetConfig: input.fleetConfig } : {}),
  };
}

/** Bytes available to an unprivileged writer on the data directory's file system (statfs), or null. */
export function freeDiskBytes(dir: string): number | null {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

export interface HeartbeaterOptions {
  collectorUrl: string;
  identity: Pick<DeviceIdentity, 'kioskId' | 'sign'>;
  /** The main thread's part; null when the kiosk is not ready yet (tried again shortly). */
  snapshot: () => Promise<HeartbeatSnapshot | null>;
  /** Entries waiting to be uploaded. */
  backlog: () => number;
  intervalMs: number;
  timeoutMs: number;
  tls?: TlsOptions;
  /** The kiosk's clock (default Date.now). */
  now?: () => number;
  onOutcome?: (outcome: HeartbeatOutcome) => void;
}

export class Heartbeater {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private inflight: Promise<void> | null = null;
  private lastOutcome: HeartbeatOutcome | null = null;
  private lastSentAt = 0;
  private offset: number | null = null;
  private readonly agent;
  private readonly now: () => number;

  constructor(private readonly opts: HeartbeaterOptions) {
    // Its own connection (no keep-alive): a heartbeat never queues behind a batch in flight.
    this.agent = uploadAgent(opts.collectorUrl, opts.tls ?? {}, false);
    this.now = opts.now ?? (() => Date.now());
  }

  /** Sends one now, then one every interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.beat();
  }

  /** The upload link works again (a batch went through): if the last heartbeat failed, send one now. */
  connected(): void {
    if (this.running && !this.inflight && this.lastOutcome !== null && !this.lastOutcome.ok) this.beat();
  }

  last(): HeartbeatOutcome | null {
    return this.lastOutcome;
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inflight;
    this.agent.destroy();
  }

  /** One heartbeat now (tests call it directly); resolves with its outcome, or null when the kiosk was not ready. */
  async sendNow(): Promise<HeartbeatOutcome | null> {
    const snapshot = await this.opts.snapshot();
    if (!snapshot) return null;
    // Strictly increasing per process: the collector treats a repeated (kiosk, sentAt) as a replay.
    const sentAt = Math.max(Math.floor(this.now()), this.lastSentAt + 1);
    this.lastSentAt = sentAt;
    const body: HeartbeatBody = { v: PROTOCOL_VERSION, kioskId: this.opts.identity.kioskId, sentAt, backlog: this.opts.backlog(), clockOffsetMs: this.offset, ...snapshot };
    const outcome = await this.exchange(body);
    this.lastOutcome = outcome;
    if (outcome.clockOffsetMs !== null) this.offset = outcome.clockOffsetMs;
    this.opts.onOutcome?.(outcome);
    return outcome;
  }

  private beat(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const run = this.sendNow()
      .catch((err: Error): HeartbeatOutcome => ({ at: this.now(), ok: false, httpStatus: null, reason: 'COLLECTOR_ERROR', message: `heartbeat not built: ${err.message}`, clockOffsetMs: null }))
      .then((outcome) => {
        this.inflight = null;
        if (!this.running) return;
        // Not ready yet (the kiosk is still starting): try again in a few seconds, not a minute.
        const next = outcome === null ? Math.min(this.opts.intervalMs, 5_000) : this.opts.intervalMs;
        this.timer = setTimeout(() => this.beat(), next);
        this.timer.unref?.();
      });
    this.inflight = run;
  }

  private async exchange(body: HeartbeatBody): Promise<HeartbeatOutcome> {
    const encoded = encodeHeartbeat(body);
    const fail = (reason: NonNullable<HeartbeatOutcome['reason']>, httpStatus: number | null, message: string): HeartbeatOutcome => ({ at: body.sentAt, ok: false, httpStatus, reason, message, clockOffsetMs: null });
    let res;
    try {
      res = await httpExchange(this.opts.collectorUrl.replace(/\/+$/, '') + HEARTBEATS_PATH, {
        method: 'POST',
        body: encoded,
        headers: {
          'content-type': BATCH_CONTENT_TYPE,
          'content-encoding': BATCH_CONTENT_ENCODING,
          [HEADER.kioskId]: body.kioskId,
          [HEADER.signature]: b64url(this.opts.identity.sign(encoded)),
        },
        timeoutMs: this.opts.timeoutMs,
        maxResponseBytes: 16 * 1024,
        agent: this.agent,
        ...(this.opts.tls ? { tls: this.opts.tls } : {}),
      });
    } catch (err) {
      const e = err as HttpFailure;
      return fail(e.kind === 'timeout' ? 'COLLECTOR_TIMEOUT' : 'COLLECTOR_UNREACHABLE', null, e.message);
    }
    const answeredAt = this.now();
    let json: unknown = null;
    try {
      json = JSON.parse(res.body.toString('utf8'));
    } catch {
      // judged by status below
    }
    if (res.status === 200) {
      const ack = heartbeatAckSchema.safeParse(json);
      if (!ack.success) return fail('COLLECTOR_ERROR', 200, 'the collector answered 200 without a heartbeat acknowledgement');
      // The collector read its clock somewhere between sending and the answer: the midpoint is the
      // best guess of the kiosk's time then (NTP's reasoning), good to half the round trip.
      const offset = Math.round((body.sentAt + answeredAt) / 2 - ack.data.receivedAt);
      return { at: body.sentAt, ok: true, httpStatus: 200, reason: null, message: `received by the collector; clock offset ${offset} ms`, clockOffsetMs: offset };
    }
    const refusal = refusalSchema.safeParse(json);
    const message = refusal.success ? refusal.data.message : `HTTP ${res.status}`;
    if (res.status === 401) return fail('KIOSK_UNKNOWN', 401, message);
    if (res.status === 403) return fail(refusal.success && refusal.data.reason === 'KIOSK_UNKNOWN' ? 'KIOSK_UNKNOWN' : 'BATCH_SIGNATURE_INVALID', 403, message);
    if (res.status === 409) return fail('HEARTBEAT_DUPLICATE', 409, message);
    if (res.status === 400 || res.status === 413) return fail('HEARTBEAT_INVALID', res.status, message);
    if (res.status === 429) return fail('RATE_LIMITED', 429, message);
    // A collector from before heartbeats answers 404: say so rather than "error".
    if (res.status === 404) return fail('COLLECTOR_ERROR', 404, 'this collector does not take heartbeats (an older version?)');
    return fail('COLLECTOR_ERROR', res.status, message);
  }
}
