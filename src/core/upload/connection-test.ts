// The integrator's "test connection" (docs/integrator-setup.md "Uploads"): the steps between this
// kiosk and its collector, each answered on its own so a failure names the layer that failed —
// the address (DNS and TCP), the encryption (TLS: the certificate valid for the collector's name
// under upload.caFile; plain http only to this machine unless upload.allowInsecureHttp), the
// collector's own answer (GET /v1/health), and whether this kiosk's key is registered there (a
// signed GET /v1/kiosks/me, checked exactly as a batch is: docs/upload-protocol.md §1).
//
// Every step has its own deadline and the whole never throws: a garbage URL, a port that swallows
// packets, a TLS server that never finishes its handshake all end as a failed step with a reason.
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { lookup } from 'node:dns/promises';
import type { UploadReason } from '../../contract/reasons.js';
import { b64url, type DeviceIdentity } from '../identity/device-key.js';
import { HEADER, HEALTH_PATH, KIOSK_SELF_PATH, probeMessage } from './protocol.js';
import { HttpFailure, httpExchange, isInsecureCollectorUrl } from './http.js';

export type ConnectionStepName = 'address' | 'tls' | 'collector' | 'registered';
export const CONNECTION_STEPS: readonly ConnectionStepName[] = ['address', 'tls', 'collector', 'registered'];

export interface ConnectionStep {
  step: ConnectionStepName;
  /** ok: passed; failed: with a reason; skipped: an earlier step failed, so this one was not tried. */
  state: 'ok' | 'failed' | 'skipped';
  reason: UploadReason | null;
  /** What was found, in plain words (an address, a certificate problem, the collector's message); never personal data. */
  detail: string;
}

export interface ConnectionTestOptions {
  url: string;
  identity: Pick<DeviceIdentity, 'kioskId' | 'sign'>;
  /** PEM file of a private CA (config `upload.caFile`). */
  caFile?: string | null;
  allowInsecureHttp?: boolean;
  /** Deadline of each step (default 5 s). */
  stepTimeoutMs?: number;
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new HttpFailure('timeout', `no answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([work(controller.signal), deadline]).finally(() => clearTimeout(timer));
}

/** A socket that is connected (or failed) within the deadline; always destroyed afterwards. */
function openSocket<S extends Socket>(make: () => S, readyEvent: 'connect' | 'secureConnect', signal: AbortSignal): Promise<S> {
  return new Promise((resolve, reject) => {
    const socket = make();
    const onAbort = () => {
      socket.destroy();
      reject(new HttpFailure('timeout', 'stopped'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once(readyEvent, () => {
      signal.removeEventListener('abort', onAbort);
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    });
  });
}

function networkDetail(err: unknown): { reason: UploadReason; detail: string } {
  if (err instanceof HttpFailure && err.kind === 'timeout') return { reason: 'COLLECTOR_TIMEOUT', detail: err.message };
  const e = err as NodeJS.ErrnoException;
  const code = e.code ?? '';
  const words: Record<string, string> = {
    ENOTFOUND: 'the name does not resolve (DNS)',
    EAI_AGAIN: 'the name server did not answer (DNS)',
    ECONNREFUSED: 'connection refused: nothing listens on that port',
    EHOSTUNREACH: 'no route to the host',
    ENETUNREACH: 'the network is unreachable',
    ECONNRESET: 'the connection was reset',
  };
  return { reason: 'COLLECTOR_UNREACHABLE', detail: clip(words[code] ? `${words[code]} (${code})` : `${code || e.message || String(err)}`) };
}

/**
 * Runs the four steps against `url` in order. Resolves with one row per step, always four rows:
 * after a failure the remaining steps are `skipped`.
 */
export async function testCollectorConnection(options: ConnectionTestOptions): Promise<ConnectionStep[]> {
  const stepMs = options.stepTimeoutMs ?? 5_000;
  const steps: ConnectionStep[] = [];
  const finish = () => {
    for (const step of CONNECTION_STEPS.slice(steps.length)) steps.push({ step, state: 'skipped', reason: null, detail: '' });
    return steps;
  };
  const failed = (step: ConnectionStepName, reason: UploadReason, detail: string) => {
    steps.push({ step, state: 'failed', reason, detail: clip(detail) });
    return finish();
  };

  let url: URL;
  try {
    url = new URL(options.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return failed('address', 'COLLECTOR_URL_INVALID', 'not an http:// or https:// URL');
  }
  const https = url.protocol === 'https:';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (https ? 443 : 80));

  // 1. DNS and TCP.
  try {
    const address = await withDeadline(stepMs, async (signal) => {
      // Every address the name has, in the resolver's order (`localhost` may be ::1 then 127.0.0.1):
      // the first that accepts a connection is the one named.
      const found = await lookup(host, { all: true });
      let lastError: unknown = new Error('no address');
      for (const { address: candidate } of found) {
        try {
          const socket = await openSocket(() => tcpConnect({ host: candidate, port }), 'connect', signal);
          socket.destroy();
          return candidate;
        } catch (err) {
          if (signal.aborted) throw err;
          lastError = err;
        }
      }
      throw lastError;
    });
    steps.push({ step: 'address', state: 'ok', reason: null, detail: address === host ? `${host}:${port} answers` : `${host} is ${address}; port ${port} answers` });
  } catch (err) {
    const { reason, detail } = networkDetail(err);
    return failed('address', reason, `${host}:${port}: ${detail}`);
  }

  // 2. Encryption. Entries carry names and document numbers (docs/upload-protocol.md "Transport security").
  let ca: string | undefined;
  if (https) {
    if (options.caFile) {
      try {
        ca = await readFile(options.caFile, 'utf8');
      } catch (err) {
        return failed('tls', 'COLLECTOR_TLS_INVALID', `cannot read upload.caFile ${options.caFile}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
      }
    }
    try {
      const outcome = await withDeadline(stepMs, async (signal) => {
        const socket = await openSocket<TLSSocket>(
          () => tlsConnect({ host, port, servername: /^[\d.:]+$/.test(host) ? undefined : host, rejectUnauthorized: false, ...(ca ? { ca } : {}) }),
          'secureConnect',
          signal,
        );
        const result = { authorized: socket.authorized, error: socket.authorizationError ? String(socket.authorizationError) : null, protocol: socket.getProtocol() };
        socket.destroy();
        return result;
      });
      if (!outcome.authorized) {
        return failed('tls', 'COLLECTOR_TLS_INVALID', `the certificate is not valid for ${host}${ca ? ' under upload.caFile' : ' under the system CAs (a private CA goes in upload.caFile)'}: ${outcome.error ?? 'not trusted'}`);
      }
      steps.push({ step: 'tls', state: 'ok', reason: null, detail: `${outcome.protocol ?? 'TLS'}, certificate valid for ${host}${ca ? ' (upload.caFile)' : ''}` });
    } catch (err) {
      const { reason, detail } = networkDetail(err);
      return failed('tls', reason === 'COLLECTOR_TIMEOUT' ? reason : 'COLLECTOR_TLS_INVALID', `TLS handshake failed: ${detail}`);
    }
  } else if (isInsecureCollectorUrl(url.toString()) && !options.allowInsecureHttp) {
    return failed('tls', 'COLLECTOR_INSECURE', `plain http to ${host}, another machine: entries would cross the network in clear; use https (or set upload.allowInsecureHttp on an isolated test network)`);
  } else {
    steps.push({ step: 'tls', state: 'ok', reason: null, detail: isInsecureCollectorUrl(url.toString()) ? 'plain http allowed by upload.allowInsecureHttp' : 'plain http to this machine (loopback)' });
  }

  const base = url.toString().replace(/\/+$/, '');
  const tls = ca ? { ca } : {};

  // 3. Is it a collector?
  try {
    const res = await httpExchange(base + HEALTH_PATH, { method: 'GET', timeoutMs: stepMs, maxResponseBytes: 16 * 1024, tls });
    const body = safeJson(res.body);
    if (res.status !== 200 || body?.service !== 'checkpoint-collector') {
      return failed('collector', 'COLLECTOR_ERROR', `HTTP ${res.status} from ${HEALTH_PATH}: not a checkpoint collector (wrong URL or port?)`);
    }
    steps.push({ step: 'collector', state: 'ok', reason: null, detail: `checkpoint collector, protocol v${String(body.protocol ?? '?')}` });
  } catch (err) {
    const { reason, detail } = networkDetail(err);
    return failed('collector', reason, detail);
  }

  // 4. Is this kiosk's key registered (and enabled) there?
  try {
    const kioskId = options.identity.kioskId;
    const res = await httpExchange(base + KIOSK_SELF_PATH, {
      method: 'GET',
      headers: { [HEADER.kioskId]: kioskId, [HEADER.signature]: b64url(options.identity.sign(probeMessage(kioskId))) },
      timeoutMs: stepMs,
      maxResponseBytes: 16 * 1024,
      tls,
    });
    const body = safeJson(res.body);
    if (res.status === 200 && body?.ok === true) {
      const name = typeof body.name === 'string' && body.name ? ` as ${JSON.stringify(clip(body.name, 64))}` : '';
      steps.push({ step: 'registered', state: 'ok', reason: null, detail: `kiosk ${kioskId} is registered${name}` });
      return finish();
    }
    const reason = body?.reason === 'KIOSK_UNKNOWN' || body?.reason === 'BATCH_SIGNATURE_INVALID' || body?.reason === 'RATE_LIMITED' ? body.reason : 'COLLECTOR_ERROR';
    const message = typeof body?.message === 'string' ? clip(body.message, 160) : `HTTP ${res.status}`;
    return failed('registered', reason, `kiosk ${kioskId}: ${message}`);
  } catch (err) {
    const { reason, detail } = networkDetail(err);
    return failed('registered', reason, detail);
  }
}

function safeJson(body: Buffer): Record<string, unknown> | null {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
