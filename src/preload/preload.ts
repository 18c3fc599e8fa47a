// Electron preload: exposes one verb per contract method plus an event subscription, and nothing
// else — never ipcRenderer itself, which would let the page send on any channel
// (VS Code's sandbox preload follows the same rule). Bundled as CommonJS for the sandbox.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { KioskEvent } from '../contract/api.js';
import { METHOD_NAME_LIST } from '../contract/method-names.js';
import { BRIDGE_GLOBAL, IPC_EVENT_CHANNEL, ipcChannel } from '../contract/ipc.js';

const verbs: Record<string, unknown> = {};
for (const method of METHOD_NAME_LIST) {
  const channel = ipcChannel(method);
  // Only the request object crosses: the channel is fixed here, not chosen by the page.
  verbs[method] = (request: unknown) => ipcRenderer.invoke(channel, request);
}
verbs.onEvent = (listener: (event: KioskEvent) => void) => {
  if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
  const wrapped = (_event: IpcRendererEvent, payload: KioskEvent) => listener(payload);
  ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  };
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, verbs);
