// The renderer's WebSocket client (src/renderer/client.ts) against the real browser host: calls are
// answered, events arrive, and after the host restarts on the same port the client reconnects by itself.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startBrowserHost, type BrowserHost } from './server.js';
import { createWebSocketClient, call, type ConnectedClient } from '../renderer/client.js';
import { DEFAULT_CAMERA_CONFIG, IDLE_PASSAGE, fail, ok, type KioskEvent, type KioskService, type KioskStatus } from '../contract/api.js';
import { serviceWith } from '../contract/service-with.js';

let dir = '';
let host: BrowserHost | undefined;
afterEach(async () => {
  await host?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The ws package's WebSocket, sending our Origin and the screen's session cookie the way Chromium
 * would for our page (`screen.cookie` changes when the screen is launched anew).
 */
function wsImplFor(origin: string, screen: { cookie: string }): typeof globalThis.WebSocket {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { origin, headers: { cookie: screen.cookie } });
    }
  } as unknown as typeof globalThis.WebSocket;
}

/** Opens a one-time launch URL like the kiosk's Chromium and returns the cookie it earned. */
async function launchScreen(h: BrowserHost): Promise<string> {
  const res = await fetch(h.issueLaunchUrl(), { redirect: 'manual' });
  expect(res.status).toBe(303);
  return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
}

/** A service double answering like a kiosk whose store is unavailable; the host and client are real. */
function storeDownService(): KioskService {
  const listeners = new Set<(e: KioskEvent) => void>();
  let language: 'zh-CN' | 'en' = 'zh-CN';
  const missing = { state: 'missing' as const, seq: null, issuedAt: null, nextUpdateAt: null };
  const status = (): KioskStatus => ({
    kioskId: 'k', version: 't', demo: false, language, passage: IDLE_PASSAGE, devices: [],
    connectivity: { online: false, uploadsPending: 0, lastUploadAt: null }, trustList: missing, statusList: missing,
    clock: { warning: false, now: 1, newestSeenAt: null }, storage: { writable: false, reason: 'STORAGE_UNAVAILABLE' },
  });
  return serviceWith({
    getStatus: async () => ok(status()),
    submitScan: async () => fail('STORAGE_UNAVAILABLE', 'cannot log entries'),
    guardReview: async () => fail('BAD_REQUEST', 'no review'),
    getTodayFigures: async () => fail('STORAGE_UNAVAILABLE', 'cannot read entries'),
    setLanguage: async (req) => {
      language = req.language;
      listeners.forEach((l) => l({ type: 'language', language }));
      return ok({ language });
    },
    getRendererConfig: async () => ok({ camera: DEFAULT_CAMERA_CONFIG, language, sounds: true, kioskName: 'lane 1' }),
    reportCamera: async () => ok({}),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
}

function waitFor<T>(register: (resolve: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

describe('renderer WebSocket client ↔ browser host', () => {
  it('calls, receives events, and reconnects after the host restarts', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-client-'));
    mkdirSync(join(dir, 'r'));
    writeFileSync(join(dir, 'r', 'index.html'), '<html><head></head></html>');
    const service = storeDownService();
    host = await startBrowserHost({ service, rendererDir: join(dir, 'r') });
    const port = host.port;
    const screen = { cookie: await launchScreen(host) };
    const client: ConnectedClient = createWebSocketClient({ url: host.wsUrl, WebSocketImpl: wsImplFor(host.origin, screen) });
    await waitFor<void>((r) => client.onConnection((c) => c && r()));

    const status = await call(client, 'getStatus', {});
    expect(status.ok && status.value.storage).toEqual({ writable: false, reason: 'STORAGE_UNAVAILABLE' });
    const scan = await call(client, 'submitScan', { text: 'PHC1:X', source: 'camera' });
    expect(scan).toMatchObject({ ok: false, reason: 'STORAGE_UNAVAILABLE' });
    const bad = await call(client, 'setLanguage', { language: 'fr' } as never);
    expect(bad).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });

    const event = waitFor<KioskEvent>((r) => client.onEvent(r));
    await call(client, 'setLanguage', { language: 'en' });
    expect(await event).toEqual({ type: 'language', language: 'en' });

    // Restart the host on the same port: the screen comes back by itself once it is launched anew
    // (a restarted kiosk relaunches its window; sessions never outlive the host that made them).
    const lost = waitFor<void>((r) => client.onConnection((c) => !c && r()));
    await host.close();
    await lost;
    expect(await call(client, 'getStatus', {})).toMatchObject({ ok: false, reason: 'DEVICE_UNAVAILABLE' });
    const back = waitFor<void>((r) => client.onConnection((c) => c && r()));
    host = await startBrowserHost({ service, rendererDir: join(dir, 'r'), port });
    screen.cookie = await launchScreen(host);
    await back;
    expect((await call(client, 'getRendererConfig', {})).ok).toBe(true);
    client.close();
  });
});
