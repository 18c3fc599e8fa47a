// What the admin console's methods in core need (docs/security.md, "Admin sessions"): built once in
// the kiosk service (src/core/checkpoint/service.ts) and handed to each method factory in this folder,
// so a new admin screen adds a file here and one line there.
import type { ClockStatus, FleetSyncOutcomeView, KioskEvent, KioskStatus, ListStatus } from '../../contract/api.js';
import type { KioskConfig } from '../config/config.js';
import type { ListCache } from '../codes/list-cache.js';
import type { DscListCache } from '../codes/dcc/dsc-list.js';
import type { Clock } from '../checkpoint/clock.js';
import type { ServiceStore } from '../checkpoint/service.js';
import type { PurgeSchedule } from '../store/purge.js';
import type { AdminSessions } from './sessions.js';
import type { LiveConfig } from '../config/live.js';
import type { ListSyncOutcome } from '../upload/list-sync.js';
import type { DeviceHub } from '../devices/types.js';

/** The retention purge as the running kiosk schedules it (src/app/compose.ts). */
export interface RetentionControl {
  schedule: PurgeSchedule;
  /** A collector is configured: only what it acknowledged may be purged. */
  uploading: boolean;
  /** The limits the scheduled purge reads at every run (core/upload/store-source.ts `purgeLimits`). */
  limits(): { uploadedThroughSeq: number | null; overridesUploadedThroughSeq: number | null };
}

export interface AdminDeps {
  sessions: AdminSessions;
  store: ServiceStore;
  clock: Clock;
  config: KioskConfig;
  emit(e: KioskEvent): void;
  log(line: string): void;
  /** The cached trust and status lists and the pinned roots they were checked against. */
  lists: ListCache;
  /** The signed DSC list for EU DCC codes (docs/dcc-trust.md); absent: none can be imported here. */
  dscList?: DscListCache | null;
  /** The lists' freshness exactly as the status bar gets it (same rule, same code). */
  listsStatus(): { trustList: ListStatus; statusList: ListStatus; dscList?: ListStatus };
  /** The clock warning exactly as the status bar gets it. */
  clockStatus(): ClockStatus;
  /** Cached lists refused at start, exactly as the status bar gets them (empty when none). */
  listProblems(): NonNullable<KioskStatus['listProblems']>;
  /** Null when there is no entry log to purge (it could not be opened). */
  retention: RetentionControl | null;
  /** The configuration in force, changed while the kiosk runs (`config` above reads it too). */
  liveConfig: LiveConfig;
  /** The data directory whose config.json a save writes; null when the kiosk has no file (tests). */
  configDir: string | null;
  /**
   * The uploader's list sync, for "sync now" on the integrator's trust screen; absent or unavailable
   * when no collector is configured (src/core/upload/service.ts syncListsNow).
   */
  listSync?: ListSyncControl | null;
  /** The entry log the admin may export (its data directory, for the export process); null when it could not be opened. */
  exportsFrom: { dataDir: string } | null;
  /** The card reader, thermometer, scanner and gate (the devices screen); null or absent: none. */
  devices?: DeviceHub | null;
  /** The devices are simulators (the demo). */
  simulatedDevices?: boolean;
}

/** "Sync now" (docs/integrator-setup.md "Trust"): the uploader's own list sync, as the composition hands it over. */
export interface ListSyncControl {
  /** A collector is configured. */
  available(): boolean;
  syncNow(): Promise<ListSyncOutcome[]>;
  /** What the last sync did (empty until one ran). */
  last(): ListSyncOutcome[];
  /** Fetches the signed fleet configuration now (docs/upload-protocol.md §12); absent when this kiosk fetches none. */
  fleetNow?(): Promise<FleetSyncOutcomeView>;
}
