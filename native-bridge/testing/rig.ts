// Test rig for the pty integration tests: a socat pair, the simulator on its device end, and a
// DeviceManager on its host end, with helpers that wait for events (generous timeouts, never a
// wall-clock assertion: the tests run on a loaded 2-core CI machine).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DevicesConfigInput } from '../../src/core/devices/config.js';
import type { DeviceEvent, DeviceHealth, DeviceKind } from '../../src/core/devices/types.js';
import { DeviceManager } from '../manager.js';
import { PtyPair } from '../serial/pty.js';

export const EVENT_TIMEOUT_MS = 15_000;

export interface Rig<S> {
  dir: string;
  pair: PtyPair;
  sim: S;
  manager: DeviceManager;
  events: DeviceEvent[];
  /** Resolves with the first event (seen from now on) that matches. */
  next<T extends DeviceEvent['type']>(type: T, match?: (e: Extract<DeviceEvent, { type: T }>) => boolean, timeoutMs?: number): Promise<Extract<DeviceEvent, { type: T }>>;
  health(): DeviceHealth;
  stop(): Promise<void>;
}

export async function startRig<S extends { start(): Promise<void>; stop(): Promise<void> }>(
  kind: DeviceKind,
  makeSim: (pair: PtyPair) => S,
  config: (hostPath: string) => DevicesConfigInput,
): Promise<Rig<S>> {
  const dir = mkdtempSync(join(tmpdir(), `kiosk-${kind}-`));
  const pair = new PtyPair(join(dir, 'host'), join(dir, 'dev'));
  await pair.start();
  const sim = makeSim(pair);
  await sim.start();
  // A short backoff cap keeps replug tests quick; the default (1 s) is what the kiosk uses.
  const manager = new DeviceManager(config(pair.hostPath), { maxBackoffMs: 500 });
  const events: DeviceEvent[] = [];
  const waiters = new Set<(e: DeviceEvent) => void>();
  manager.onEvent((e) => {
    events.push(e);
    for (const w of [...waiters]) w(e);
  });
  await manager.start();
  await manager.waitConnected(EVENT_TIMEOUT_MS);
  return {
    dir,
    pair,
    sim,
    manager,
    events,
    next(type, match, timeoutMs = EVENT_TIMEOUT_MS) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no ${type} event within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (e: DeviceEvent) => {
          if (e.type !== type) return;
          const typed = e as Extract<DeviceEvent, { type: typeof type }>;
          if (match && !match(typed)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(typed);
        };
        waiters.add(waiter);
      });
    },
    health: () => manager.health().find((h) => h.device === kind)!,
    async stop() {
      await manager.stop();
      await sim.stop();
      await pair.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function errorsOf(health: DeviceHealth, reason: keyof DeviceHealth['errors']): number {
  return health.errors[reason] ?? 0;
}

/** Polls until `check` holds (state that has no event of its own). */
export async function until(check: () => boolean, what: string, timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
