// Picks the transport for this page: the Electron preload's verbs if the preload exposed them,
// else the browser host's WebSocket. The page holds no credential: the browser sends the screen's
// HttpOnly session cookie (set when the one-time launch URL was opened) with the upgrade itself.
import type { KioskClient } from '../contract/api.js';
import { BRIDGE_GLOBAL } from '../contract/ipc.js';
import { WS_PATH } from '../contract/wire.js';
import { createBridgeClient, createWebSocketClient, type ConnectedClient } from './client.js';

export function createClient(): ConnectedClient {
  const bridge = (globalThis as Record<string, unknown>)[BRIDGE_GLOBAL] as KioskClient | undefined;
  if (bridge && typeof bridge.onEvent === 'function') return createBridgeClient(bridge);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return createWebSocketClient({ url: `${scheme}://${location.host}${WS_PATH}` });
}
