// The browser host: serves the renderer build and the kiosk contract over one loopback port.
// Security (architecture, "Security boundaries"): it listens on 127.0.0.1 only; every HTTP request
// must name our own Host (a DNS-rebinding page would name its own); the WebSocket upgrade must come
// from our own Origin and carry this start's random token, which the page gets inside index.html —
// a page of another origin can neither read that HTML nor forge the Origin header. Everything else
// is refused, and every message is validated against the contract before the core sees it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { KioskEventSchema, fail, type KioskEvent, type KioskService } from '../contract/api.js';
import { dispatchCall, describeIssues } from '../contract/dispatch.js';
import { MAX_WIRE_MESSAGE_BYTES, TOKEN_META_NAME, WS_PATH, WireCallSchema, type WireFromHost } from '../contract/wire.js';
import { rendererContentSecurityPolicy } from '../contract/csp.js';
import { startHeartbeat } from './heartbeat.js';

export const LOOPBACK = '127.0.0.1';

export interface BrowserHostOptions {
  service: KioskService;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Fixed token for tests; by default 32 random bytes per start. */
  token?: string;
  /** Operational log lines (no personal data ever reaches here: only reasons and counts). */
  log?: (line: string) => void;
}

export interface BrowserHost {
  /** The page to open, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** The WebSocket URL including the token (for tests and the bench). */
  readonly wsUrl: string;
  connectedClients(): number;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The renderer's policy (src/contract/csp.ts) with the WebSocket to this very port. */
export function contentSecurityPolicy(port: number): string {
  return rendererContentSecurityPolicy(`'self' ws://${LOOPBACK}:${port}`);
}

function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Puts the token into index.html as a meta tag the renderer reads (no inline script: CSP forbids it). */
export function injectToken(html: string, token: string): string {
  const meta = `<meta name="${TOKEN_META_NAME}" content="${token}">`;
  return html.includes('</head>') ? html.replace('</head>', `  ${meta}\n</head>`) : meta + html;
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const log = options.log ?? (() => {});
  const token = options.token ?? randomBytes(32).toString('base64url');
  const rendererDir = resolve(options.rendererDir);
  let port = 0;
  let origin = '';
  const allowedHosts = new Set<string>();

  const commonHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });

  const refuse = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { ...commonHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text + '\n');
  };

  async function serveFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.has(req.headers.host ?? '')) return refuse(res, 421, 'UNAUTHORIZED: wrong Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'BAD_REQUEST: GET only');
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', origin).pathname);
    } catch {
      return refuse(res, 400, 'BAD_REQUEST: malformed path');
    }
    if (pathname === '/' || pathname === '/admin') pathname = '/index.html';
    // Resolve inside rendererDir only: `..` or an absolute path can never leave it.
    const file = normalize(join(rendererDir, pathname));
    if (!file.startsWith(rendererDir + sep) || pathname.includes('\0')) return refuse(res, 404, 'not found');
    try {
      const info = await stat(file);
      if (!info.isFile()) return refuse(res, 404, 'not found');
      let body: Buffer = await readFile(file);
      if (file.endsWith('index.html')) body = Buffer.from(injectToken(body.toString('utf8'), token));
      res.writeHead(200, {
        ...commonHeaders(),
        'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
        'Content-Length': String(body.length),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      refuse(res, 404, 'not found');
    }
  }

  const server = createServer((req, res) => {
    serveFile(req, res).catch(() => refuse(res, 500, 'INTERNAL'));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_MESSAGE_BYTES });
  const clients = new Set<WebSocket>();
  let nextClient = 1;

  function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
    log(`refused a WebSocket connection: ${reason}`);
    socket.end(`HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Bad Request'}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${reason}\n`);
  }

  server.on('upgrade', (req, socket, head) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', origin);
    } catch {
      return rejectUpgrade(socket, 400, 'BAD_REQUEST');
    }
    if (url.pathname !== WS_PATH) return rejectUpgrade(socket, 400, 'BAD_REQUEST: unknown path');
    if (!allowedHosts.has(req.headers.host ?? '')) return rejectUpgrade(socket, 403, 'UNAUTHORIZED: wrong Host');
    if (req.headers.origin !== origin) return rejectUpgrade(socket, 403, 'UNAUTHORIZED: wrong Origin');
    const given = url.searchParams.get('token') ?? '';
    if (!tokensEqual(given, token)) return rejectUpgrade(socket, 403, 'UNAUTHORIZED: wrong or missing token');
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws));
  });

  function send(ws: WebSocket, message: WireFromHost): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  function onClient(ws: WebSocket): void {
    const clientId = `ws-${nextClient++}`;
    clients.add(ws);
    // A sign of life at once, so a screen that just connected need not wait a whole interval.
    send(ws, { kind: 'event', event: { type: 'heartbeat', at: Date.now() } });
    log(`screen connected (${clientId}, ${clients.size} connected)`);
    ws.on('close', () => {
      clients.delete(ws);
      log(`screen disconnected (${clientId})`);
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      void onMessage(ws, clientId, data, isBinary);
    });
  }

  async function onMessage(ws: WebSocket, clientId: string, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return send(ws, { kind: 'result', id: null, result: fail('BAD_REQUEST', 'binary frames are not part of the contract') });
    let json: unknown;
    try {
      json = JSON.parse(data.toString());
    } catch {
      return send(ws, { kind: 'result', id: null, result: fail('BAD_REQUEST', 'message is not JSON') });
    }
    const call = WireCallSchema.safeParse(json);
    if (!call.success) {
      const id = typeof (json as { id?: unknown })?.id === 'number' ? ((json as { id: number }).id) : null;
      const safeId = id !== null && Number.isSafeInteger(id) && id >= 0 ? id : null;
      return send(ws, { kind: 'result', id: safeId, result: fail('BAD_REQUEST', `malformed call: ${describeIssues(call.error)}`) });
    }
    const result = await dispatchCall(options.service, call.data.method, call.data.params, { host: 'browser', clientId });
    if (!result.ok && result.reason === 'INTERNAL') log(`call ${call.data.method} failed: ${result.message}`);
    send(ws, { kind: 'result', id: call.data.id, result });
  }

  const stopHeartbeat = startHeartbeat((event) => {
    const text = JSON.stringify({ kind: 'event', event } satisfies WireFromHost);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });
  const unsubscribe = options.service.subscribe((event: KioskEvent) => {
    // Validate (and strip) before broadcasting, for the same reason responses are checked.
    const parsed = KioskEventSchema.safeParse(event);
    if (!parsed.success) {
      log(`dropped an event outside the contract: ${describeIssues(parsed.error)}`);
      return;
    }
    const text = JSON.stringify({ kind: 'event', event: parsed.data } satisfies WireFromHost);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('browser host: no TCP address');
  port = address.port;
  origin = `http://${LOOPBACK}:${port}`;
  allowedHosts.add(`${LOOPBACK}:${port}`);

  return {
    url: `${origin}/`,
    origin,
    port,
    token,
    wsUrl: `ws://${LOOPBACK}:${port}${WS_PATH}?token=${encodeURIComponent(token)}`,
    connectedClients: () => clients.size,
    async close() {
      stopHeartbeat();
      unsubscribe();
      for (const ws of clients) ws.terminate();
      clients.clear();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
