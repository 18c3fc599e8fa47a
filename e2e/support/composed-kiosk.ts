// The real composed kiosk (src/app/compose.ts) behind the browser host, for end-to-end tests that
// need core itself (its store, sessions, config) and not a scripted double: each test writes the
// configuration it wants into the data directory, then core is composed on it with the logs kept in
// memory so a failing test can show them.
import { composeKiosk, type ComposedKiosk } from '../../src/app/compose.js';
import type { Clock } from '../../src/core/checkpoint/clock.js';
import { startTestKiosk, type TestKiosk } from './harness.js';

export interface ComposedTestKiosk {
  kiosk: TestKiosk;
  composed: ComposedKiosk;
  logs: string[];
}

/**
 * Starts the browser host on a composed kiosk. `dataDir` reuses a directory (a restart; else a fresh
 * temp one), `configure` writes the configuration into it before core reads it, `clock` injects
 * core's clock.
 */
export async function startComposedKiosk(options: { dataDir?: string; configure: (dataDir: string) => void; clock?: Clock }): Promise<ComposedTestKiosk> {
  let composed: ComposedKiosk | null = null;
  const logs: string[] = [];
  let kiosk: Awaited<ReturnType<typeof startTestKiosk>>;
  try {
    kiosk = await startTestKiosk({
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      serviceHandle: async (dataDir) => {
        options.configure(dataDir);
        composed = await composeKiosk({ dataDir, log: (line) => logs.push(line), ...(options.clock ? { clock: options.clock } : {}) });
        return composed;
      },
    });
  } catch (err) {
    // The host did not start (the renderer not built, a port taken): the composed kiosk is closed
    // here, as no test holds it, so its simulated devices' socat pairs do not outlive the run.
    await (composed as ComposedKiosk | null)?.close().catch(() => undefined);
    throw err;
  }
  if (!composed) throw new Error('composition did not run');
  return { kiosk, composed, logs };
}

/** Prints the kiosks' logs (core's and the host's) to stderr: after a failed test, so it can be read. */
export function printKioskLogs(running: readonly ComposedTestKiosk[]): void {
  for (const r of running) process.stderr.write(`kiosk log:\n  ${[...r.logs, ...r.kiosk.logLines].join('\n  ')}\n`);
}

/** Closes the kiosks newest first (a restarted kiosk before the one whose directory it reused). */
export async function closeKiosks(running: readonly ComposedTestKiosk[]): Promise<void> {
  for (const r of [...running].reverse()) await r.kiosk.close();
}
