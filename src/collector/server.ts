// The reference collector: the platform's ingest endpoint for kiosk upload batches, also serving
// the trust and status lists an operator drops into a folder. Self-hostable by a venue group and
// the real peer of the uploader's fault tests. Protocol: docs/upload-protocol.md.
//
// Every refusal is an HTTP status plus `{ok:false, reason, message}`; nothing a client sends can
// crash it. It never logs entry contents (they carry names and document numbers).
//
// Who may do what (docs/upload-protocol.md §3, docs/security.md "collector"): anyone who can reach
// the port is rate-limited by remote address before anything else; a kiosk's own budget is spent
// only once its signature verifies (else naming a victim's kiosk id would throttle the victim); the
// status pages, which list every kiosk, need the operator's status token; and the collector will not
// serve plain http beyond loopback unless told to in so many words.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { TokenBuckets, type RateLimit } from './rate-limit.js';
import { kioskIdMismatch, openCollectorStorage, type CollectorStorage } from './storage.js';
import type { CollectorReason } from '../contract/reasons.js';
import { newTraceKey, recordDocKey, traceKeyCheck } from './trace-key.js';
import { runTrace, traceProblem, traceTimeOf, TRACE_PATH, type TraceRequest } from './trace.js';
import { BATCHES_PATH, BatchDecodeError, DSC_LIST_PATH, HEADER, HEALTH_PATH, KIOSK_SELF_PATH, LIST_PATHS, PROTOCOL_VERSION, decodeBatch, probeMessage, type BatchAck, type ListKind } from '../core/upload/protocol.js';
import { HEARTBEATS_PATH, HEARTBEAT_MAX_BYTES, HeartbeatDecodeError, decodeHeartbeat, type HeartbeatAck } from '../core/upload/protocol.js';
import { DEFAULT_FLEET_THRESHOLDS, DEFAULT_HEARTBEAT_RETENTION, fleetQuerySchema, type FleetKiosk, type FleetThresholds, type HeartbeatRetention } from './fleet.js';
import { ed25519PublicKeyObject, fromB64url, verifyDetached } from '../core/identity/device-key.js';
import { FLEET_CONFIG_PATH, fleetRequestMessage } from '../core/fleet/kiosk.js';
import { bundleFor, knownTargetCount, describeTarget, pushFleetConfig, type FleetKey } from './fleet-config.js';
import { consoleHandler, isConsolePath, type ConsolePolicy } from './console-http.js';

export const LIST_FILES: Record<ListKind, string> = { trust: 'trust-list.jws', status: 'status-list.jws' };
/** The signed DSC list (docs/dcc-trust.md) in the same lists folder, served as published. */
export const DSC_LIST_FILE = 'dsc-list.jws';

export interface CollectorOptions {
  /**
   * The collector's database: a SQLite file (created if missing; one collector process), or a
   * `postgres://` URL shared by any number of collector processes (docs/upload-protocol.md §7).
   */
  database: string;
  /**
   * Key of the document-number hash the tracing query searches by (trace-key.ts). Every process on
   * one database must have the same; without one, a key kept in the database itself is used.
   */
  traceKey?: Buffer;
  /**
   * Operators allowed to run the tracing query over HTTP (`POST /v1/trace`): name → token (Bearer).
   * Without any the endpoint is off (404). The name is what the audit row records as who asked.
   */
  traceTokens?: Record<string, string>;
  /**
   * Delete entries scanned more than `days` ago, `batchSize` rows per transaction (default 5,000),
   * one pass every `intervalMs` (default 10 minutes). Off when absent.
   */
  retention?: { days: number; batchSize?: number; intervalMs?: number };
  /** Folder holding trust-list.jws and status-list.jws, served as they are. */
  listsDir?: string;
  /** Address to listen on: loopback unless an operator deliberately exposes it. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Largest request body accepted, compressed (default 8 MiB). */
  maxBodyBytes?: number;
  /** Largest batch after inflating (default 64 MiB). */
  maxInflatedBytes?: number;
  /** Most entries one batch may carry (default 10,000). */
  maxEntriesPerBatch?: number;
  /** Per kiosk, spent only after its signature verifies (default burst 200, 100/s). */
  rateLimit?: RateLimit;
  /**
   * Per remote address, before any authentication, for every request (default: burst 1000, 500/s,
   * or the per-kiosk limit when that is larger — several kiosks may share one address behind NAT).
   */
  addressRateLimit?: RateLimit;
  /**
   * Addresses of the proxies in front of this collector (a balancer such as nginx) whose
   * X-Forwarded-For is believed (docs/upload-protocol.md §7). Behind a balancer every request comes
   * from the balancer's address, so the per-address limit would be one budget for the whole fleet.
   * When the peer is one of these, the client's address is the right-most X-Forwarded-For entry that
   * is not one of these (the entry the nearest trusted proxy appended; anything to its left the
   * client wrote itself); from any other peer the header is ignored, so a client cannot buy a fresh
   * budget by sending one. IP addresses only.
   */
  trustedProxies?: readonly string[];
  /**
   * The rate limits' clock in ms (default Date.now: the per-kiosk buckets live in the database on
   * PostgreSQL, shared by processes on several hosts, so their clock is the wall clock); tests play
   * time on their own clock.
   */
  rateLimitClock?: () => number;
  /**
   * The operator's token for `GET /` and `GET /v1/status` (Bearer, or Basic with any user name and the
   * token as password, so a browser can ask for it). Without one the status pages are off (404).
   */
  statusToken?: string;
  /**
   * The fleet key (`kiosk collector fleet-key init`; docs/upload-protocol.md §12): signs the bundles
   * pushed with POST /v1/fleet/config. Without it pushing is off (404); stored bundles are still served.
   * A function is asked on each push (`fleetKeySource`: the file read when it changes), so a key made
   * while the collector runs is used without a restart.
   */
  fleetKey?: FleetKey | (() => FleetKey | undefined);
  /**
   * Serve plain http on an address beyond loopback. Off by default: entries carry names and document
   * numbers, so without `tls` a non-loopback `host` is refused (COLLECTOR_INSECURE) unless this is set
   * (a TLS-terminating proxy on another host, an isolated test network).
   */
  allowInsecureHttp?: boolean;
  /**
   * Batch requests handled at once (default 16); more get 429. Bodies are buffered before their
   * signature is checked, so this bounds the memory a burst of large requests can take.
   */
  maxConcurrentBatches?: number;
  /** Serve https with this certificate and key (PEM): entries carry personal data. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Where operational messages go (never entry contents). Default: nowhere. */
  log?: (line: string) => void;
  /**
   * Heartbeats and the fleet view (docs/upload-protocol.md §11): when each alert fires (defaults
   * DEFAULT_FLEET_THRESHOLDS) and how much history each kiosk keeps (default a day, at most 1,440).
   */
  fleet?: { thresholds?: Partial<FleetThresholds>; history?: HeartbeatRetention };
  /**
   * The collector's clock in ms for a heartbeat's receipt time (its clock offset) and the fleet
   * view's "now" (default Date.now); tests move it to make a kiosk silent.
   */
  clock?: () => number;
  /**
   * The fleet console (docs/fleet.md) at /console: its session lengths and lockout (defaults
   * DEFAULT_CONSOLE_POLICY). Operators are accounts in the database (`kiosk collector operator add`).
   */
  console?: { policy?: Partial<ConsolePolicy> };
}

export interface RunningCollector {
  url: string;
  port: number;
  db: CollectorStorage;
  server: Server;
  /** The key entries are hashed with for tracing (tests and the CLI hash with it too). */
  traceKey: Buffer;
  /** Runs one retention pass now (as the timer does); resolves with the entries deleted. */
  purgeNow(): Promise<number>;
  close(): Promise<void>;
}

/** Retention's passes (CollectorOptions.retention): the first soon after start, then at this interval unless told otherwise. */
export const RETENTION_FIRST_PASS_MS = 30_000;
export const RETENTION_INTERVAL_MS = 600_000;

/** The collector was asked to start in a way it refuses (e.g. plain http beyond loopback). */
export class CollectorConfigError extends Error {
  constructor(
    readonly reason: 'COLLECTOR_INSECURE' | 'PORT_UNAVAILABLE' | Extract<CollectorReason, 'TRACE_KEY_MISMATCH'>,
    message: string,
  ) {
    super(message);
    this.name = 'CollectorConfigError';
  }
}

/** 127.0.0.0/8, ::1 (and ::ffff:127.x), `localhost`: the only places plain http may be served. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** An address as the rate limit keys it: IPv4-mapped IPv6 (::ffff:10.0.0.1) as the IPv4 address. */
function canonicalAddress(address: string): string {
  const a = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped ? mapped[1]! : a;
}

/**
 * The address a request's budget is kept under (CollectorOptions.trustedProxies): the peer's, or,
 * when the peer is a trusted proxy, the right-most X-Forwarded-For entry that is not a trusted proxy.
 * A forwarded entry that is not an IP address (the proxy would never write one) keys on the peer.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trusted: ReadonlySet<string>): string {
  const from = canonicalAddress(peer ?? '?');
  if (!trusted.has(from) || forwardedFor === undefined) return from;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map(canonicalAddress).filter((h) => h.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (trusted.has(hop)) continue;
    return isIP(hop) ? hop : from;
  }
  return from;
}

export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const host = options.host ?? '127.0.0.1';
  for (const proxy of options.trustedProxies ?? []) {
    if (isIP(proxy.trim()) === 0) throw new TypeError(`trusted proxy ${JSON.stringify(proxy)} is not an IP address`);
  }
  const trustedProxies = new Set((options.trustedProxies ?? []).map(canonicalAddress));
  if (!options.tls && !options.allowInsecureHttp && !isLoopbackHost(host)) {
    throw new CollectorConfigError('COLLECTOR_INSECURE', `refusing to serve plain http on ${host}: entries carry personal data; give a TLS certificate and key, or allow insecure http explicitly`);
  }
  const db = await openCollectorStorage(options.database);
  let traceKey: Buffer;
  try {
    traceKey = options.traceKey ?? (await db.storedTraceKey(newTraceKey));
    if ((await db.traceKeyCheck(traceKeyCheck(traceKey))) === 'different') {
      throw new CollectorConfigError('TRACE_KEY_MISMATCH', `the trace key differs from the one the entries in ${db.location} were hashed with: give every collector on one database the same --trace-key-file`);
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  const docKey = recordDocKey(traceKey);
  const traceTokens = Object.entries(options.traceTokens ?? {}).map(([name, token]) => ({ name, digest: createHash('sha256').update(token, 'utf8').digest() }));
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const maxInflatedBytes = options.maxInflatedBytes ?? 64 * 1024 * 1024;
  const maxEntries = options.maxEntriesPerBatch ?? 10_000;
  const kioskLimit = options.rateLimit ?? { burst: 200, perSecond: 100 };
  // The kiosk's budget is kept by the storage: in the database on PostgreSQL (one budget however many
  // processes serve it), in this process on SQLite (one process is the whole collector).
  const rateClock = options.rateLimitClock ?? (() => Date.now());
  // By default never tighter than one kiosk's own budget: a kiosk alone at its address gets all of it.
  const addressLimit = options.addressRateLimit ?? { burst: Math.max(1000, kioskLimit.burst), perSecond: Math.max(500, kioskLimit.perSecond) };
  // Per process on purpose: it guards this process's CPU and memory before anyone is authenticated,
  // and keeping it in the database would let an unauthenticated flood write to the shared database,
  // the very thing it is there to stop. Behind a balancer each process sees the balancer's address,
  // so the per-process budget is per balancer unless the balancer is a trusted proxy, whose
  // X-Forwarded-For then names the client (trustedProxies, clientAddress).
  const addressBuckets = new TokenBuckets(addressLimit, options.rateLimitClock ?? (() => performance.now()));
  const statusTokenDigest = options.statusToken ? createHash('sha256').update(options.statusToken, 'utf8').digest() : null;
  const log = options.log ?? (() => undefined);
  const keyCache = new Map<string, KeyObject>();
  const listCache = new Map<ListKind | 'dsc', { mtimeMs: number; size: number; body: Buffer; etag: string; lastModified: string }>();
  const startedAt = Date.now();
  const maxConcurrent = options.maxConcurrentBatches ?? 16;
  let batchesInProgress = 0;
  const clock = options.clock ?? (() => Date.now());
  const fleetThresholds: FleetThresholds = { ...DEFAULT_FLEET_THRESHOLDS, ...options.fleet?.thresholds };
  const heartbeatHistory: HeartbeatRetention = options.fleet?.history ?? DEFAULT_HEARTBEAT_RETENTION;
  // Asked on each push, never once at start: a key made while the collector runs counts at once.
  const fleetKeyNow = (): FleetKey | undefined => (typeof options.fleetKey === 'function' ? options.fleetKey() : options.fleetKey);
  function fleetKeyOrRefuse(): FleetKey | undefined {
    try {
      return fleetKeyNow();
    } catch (err) {
      throw new HttpRefusal(500, 'BAD_REQUEST', `cannot read the fleet key: ${(err as Error).message}`);
    }
  }
  const consoleRoutes = consoleHandler({ db, clock, thresholds: fleetThresholds, secure: Boolean(options.tls), policy: options.console?.policy, log: (line) => (options.log ?? (() => undefined))(line), fleetKey: fleetKeyNow });

  function keyObject(publicKey: Uint8Array): KeyObject {
    const hex = Buffer.from(publicKey).toString('hex');
    let key = keyCache.get(hex);
    if (!key) {
      key = ed25519PublicKeyObject(publicKey);
      keyCache.set(hex, key);
    }
    return key;
  }

  async function handleBatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kioskId = header(req, HEADER.kioskId);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > maxBodyBytes) throw new HttpRefusal(413, 'BATCH_TOO_LARGE', `body over ${maxBodyBytes} bytes`);
    if (!kioskId || !/^[0-9a-f]{16}$/.test(kioskId)) throw new HttpRefusal(401, 'KIOSK_UNKNOWN', 'missing or malformed kiosk-id');
    const kiosk = await db.kioskKey(kioskId);
    if (!kiosk) throw new HttpRefusal(401, 'KIOSK_UNKNOWN', 'kiosk is not registered with this collector');
    if (!kiosk.enabled) throw new HttpRefusal(403, 'KIOSK_UNKNOWN', 'kiosk is disabled on this collector');
    const body = await readBody(req, maxBodyBytes);
    const signature = header(req, HEADER.signature);
    if (!signature || !verifyDetached(body, fromB64url(signature), keyObject(kiosk.publicKey))) {
      throw new HttpRefusal(403, 'BATCH_SIGNATURE_INVALID', 'signature does not verify under the registered key');
    }
    // The kiosk's own budget, taken only now: an unsigned request naming a kiosk spends nothing of it.
    const wait = await db.takeRateToken(`kiosk:${kioskId}`, kioskLimit, rateClock());
    if (wait > 0) throw new HttpRefusal(429, 'RATE_LIMITED', 'too many requests', { 'retry-after': String(Math.ceil(wait / 1000)) });
    let batch;
    try {
      batch = decodeBatch(body, maxInflatedBytes);
    } catch (err) {
      if (err instanceof BatchDecodeError) throw new HttpRefusal(err.reason === 'BATCH_TOO_LARGE' ? 413 : 400, err.reason, err.message);
      throw err;
    }
    if (batch.kioskId !== kioskId || batch.batchId !== header(req, HEADER.batchId)) {
      throw new HttpRefusal(400, 'BATCH_INVALID', 'kiosk-id / batch-id headers do not match the signed body');
    }
    if (batch.entries.length > maxEntries) throw new HttpRefusal(413, 'BATCH_TOO_LARGE', `more than ${maxEntries} entries in one batch`);
    const result = await db.storeBatch(batch, docKey);
    if (result.conflict) throw new HttpRefusal(409, 'BATCH_CONFLICT', 'this batch id was already used for other entries');
    const ack: BatchAck = { ok: true, batchId: batch.batchId, firstSeq: batch.firstSeq, lastSeq: batch.lastSeq, accepted: result.accepted, duplicates: result.duplicates, replay: result.replay };
    sendJson(res, 200, ack);
  }

  /**
   * The integrator's "is this kiosk registered?" (docs/upload-protocol.md §1): the same refusals a
   * batch would get (401 unknown, 403 disabled or a signature that does not verify), checked the
   * same way, so a 200 here means the kiosk's batches will be taken.
   */
  async function handleKioskSelf(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kioskId = header(req, HEADER.kioskId);
    if (!kioskId || !/^[0-9a-f]{16}$/.test(kioskId)) throw new HttpRefusal(401, 'KIOSK_UNKNOWN', 'missing or malformed kiosk-id');
    const kiosk = await db.kioskKey(kioskId);
    if (!kiosk) throw new HttpRefusal(401, 'KIOSK_UNKNOWN', 'kiosk is not registered with this collector');
    const signature = header(req, HEADER.signature);
    if (!signature || !verifyDetached(probeMessage(kioskId), fromB64url(signature), keyObject(kiosk.publicKey))) {
      throw new HttpRefusal(403, 'BATCH_SIGNATURE_INVALID', 'signature does not verify under the registered key');
    }
    if (!kiosk.enabled) throw new HttpRefusal(403, 'KIOSK_UNKNOWN', 'kiosk is disabled on this collector');
    const row = (await db.kiosks()).find((k) => k.kioskId === kioskId);
    sendJson(res, 200, { ok: true, kioskId, name: row?.name ?? null, registeredAt: iso(row?.registeredAt ?? null), entryKioskId: row?.entryKioskId ?? null }, { 'cache-control': 'no-store' });
  }

  /**
   * A kiosk's heartbeat (docs/upload-protocol.md §11): authenticated exactly as a batch is (registered,
   * enabled, signature over the body as sent, then the kiosk's own rate budget), then decoded and kept.
   * Every refusal is logged with the kiosk id and reason (a heartbeat carries no personal data).
   */
  async function handleHeartbeat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kioskId = header(req, HEADER.kioskId);
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > HEARTBEAT_MAX_BYTES) throw new HttpRefusal(413, 'HEARTBEAT_INVALID', `heartbeat over ${HEARTBEAT_MAX_BYTES} bytes`);
    if (!kioskId || !/^[0-9a-f]{16}$/.test(kioskId)) throw new HttpRefusal(401, 'KIOSK_UNKNOWN', 'missing or malformed kiosk-id');
    const kiosk = await db.kioskKey(kioskId);
    if (!kiosk) throw new HttpRefusal(401, 'KIOSK_UNKNOWN', 'kiosk is not registered with this collector');
    if (!kiosk.enabled) throw new HttpRefusal(403, 'KIOSK_UNKNOWN', 'kiosk is disabled on this collector');
    const body = await readBody(req, HEARTBEAT_MAX_BYTES);
    const signature = header(req, HEADER.signature);
    if (!signature || !verifyDetached(body, fromB64url(signature), keyObject(kiosk.publicKey))) {
      throw new HttpRefusal(403, 'BATCH_SIGNATURE_INVALID', 'signature does not verify under the registered key');
    }
    const wait = await db.takeRateToken(`kiosk:${kioskId}`, kioskLimit, rateClock());
    if (wait > 0) throw new HttpRefusal(429, 'RATE_LIMITED', 'too many requests', { 'retry-after': String(Math.ceil(wait / 1000)) });
    let hb;
    try {
      hb = decodeHeartbeat(body);
    } catch (err) {
      if (err instanceof HeartbeatDecodeError) throw new HttpRefusal(400, err.reason, err.message);
      throw err;
    }
    if (hb.kioskId !== kioskId) throw new HttpRefusal(400, 'HEARTBEAT_INVALID', 'kiosk-id header does not match the signed body');
    const receivedAt = Math.floor(clock());
    // Kiosk clock minus collector clock; the transit time (milliseconds on a working link) is in it,
    // far under the skew that matters (a minute).
    const clockOffsetMs = hb.sentAt - receivedAt;
    if ((await db.storeHeartbeat(hb, receivedAt, clockOffsetMs, heartbeatHistory)) === 'duplicate') {
      throw new HttpRefusal(409, 'HEARTBEAT_DUPLICATE', 'this heartbeat (same sentAt) was received before');
    }
    const ack: HeartbeatAck = { ok: true, receivedAt, clockOffsetMs };
    sendJson(res, 200, ack, { 'cache-control': 'no-store' });
  }

  /** The fleet view for the operator console and `kiosk collector fleet`: the status token, as the status pages. */
  async function handleFleet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requireOperator(req);
    const params = Object.fromEntries(new URL(req.url ?? '/', 'http://collector').searchParams);
    const q = fleetQuerySchema.safeParse(params);
    if (!q.success) {
      const first = q.error.issues[0];
      throw new HttpRefusal(400, 'FLEET_QUERY_INVALID', first ? `${first.path.join('.') || 'query'}: ${first.message}` : 'invalid query');
    }
    const now = Math.floor(clock());
    const page = await db.fleet({ now, thresholds: fleetThresholds, venue: q.data.venue ?? null, alert: q.data.alert ?? null, page: q.data.page, pageSize: q.data.pageSize });
    sendJson(res, 200, { ok: true, now: iso(now), thresholds: fleetThresholds, ...page, kiosks: page.kiosks.map(fleetKioskJson) }, { 'cache-control': 'no-store' });
  }

  /**
   * A kiosk asks for its fleet configuration (docs/upload-protocol.md §12): signed as /v1/kiosks/me is
   * (over `checkpoint-fleet-config v1 <kiosk id>`), answered with the newest bundle whose target names
   * it (its key id or the kioskId its entries carry), its venue (from its latest heartbeat, or the
   * `venue` it states) or one of the `groups` it states. The kiosk checks the target again itself;
   * a bundle holds no secret. Conditional on the revision (ETag).
   */
  async function handleFleetConfigGet(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const kioskId = header(req, HEADER.kioskId);
    if (!kioskId || !/^[0-9a-f]{16}$/.test(kioskId)) throw new HttpRefusal(401, 'KIOSK_UNKNOWN', 'missing or malformed kiosk-id');
    const kiosk = await db.kioskKey(kioskId);
    if (!kiosk) throw new HttpRefusal(401, 'KIOSK_UNKNOWN', 'kiosk is not registered with this collector');
    const signature = header(req, HEADER.signature);
    if (!signature || !verifyDetached(fleetRequestMessage(kioskId), fromB64url(signature), keyObject(kiosk.publicKey))) {
      throw new HttpRefusal(403, 'BATCH_SIGNATURE_INVALID', 'signature does not verify under the registered key');
    }
    if (!kiosk.enabled) throw new HttpRefusal(403, 'KIOSK_UNKNOWN', 'kiosk is disabled on this collector');
    const wait = await db.takeRateToken(`kiosk:${kioskId}`, kioskLimit, rateClock());
    if (wait > 0) throw new HttpRefusal(429, 'RATE_LIMITED', 'too many requests', { 'retry-after': String(Math.ceil(wait / 1000)) });
    const params = new URL(req.url ?? '/', 'http://collector').searchParams;
    const short = (v: string) => v.trim().slice(0, 64);
    const latest = (await db.heartbeatHistory(kioskId, 1))[0];
    const entryKioskId = (await db.kiosks()).find((k) => k.kioskId === kioskId)?.entryKioskId ?? null;
    const venueIds = [latest?.body.venueId, params.get('venue')].filter((v): v is string => typeof v === 'string' && v.length > 0).map(short);
    const groups = (params.get('groups') ?? '').split(',').map(short).filter(Boolean).slice(0, 16);
    const chosen = bundleFor(await db.fleetConfig.recent(1000), { kioskId, kioskIds: [kioskId, ...(entryKioskId ? [entryKioskId] : [])], venueIds, groups });
    if (!chosen) throw new HttpRefusal(404, 'LIST_UNAVAILABLE', 'no fleet configuration targets this kiosk');
    const etag = `"fleet-${chosen.revision}"`;
    const headers = { etag, 'cache-control': 'no-cache', 'content-type': 'application/jose' };
    const inm = header(req, 'if-none-match');
    if (inm && inm.split(',').some((t) => t.trim() === etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    const body = Buffer.from(chosen.jws, 'utf8');
    res.writeHead(200, { ...headers, 'content-length': String(body.length) }).end(body);
  }

  /**
   * OPERATOR ENDPOINT (docs/upload-protocol.md §12): signs and stores the next fleet configuration
   * revision. Behind the operator's status token here; the fleet console calls pushFleetConfig
   * (fleet-config.ts) behind its own operator sessions. Body: {target, changes, validFrom?, validTo?, by?}.
   */
  async function handleFleetConfigPush(req: IncomingMessage, res: ServerResponse): Promise<void> {
    requireOperator(req);
    const fleetKey = fleetKeyOrRefuse();
    if (!fleetKey) throw new HttpRefusal(404, 'BAD_REQUEST', 'this collector has no fleet key (kiosk collector fleet-key init)');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof HttpRefusal || err instanceof ClientGone) throw err;
      throw new HttpRefusal(400, 'FLEET_CONFIG_FORMAT', 'the body is not JSON');
    }
    if (typeof body !== 'object' || body === null) throw new HttpRefusal(400, 'FLEET_CONFIG_FORMAT', 'the body is not a JSON object');
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const by = typeof body.by === 'string' && body.by.trim() ? body.by.trim() : 'operator (status token)';
    const validFrom = num(body.validFrom);
    const validTo = num(body.validTo);
    const pushed = await pushFleetConfig(db, fleetKey, { target: body.target, changes: body.changes, by, ...(validFrom !== undefined ? { validFrom } : {}), ...(validTo !== undefined ? { validTo } : {}) }, Math.floor(clock()));
    if (!pushed.ok) {
      log(`fleet config push refused: ${pushed.reason}: ${pushed.message}`);
      throw new HttpRefusal(400, pushed.reason, pushed.message);
    }
    const paths = Object.entries(pushed.bundle.changes).flatMap(([section, values]) => Object.keys(values ?? {}).map((k) => `${section}.${k}`));
    log(`fleet config revision ${pushed.revision} signed for ${describeTarget(pushed.bundle.target)} by ${by.slice(0, 100)}: ${paths.join(', ')}`);
    const targets = await knownTargetCount(db, pushed.bundle.target, Math.floor(clock()), fleetThresholds);
    sendJson(res, 200, { ok: true, revision: pushed.revision, target: pushed.bundle.target, targets, paths, validFrom: iso(pushed.bundle.validFrom), validTo: iso(pushed.bundle.validTo) }, { 'cache-control': 'no-store' });
  }

  async function handleList(kind: ListKind | 'dsc', req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!options.listsDir) throw new HttpRefusal(404, 'LIST_UNAVAILABLE', 'this collector serves no lists');
    const file = join(options.listsDir, kind === 'dsc' ? DSC_LIST_FILE : LIST_FILES[kind]);
    let info;
    try {
      info = await stat(file);
    } catch {
      throw new HttpRefusal(404, 'LIST_UNAVAILABLE', `no ${kind} list has been published`);
    }
    let cached = listCache.get(kind);
    if (!cached || cached.mtimeMs !== info.mtimeMs || cached.size !== info.size) {
      const body = await readFile(file);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      cached = { mtimeMs: info.mtimeMs, size: info.size, body, etag, lastModified: info.mtime.toUTCString() };
      listCache.set(kind, cached);
    }
    const headers = { etag: cached.etag, 'last-modified': cached.lastModified, 'cache-control': 'no-cache', 'content-type': 'application/jose' };
    const inm = header(req, 'if-none-match');
    if (inm && inm.split(',').some((t) => t.trim() === cached.etag)) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(cached.body.length) }).end(cached.body);
  }

  function refuseIfLimited(buckets: TokenBuckets, key: string): void {
    const wait = buckets.take(key);
    if (wait > 0) throw new HttpRefusal(429, 'RATE_LIMITED', 'too many requests', { 'retry-after': String(Math.ceil(wait / 1000)) });
  }

  /** The status pages list every kiosk and its activity: the operator's token or nothing. */
  function requireOperator(req: IncomingMessage): void {
    if (!statusTokenDigest) throw new HttpRefusal(404, 'BAD_REQUEST', 'the status pages are off (no status token configured)');
    const auth = header(req, 'authorization') ?? '';
    let presented: string | null = null;
    const bearer = /^Bearer +(.+)$/i.exec(auth);
    const basic = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(auth);
    if (bearer) presented = bearer[1]!.trim();
    else if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      presented = decoded.slice(decoded.indexOf(':') + 1);
    }
    // Compared as digests, in constant time: neither length nor content leaks through timing.
    if (presented === null || !timingSafeEqual(createHash('sha256').update(presented, 'utf8').digest(), statusTokenDigest)) {
      throw new HttpRefusal(401, 'STATUS_UNAUTHORIZED', 'the status pages need the operator status token', { 'www-authenticate': 'Basic realm="collector status", charset="UTF-8"' });
    }
  }

  /** The operator named by a trace token, or a 401 (404 when no trace tokens are configured). */
  function requireTraceOperator(req: IncomingMessage): string {
    if (traceTokens.length === 0) throw new HttpRefusal(404, 'BAD_REQUEST', 'tracing over HTTP is off (no trace tokens configured)');
    const bearer = /^Bearer +(.+)$/i.exec(header(req, 'authorization') ?? '');
    const digest = bearer ? createHash('sha256').update(bearer[1]!.trim(), 'utf8').digest() : null;
    // Every token compared, each in constant time: which one matched does not show in the timing.
    let who: string | null = null;
    for (const t of traceTokens) if (digest && timingSafeEqual(digest, t.digest)) who = t.name;
    if (who === null) throw new HttpRefusal(401, 'TRACE_UNAUTHORIZED', 'tracing needs an operator trace token', { 'www-authenticate': 'Bearer realm="collector trace"' });
    return who;
  }

  async function handleTrace(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const operator = requireTraceOperator(req);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await readBody(req, 64 * 1024)).toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof HttpRefusal || err instanceof ClientGone) throw err;
      throw new HttpRefusal(400, 'TRACE_INVALID', 'the body is not JSON');
    }
    // from and to may be ISO 8601 strings here: traceProblem reads both forms, and they go on as ms.
    const problem = traceProblem({ ...body, operator, via: 'http' });
    if (problem) throw new HttpRefusal(400, problem.reason, problem.message);
    const request = { ...body, from: traceTimeOf(body.from, 'from'), to: traceTimeOf(body.to, 'to'), operator, via: 'http' } as TraceRequest;
    const answer = await runTrace(db, traceKey, request);
    sendJson(res, 200, { ok: true, ...answer }, { 'cache-control': 'no-store' });
  }

  async function statusJson(): Promise<StatusView & Record<string, unknown>> {
    const kiosks = await db.kiosks();
    return {
      ok: true,
      startedAt: new Date(startedAt).toISOString(),
      kiosks: kiosks.map((k) => ({
        ...k,
        registeredAt: iso(k.registeredAt),
        lastSeenAt: iso(k.lastSeenAt),
        lastUploadAt: iso(k.lastUploadAt),
        kioskIdMismatch: kioskIdMismatch(k),
      })),
      entriesTotal: kiosks.reduce((n, k) => n + k.entries, 0),
      memory: { rssBytes: process.memoryUsage().rss, heapUsedBytes: process.memoryUsage().heapUsed },
    };
  }

  const handler: RequestListener = (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = async () => {
      // Before anything else, authenticated or not: one budget per remote address.
      const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
      refuseIfLimited(addressBuckets, `addr:${address}`);
      // The fleet console (docs/fleet.md): its own sessions, CSRF and lockout, keyed on the same address.
      if (isConsolePath(path ?? '/')) return consoleRoutes(req, res, path ?? '/', address);
      if (req.method === 'POST' && path === BATCHES_PATH) {
        if (batchesInProgress >= maxConcurrent) throw new HttpRefusal(429, 'RATE_LIMITED', 'too many batches in progress', { 'retry-after': '1' });
        batchesInProgress += 1;
        try {
          return await handleBatch(req, res);
        } finally {
          batchesInProgress -= 1;
        }
      }
      if (req.method === 'POST' && path === HEARTBEATS_PATH) return handleHeartbeat(req, res);
      if (req.method === 'GET' && path === FLEET_PATH) return handleFleet(req, res);
      if (req.method === 'GET' && path === HEALTH_PATH) {
        // Healthy means able to store: a balancer (proxy_next_upstream http_503) or a monitor must
        // not keep sending kiosks to a collector whose database is gone.
        try {
          await db.ping();
        } catch (err) {
          log(`health: database unavailable: ${(err as Error).message}`);
          return sendJson(res, 503, { ok: false, reason: 'STORAGE_UNAVAILABLE', message: 'the collector cannot reach its database' }, { 'cache-control': 'no-store' });
        }
        return sendJson(res, 200, { ok: true, service: 'checkpoint-collector', protocol: PROTOCOL_VERSION }, { 'cache-control': 'no-store' });
      }
      if (req.method === 'GET' && path === KIOSK_SELF_PATH) return handleKioskSelf(req, res);
      if (req.method === 'GET' && path === FLEET_CONFIG_PATH) return handleFleetConfigGet(req, res);
      if (req.method === 'POST' && path === FLEET_CONFIG_PATH) return handleFleetConfigPush(req, res);
      if (req.method === 'GET' && path === LIST_PATHS.trust) return handleList('trust', req, res);
      if (req.method === 'GET' && path === LIST_PATHS.status) return handleList('status', req, res);
      if (req.method === 'GET' && path === DSC_LIST_PATH) return handleList('dsc', req, res);
      if (req.method === 'GET' && path === '/v1/status') {
        requireOperator(req);
        return sendJson(res, 200, await statusJson());
      }
      if (req.method === 'GET' && path === '/') {
        requireOperator(req);
        return sendHtml(res, await statusJson());
      }
      if (req.method === 'POST' && path === TRACE_PATH) return handleTrace(req, res);
      throw new HttpRefusal(404, 'BAD_REQUEST', 'no such endpoint');
    };
    route().catch((err: unknown) => {
      if (err instanceof HttpRefusal) {
        if (err.status >= 500 || err.status === 413 || err.status === 429) log(`${req.method} ${path} -> ${err.status} ${err.reason}`);
        // A refused trace (a wrong token, a bad body) answers nothing, so it has no audit row (§8): the
        // log keeps it, with the client's address, so guessing tokens shows. Never the body.
        else if (path === TRACE_PATH) log(`trace refused: ${err.status} ${err.reason} from ${clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies)}`);
        // Every refused heartbeat, with the id it named (ids and reasons only: heartbeats carry no personal data).
        // The message may quote a key name from the body: control characters go, so one refusal is one line.
        else if (path === HEARTBEATS_PATH) log(`heartbeat refused: kiosk ${safeId(header(req, HEADER.kioskId))} -> ${err.status} ${err.reason}: ${err.message.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 300)}`);
        // After refusing without reading the body, close: a keep-alive socket would otherwise have
        // to swallow whatever the client is still sending.
        const close = !req.complete;
        if (!res.headersSent && !res.destroyed) sendJson(res, err.status, { ok: false, reason: err.reason, message: err.message }, { ...err.headers, ...(close ? { connection: 'close' } : {}) });
        return;
      }
      if (err instanceof ClientGone) return;
      log(`${req.method} ${path} -> 500 COLLECTOR_ERROR ${(err as Error).message}`);
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { ok: false, reason: 'COLLECTOR_ERROR', message: 'internal error' });
    });
  };
  const server: Server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createServer(handler);
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.keepAliveTimeout = 5_000;
  // A client trickling a body must not hold a socket forever.
  server.requestTimeout = 60_000;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (err) {
    // The database is open by now: closed, or its pool would keep a collector that cannot serve alive.
    await db.close().catch(() => undefined);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      const why = code === 'EADDRINUSE' ? 'in use by another program (another collector?)' : code === 'EACCES' ? 'not allowed for this user (a port under 1024?)' : 'not an address of this host';
      throw new CollectorConfigError('PORT_UNAVAILABLE', `cannot listen on ${host}:${options.port ?? 0}: ${why} (${code})`);
    }
    throw err;
  }
  const port = (server.address() as AddressInfo).port;

  // Retention in bounded batches, one short transaction each with a pause between them, so ingest's
  // transactions interleave with the purge's instead of waiting behind one long DELETE.
  let purging: Promise<number> | null = null;
  const purgeNow = (): Promise<number> => {
    if (!options.retention) return Promise.resolve(0);
    const { days, batchSize = 5_000 } = options.retention;
    purging ??= (async () => {
      const cutoff = Date.now() - days * 24 * 3600_000;
      let total = 0;
      for (;;) {
        const n = await db.purgeBatch(cutoff, batchSize);
        total += n;
        if (n < batchSize) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      if (total > 0) log(`retention: deleted ${total} entries scanned before ${new Date(cutoff).toISOString()}`);
      return total;
    })().finally(() => {
      purging = null;
    });
    return purging;
  };
  const purgeInBackground = () => void purgeNow().catch((err: Error) => log(`retention: ${err.message}`));
  const retentionTimer = options.retention ? setInterval(purgeInBackground, options.retention.intervalMs ?? RETENTION_INTERVAL_MS) : null;
  retentionTimer?.unref();
  // The first pass soon after start, not an interval later: a collector restarted more often than
  // the interval (a deploy, a crash loop) would otherwise never purge.
  const firstPurge = options.retention ? setTimeout(purgeInBackground, RETENTION_FIRST_PASS_MS) : null;
  firstPurge?.unref();

  return {
    url: `${options.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    db,
    server,
    traceKey,
    purgeNow,
    close: async () => {
      if (retentionTimer) clearInterval(retentionTimer);
      if (firstPurge) clearTimeout(firstPurge);
      await purging?.catch(() => 0);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.close();
    },
  };
}

class ClientGone extends Error {}

/** The operator console's fleet list (docs/upload-protocol.md §11). */
export const FLEET_PATH = '/v1/fleet/kiosks';

/** A kiosk id header as it may be logged: hex of the expected length, else a placeholder. */
function safeId(id: string | undefined): string {
  return id && /^[0-9a-f]{16}$/.test(id) ? id : '(malformed)';
}

function fleetKioskJson(k: FleetKiosk): Record<string, unknown> {
  return { ...k, lastHeartbeatAt: iso(k.lastHeartbeatAt), lastUploadAt: iso(k.lastUploadAt) };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.pause();
        reject(new HttpRefusal(413, 'BATCH_TOO_LARGE', `body over ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    // A connection reset mid-request: nothing was stored, nothing to answer.
    req.on('aborted', () => reject(new ClientGone('client went away')));
    req.on('error', () => reject(new ClientGone('client went away')));
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers }).end(body);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface StatusView {
  kiosks: { kioskId: string; entryKioskId: string | null; kioskIdMismatch: boolean; name: string | null; enabled: boolean; lastSeenAt: string | null; lastUploadAt: string | null; lastSeq: number | null; backlog: number | null; entries: number }[];
  entriesTotal: number;
}

/** The id the kiosk's entries carry, beside the key's id: a difference is flagged in words, not colour alone. */
function entryIdCell(k: StatusView['kiosks'][number]): string {
  if (k.entryKioskId === null) return '—';
  const id = `<code>${escapeHtml(k.entryKioskId)}</code>`;
  return k.kioskIdMismatch ? `${id} ⚠ differs from the key id` : `${id} (same)`;
}

function sendHtml(res: ServerResponse, s: StatusView): void {
  const rows = s.kiosks
    .map((k) => `<tr${k.kioskIdMismatch ? ' class="mismatch"' : ''}><td><code>${escapeHtml(k.kioskId)}</code></td><td>${entryIdCell(k)}</td><td>${escapeHtml(k.name ?? '')}</td><td>${k.enabled ? 'yes' : 'no'}</td><td>${escapeHtml(k.lastSeenAt ?? '—')}</td><td>${escapeHtml(k.lastUploadAt ?? '—')}</td><td>${k.lastSeq ?? '—'}</td><td>${k.backlog ?? '—'}</td><td>${k.entries}</td></tr>`)
    .join('\n');
  const html = `<!doctype html><meta charset="utf-8"><title>Checkpoint collector</title>
<style>body{font:14px system-ui;margin:2em}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:left}.mismatch td{background:#fff3cd}.warn{color:#8a4b00;font-weight:600}</style>
<h1>Checkpoint collector</h1><p>${s.entriesTotal} entries from ${s.kiosks.length} kiosks. <a href="/v1/status">JSON</a></p>
${s.kiosks.some((k) => k.kioskIdMismatch) ? '<p class="warn">⚠ Some kiosks file their entries under a configured kioskId that differs from the key they are registered under: set their config.json <code>kioskId</code> to the key\'s id (<code>kiosk identity</code>).</p>' : ''}
<table><tr><th>kiosk (key id)</th><th>kioskId in entries</th><th>name</th><th>enabled</th><th>last seen</th><th>last upload</th><th>last seq</th><th>backlog</th><th>entries</th></tr>
${rows}</table>`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'" }).end(html);
}
