// Electron IPC channel names for the contract: one invoke channel per method, one event channel.
// Shared by src/main (ipcMain.handle) and src/preload (the verbs it exposes).
import { METHOD_NAME_LIST, type MethodNameFromList as MethodName } from './method-names.js';

export const IPC_EVENT_CHANNEL = 'kiosk:event';

export function ipcChannel(method: MethodName): string {
  return `kiosk:call:${method}`;
}

export const IPC_CHANNELS: readonly string[] = METHOD_NAME_LIST.map(ipcChannel);

/** The name the preload exposes the verbs under: `window.kioskBridge`. */
export const BRIDGE_GLOBAL = 'kioskBridge';
