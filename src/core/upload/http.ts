// One HTTP exchange with a hard deadline over the whole of it (connect, send, answer), on node:http.
// Not global fetch: Node 20's fetch (undici) was seen to hang until its timeout when a peer
// accepts a connection and resets it before the request is written — a collector restarting
// behind a proxy does exactly that — where node:http reports ECONNRESET at once.
import { Agent, request } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export class HttpFailure extends Error {
  constructor(
    readonly kind: 'timeout' | 'network' | 'aborted' | 'too-large',
    message: string,
  ) {
    super(message);
  }
}

export interface TlsOptions {
  /** PEM certificate(s) of a private CA that signed the collector's certificate (default: system CAs). */
  ca?: string;
}

/**
 * Keep-alive: a drain sends thousands of batches, one TCP (and TLS) handshake is enough. One
 * socket: one batch in flight. HTTPS when the collector URL says so: entries carry names and
 * document numbers, so anything beyond loopback must be encrypted (see isInsecureCollectorUrl).
 */
export function uploadAgent(url: string, tls: TlsOptions = {}, keepAlive = true): Agent {
  const options = { keepAlive, maxSockets: 1, keepAliveMsecs: 1000 };
  return new URL(url).protocol === 'https:' ? new HttpsAgent({ ...options, ...(tls.ca ? { ca: tls.ca } : {}) }) : new Agent(options);
}

/** Plain HTTP to anything but this machine would put personal data on the wire in clear. */
export function isInsecureCollectorUrl(url: string): boolean {
  const u = new URL(url);
  if (u.protocol === 'https:') return false;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host));
}

export function httpExchange(
  url: string,
  options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: Buffer; timeoutMs: number; maxResponseBytes: number; agent?: Agent; signal?: AbortSignal; tls?: TlsOptions },
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: HttpFailure | null, result?: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(result!);
    };
    const onAbort = () => finish(new HttpFailure('aborted', 'stopped while sending'));
    const timer = setTimeout(() => finish(new HttpFailure('timeout', `no complete answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    const send = new URL(url).protocol === 'https:' ? httpsRequest : request;
    const req = send(url, { method: options.method, headers: { ...options.headers, ...(options.body ? { 'content-length': String(options.body.length) } : {}) }, agent: options.agent, ...(options.tls?.ca ? { ca: options.tls.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxResponseBytes) finish(new HttpFailure('too-large', `answer over ${options.maxResponseBytes} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('aborted', () => finish(new HttpFailure('network', 'connection closed mid-answer')));
      res.on('error', (e) => finish(new HttpFailure('network', `connection failed mid-answer: ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    });
    req.on('error', (e) => finish(new HttpFailure('network', (e as NodeJS.ErrnoException).code ?? e.message)));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort);
    req.end(options.body);
  });
}
