// Picks the transport for this page: the Electron preload's verbs if the preload exposed them,
// else the browser host's WebSocket with the per-start token from the page's meta tag.
import type { KioskClient } from '../contract/api.js';
import { BRIDGE_GLOBAL } from '../contract/ipc.js';
import { TOKEN_META_NAME, WS_PATH } from '../contract/wire.js';
import { createBridgeClient, createWebSocketClient, type ConnectedClient } from './client.js';

export function createClient(): ConnectedClient {
  const bridge = (globalThis as Record<string, unknown>)[BRIDGE_GLOBAL] as KioskClient | undefined;
  if (bridge && typeof bridge.onEvent === 'function') return createBridgeClient(bridge);
  const token = document.querySelector<HTMLMetaElement>(`meta[name="${TOKEN_META_NAME}"]`)?.content ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return createWebSocketClient({ url: `${scheme}://${location.host}${WS_PATH}?token=${encodeURIComponent(token)}` });
}

