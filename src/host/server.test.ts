// The browser host against real WebSocket clients (the ws package) and real HTTP requests: what it
// refuses (wrong Origin, wrong Host, missing or wrong token, malformed or invalid calls) and what it
// serves (the page with the token, valid calls answered, events pushed).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import WebSocket from 'ws';
import { startBrowserHost, type BrowserHost } from './server.js';
import { IDLE_PASSAGE, fail, ok, type KioskEvent, type KioskService } from '../contract/api.js';
import { WS_PATH, type WireFromHost } from '../contract/wire.js';

/** A service double recording the calls it receives; the host under test is real. */
function recordingService() {
  const calls: { method: string; request: unknown }[] = [];
  const listeners = new Set<(e: KioskEvent) => void>();
  const service: KioskService = {
    async getStatus() {
      calls.push({ method: 'getStatus', request: {} });
      return fail('STORAGE_UNAVAILABLE', 'test double has no status');
    },
    async submitScan(req) {
      calls.push({ method: 'submitScan', request: req });
      return ok({ passageId: 'p-1', duplicate: false });
    },
    async guardReview(req) {
      calls.push({ method: 'guardReview', request: req });
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
  };
  return { service, calls, emit: (e: KioskEvent) => listeners.forEach((l) => l(e)), listeners };
}

let dir: string;
let host: BrowserHost;
let fixture: ReturnType<typeof recordingService>;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-host-'));
  mkdirSync(join(dir, 'renderer'));
  writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><html><head><title>k</title></head><body></body></html>');
  writeFileSync(join(dir, 'renderer', 'main.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'outside');
  fixture = recordingService();
  host = await startBrowserHost({ service: fixture.service, rendererDir: join(dir, 'renderer') });
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

/** Resolves with the HTTP status of a refused upgrade, or 101 when the connection opened. */
function connect(url: string, origin: string | undefined): Promise<{ status: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('open', () => resolve({ status: 101, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.on('error', () => resolve({ status: -1 }));
  });
}

async function openClient(): Promise<{ ws: WebSocket; next: () => Promise<WireFromHost> }> {
  const { status, ws } = await connect(host.wsUrl, host.origin);
  expect(status).toBe(101);
  const queue: WireFromHost[] = [];
  const waiters: ((m: WireFromHost) => void)[] = [];
  ws!.on('message', (data) => {
    const msg = JSON.parse(data.toString()) as WireFromHost;
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  return { ws: ws!, next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((r) => waiters.push(r))) };
}

describe('browser host: HTTP', () => {
  it('serves index.html with the token in a meta tag, a CSP and no-store', async () => {
    const res = await httpGet('/');
    expect(res.status).toBe(200);
    expect(res.body).toContain(`<meta name="kiosk-token" content="${host.token}">`);
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(res.headers['content-security-policy'])).not.toContain('unsafe-inline');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('refuses a request naming another Host (DNS rebinding)', async () => {
    const res = await httpGet('/', { Host: `evil.example:${host.port}` });
    expect(res.status).toBe(421);
    expect(res.body).not.toContain(host.token);
  });

  it('never serves a file outside the renderer directory', async () => {
    const res = await httpGet('/../secret.txt');
    expect(res.body).not.toContain('outside');
    const encoded = await httpGet('/%2e%2e/secret.txt');
    expect(encoded.status).toBe(404);
  });

  it('listens on loopback only', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });
});

describe('browser host: WebSocket admission', () => {
  it('refuses a wrong Origin even with the right token', async () => {
    expect((await connect(host.wsUrl, 'http://evil.example')).status).toBe(403);
    expect((await connect(host.wsUrl, `http://localhost:${host.port}`)).status).toBe(403);
  });

  it('refuses a missing Origin', async () => {
    expect((await connect(host.wsUrl, undefined)).status).toBe(403);
  });

  it('refuses a missing or wrong token from our own origin', async () => {
    const base = `ws://127.0.0.1:${host.port}${WS_PATH}`;
    expect((await connect(base, host.origin)).status).toBe(403);
    expect((await connect(`${base}?token=${'A'.repeat(host.token.length)}`, host.origin)).status).toBe(403);
    expect((await connect(`${base}?token=`, host.origin)).status).toBe(403);
  });

  it('refuses another path', async () => {
    expect((await connect(`ws://127.0.0.1:${host.port}/other?token=${host.token}`, host.origin)).status).toBe(400);
  });

  it('accepts our origin with the token', async () => {
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
    expect(fixture.calls).toEqual([{ method: 'submitScan', request: { text, source: 'camera' } }]);
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
    ws.send(JSON.stringify({ kind: 'call', id: 1, method: 'getTodayFigures', params: {} }));
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
  it('pushes valid events to every client and drops invalid ones', async () => {
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
