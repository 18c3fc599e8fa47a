// The hosts' heartbeat (contract: the `heartbeat` event): a timer in the process that runs the core,
// so a screen hears it stop when that process is stopped, hung or gone, even while its socket or IPC
// channel still looks open. Both hosts (browser host, Electron main) send it the same way.
import { HEARTBEAT_INTERVAL_MS, type KioskEvent } from '../contract/api.js';

/** Calls `send` with a heartbeat now and every `intervalMs`; returns the function that stops it. */
export function startHeartbeat(send: (event: KioskEvent) => void, intervalMs = HEARTBEAT_INTERVAL_MS, now: () => number = Date.now): () => void {
  const beat = () => send({ type: 'heartbeat', at: now() });
  beat();
  const timer = setInterval(beat, intervalMs);
  // The heartbeat alone must not keep a stopping process alive.
  timer.unref?.();
  return () => clearInterval(timer);
}
