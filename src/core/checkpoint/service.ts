// The kiosk service: core's implementation of the contract's `KioskService` (src/contract/api.ts),
// which both hosts expose unchanged. It feeds every input into the one passage flow — camera text
// from the renderer, serial scanner text, ID cards and temperatures from the device hub — and turns
// what core knows (passage, devices, lists, storage, uploads, clock) into contract views and events.
// Nothing here imports a host, Electron or native-bridge: devices arrive as core's DeviceHub.
import {
  DEFAULT_CAMERA_CONFIG,
  DEFAULT_LANGUAGE,
  fail,
  ok,
  type CameraConfig,
  type Connectivity,
  type DeviceHealth as ContractDeviceHealth,
  type KioskEvent,
  type KioskService,
  type KioskStatus,
  type Language,
  type ListStatus,
  type StorageStatus,
  type TodayFigures,
} from '../../contract/api.js';
import type { Reason } from '../../contract/reasons.js';
import type { ListCache, ListState } from '../codes/list-cache.js';
import type { KioskConfig } from '../config/config.js';
import type { DeviceEvent, DeviceHealth, DeviceHub } from '../devices/types.js';
import { resolvePolicy, type VenuePolicy } from '../policy/policy.js';
import type { EntryStore } from '../store/entry-store.js';
import { AdminPinGate, consolePinsOf, guardPinGate, guardsOf } from './admin-pin.js';
import { systemClock, type Clock } from './clock.js';
import { resolveCheckpointSettings, type CheckpointSettings } from './config.js';
import type { DscListCache } from '../codes/dcc/dsc-list.js';
import { PassageFlow, type PassageStore } from './passage.js';
import { startStatusTick, type StatusTick, type StatusTickOptions } from './status-tick.js';
import { AdminSessions } from '../admin/sessions.js';
import type { AdminDeps, ListSyncControl, RetentionControl } from '../admin/deps.js';
import { statisticsMethods } from '../admin/statistics-methods.js';
import { policyMethods } from '../admin/policy-methods.js';
import { trustMethods } from '../admin/trust-methods.js';
import { trustSetupMethods } from '../admin/trust-setup-methods.js';
import { retentionMethods } from '../admin/retention-methods.js';
import { exportJobs, type ExportHostSide } from '../admin/export-methods.js';
import { auditMethods } from '../admin/audit-methods.js';
import { auditConfigChange, configMethods } from '../admin/config-methods.js';
import { cloneMethods } from '../admin/clone-methods.js';
import { uploadSetupMethods } from '../admin/upload-setup-methods.js';
import { deviceMethods } from '../admin/device-methods.js';
import { LiveConfig, watchConfigFile } from '../config/live.js';

/** What the service needs to show upload progress; the composition adapts core/upload's Uploader. */
export interface UploadMonitor {
  connectivity(): Connectivity;
  /** A new entry is waiting: send soon. */
  nudge(): void;
  onChange(listener: () => void): () => void;
}

/** What the service needs of the entry log (EntryStore, or UnavailableStore when it cannot be opened). */
export type ServiceStore = PassageStore & Pick<EntryStore, 'storageState' | 'lastEntries' | 'countsToday' | 'audit' | 'auditOf' | 'purgePlan' | 'auditPage' | 'statistics'>;

export interface CheckpointServiceOptions {
  config: KioskConfig;
  store: ServiceStore;
  lists: ListCache;
  /** The signed DSC list for EU DCC `HC1:` codes (docs/dcc-trust.md); absent or null: none, every HC1 code is refused. */
  dscList?: DscListCache | null;
  /** Card reader, thermometer, scanner and gate; null when none are configured (camera only). */
  devices: DeviceHub | null;
  /** The devices are simulators (the demo): the status bar marks them. */
  simulatedDevices?: boolean;
  demo?: boolean;
  camera?: Partial<CameraConfig>;
  language?: Language;
  clock?: Clock;
  version?: string;
  uploads?: UploadMonitor | null;
  /** How often core looks for status that changes with time alone (list freshness, clock, storage, devices). */
  statusTick?: StatusTickOptions;
  /** config.json is invalid and `config` is the last good configuration: reported in the status. */
  configProblem?: { paths: string[]; message: string } | null;
  /** Cached lists not used at start (src/core/codes/list-cache.ts): reported in the status for the guard screen. */
  listProblems?: NonNullable<KioskStatus['listProblems']> | null;
  /**
   * The data directory whose config.json the settings screen saves to; with `watch`, changes made to
   * the file outside the kiosk (`kiosk admin set-pin`, a hand edit) are reloaded without a restart.
   */
  configFile?: { dataDir: string; watch?: boolean } | null;
  /** The scheduled retention purge (the retention screen shows it and runs it now); null without an entry log. */
  retention?: RetentionControl | null;
  /** The entry log the admin console may export (src/core/admin/export-methods.ts); null or absent: none. */
  exportsFrom?: { dataDir: string } | null;
  /** The uploader's list sync, for the integrator's "sync now" (docs/integrator-setup.md "Trust"); null or absent: no collector. */
  listSync?: ListSyncControl | null;
  log: (line: string) => void;
}

export interface CheckpointService {
  service: KioskService;
  flow: PassageFlow;
  /** The passage windows and venue rules in force now (a save replaces them: see liveConfig). */
  readonly settings: CheckpointSettings;
  readonly policy: VenuePolicy;
  /** The configuration in force; parts that take changes without a restart register here (app/compose.ts). */
  liveConfig: LiveConfig;
  /** The export jobs' host side: the browser host's one-time download, Electron's save dialog. */
  exports: ExportHostSide;
  close(): void;
}

const KIND: Record<DeviceHealth['device'], ContractDeviceHealth['kind']> = {
  idcard: 'cardReader',
  thermometer: 'thermometer',
  scanner: 'scanner',
  gate: 'gate',
};

function listStatus(state: ListState | null): ListStatus {
  if (!state) return { state: 'missing', seq: null, issuedAt: null, nextUpdateAt: null };
  return {
    state: state.expired ? 'expired' : state.stale ? 'stale' : 'fresh',
    seq: state.seq,
    issuedAt: state.issued * 1000,
    nextUpdateAt: state.nextUpdate * 1000,
  };
}

function localDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * A device as the screen shows it: `offline` whenever it cannot be used (port missing or busy, or no
 * valid frame within its period), with the reason and plain-words detail; `degraded` while it
 * answers but has only produced errors so far.
 */
function contractHealth(h: DeviceHealth, simulated: boolean): ContractDeviceHealth {
  const state = !h.configured ? 'absent' : h.fault !== null || !h.connected ? 'offline' : h.lastError && h.lastGoodFrameAt === null ? 'degraded' : 'ok';
  const reason = state === 'ok' || state === 'absent' ? null : (h.fault ?? h.lastError ?? 'PORT_UNAVAILABLE');
  const detail = state === 'offline' || state === 'degraded' ? (h.detail ?? h.port) : h.port;
  return { id: h.device, kind: KIND[h.device], state, reason, detail: detail ? detail.slice(0, 200) : null, simulated };
}

/**
 * Text from a screen made safe for a log line: control characters (C0, DEL, C1), line and paragraph
 * separators and bidirectional overrides become `?`, so it cannot end the line, start a forged one,
 * drive a terminal or reorder what a reader sees.
 */
export function printableForLog(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
}

/** A clock set back by more than this past the newest time seen is reported (expired codes would pass). */
const CLOCK_BACKWARDS_TOLERANCE_MS = 5 * 60_000;

export function createCheckpointService(options: CheckpointServiceOptions): CheckpointService {
  const { config, store, lists, devices, log } = options;
  const clock = options.clock ?? systemClock;
  let policy = resolvePolicy(config.policy);
  let settings = resolveCheckpointSettings(config.checkpoint);
  const liveConfig = new LiveConfig({ config, problem: options.configProblem ?? null, log });
  const listeners = new Set<(event: KioskEvent) => void>();
  // Set once the sources it reads exist (below); an event pushed before then has nothing to update.
  let statusTick: StatusTick | null = null;
  const emit = (event: KioskEvent) => {
    statusTick?.noteEmitted(event);
    for (const l of [...listeners]) {
      try {
        l(event);
      } catch {
        // One screen's failure must not stop the others or the passage.
      }
    }
  };
  let language: Language = options.language ?? config.language ?? DEFAULT_LANGUAGE;
  // Keys left out of config.json `camera` keep the built-in defaults (an undefined must not overwrite one).
  const cameraFromConfig = Object.fromEntries(Object.entries(config.camera).filter(([, v]) => v !== undefined)) as Partial<CameraConfig>;
  const cameraOf = (settings: KioskConfig['camera']): CameraConfig => {
    const fromConfig = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Partial<CameraConfig>;
    return { ...DEFAULT_CAMERA_CONFIG, ...fromConfig, ...options.camera };
  };
  let camera: CameraConfig = { ...DEFAULT_CAMERA_CONFIG, ...cameraFromConfig, ...options.camera };
  let cameraHealth: ContractDeviceHealth = {
    id: 'camera',
    kind: 'camera',
    state: camera.enabled ? 'offline' : 'absent',
    reason: null,
    detail: camera.enabled ? 'waiting for the screen to open the camera' : 'disabled',
    simulated: false,
  };
  const initial = store.storageState();
  let storage: StorageStatus = { writable: initial.writable, reason: initial.reason === 'BAD_REQUEST' ? 'INTERNAL' : initial.reason };
  if (!initial.writable) log(`entry log not writable at start (${initial.reason}): nothing is admitted automatically`);
  // The newest time this kiosk has seen (its last entry, or now): a clock set back past it is shown.
  let newestSeenAt: number | null = store.lastEntries(1)[0]?.at ?? null;

  const thermometerHealth = () => devices?.health().find((h) => h.device === 'thermometer' && h.configured) ?? null;
  // A passage waits for a reading only from a thermometer that works: a faulty one (silent, wrong
  // protocol, port gone) is never waited for, and the door keeps deciding (docs/door-passage.md).
  const thermometerWorking = () => {
    const h = thermometerHealth();
    return h !== null && h.connected && h.fault === null;
  };

  const flow = new PassageFlow({
    store,
    lists,
    dscList: options.dscList ?? null,
    policy,
    settings,
    venueId: config.venueId,
    kioskId: config.kioskId,
    clock,
    temperatureExpected: thermometerWorking,
    // Fitted even when faulty: a passage decided without a reading then goes to a guard.
    thermometerFitted: () => thermometerHealth() !== null,
    pulseGate: () => (devices ? devices.pulseGate() : Promise.resolve({ ok: true, driver: 'none', relay: 0, ms: 0 })),
    onView: (passage) => {
      if (passage.state === 'shown' && passage.entryId !== null) options.uploads?.nudge();
      emit({ type: 'passage', passage });
    },
    onStorage: (s) => {
      storage = { writable: s.writable, reason: s.reason };
      emit({ type: 'storage', storage });
    },
    log,
  });

  const deviceHealth = (): ContractDeviceHealth[] => {
    const out: ContractDeviceHealth[] = [cameraHealth];
    for (const h of devices?.health() ?? []) out.push(contractHealth(h, options.simulatedDevices ?? false));
    out.push({
      id: 'storage',
      kind: 'storage',
      state: storage.writable ? 'ok' : 'offline',
      reason: storage.reason,
      detail: null,
      simulated: false,
    });
    return out;
  };

  const listProblemsView = () => (options.listProblems ?? []).filter((p) => (p.list === 'trust' ? lists.trustList : lists.statusList) === null);

  // The DSC list's chip, only where the venue accepts foreign credentials (docs/dcc-trust.md,
  // "Freshness"): judged as the trust list is (stale past nextUpdate, expired past
  // policy.maxTrustListAgeDays from `issued`), so the bar says what the door will do with an HC1 code.
  // One stat per look picks up a list `kiosk trust import-dsc` installed beside the running kiosk.
  const dscListStatus = (now: number): ListStatus | null => {
    if (!policy.dccAccept) return null;
    options.dscList?.refreshIfChanged();
    const l = options.dscList?.list ?? null;
    if (!l) return { state: 'missing', seq: null, issuedAt: null, nextUpdateAt: null };
    const state = now - l.issued > policy.maxTrustListAgeDays * 86400 ? 'expired' : now > l.nextUpdate ? 'stale' : 'fresh';
    return { state, seq: l.seq, issuedAt: l.issued * 1000, nextUpdateAt: l.nextUpdate * 1000 };
  };

  const listsStatus = () => {
    const now = Math.floor(clock.now() / 1000);
    const state = lists.state(now, policy);
    const dscList = dscListStatus(now);
    return { trustList: listStatus(state.trust), statusList: listStatus(state.status), ...(dscList ? { dscList } : {}) };
  };

  const clockStatus = () => {
    const now = clock.now();
    const warning = newestSeenAt !== null && now < newestSeenAt - CLOCK_BACKWARDS_TOLERANCE_MS;
    if (!warning && (newestSeenAt === null || now > newestSeenAt)) newestSeenAt = now;
    return { warning, now, newestSeenAt };
  };

  const connectivity = (): Connectivity => options.uploads?.connectivity() ?? { online: false, uploadsPending: 0, lastUploadAt: null };

  const loggedHealth = new Map<string, string>();
  // Devices already faulty when the kiosk starts (a missing port raises no event of its own) are
  // logged once now; later changes are logged as they come.
  for (const h of devices?.health() ?? []) {
    if (!h.configured || h.fault === null) continue;
    const shown = contractHealth(h, options.simulatedDevices ?? false);
    loggedHealth.set(shown.id, `${shown.state}:${shown.reason ?? ''}`);
    log(`device ${shown.id} ${shown.state} (${shown.reason}): ${shown.detail ?? ''}`);
  }
  const offDevices =
    devices?.onEvent((event: DeviceEvent) => {
      switch (event.type) {
        case 'card-presented':
          void flow
            .presentCard({ idNumber: event.card.idNumber, name: event.card.name || event.card.nameEn || '', docType: event.card.docType })
            .catch(() => undefined);
          break;
        case 'card-rejected':
          log(`card rejected by the reader (${event.reason})`);
          break;
        case 'temperature':
          // Devices spec §2: an out-of-range reading is not a temperature. It, or the sensor no longer
          // answering, means the last reading is no longer confirmed: it is dropped, never handed on.
          if (event.reading.valid) void flow.presentTemperature(event.reading.celsius).catch(() => undefined);
          else void flow.temperatureGone().catch(() => undefined);
          break;
        case 'scanner-text':
          // The serial scanner and the camera feed the same path (architecture, one passage).
          if (event.text.length > 0) void flow.presentCode(event.text, 'scanner').catch(() => undefined);
          break;
        case 'health': {
          const shown = contractHealth(event.health, options.simulatedDevices ?? false);
          const key = `${shown.state}:${shown.reason ?? ''}`;
          if (loggedHealth.get(shown.id) !== key) {
            // Only changes are logged (a noisy line must not flood the log); ports and frame facts only.
            if (loggedHealth.has(shown.id) || shown.state !== 'ok') {
              log(`device ${shown.id} ${shown.state}${shown.reason ? ` (${shown.reason})` : ''}${shown.state !== 'ok' && shown.detail ? `: ${shown.detail}` : ''}`);
            }
            loggedHealth.set(shown.id, key);
          }
          if (event.health.device === 'thermometer') {
            if (event.health.fault !== null) void flow.temperatureGone().catch(() => undefined);
            // A passage waiting only for a thermometer that just failed is decided now.
            void flow.devicesChanged().catch(() => undefined);
          }
          emit({ type: 'devices', devices: deviceHealth() });
          break;
        }
        case 'card-removed':
          break;
      }
    }) ?? (() => {});
  const offUploads =
    options.uploads?.onChange(() => {
      emit({ type: 'connectivity', connectivity: connectivity() });
      // A list sync may have installed newer lists: the status bar shows their freshness.
      emit({ type: 'lists', ...listsStatus() });
    }) ?? (() => {});

  // Freshness, storage and devices change with time alone: an offline kiosk's bar must still turn stale.
  statusTick = startStatusTick(
    clock,
    {
      lists: listsStatus,
      clock: clockStatus,
      storage: () => {
        const s = store.storageState();
        if (s.writable !== storage.writable) storage = { writable: s.writable, reason: s.reason === 'BAD_REQUEST' ? 'INTERNAL' : s.reason };
        return storage;
      },
      devices: deviceHealth,
      connectivity,
    },
    emit,
    options.statusTick,
  );

  // Bounded to the contract's limits: a file with many mistakes still gives a valid status.
  const configProblemView = () => {
    const p = liveConfig.problem;
    return p && p.paths.length > 0 ? { paths: p.paths.slice(0, 16).map((x) => x.slice(0, 200)), message: p.message.slice(0, 1000) } : null;
  };
  let pinGate = new AdminPinGate(consolePinsOf(config), clock, store);
  let guardGate = guardPinGate(guardsOf(config), clock, store);
  // Admin methods check the session here in core, never in the screen (docs/security.md, "Admin sessions").
  const sessions = new AdminSessions({
    clock,
    pinGate,
    trail: store,
    idleMs: config.admin.sessionIdleSeconds * 1000,
    onEnd: (_clientId, why) => emit({ type: 'adminSession', open: false, why }),
  });
  const adminDeps: AdminDeps = {
    sessions,
    store,
    clock,
    // Read at each use: a saved configuration is the one in force from then on.
    get config() {
      return liveConfig.config;
    },
    emit,
    log,
    lists,
    dscList: options.dscList ?? null,
    listsStatus,
    clockStatus,
    listProblems: () => listProblemsView(),
    retention: options.retention ?? null,
    liveConfig,
    configDir: options.configFile?.dataDir ?? null,
    exportsFrom: options.exportsFrom ?? null,
    listSync: options.listSync ?? null,
    devices,
    simulatedDevices: options.simulatedDevices ?? false,
  };

  // What takes a new configuration without a restart (docs/security.md, "Configuration"); the
  // composition registers more (retention). Everything else is saved and applies after a restart.
  liveConfig.register({
    paths: ['policy', 'checkpoint'],
    apply(next) {
      policy = resolvePolicy(next.policy);
      settings = resolveCheckpointSettings(next.checkpoint);
      // Spec §4: the next passage is decided by the new rules (one being collected keeps its own).
      void flow.reconfigure({ policy, settings }).catch(() => undefined);
      // List freshness is judged by the policy's ages: the status bar follows at once.
      emit({ type: 'lists', ...listsStatus() });
    },
  });
  liveConfig.register({
    paths: ['language'],
    apply(next) {
      const wanted = next.language ?? DEFAULT_LANGUAGE;
      if (wanted === language) return;
      language = wanted;
      emit({ type: 'language', language });
    },
  });
  // The screen asks for its renderer configuration again on the `config` event.
  liveConfig.register({ paths: ['kioskName', 'venueName'], apply() {} });
  // Pinned roots (spec §2): the cached lists are verified again against the roots now pinned, as a
  // restart would (a list refused at start for want of its root is in use at once).
  liveConfig.register({
    paths: ['roots'],
    apply(next) {
      lists.setRoots(next.roots);
      lists.recheck();
      options.dscList?.setRoots(next.roots);
      options.dscList?.load();
      emit({ type: 'lists', ...listsStatus() });
    },
  });
  // The camera is the screen's: on the `config` event it reads the new setting and restarts its
  // capture (docs/integrator-setup.md, "Camera"); command-line flags still override the file.
  liveConfig.register({
    paths: ['camera'],
    apply(next) {
      camera = cameraOf(next.camera);
    },
  });
  liveConfig.register({
    paths: ['admin.sessionIdleSeconds', 'admin.pin', 'admin.integratorPin', 'guards'],
    apply(next) {
      pinGate = new AdminPinGate(consolePinsOf(next), clock, store);
      guardGate = guardPinGate(guardsOf(next), clock, store);
      sessions.reconfigure({ idleMs: next.admin.sessionIdleSeconds * 1000, pinGate });
    },
  });
  const offLiveConfig = liveConfig.onChange(() => emit({ type: 'config', revision: liveConfig.revision, configProblem: configProblemView() ?? undefined }));
  // config.json changed outside the kiosk: reloaded and applied, or reported (the red chip) and not.
  const configFile = options.configFile;
  const stopWatch =
    configFile?.watch === true
      ? watchConfigFile(
          configFile.dataDir,
          () => {
            const r = liveConfig.reload(configFile.dataDir);
            if (r.applied && r.applied.changed.length > 0) {
              try {
                auditConfigChange(adminDeps, 'config.json', r.applied.revision, r.applied.changed);
              } catch (err) {
                log(`config-changed (revision ${r.applied.revision}) not audited: ${(err as Error).name}`);
              }
            }
          },
          { log },
        )
      : () => {};

  const exports = exportJobs(adminDeps);
  const deviceSetup = deviceMethods(adminDeps);
  const service: KioskService = {
    ...exports.methods,
    ...trustMethods(adminDeps),
    ...retentionMethods(adminDeps),
    ...auditMethods(adminDeps),
    ...configMethods(adminDeps),
    ...cloneMethods(adminDeps),
    ...statisticsMethods(adminDeps),
    ...trustSetupMethods(adminDeps),
    ...deviceSetup.methods,
    ...policyMethods(adminDeps),
    ...uploadSetupMethods(adminDeps),
    async getStatus() {
      const status: KioskStatus = {
        kioskId: config.kioskId.slice(0, 64),
        version: options.version ?? '0.1.0',
        demo: options.demo ?? false,
        language,
        passage: flow.view(),
        devices: deviceHealth(),
        connectivity: connectivity(),
        ...listsStatus(),
        clock: clockStatus(),
        storage,
        cardOnlyAllowed: policy.cardOnlyAllowed,
        ...(configProblemView() ? { configProblem: configProblemView()! } : {}),
        // Until a list that the pinned roots verify is installed (then the problem is gone).
        ...(listProblemsView().length > 0 ? { listProblems: listProblemsView() } : {}),
      };
      return ok(status);
    },

    async submitScan(request) {
      const r = await flow.presentCode(request.text, request.source);
      if (!r.ok) return fail(r.reason, r.message);
      return ok(r.held ? { passageId: r.passageId, duplicate: r.duplicate, held: true } : { passageId: r.passageId, duplicate: r.duplicate });
    },

    async guardReview(request, context) {
      // Who decided (docs/security.md, "Guard identity"): the screen and its session, and with guards
      // configured the guard whose PIN it was: `G-017 via browser:screen-1/session-ab12cd34`.
      const screen = `${context.host}:${context.clientId}`.slice(0, 60);
      let guard = screen;
      if (guardGate.configured) {
        if (request.guardPin === undefined) return fail('UNAUTHORIZED', 'a guard PIN is required for a verdict');
        const who = guardGate.check(request.guardPin, { by: screen, what: `guard-review:${request.verdict}` });
        if (!who.ok) return fail(who.reason, who.message, who.retryInMs);
        guard = `${who.holder} via ${screen}`;
      }
      const r = await flow.guardReview(request.passageId, request.verdict, guard.slice(0, 100));
      return r.ok ? ok(r.view) : fail(r.reason, r.message);
    },

    async openAdminSession(request, context) {
      const opened = sessions.open(request.pin, context);
      if (!opened.ok) return fail(opened.reason, opened.message, opened.retryInMs);
      return ok({ session: opened.token, idleMs: opened.idleMs, role: opened.role });
    },

    async closeAdminSession(request, context) {
      sessions.close(request.session, context);
      return ok({});
    },

    async touchAdminSession(request, context) {
      const touched = sessions.touch(request.session, context);
      return touched.ok ? ok({ idleMs: touched.idleMs }) : fail(touched.reason, touched.message, touched.retryInMs);
    },

    async getTodayFigures(request, context) {
      // Aggregate counts only (no personal data), still inside an admin session, and audited.
      const held = sessions.require(request.session, context, 'today-figures');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      try {
        const now = clock.now();
        const counts = store.countsToday(new Date(now));
        const byReason = Object.entries(counts.byReason)
          .map(([reason, count]) => ({ reason: reason as Reason, count }))
          .filter((r) => r.count > 0)
          .sort((a, b) => b.count - a.count)
          .slice(0, 64);
        const figures: TodayFigures = {
          day: localDay(now),
          total: counts.total,
          admitted: counts.byDecision.admit,
          denied: counts.byDecision.deny,
          reviewed: counts.byDecision.review,
          byReason,
          uploadsPending: connectivity().uploadsPending,
        };
        return ok(figures);
      } catch (err) {
        return fail('STORAGE_UNAVAILABLE', `today's figures could not be read (${(err as Error).name})`);
      }
    },

    async setLanguage(request) {
      language = request.language;
      emit({ type: 'language', language });
      return ok({ language });
    },

    async getRendererConfig() {
      const kioskName = liveConfig.config.kioskName ?? config.kioskId;
      const venueName = liveConfig.config.venueName?.trim();
      return ok({ camera, language, sounds: true, kioskName: kioskName.slice(0, 64), ...(venueName ? { venueName: venueName.slice(0, 64) } : {}), guardPinRequired: guardGate.configured });
    },

    async reportCamera(request) {
      cameraHealth = {
        ...cameraHealth,
        state: request.state,
        detail: request.detail,
        reason: request.state === 'ok' || request.state === 'absent' ? null : 'DEVICE_UNAVAILABLE',
      };
      // The detail comes from the renderer: a newline or an escape in it must not forge log lines.
      log(`camera ${request.state}${request.detail ? ` (${printableForLog(request.detail)})` : ''}`);
      emit({ type: 'devices', devices: deviceHealth() });
      return ok({});
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    service,
    flow,
    get settings() {
      return settings;
    },
    get policy() {
      return policy;
    },
    liveConfig,
    exports: exports.host,
    close() {
      exports.close();
      deviceSetup.close();
      stopWatch();
      offLiveConfig();
      offDevices();
      offUploads();
      statusTick?.stop();
      sessions.dispose();
      flow.close();
      listeners.clear();
    },
  };
}
