// The browser host: serves the renderer build and the kiosk contract over one loopback port.
// Security (architecture, "Security boundaries"; docs/security.md, "Who may drive the kiosk"): it
// listens on 127.0.0.1 only, and on loopback every local process can connect, so being local proves
// nothing. The credential reaches the kiosk's own window out of band and once: the host mints a
// one-time launch URL (`/?launch=<nonce>`), hands it to the Chromium it starts (or prints it), and
// exchanges it on first use for an HttpOnly, SameSite=Strict session cookie. Nothing the host serves
// ever contains a credential, so `GET /` teaches a stranger nothing; without a session every file is
// 401 and every WebSocket upgrade 403. On top: every request must name our own Host (DNS rebinding),
// the upgrade must come from our own Origin, at most `maxScreens` sessions live at once with one
// connection each, calls are rate-limited per connection, and every message is validated against
// the contract before the core sees it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { resolve } from 'node:path';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { EXPORT_DOWNLOAD_PATH, KioskEventSchema, fail, type KioskEvent, type KioskService } from '../contract/api.js';
import type { ExportHostSide } from '../core/admin/export-methods.js';
import { dispatchCall, describeIssues } from '../contract/dispatch.js';
import { LAUNCH_PARAM, MAX_WIRE_MESSAGE_BYTES, WS_PATH, WireCallSchema, type WireFromHost } from '../contract/wire.js';
import { rendererContentSecurityPolicy } from '../contract/csp.js';
import { startHeartbeat } from '../app/heartbeat.js';
import { createStaticFiles } from '../app/static-files.js';

export const LOOPBACK = '127.0.0.1';

export interface BrowserHostOptions {
  service: KioskService;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** How many screen sessions may live at once (default 1: the kiosk's own window). A newer launch evicts the oldest. */
  maxScreens?: number;
  /** Stable name of this kiosk's screen, recorded with every guard verdict (default `screen-1`). */
  screenId?: string;
  /** Calls each connection may make: a bucket of `burst` refilled at `perSecond` (default 20/s, burst 60). */
  callRate?: { perSecond: number; burst: number };
  /** Milliseconds for the call-rate bucket (tests pass a manual clock). */
  now?: () => number;
  /** Operational log lines (no personal data ever reaches here: only reasons and counts). */
  log?: (line: string) => void;
  /** The admin console's finished exports, served once each at EXPORT_DOWNLOAD_PATH (absent: none). */
  exports?: ExportHostSide | null;
}

export interface BrowserHost {
  /** The page, e.g. http://127.0.0.1:41234/ — it answers only a browser holding a session. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  /** The WebSocket URL (no credential in it: the session cookie is the credential). */
  readonly wsUrl: string;
  /** Name of the session cookie (per port, so two kiosks on one machine never share one). */
  readonly sessionCookieName: string;
  /**
   * A new one-time launch URL: the first request to it gets a screen session and is redirected to
   * the page; any later request to it gets 403. Only this process can mint one.
   */
  issueLaunchUrl(): string;
  connectedClients(): number;
  /** Live screen sessions (launched and not evicted). */
  sessionCount(): number;
  close(): Promise<void>;
}

/** The renderer's policy (src/contract/csp.ts) with the WebSocket to this very port. */
export function contentSecurityPolicy(port: number): string {
  return rendererContentSecurityPolicy(`'self' ws://${LOOPBACK}:${port}`);
}

const DEFAULT_CALL_RATE = { perSecond: 20, burst: 60 };
/** Launch URLs minted but not yet used; older ones are dropped (a stale link is worth nothing). */
const MAX_PENDING_LAUNCHES = 4;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The value of cookie `name` in a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

interface ScreenSession {
  /** `screen-1/session-ab12cd34`: stable for the life of the session, never the secret itself. */
  clientId: string;
  socket: WebSocket | null;
}

export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const log = options.log ?? (() => {});
  const rendererDir = resolve(options.rendererDir);
  const maxScreens = Math.max(1, options.maxScreens ?? 1);
  const screenId = (options.screenId ?? 'screen-1').replace(/[^\w.-]/g, '_').slice(0, 40);
  const callRate = options.callRate ?? DEFAULT_CALL_RATE;
  const now = options.now ?? (() => Date.now());
  let port = 0;
  let origin = '';
  let cookieName = '';
  const allowedHosts = new Set<string>();
  // Both keyed by the SHA-256 of the secret: the maps never hold a credential a heap dump could replay
  // directly, and a lookup compares digests, not the secret byte by byte.
  const pendingLaunches = new Set<string>();
  const sessions = new Map<string, ScreenSession>(); // insertion order = oldest first
  const staticFiles = createStaticFiles({ dir: rendererDir, csp: () => contentSecurityPolicy(port) });

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

  const sessionOf = (req: IncomingMessage): ScreenSession | null => {
    const secret = cookieValue(req.headers.cookie, cookieName);
    return secret ? (sessions.get(sha256Hex(secret)) ?? null) : null;
  };

  function issueLaunchUrl(): string {
    const nonce = randomBytes(32).toString('base64url');
    pendingLaunches.add(sha256Hex(nonce));
    while (pendingLaunches.size > MAX_PENDING_LAUNCHES) pendingLaunches.delete(pendingLaunches.values().next().value as string);
    return `${origin}/?${LAUNCH_PARAM}=${nonce}`;
  }

  /** Spends a launch nonce: a new session, the oldest evicted beyond maxScreens; null if unknown or spent. */
  function exchangeLaunch(nonce: string): string | null {
    const key = sha256Hex(nonce);
    if (!pendingLaunches.delete(key)) return null;
    const secret = randomBytes(32).toString('base64url');
    const digest = sha256Hex(secret);
    sessions.set(digest, { clientId: `${screenId}/session-${digest.slice(0, 8)}`, socket: null });
    while (sessions.size > maxScreens) {
      const [oldest, session] = sessions.entries().next().value as [string, ScreenSession];
      sessions.delete(oldest);
      if (session.socket) {
        clients.delete(session.socket);
        session.socket.close(4001, 'a newer screen was launched');
      }
      log(`screen session ${session.clientId} ended: a newer screen was launched`);
    }
    return secret;
  }

  async function serveFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!allowedHosts.has(req.headers.host ?? '')) return refuse(res, 421, 'UNAUTHORIZED: wrong Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'BAD_REQUEST: GET only');
    let url: URL;
    let pathname: string;
    try {
      url = new URL(req.url ?? '/', origin);
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return refuse(res, 400, 'BAD_REQUEST: malformed path');
    }
    const launch = url.searchParams.get(LAUNCH_PARAM);
    if (launch !== null) {
      const secret = exchangeLaunch(launch);
      if (secret === null) {
        log('refused a launch link: unknown or already used');
        return refuse(res, 403, 'UNAUTHORIZED: this launch link is unknown or was already used; type `launch` where the kiosk runs (or restart it) for a new one');
      }
      log(`screen launched (${sessions.size} session${sessions.size === 1 ? '' : 's'})`);
      // No Max-Age: the cookie dies with the browser, and a restarted kiosk mints a new launch URL.
      res.writeHead(303, {
        ...commonHeaders(),
        Location: '/',
        'Set-Cookie': `${cookieName}=${secret}; Path=/; HttpOnly; SameSite=Strict`,
        'Content-Length': '0',
      });
      return void res.end();
    }
    const screen = sessionOf(req);
    if (!screen) return refuse(res, 401, 'UNAUTHORIZED: open the launch URL the kiosk printed when it started');
    if (pathname.startsWith(EXPORT_DOWNLOAD_PATH)) return serveExport(req, res, screen, pathname.slice(EXPORT_DOWNLOAD_PATH.length));
    // The renderer's files as Electron serves them too (src/app/static-files.ts): nothing outside
    // rendererDir, symbolic links included; the host adds its own headers on top.
    const file = await staticFiles.answer(url.pathname, req.method);
    res.writeHead(file.status, { ...commonHeaders(), ...file.headers });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }

  /**
   * A finished export, once (docs/security.md "Exports"): the token names it; core checks that it is
   * this screen's (its cookie session) and that the admin session that made it is still open, and
   * spends the token whatever the outcome, so a second GET is 410. GET only: a HEAD would spend it too.
   */
  async function serveExport(req: IncomingMessage, res: ServerResponse, screen: ScreenSession, token: string): Promise<void> {
    if (req.method !== 'GET') return refuse(res, 405, 'BAD_REQUEST: GET only');
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return refuse(res, 404, 'not found');
    const file = options.exports?.takeDownload(token, screen.clientId) ?? null;
    if (!file) {
      log('refused an export download: used, expired, another screen\'s or its admin session ended');
      return refuse(res, 410, 'this download link was already used, has expired, or belongs to another session; export again');
    }
    const ascii = file.fileName.replace(/[^\w.-]/g, '_');
    res.writeHead(200, {
      ...commonHeaders(),
      'Content-Type': file.contentType,
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`,
    });
    try {
      await pipeline(createReadStream(file.path), res);
      file.done(true);
      log(`export downloaded (${file.size} bytes)`);
    } catch {
      file.done(false);
      log('export download interrupted: the file is removed, export again');
    }
  }

  const server = createServer((req, res) => {
    serveFile(req, res).catch(() => refuse(res, 500, 'INTERNAL'));
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WIRE_MESSAGE_BYTES });
  const clients = new Set<WebSocket>();

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
    const session = sessionOf(req);
    if (!session) return rejectUpgrade(socket, 403, 'UNAUTHORIZED: no screen session');
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws, session));
  });

  function send(ws: WebSocket, message: WireFromHost): void {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  }

  function onClient(ws: WebSocket, session: ScreenSession): void {
    // One connection per screen session: a reload's new page replaces the old one's connection.
    if (session.socket) {
      clients.delete(session.socket);
      session.socket.close(4002, 'replaced by a newer connection of this screen');
    }
    session.socket = ws;
    clients.add(ws);
    // A sign of life at once, so a screen that just connected need not wait a whole interval.
    send(ws, { kind: 'event', event: { type: 'heartbeat', at: Date.now() } });
    const { clientId } = session;
    log(`screen connected (${clientId}, ${clients.size} connected)`);
    const bucket = { tokens: callRate.burst, at: now() };
    ws.on('close', () => {
      clients.delete(ws);
      if (session.socket === ws) session.socket = null;
      log(`screen disconnected (${clientId})`);
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const t = now();
      bucket.tokens = Math.min(callRate.burst, bucket.tokens + ((t - bucket.at) / 1000) * callRate.perSecond);
      bucket.at = t;
      if (bucket.tokens < 1) {
        return send(ws, { kind: 'result', id: idOf(data, isBinary), result: fail('BAD_REQUEST', `too many calls: at most ${callRate.perSecond} a second`) });
      }
      bucket.tokens -= 1;
      void onMessage(ws, clientId, data, isBinary);
    });
  }

  /** The call id of a frame, when it has a usable one (for answering a refusal). */
  function idOf(data: RawData, isBinary: boolean): number | null {
    if (isBinary) return null;
    try {
      const id = (JSON.parse(data.toString()) as { id?: unknown })?.id;
      return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
    } catch {
      return null;
    }
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
  cookieName = `kiosk-session-${port}`;
  allowedHosts.add(`${LOOPBACK}:${port}`);

  return {
    url: `${origin}/`,
    origin,
    port,
    wsUrl: `ws://${LOOPBACK}:${port}${WS_PATH}`,
    sessionCookieName: cookieName,
    issueLaunchUrl,
    connectedClients: () => clients.size,
    sessionCount: () => sessions.size,
    async close() {
      stopHeartbeat();
      unsubscribe();
      for (const ws of clients) ws.terminate();
      clients.clear();
      sessions.clear();
      pendingLaunches.clear();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    },
  };
}
