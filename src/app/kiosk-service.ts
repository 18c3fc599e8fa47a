// THE PLUG POINT between the hosts and the core. Both hosts (`kiosk start` → browser host, and
// Electron main) get their KioskService from `createKioskService` and nothing else, so wiring the
// real composition (demo PKI, store, devices, checkpoint, upload) is a change to this one function.
//
// The composition lives in ./compose.ts (src/core/checkpoint's service + store + lists + devices).
import type { CameraConfig, KioskService, Language } from '../contract/api.js';
import { configPath } from '../core/config/config.js';
import type { ExportHostSide } from '../core/admin/export-methods.js';

export interface KioskServiceOptions {
  /** The kiosk data directory (already created, owner-only). */
  dataDir: string;
  /** Camera settings from the command line; they override the configuration file. */
  camera?: Partial<CameraConfig>;
  language?: Language;
  /** Operational log (no personal data). */
  log: (line: string) => void;
  /**
   * Make the embedded demo when the data directory holds no configuration (`kiosk start --demo`).
   * Without it a missing config.json is an error that says what to configure, never a demo.
   */
  demo?: boolean;
}

export interface KioskServiceHandle {
  service: KioskService;
  /** A line or two for the console after `kiosk ready` (e.g. the demo's pty paths and demo codes). */
  banner: string[];
  /** Stops devices, flushes and closes the store. */
  close(): Promise<void>;
  /** The embedded demo's console (`kiosk start` feeds it stdin lines): one command → one answer. */
  demoCommand?: ((line: string) => Promise<string>) | null;
  /** The admin console's export jobs, for the host to hand a finished file over (download or save dialog). */
  exports?: ExportHostSide | null;
}

export async function createKioskService(options: KioskServiceOptions): Promise<KioskServiceHandle> {
  // The real composition (./compose.ts): what config.json names, or the demo when asked for one
  // and the data directory holds no configuration. Imported lazily: hosts that only serve screens
  // (tests with a scripted service) never load SQLite or the device manager.
  const { composeKiosk } = await import('./compose.js');
  return composeKiosk(options);
}

/** config.json is missing and no demo was asked for; the message says what to configure. */
export class NotConfiguredError extends Error {
  constructor(readonly dataDir: string) {
    super(notConfiguredMessage(dataDir));
    this.name = 'NotConfiguredError';
  }
}

/** What a production start without configuration prints: the file, the keys it needs, and `--demo`. */
export function notConfiguredMessage(dataDir: string): string {
  return [
    `no configuration: ${configPath(dataDir)} does not exist.`,
    'Write it with at least `venueId`, `kioskId` and `roots` (the pinned national root keys, [{kid, pub}]),',
    'and `admin.pin` for the admin view (`kiosk admin set-pin < pin.txt`); `policy`, `devices`, `store`',
    'and `upload` are optional (README, "Configuration").',
    'To try the kiosk instead, start the embedded demo: `kiosk start --demo` (or `npm start`).',
  ].join('\n');
}
