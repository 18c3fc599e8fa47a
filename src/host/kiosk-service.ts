// THE PLUG POINT between the hosts and the core. Both hosts (`kiosk start` → browser host, and
// Electron main) get their KioskService from `createKioskService` and nothing else, so wiring the
// real composition (demo PKI, store, devices, checkpoint, upload) is a change to this one function.
//
// The composition lives in ./compose.ts (src/core/checkpoint's service + store + lists + devices).
import type { CameraConfig, KioskService, Language } from '../contract/api.js';

export interface KioskServiceOptions {
  /** The kiosk data directory (already created, owner-only). */
  dataDir: string;
  /** Camera settings from the command line; they override the configuration file. */
  camera?: Partial<CameraConfig>;
  language?: Language;
  /** Operational log (no personal data). */
  log: (line: string) => void;
}

export interface KioskServiceHandle {
  service: KioskService;
  /** A line or two for the console after `kiosk ready` (e.g. the demo's pty paths and demo codes). */
  banner: string[];
  /** Stops devices, flushes and closes the store. */
  close(): Promise<void>;
  /** The embedded demo's console (`kiosk start` feeds it stdin lines): one command → one answer. */
  demoCommand?: ((line: string) => Promise<string>) | null;
}

export async function createKioskService(options: KioskServiceOptions): Promise<KioskServiceHandle> {
  // The real composition (./compose.ts): the demo when the data directory holds no configuration,
  // else what config.json names. Imported lazily: hosts that only serve screens (tests with a
  // scripted service) never load SQLite or the device manager.
  const { composeKiosk } = await import('./compose.js');
  return composeKiosk(options);
}
