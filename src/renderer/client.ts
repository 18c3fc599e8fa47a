// The renderer's one way to talk to the core, with two implementations behind one interface:
// the Electron preload's verbs (window.kioskBridge) when present, else the browser host's WebSocket.
// Screens never know which host they run in. No DOM here (connect.ts picks the transport), so the
// client is tested in Node against the real browser host.
import {
  METHOD_NAMES,
  fail,
  type KioskClient,
  type KioskEvent,
  type MethodName,
  type MethodRequest,
  type MethodResponse,
  type Result,
} from '../contract/api.js';
import { WireFromHostSchema, type WireCall } from '../contract/wire.js';

export interface ConnectedClient extends KioskClient {
  /** Called with true on every (re)connection, false on loss; a screen refetches its status on true. */
  onConnection(listener: (connected: boolean) => void): () => void;
  /** Stops reconnecting and closes the transport (tests, page unload). */
  close(): void;
  readonly transport: 'electron' | 'websocket';
}

type Pending = { resolve: (r: Result<unknown>) => void; timer: ReturnType<typeof setTimeout> };

/** How long a call may wait for its answer before the screen gives up on it (core answers in ms). */
const CALL_TIMEOUT_MS = 10_000;

export function createWebSocketClient(options: { url: string; WebSocketImpl?: typeof WebSocket }): ConnectedClient {
  const Impl = options.WebSocketImpl ?? WebSocket;
  const eventListeners = new Set<(e: KioskEvent) => void>();
  const connectionListeners = new Set<(c: boolean) => void>();
  const pending = new Map<number, Pending>();
  let socket: WebSocket | null = null;
  let connected = false;
  let nextId = 1;
  let retryMs = 250;
  let closed = false;

  function setConnected(value: boolean) {
    if (connected === value) return;
    connected = value;
    connectionListeners.forEach((l) => l(value));
  }

  function open() {
    if (closed) return;
    const ws = new Impl(options.url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      setConnected(true);
    };
    ws.onmessage = (message: MessageEvent) => {
      let parsed;
      try {
        parsed = WireFromHostSchema.safeParse(JSON.parse(String(message.data)));
      } catch {
        return;
      }
      if (!parsed.success) return;
      const msg = parsed.data;
      if (msg.kind === 'event') {
        eventListeners.forEach((l) => l(msg.event));
      } else if (msg.id !== null) {
        const p = pending.get(msg.id);
        if (p) {
          pending.delete(msg.id);
          clearTimeout(p.timer);
          p.resolve(msg.result as Result<unknown>);
        }
      }
    };
    ws.onclose = () => {
      socket = null;
      setConnected(false);
      for (const [id, p] of pending) {
        clearTimeout(p.timer);
        p.resolve(fail('DEVICE_UNAVAILABLE', 'connection to the kiosk core lost'));
        pending.delete(id);
      }
      // Reconnect with a capped backoff: the core may be restarting; the screen must come back alone.
      if (closed) return;
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
    ws.onerror = () => ws.close();
  }

  function call(method: MethodName, params: unknown): Promise<Result<unknown>> {
    if (!socket || !connected) return Promise.resolve(fail('DEVICE_UNAVAILABLE', 'not connected to the kiosk core'));
    const id = nextId++;
    const message: WireCall = { kind: 'call', id, method, params };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(fail('DEVICE_UNAVAILABLE', `${method}: no answer from the kiosk core`));
      }, CALL_TIMEOUT_MS);
      pending.set(id, { resolve, timer });
      socket!.send(JSON.stringify(message));
    });
  }

  open();
  const client = {
    transport: 'websocket' as const,
    close() {
      closed = true;
      socket?.close();
    },
    onEvent(listener: (e: KioskEvent) => void) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnection(listener: (c: boolean) => void) {
      connectionListeners.add(listener);
      if (connected) listener(true);
      return () => connectionListeners.delete(listener);
    },
  } as Record<string, unknown>;
  for (const name of METHOD_NAMES) client[name] = (params: unknown) => call(name, params);
  return client as unknown as ConnectedClient;
}

/** Wraps the preload's verbs; IPC has no connection to lose, so it reports connected at once. */
export function createBridgeClient(bridge: KioskClient): ConnectedClient {
  const client = {
    transport: 'electron' as const,
    close() {},
    onEvent: (listener: (e: KioskEvent) => void) => bridge.onEvent(listener),
    onConnection(listener: (c: boolean) => void) {
      listener(true);
      return () => {};
    },
  } as Record<string, unknown>;
  for (const name of METHOD_NAMES) client[name] = (params: unknown) => (bridge[name] as (p: unknown) => Promise<Result<unknown>>)(params);
  return client as unknown as ConnectedClient;
}

/** Typed call helper so screens read `call(client, 'getStatus', {})`. */
export function call<M extends MethodName>(client: KioskClient, method: M, request: MethodRequest<M>): Promise<Result<MethodResponse<M>>> {
  return (client[method] as (r: MethodRequest<M>) => Promise<Result<MethodResponse<M>>>)(request);
}
