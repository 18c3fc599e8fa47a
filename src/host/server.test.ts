// The browser host against real WebSocket clients (the ws package) and real HTTP requests: what it
// refuses (a local client without the launch secret, a spent launch link, wrong Origin, wrong Host,
// malformed or invalid calls, calls over the rate) and what it serves (the page to a launched
// screen, valid calls answered, events pushed).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { connect as tcpSocket } from 'node:net';
import WebSocket from 'ws';
import { startBrowserHost, type BrowserHost } from './server.js';
import { IDLE_PASSAGE, fail, ok, type KioskEvent, type KioskService } from '../contract/api.js';
import { serviceWith } from '../contract/service-with.js';
import type { WireFromHost } from '../contract/wire.js';

/** A service double recording the calls it receives; the host under test is real. */
function recordingService() {
  const calls: { method: string; request: unknown; clientId: string }[] = [];
  const listeners = new Set<(e: KioskEvent) => void>();
  const service: KioskService = serviceWith({
    async getStatus(_req, context) {
      calls.push({ method: 'getStatus', request: {}, clientId: context.clientId });
      return fail('STORAGE_UNAVAILABLE', 'test double has no status');
    },
    async submitScan(req, context) {
      calls.push({ method: 'submitScan', request: req, clientId: context.clientId });
      return ok({ passageId: 'p-1', duplicate: false });
    },
    async guardReview(req, context) {
      calls.push({ method: 'guardReview', request: req, clientId: context.clientId });
      return fail('BAD_REQUEST', 'no such passage');
    },
    async getTodayFigures() {
      throw new Error('boom');
    },
    async setLanguage(req) {
      // Answers with an extra field: the host must strip it (contract responses are parsed).
      return ok({ language: req.language, fullName: '张三' } as unknown as { language: 'en' });
    },
    async getRendererConfig() {
      return ok({ camera: { enabled: false, deviceId: null, width: 640, height: 480, frameRate: 30, engine: 'zxing-library' as const }, language: 'zh-CN' as const, sounds: true, kioskName: 'test' });
    },
    async reportCamera() {
      return ok({});
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  return { service, calls, emit: (e: KioskEvent) => listeners.forEach((l) => l(e)), listeners };
}

/** Opens a plain TCP connection and reports whether it was accepted (or the error code). */
function tcpConnect(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpSocket({ host: address, port });
    socket.setTimeout(5000, () => {
      socket.destroy();
      resolve('TIMEOUT');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

let dir: string;
let host: BrowserHost;
let fixture: ReturnType<typeof recordingService>;
let logLines: string[];
let fakeNow = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-host-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><html><head><title>k</title></head><body></body></html>');
  writeFileSync(join(dir, 'renderer', 'main.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  fixture = recordingService();
  logLines = [];
  host = await startBrowserHost({ service: fixture.service, rendererDir: join(dir, 'renderer'), log: (l) => logLines.push(l), now: () => fakeNow });
});

afterEach(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

function httpGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolves with the HTTP status of a refused upgrade, or 101 when the connection opened. `received`
 *  holds every message from the start: the host's first frame (its on-connect heartbeat) can arrive
 *  in the same read as the upgrade's answer and be emitted before a listener added after `open`. */
function connect(url: string, origin: string | undefined, cookie?: string): Promise<{ status: number; ws?: WebSocket; received: Received }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ...(origin ? { origin } : {}), ...(cookie ? { headers: { cookie } } : {}) });
    const received = receiver(ws);
    ws.on('open', () => resolve({ status: 101, ws, received }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, received }));
    ws.on('error', () => resolve({ status: -1, received }));
  });
}

/** Opens a fresh launch URL the way the kiosk's Chromium does; returns the Cookie header it earned. */
async function launch(): Promise<string> {
  const url = new URL(host.issueLaunchUrl());
  const res = await httpGet(url.pathname + url.search);
  expect(res.status).toBe(303);
  expect(res.headers.location).toBe('/');
  const setCookie = String((res.headers['set-cookie'] as string[] | undefined)?.[0] ?? '');
  return setCookie.split(';')[0]!;
}

interface Received {
  /** Every message in arrival order, heartbeats included. */
  all: WireFromHost[];
  /** The next message that is not a heartbeat: heartbeats come on connect and on the host's timer,
   *  at times a test does not control, so a test waiting for a result or an event skips them. */
  next(): Promise<WireFromHost>;
}

function isHeartbeat(m: WireFromHost): boolean {
  return m.kind === 'event' && m.event.type === 'heartbeat';
}

function receiver(ws: WebSocket): Received {
  const all: WireFromHost[] = [];
  const queue: WireFromHost[] = [];
  const waiters: ((m: WireFromHost) => void)[] = [];
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as WireFromHost;
    all.push(msg);
    if (isHeartbeat(msg)) return;
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  return { all, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))) };
}

async function openClient(cookie?: string): Promise<{ ws: WebSocket; next: () => Promise<WireFromHost>; received: Received; cookie: string }> {
  const screenCookie = cookie ?? (await launch());
  const { status, ws, received } = await connect(host.wsUrl, host.origin, screenCookie);
  expect(status).toBe(101);
  return { ws: ws!, cookie: screenCookie, received, next: received.next };
}

/** Resolves with the close code of `ws`. */
function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((r) => ws.on('close', (code) => r(code)));
}

describe('browser host: a local client without the launch secret', () => {
  it('gets nothing: no page, no credential, no WebSocket, no events, no calls', async () => {
    // The kiosk's own screen is up and a passage is happening while the stranger tries.
    const screen = await openClient();
    const page = await httpGet('/', { cookie: screen.cookie });
    expect(page.status).toBe(200);
    expect(page.body).toBe('<!doctype html><html><head><title>k</title></head><body></body></html>');
    const cookieSecret = screen.cookie.split('=')[1]!;
    expect(page.body).not.toContain(cookieSecret);

    for (const path of ['/', '/index.html', '/admin', '/main.js']) {
      const res = await httpGet(path);
      expect(res.status, path).toBe(401);
      expect(res.body).not.toContain('<html');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    // Any Origin it likes, a guessed or forged cookie, a token in the URL like the old host took.
    const refused = [
      await connect(host.wsUrl, host.origin),
      await connect(host.wsUrl, host.origin, `${host.sessionCookieName}=${'A'.repeat(cookieSecret.length)}`),
      await connect(`${host.wsUrl}?token=${cookieSecret}`, host.origin),
      await connect(host.wsUrl, undefined, screen.cookie),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403]);
    // A launch link it made up gets nothing either.
    const guessed = await httpGet(`/?launch=${'B'.repeat(43)}`);
    expect(guessed.status).toBe(403);
    expect(guessed.headers['set-cookie']).toBeUndefined();

    fixture.emit({ type: 'language', language: 'en' });
    expect(await screen.next()).toEqual({ kind: 'event', event: { type: 'language', language: 'en' } });
    expect(fixture.calls).toEqual([]);
    expect(host.connectedClients()).toBe(1);
    screen.ws.close();
  });

  it('cannot reuse a launch URL the screen already opened', async () => {
    const url = new URL(host.issueLaunchUrl());
    const first = await httpGet(url.pathname + url.search);
    expect(first.status).toBe(303);
    const setCookie = String((first.headers['set-cookie'] as string[])[0]);
    expect(setCookie).toMatch(new RegExp(`^${host.sessionCookieName}=[\\w-]{43}; Path=/; HttpOnly; SameSite=Strict$`));
    const again = await httpGet(url.pathname + url.search);
    expect(again.status).toBe(403);
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(logLines).toContain('refused a launch link: unknown or already used');
  });
});

describe('browser host: screens', () => {
  it('keeps one session (a newer launch evicts the older screen) and one connection per session', async () => {
    const first = await openClient();
    const firstClosed = closeCode(first.ws);
    const second = await openClient();
    expect(await firstClosed).toBe(4001);
    expect(host.sessionCount()).toBe(1);
    expect((await httpGet('/', { cookie: first.cookie })).status).toBe(401);
    expect((await connect(host.wsUrl, host.origin, first.cookie)).status).toBe(403);

    // The same screen reconnecting (a reload) replaces its own older connection.
    const secondClosed = closeCode(second.ws);
    const reload = await openClient(second.cookie);
    expect(await secondClosed).toBe(4002);
    expect(host.connectedClients()).toBe(1);
    reload.ws.close();
  });

  it('names the caller by a stable screen/session id, the same after a reconnect', async () => {
    const a = await openClient();
    a.ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'guardReview', params: { passageId: 'x', verdict: 'allow' } }));
    await a.next();
    const closed = closeCode(a.ws);
    a.ws.close();
    await closed;
    const b = await openClient(a.cookie);
    b.ws.send(JSON.stringify({ kind: 'call', id: 2, method: 'guardReview', params: { passageId: 'x', verdict: 'deny' } }));
    await b.next();
    const ids = fixture.calls.map((c) => c.clientId);
    expect(ids[0]).toMatch(/^screen-1\/session-[0-9a-f]{8}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[0]).not.toContain(a.cookie.split('=')[1]!.slice(0, 8));
    b.ws.close();
  });

  it('rate-limits calls per connection and answers the excess with BAD_REQUEST', async () => {
    await host.close();
    fakeNow = 1_000_000;
    host = await startBrowserHost({ service: fixture.service, rendererDir: join(dir, 'renderer'), callRate: { perSecond: 2, burst: 5 }, now: () => fakeNow });
    const { ws, next } = await openClient();
    for (let id = 1; id <= 8; id++) ws.send(JSON.stringify({ kind: 'call', id, method: 'submitScan', params: { text: `PHC1:${id}`, source: 'camera' } }));
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await next());
    const refused = answers.filter((a) => a.kind === 'result' && !a.result.ok);
    expect(refused).toHaveLength(3);
    expect(refused[0]).toMatchObject({ result: { reason: 'BAD_REQUEST', message: expect.stringMatching(/too many calls/) } });
    expect(fixture.calls).toHaveLength(5);
    fakeNow += 1000; // two more tokens
    for (let id = 9; id <= 11; id++) ws.send(JSON.stringify({ kind: 'call', id, method: 'submitScan', params: { text: `PHC1:${id}`, source: 'camera' } }));
    const later = [await next(), await next(), await next()];
    expect(later.filter((a) => a.kind === 'result' && a.result.ok)).toHaveLength(2);
    ws.close();
  });
});

describe('browser host: HTTP', () => {
  it('serves index.html to a launched screen unchanged, with a CSP and no-store', async () => {
    const res = await httpGet('/', { cookie: await launch() });
    expect(res.status).toBe(200);
    expect(res.body).toBe('<!doctype html><html><head><title>k</title></head><body></body></html>');
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(res.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('refuses a request naming another Host (DNS rebinding)', async () => {
    const cookie = await launch();
    const res = await httpGet('/', { Host: `evil.example:${host.port}`, cookie });
    expect(res.status).toBe(421);
    const url = new URL(host.issueLaunchUrl());
    const launchRes = await httpGet(url.pathname + url.search, { Host: `evil.example:${host.port}` });
    expect(launchRes.status).toBe(421);
    expect(launchRes.headers['set-cookie']).toBeUndefined();
  });

  it('never serves a file outside the renderer directory', async () => {
    const cookie = await launch();
    const res = await httpGet('/../secret.txt', { cookie });
    expect(res.body).not.toContain('outside');
    const encoded = await httpGet('/%2e%2e/secret.txt', { cookie });
    expect(encoded.status).toBe(404);
  });

  it('listens on loopback only', async () => {
    // Asked of the network, not of the URL: a TCP connection to the port reaches it on 127.0.0.1 and
    // nowhere else: not on another loopback address (a wildcard bind would answer there), not on ::1,
    // not on this machine's own non-loopback addresses.
    expect(await tcpConnect('127.0.0.1', host.port)).toBe('connected');
    const elsewhere = ['127.0.0.2', '::1', ...Object.values(networkInterfaces()).flat().filter((i) => i && !i.internal).map((i) => i!.address)];
    for (const address of elsewhere) expect(await tcpConnect(address, host.port), address).not.toBe('connected');
  });
});

describe('browser host: WebSocket admission', () => {
  it('refuses a wrong Origin even with the screen cookie', async () => {
    const cookie = await launch();
    expect((await connect(host.wsUrl, 'http://evil.example', cookie)).status).toBe(403);
    expect((await connect(host.wsUrl, `http://localhost:${host.port}`, cookie)).status).toBe(403);
  });

  it('refuses a missing Origin', async () => {
    expect((await connect(host.wsUrl, undefined, await launch())).status).toBe(403);
  });

  it('refuses another path', async () => {
    expect((await connect(`ws://127.0.0.1:${host.port}/other`, host.origin, await launch())).status).toBe(400);
  });

  it('accepts our origin with the screen cookie', async () => {
    const { ws } = await openClient();
    expect(host.connectedClients()).toBe(1);
    ws.close();
  });
});

describe('browser host: calls', () => {
  it('answers a valid call and passes the text untouched (spaces kept)', async () => {
    const { ws, next } = await openClient();
    const text = 'PHC1: 6BF OA0 $ ';
    ws.send(JSON.stringify({ kind: 'call', id: 7, method: 'submitScan', params: { text, source: 'camera' } }));
    expect(await next()).toEqual({ kind: 'result', id: 7, result: { ok: true, value: { passageId: 'p-1', duplicate: false } } });
    expect(fixture.calls).toEqual([{ method: 'submitScan', request: { text, source: 'camera' }, clientId: expect.stringMatching(/^screen-1\//) }]);
    ws.close();
  });

  it('answers BAD_REQUEST for invalid params, unknown methods, malformed frames, and never calls core', async () => {
    const { ws, next } = await openClient();
    ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'submitScan', params: { text: '', source: 'camera' } }));
    const r1 = await next();
    expect(r1).toMatchObject({ kind: 'result', id: 1, result: { ok: false, reason: 'BAD_REQUEST' } });
    ws.send(JSON.stringify({ kind: 'call', id: 2, method: 'submitScan', params: { text: 'x', source: 'camera', extra: 1 } }));
    expect(await next()).toMatchObject({ id: 2, result: { ok: false, reason: 'BAD_REQUEST' } });
    ws.send(JSON.stringify({ kind: 'call', id: 3, method: 'dropDatabase', params: {} }));
    expect(await next()).toMatchObject({ id: 3, result: { ok: false, reason: 'BAD_REQUEST' } });
    ws.send(JSON.stringify({ kind: 'call', id: 4, method: '__proto__', params: {} }));
    expect(await next()).toMatchObject({ id: 4, result: { ok: false, reason: 'BAD_REQUEST' } });
    ws.send('{not json');
    expect(await next()).toMatchObject({ id: null, result: { ok: false, reason: 'BAD_REQUEST' } });
    ws.send(JSON.stringify({ kind: 'call', id: 5 }));
    expect(await next()).toMatchObject({ id: 5, result: { ok: false, reason: 'BAD_REQUEST' } });
    ws.send(Buffer.from([1, 2, 3]));
    expect(await next()).toMatchObject({ id: null, result: { ok: false, reason: 'BAD_REQUEST' } });
    ws.send(JSON.stringify({ kind: 'call', id: 6, method: 'submitScan', params: { text: 'x'.repeat(9000), source: 'camera' } }));
    expect(await next()).toMatchObject({ id: 6, result: { ok: false, reason: 'BAD_REQUEST' } });
    expect(fixture.calls).toEqual([]);
    ws.close();
  });

  it('turns a throwing service into INTERNAL and keeps serving', async () => {
    const { ws, next } = await openClient();
    ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'getTodayFigures', params: { session: 'S'.repeat(32) } }));
    expect(await next()).toMatchObject({ id: 1, result: { ok: false, reason: 'INTERNAL' } });
    ws.send(JSON.stringify({ kind: 'call', id: 2, method: 'guardReview', params: { passageId: 'x', verdict: 'allow' } }));
    expect(await next()).toMatchObject({ id: 2, result: { ok: false, reason: 'BAD_REQUEST', message: 'no such passage' } });
    ws.close();
  });

  it('strips fields the contract does not name from answers', async () => {
    const { ws, next } = await openClient();
    ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'setLanguage', params: { language: 'en' } }));
    expect(await next()).toEqual({ kind: 'result', id: 1, result: { ok: true, value: { language: 'en' } } });
    ws.close();
  });

  it('closes a connection sending a frame over the size limit', async () => {
    const { ws } = await openClient();
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.send('x'.repeat(70 * 1024));
    expect(await closed).toBe(1009);
  });
});

describe('browser host: events', () => {
  it('sends a heartbeat as the first message of a connection, before any event', async () => {
    const screen = await openClient();
    fixture.emit({ type: 'language', language: 'en' });
    expect(await screen.next()).toEqual({ kind: 'event', event: { type: 'language', language: 'en' } });
    // The recorder listened from the socket's creation, so the first frame is in `all` however the
    // upgrade's answer and that frame were split into reads.
    expect(screen.received.all[0]).toMatchObject({ kind: 'event', event: { type: 'heartbeat', at: expect.any(Number) } });
    expect(screen.received.all.slice(1)).toContainEqual({ kind: 'event', event: { type: 'language', language: 'en' } });
    screen.ws.close();
  });

  it('pushes valid events to every screen and drops invalid ones', async () => {
    await host.close();
    host = await startBrowserHost({ service: fixture.service, rendererDir: join(dir, 'renderer'), maxScreens: 2 });
    const a = await openClient();
    const b = await openClient();
    fixture.emit({ type: 'passage', passage: { ...IDLE_PASSAGE, passageId: 'p-9', state: 'collecting', at: 1 } });
    fixture.emit({ type: 'language', language: 'fr' } as unknown as KioskEvent);
    fixture.emit({ type: 'language', language: 'en' });
    for (const c of [a, b]) {
      expect(await c.next()).toMatchObject({ kind: 'event', event: { type: 'passage', passage: { passageId: 'p-9' } } });
      expect(await c.next()).toEqual({ kind: 'event', event: { type: 'language', language: 'en' } });
      c.ws.close();
    }
  });

  it('unsubscribes from the service when closed', async () => {
    expect(fixture.listeners.size).toBe(1);
    await host.close();
    expect(fixture.listeners.size).toBe(0);
    host = await startBrowserHost({ service: fixture.service, rendererDir: join(dir, 'renderer') });
  });
});
