// The running kiosk, composed: configuration, cached lists, the durable entry log, the devices and
// the passage flow behind the contract's KioskService. Both hosts get it through createKioskService
// (./kiosk-service.ts). It lives in app/ (the composition root, which only main, host and cli import) rather than core/ because it starts native-bridge's device
// manager and simulators, which core may not import (architecture.md, "Allowed imports").
//
// Asked for the demo (`kiosk start --demo`) on a data directory with no configuration, it makes and
// runs the embedded demo: a demo PKI made in the data
// directory (its root pinned, its trust and status lists installed), SQLite in the data directory,
// a simulated card reader, thermometer, scanner and gate on socat pty pairs, and demo codes written
// as PNG and text files so a new user can hold one up to the camera.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import type { CameraConfig, Language } from '../contract/api.js';
import { ListCache, type ListLoadProblem } from '../core/codes/list-cache.js';
import type { PinnedRoot } from '../core/codes/lists.js';
import { rootFingerprint } from '../core/admin/trust-methods.js';
import { issueDemoCode, makeDemoPki, writeDemoPki, type DemoPki } from '../core/codes/pki.js';
import { DscListCache } from '../core/codes/dcc/dsc-list.js';
import { loadDemoDscs, makeDemoDcc, saveDemoDscs, type DemoDcc } from '../core/codes/dcc/demo-dcc.js';
import { configPath, loadConfig, loadConfigForStart, rememberGoodConfig, saveConfig, type ConfigError, type KioskConfig, type KioskConfigInput } from '../core/config/config.js';
import { ensureDataDir } from '../core/config/data-dir.js';
import type { LiveConfig } from '../core/config/live.js';
import { loadOrCreateDeviceKey } from '../core/identity/device-key.js';
import { kioskIdLink } from '../core/identity/registration.js';
import { DEMO_PEOPLE } from '../core/demo/people.js';
import { DEVICE_KINDS, type DeviceHub, type DeviceKind } from '../core/devices/types.js';
import { EntryStore } from '../core/store/entry-store.js';
import { StoreError } from '../core/store/errors.js';
import { UnavailableStore } from '../core/checkpoint/unavailable-store.js';
import { createCheckpointService, type CheckpointService, type ServiceStore } from '../core/checkpoint/service.js';
import type { Clock } from '../core/checkpoint/clock.js';
import { hashAdminPin } from '../core/checkpoint/admin-pin.js';
import type { VenuePolicyInput } from '../core/policy/policy.js';
import type { CheckpointSettingsInput } from '../core/checkpoint/config.js';
import { resolveUploadConfig, startUploadService, type UploadService } from '../core/upload/service.js';
import { purgeLimits } from '../core/upload/store-source.js';
import { heartbeatSnapshot, type HeartbeatSnapshot } from '../core/upload/heartbeat.js';
import type { RetentionControl } from '../core/admin/deps.js';
import { schedulePurge, storeSettingsOf } from '../core/store/index.js';
import { DeviceManager } from '../../native-bridge/manager.js';
import { startDemoDevices, withSavedDevices, type RunningDemoDevices } from '../../native-bridge/demo.js';
import { runConsoleCommand } from '../../native-bridge/simulators/console.js';
import { NotConfiguredError, type KioskServiceHandle } from './kiosk-service.js';
import { describeFleetOutcome, describeFleetStatus, fleetOutcomeView, readFleetState, startFleetSync, type FleetSyncLoop } from '../core/fleet/kiosk.js';
import { isInsecureCollectorUrl } from '../core/upload/http.js';

/** The demo section of config.json: present only for the embedded demo. */
export interface DemoSection {
  /** Seed of the demo PKI: the keys are re-derived from it on every start (fresh lists, fresh codes). */
  seed: string;
}

export const DEMO_DIR = 'demo';
/** The demo's admin PIN (today's figures); shown in the start banner. */
export const DEMO_ADMIN_PIN = '1234';
/** The demo integrator's PIN: opens the setup screens (devices, camera, policy, trust, uploads, cloning). */
export const DEMO_INTEGRATOR_PIN = '5678';
/** What the demo thermometer reads until told otherwise. */
export const DEMO_BODY_TEMPERATURE_C = 36.5;
export const DEMO_CODES_DIR = join(DEMO_DIR, 'codes');

export interface ComposeOptions {
  dataDir: string;
  camera?: Partial<CameraConfig>;
  language?: Language;
  log: (line: string) => void;
  clock?: Clock;
  /** Start the simulated devices in demo mode (default true). The benchmark runs camera-only. */
  demoDevices?: boolean;
  /**
   * Make the demo configuration when config.json is missing. Without it a missing config.json is a
   * NotConfiguredError: a production box must never boot into a demo because a file went missing.
   */
  demo?: boolean;
}


export interface ComposedKiosk extends KioskServiceHandle {
  config: KioskConfig;
  /** config.json is invalid and the kiosk runs on its last good configuration: what is wrong, where. */
  configProblem: ConfigError | null;
  /** The entry log; null when it could not be opened (the kiosk then admits nobody automatically). */
  store: EntryStore | null;
  lists: ListCache;
  /** The signed DSC list for EU DCC `HC1:` codes (docs/dcc-trust.md). */
  dscList: DscListCache;
  checkpoint: CheckpointService;
  /** The demo's simulators and their controls (present a card, set a temperature), when running. */
  demo: RunningDemoDevices | null;
  /** Where the demo codes were written, when in demo mode. */
  demoCodesDir: string | null;
  /** Demo PKI of this start (tests mint extra codes with it), when in demo mode. */
  demoPki: DemoPki | null;
  /** Demo DSCs, DSC list and HC1 codes of this start (tests mint extra HC1 codes with its DSCs), when in demo mode. */
  demoDcc: DemoDcc | null;
  /** Null when the entry log could not be opened. */
  uploads: UploadService | null;
  /** The device manager (the demo's, or the configured devices'); null when there are none. */
  devices: DeviceHub | null;
  /** Demo only: one console line (`scan zhangsan`, `idcard present lisi`, `thermometer temp 38.2`, `help`) → one answer line. */
  demoCommand: ((line: string) => Promise<string>) | null;
  /** Signed fleet configuration (docs/upload-protocol.md §12): null without a collector or an entry log. */
  fleet: FleetSyncLoop | null;
}

export interface DemoInitOptions {
  seed?: string;
  /** Checkpoint settings to write (tests shorten or lengthen windows). */
  checkpoint?: CheckpointSettingsInput;
  policy?: VenuePolicyInput;
  kioskId?: string;
}

/**
 * Writes a first-run demo configuration into `dataDir` unless one exists: a new PKI seed, its root
 * pinned. Returns the configuration in effect. `kiosk start` calls this when config.json is absent.
 */
export function ensureDemoConfig(dataDir: string, options: DemoInitOptions = {}): KioskConfig {
  ensureDataDir(dataDir);
  if (existsSync(configPath(dataDir))) return loadConfig(dataDir);
  const seed = options.seed ?? randomBytes(16).toString('hex');
  const pki = makeDemoPki({ seed, syntheticStatusRecords: 0 });
  const demo: DemoSection = { seed };
  // Only what the demo chooses: every other key keeps the schema's default when read.
  const written: KioskConfigInput = {
    venueId: 'demo-venue',
    // The kiosk id is the device key's (docs/upload-protocol.md §1), so entries and uploads agree.
    kioskId: options.kioskId ?? loadOrCreateDeviceKey(dataDir).kioskId,
    kioskName: 'Lane 1',
    roots: pki.roots,
    // The demo shows EU DCC codes passing (docs/dcc-trust.md, "Demo"): foreign credentials are on
    // here, off by default elsewhere (docs/dcc-policy.md).
    policy: { dccAccept: true, ...options.policy },
    demo,
    checkpoint: options.checkpoint ?? {},
    // The demo's admin PIN is printed in the banner; a real kiosk sets its own.
    admin: { pin: hashAdminPin(DEMO_ADMIN_PIN), integratorPin: hashAdminPin(DEMO_INTEGRATOR_PIN) },
  };
  saveConfig(dataDir, written);
  return loadConfig(dataDir);
}

/**
 * The devices the configuration file in force (config.json, or its last good copy) names under
 * `devices`, with their parsed settings: a device the file does not name keeps the demo simulator's
 * settings, one it names (null: not fitted) runs as saved. The parsed sections cannot tell the two
 * apart (both are null), the written document can.
 */
function savedDevicesOf(file: string, config: KioskConfig): Partial<Record<DeviceKind, unknown>> {
  let written: unknown;
  try {
    written = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  const devices = typeof written === 'object' && written !== null ? (written as { devices?: unknown }).devices : undefined;
  if (typeof devices !== 'object' || devices === null) return {};
  const saved: Partial<Record<DeviceKind, unknown>> = {};
  for (const kind of DEVICE_KINDS) if (Object.hasOwn(devices, kind)) saved[kind] = config.devices[kind];
  return saved;
}

function demoSectionOf(config: KioskConfig): DemoSection | null {
  return config.demo ?? null;
}

/**
 * Re-signs the demo lists from the seed at `now` (seq one past what is cached, so they install over
 * the cached ones without tripping rollback protection) and writes fresh demo codes: a demo left for
 * a week still starts with lists and codes that are in date.
 */
async function refreshDemo(dataDir: string, seed: string, lists: ListCache, dscList: DscListCache, now: number): Promise<{ pki: DemoPki; dcc: DemoDcc; codesDir: string }> {
  const pki = makeDemoPki({
    seed,
    now,
    // Past the rollback floor too: the cached file may be gone while the floor remembers its seq.
    trustListSeq: Math.max(lists.trustList?.seq ?? 0, lists.floor('trust')?.seq ?? 0) + 1,
    statusListSeq: Math.max(lists.statusList?.seq ?? 0, lists.floor('status')?.seq ?? 0) + 1,
  });
  writeDemoPki(join(dataDir, DEMO_DIR, 'pki'), pki);
  for (const [kind, r] of [
    ['trust', lists.installTrust(pki.trustListJws)],
    ['status', lists.installStatus(pki.statusListJws)],
  ] as const) {
    if (!r.accepted) throw new Error(`demo ${kind} list refused (${r.reason}): ${r.message}`);
  }
  // EU DCC (docs/dcc-trust.md, "Demo"): demo DSCs in a DSC list signed by the same demo root.
  // The DSCs are kept from start to start (as the PHC1 keys are re-derived from the seed), so a demo
  // HC1 code printed at one start still verifies at the next.
  const dscsFile = join(dataDir, DEMO_DIR, 'pki', 'dcc-dscs.json');
  const dcc = makeDemoDcc({ root: pki.root, now, dscListSeq: Math.max(dscList.list?.seq ?? 0, dscList.floorSeq() ?? 0) + 1, dscs: loadDemoDscs(dscsFile, now) });
  saveDemoDscs(dscsFile, dcc.dscs);
  const dscInstalled = dscList.install(dcc.dscListJws);
  if (!dscInstalled.accepted) throw new Error(`demo DSC list refused (${dscInstalled.reason}): ${dscInstalled.message}`);
  writeFileSync(join(dataDir, DEMO_DIR, 'pki', 'dsc-list.jws'), dcc.dscListJws + '\n', { mode: 0o600 });
  const codesDir = join(dataDir, DEMO_CODES_DIR);
  mkdirSync(codesDir, { recursive: true, mode: 0o700 });
  // 0600 like every file under the data directory (docs/security.md, "File modes").
  const write = (name: string, data: string | Buffer) => writeFileSync(join(codesDir, name), data, { mode: 0o600 });
  const png = (text: string) => QRCode.toBuffer(text, { errorCorrectionLevel: 'M', margin: 4, scale: 8 });
  const index: string[] = ['# Demo health codes (synthetic people). Hold a PNG up to the camera, or paste a .txt.', ''];
  for (const person of DEMO_PEOPLE) {
    const text = issueDemoCode(pki.provinces, person, now);
    write(`${person.key}.txt`, text);
    write(`${person.key}.png`, await png(text));
    index.push(`${person.key}: ${['green', 'yellow', 'red'][person.status]} code (${person.province})`);
  }
  const forged = issueDemoCode(pki.provinces, DEMO_PEOPLE[0]!, now, { forge: true });
  write('forged.txt', forged);
  write('forged.png', await png(forged));
  index.push('forged: a code with a broken signature (SIGNATURE_INVALID)');
  index.push('', '# EU Digital COVID Certificates (HC1:, synthetic holders), checked against the demo DSC list.', '');
  for (const code of dcc.codes) {
    write(`${code.key}.txt`, code.text);
    write(`${code.key}.png`, await png(code.text));
    index.push(`${code.key}: ${code.description}`);
  }
  write('README.txt', index.join('\n') + '\n');
  return { pki, dcc, codesDir };
}

const DEMO_CONSOLE_HELP = [
  'scan KEY                 send KEY\'s demo code through the simulated serial scanner (e.g. scan zhangsan, scan dcc-vaccinated)',
  'idcard present KEY       put KEY\'s ID card on the simulated reader; idcard remove',
  'thermometer temp C       what the simulated thermometer reads for each person who steps up (none: nobody there)',
  'DEVICE help              every command of a simulator (idcard, thermometer, scanner, gate)',
  'people                   the demo people and their code colours, then the demo EU DCC (HC1:) codes and what the kiosk says to each',
  'dcc                      the demo EU DCC (HC1:) codes and what the kiosk says to each (scan dcc-vaccinated)',
  'fleet                    the pinned fleet key (kid), groups, applied fleet revision and last refusal',
  'fleet fetch              fetch the signed fleet configuration from the collector now and say what came of it',
].join('\n');

/** `fleet` and `fleet fetch` (docs/upload-protocol.md §12): a push otherwise waits for the next list sync. */
function fleetConsole(fleet: FleetSyncLoop | null, liveConfig: LiveConfig, dataDir: string): (rest: string) => Promise<string> {
  return async (rest) => {
    const sub = rest.trim().toLowerCase();
    if (sub === '') return describeFleetStatus(liveConfig.config, readFleetState(dataDir), fleet !== null);
    if (sub === 'fetch') return fleet ? describeFleetOutcome(await fleet.syncNow()) : 'error: fleet configuration is not fetched on this kiosk: no collector in use (upload.collectorUrl, see the log)';
    return `error: unknown fleet command ${JSON.stringify(sub)}; try fleet or fleet fetch`;
  };
}

/** The demo's console: the simulators' own command language (kiosk simulate), plus `scan KEY`. */
function demoConsole(demo: RunningDemoDevices, codesDir: string, fleetCommand: (rest: string) => Promise<string>, dccCodes: readonly { key: string; description: string; expectedReason?: string | null }[] = []): (line: string) => Promise<string> {
  return async (line) => {
    const m = /^\s*(\S+)(?:\s+(.*))?$/.exec(line.replace(/\r?\n$/, ''));
    if (!m) return '';
    const word = m[1]!.toLowerCase();
    const rest = m[2] ?? '';
    if (word === 'help') return DEMO_CONSOLE_HELP;
    if (word === 'fleet') return fleetCommand(rest);
    if (word === 'dcc') return dccCodes.map((c) => `${c.key}: ${c.description}`).join('\n');
    if (word === 'people') {
      // Every name `scan` takes: the PHC1 people, then the EU certificates (docs/dcc-trust.md, "Demo").
      const people = DEMO_PEOPLE.map((p) => `${p.key} (${['green', 'yellow', 'red'][p.status]})`).join(', ');
      const eu = dccCodes.map((c) => `${c.key} (${c.expectedReason ? `stops, ${c.expectedReason}` : 'passes'})`).join(', ');
      return eu === '' ? people : `${people}\nEU DCC: ${eu}`;
    }
    if (word === 'scan') {
      const key = rest.trim();
      if (!/^[a-z]+(?:-[a-z]+)*$/.test(key) || !existsSync(join(codesDir, `${key}.txt`))) return `error: no demo code ${JSON.stringify(key)} (try: people)`;
      await demo.thermometer.nextPerson();
      await demo.scanner.send(readFileSync(join(codesDir, `${key}.txt`), 'latin1'));
      return `ok sent ${key}'s code through the scanner`;
    }
    if (word === 'idcard' || word === 'thermometer' || word === 'scanner' || word === 'gate') {
      // Each card put on the reader is a new person at the door (see nextPerson).
      if (word === 'idcard' && /^\s*present\b/.test(rest)) await demo.thermometer.nextPerson();
      const r = await runConsoleCommand(demo.simulators[word], rest);
      return r.quit ? 'error: the demo devices stop with the kiosk (Ctrl-C)' : r.output;
    }
    return `error: unknown command ${JSON.stringify(word)}; try help`;
  };
}

/** What to tell an integrator about a cached list not used at start; a root by kid and SHA-256 fingerprint (as the trust screen shows it). */
function listProblemDetail(p: ListLoadProblem, roots: readonly PinnedRoot[]): string {
  const what = p.kind === 'trust' ? 'trust list' : 'status list';
  if (p.reason !== 'ROOT_UNKNOWN') return `the installed ${what} was refused: ${p.message}`;
  const pinned = roots.map((r) => `${r.kid} (sha256 ${rootFingerprint(r.pub) ?? 'unreadable key'})`).join(', ') || 'none';
  return `the installed ${what} is signed by root ${p.signerKid ?? '(unreadable kid)'}, which is not pinned; pinned root(s): ${pinned}. ${p.kind === 'trust' ? 'Every code is refused as issuer unknown' : 'The kiosk runs without a status list'} until that root is pinned or a ${what} signed by a pinned root is installed`;
}

/**
 * ROOT_UNKNOWN's signer and pinned roots as data (contract KioskStatus.listProblems), so the guard
 * and console screens word the mismatch in their own language rather than show core's English;
 * both bounded as the contract bounds them (a kid is shown, not trusted, here).
 */
function listProblemNames(p: ListLoadProblem, roots: readonly PinnedRoot[]): { signerKid?: string | null; pinnedRoots?: Array<{ kid: string; sha256: string | null }> } {
  if (p.reason !== 'ROOT_UNKNOWN') return {};
  return { signerKid: p.signerKid?.slice(0, 100) ?? null, pinnedRoots: roots.slice(0, 16).map((r) => ({ kid: r.kid.slice(0, 100), sha256: rootFingerprint(r.pub) })) };
}

/** Builds the running kiosk for `dataDir`; the demo when asked for and it holds no configuration. */
export async function composeKiosk(options: ComposeOptions): Promise<ComposedKiosk> {
  const { dataDir, log } = options;
  const firstRun = !existsSync(configPath(dataDir));
  if (firstRun && !options.demo) throw new NotConfiguredError(dataDir);
  ensureDataDir(dataDir);
  // config.json is parsed once, here, against the one schema (src/contract/config.ts). A file broken
  // by a hand edit on a kiosk that has started before runs on the last good copy, and says so.
  const loaded = firstRun ? { config: ensureDemoConfig(dataDir), fallback: null } : loadConfigForStart(dataDir);
  const config = loaded.config;
  const configProblem = loaded.fallback?.error ?? null;
  const demoSection = demoSectionOf(config);
  const banner: string[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log(`shutdown step failed: ${(err as Error).message}`);
      }
    }
  };

  try {
    const lists = new ListCache(dataDir, config.roots).load();
    for (const p of lists.loadProblems) log(`cached ${p.kind} list not used (${p.reason})`);
    // A pinned root that did not sign the installed list would otherwise surface only as every code
    // refused "issuer unknown" (health-code spec §4): say at start which root signed it and which are
    // pinned, in the log, on the console and in the status (listProblems) for the guard screen.
    const listProblems = lists.loadProblems.map((p) => ({ list: p.kind, reason: p.reason, detail: listProblemDetail(p, config.roots), ...listProblemNames(p, config.roots) }));
    for (const p of listProblems) {
      const line = `${p.list.toUpperCase()} LIST NOT USED (${p.reason}): ${p.detail}`;
      log(`list-problem list=${p.list} reason=${p.reason} ${p.reason === 'ROOT_UNKNOWN' ? `signer=${lists.loadProblems.find((q) => q.kind === p.list)?.signerKid ?? 'unknown'} pinned=${config.roots.map((r) => r.kid).join(',') || 'none'}` : ''}`.trimEnd());
      banner.push(line);
    }
    for (const w of lists.floorWarnings) log(w);
    const dscList = new DscListCache(dataDir, config.roots).load();
    if (dscList.loadProblem) log(`cached DSC list not used (${dscList.loadProblem.reason})`);

    let demoPki: DemoPki | null = null;
    let demoDcc: DemoDcc | null = null;
    let demoCodesDir: string | null = null;
    if (demoSection) {
      const refreshed = await refreshDemo(dataDir, demoSection.seed, lists, dscList, Math.floor((options.clock?.now() ?? Date.now()) / 1000));
      demoPki = refreshed.pki;
      demoDcc = refreshed.dcc;
      demoCodesDir = refreshed.codesDir;
      banner.push(`demo mode${firstRun ? ' (first start: demo PKI created, its root pinned)' : ''}; data in ${dataDir}`);
      banner.push(`demo codes to hold up to the camera: ${demoCodesDir} (see README.txt there); demo admin PIN ${DEMO_ADMIN_PIN}, integrator PIN ${DEMO_INTEGRATOR_PIN}`);
      banner.push(`EU DCC (HC1:): DSC list seq ${dscList.list?.seq ?? '-'} installed (${Object.values(refreshed.dcc.dscs).map((d) => `${d.country} ${d.alg}`).join(', ')}); demo codes dcc-*.png, type \`dcc\` for the list (docs/dcc-trust.md)`);
    }

    // A database that cannot be opened does not keep the lane dark: the kiosk starts, says why, and
    // admits nobody automatically (every admit becomes a review for the guard).
    let store: EntryStore | null = null;
    let serviceStore: ServiceStore;
    try {
      const opened = EntryStore.open(dataDir);
      closers.push(() => opened.close());
      store = opened;
      serviceStore = opened;
    } catch (err) {
      if (!(err instanceof StoreError)) throw err;
      log(`entry log unavailable (${err.reason}/${err.detail}): ${err.message}`);
      banner.push(`ENTRY LOG UNAVAILABLE (${err.detail}): nothing is admitted automatically until it is fixed`);
      serviceStore = new UnavailableStore(err.detail, err.message);
    }

    // Devices: the demo's simulators on pty pairs, or whatever config.json's `devices` names.
    let demo: RunningDemoDevices | null = null;
    let hub: (DeviceHub & { stop(): Promise<void> }) | null = null;
    if (demoSection && options.demoDevices !== false) {
      let started: RunningDemoDevices | null = null;
      try {
        started = await startDemoDevices({ dir: join(dataDir, DEMO_DIR, 'tty') });
        // What the integrator saved on the devices screen runs over the simulators' own settings:
        // a restart keeps a calibration (docs/integrator-setup.md, "Devices").
        const withSaved = withSavedDevices(started.config, started.links, savedDevicesOf(loaded.fallback?.from ?? configPath(dataDir), config));
        for (const note of withSaved.notes) log(`demo device ${note}`);
        if (withSaved.notes.length > 0) banner.push(`devices as saved in config.json: ${withSaved.notes.join('; ')}`);
        const manager = new DeviceManager(withSaved.config);
        try {
          await manager.start();
        } catch (err) {
          await manager.stop().catch(() => undefined);
          throw err;
        }
        const running = started;
        closers.push(() => running.stop());
        closers.push(() => manager.stop());
        demo = running;
        hub = manager;
        // Someone is standing at the sensor from the start, so a demo code decides at once instead of
        // waiting out the window for a temperature (the thermometer is connected, so it is expected).
        running.thermometer.setTemperature(DEMO_BODY_TEMPERATURE_C);
        banner.push(`simulated devices on pty pairs: card reader ${running.links.idcard}, thermometer ${running.links.thermometer}, scanner ${running.links.scanner}, gate ${running.links.gate}`);
        banner.push('type demo commands here: `scan zhangsan`, `idcard present grandma`, `thermometer temp 38.2`, `help`');
      } catch (err) {
        // No socat (or no ptys): the demo still runs with the camera alone, and says why.
        await started?.stop().catch(() => undefined);
        log(`simulated devices not started: ${(err as Error).message}`);
        banner.push(`simulated devices not started (${(err as Error).message}); camera only`);
      }
    } else {
      // A device manager even with nothing fitted: the integrator adds the first device on the
      // devices screen, proven by this manager, without a restart (docs/integrator-setup.md,
      // "Devices"). A device not fitted reports `absent`, as it does beside fitted ones.
      const manager = new DeviceManager(config.devices);
      await manager.start();
      closers.push(() => manager.stop());
      hub = manager;
    }

    // Uploads (docs/upload-protocol.md): the uploader runs in its own worker thread on its own
    // connection when a collector is configured (config.json `upload.collectorUrl` or
    // KIOSK_COLLECTOR_URL); without one the kiosk is offline and counts what waits to be sent.
    // Heartbeats (docs/upload-protocol.md §11) report what the status bar shows, the devices' health,
    // the configuration revision in force and the free disk; the service they read is made below.
    let reporting: CheckpointService | null = null;
    // Started below, once the configuration in force exists; the heartbeat reports its revision.
    let fleet: FleetSyncLoop | null = null;
    const devicesNow = hub;
    const heartbeat = async (): Promise<HeartbeatSnapshot | null> => {
      if (!reporting) return null;
      const status = await reporting.service.getStatus({}, { host: 'browser', clientId: 'heartbeat' });
      if (!status.ok) return null;
      return heartbeatSnapshot({ status: status.value, devices: devicesNow?.health() ?? [], config: reporting.liveConfig.config, dataDir, now: options.clock?.now() ?? Date.now(), ...(fleet ? { fleetConfig: fleet.heartbeat() } : {}) });
    };
    const uploads: UploadService | null = store ? startUploadService({ dataDir, config: resolveUploadConfig(config), store, lists, dscList, log, heartbeat }) : null;
    if (uploads) closers.push(() => uploads.close());
    const uploadUrl = resolveUploadConfig(config).collectorUrl;
    banner.push(uploadUrl ? `uploading entries to ${uploadUrl}` : 'no collector configured (upload.collectorUrl or KIOSK_COLLECTOR_URL): entries stay on this kiosk');
    // The collector files this kiosk under its key's id while every entry carries config kioskId
    // (docs/upload-protocol.md §1): different ids are said at start, not found later on the platform.
    if (uploadUrl) {
      try {
        const link = kioskIdLink(config.kioskId, loadOrCreateDeviceKey(dataDir).kioskId);
        if (link.warning) {
          banner.push(`KIOSK ID MISMATCH: ${link.warning}`);
          log(`kiosk-id-mismatch configured=${config.kioskId.slice(0, 64)}`);
        }
      } catch (err) {
        // A key that cannot be read is the uploader's to report (DEVICE_KEY_*); nothing to compare.
        log(`kiosk id not compared with the device key: ${(err as Error).message}`);
      }
    }

    // Retention (architecture.md "Data at rest"): entries past `store.retentionDays` are purged hourly in small
    // batches; with a collector configured, only what it has acknowledged.
    let retention: RetentionControl | null = null;
    // Set below, once the service holding the configuration in force exists.
    let liveConfig: LiveConfig | null = null;
    if (store) {
      const purgeStore = store;
      // Read at every run: a retention saved from the settings screen applies from the next purge.
      const retentionDays = () => storeSettingsOf(liveConfig?.config ?? config).retentionDays;
      const purging = schedulePurge(purgeStore, {
        get retentionDays() {
          return retentionDays();
        },
        uploadLimits: () => purgeLimits(purgeStore, uploadUrl !== null),
        clock: options.clock,
        onDone: (r) => {
          if (r.entriesDeleted > 0) log(`retention: ${r.entriesDeleted} entries older than ${retentionDays()} days purged`);
        },
        onError: (err) => log(`retention purge failed: ${(err as Error).message}`),
      });
      closers.push(() => purging.stop());
      retention = { schedule: purging, uploading: uploadUrl !== null, limits: () => purgeLimits(purgeStore, uploadUrl !== null) };
    }

    const checkpoint = createCheckpointService({
      config,
      store: serviceStore,
      lists,
      dscList,
      devices: hub,
      simulatedDevices: demo !== null,
      demo: demoSection !== null,
      camera: options.camera,
      language: options.language,
      clock: options.clock,
      uploads,
      retention,
      // The settings screen saves here; set-pin or a hand edit of config.json is reloaded without a restart.
      configFile: { dataDir, watch: true },
      // The admin console exports this entry log (in its own process, from this data directory).
      exportsFrom: store ? { dataDir } : null,
      // "Sync now" on the integrator's trust screen runs the uploader's own list sync.
      // It fetches the fleet configuration too (`fleet` is started below; read when pressed).
      listSync: uploads
        ? {
            available: () => uploadUrl !== null,
            syncNow: () => uploads.syncListsNow(),
            last: () => uploads.lastListSync(),
            fleetNow: async () => {
              if (!fleet) return { outcome: 'failed', revision: null, reason: 'COLLECTOR_UNREACHABLE', message: 'fleet configuration is not fetched on this kiosk (no collector in use: see the log)' };
              return fleetOutcomeView(await fleet.syncNow());
            },
          }
        : null,
      // Paths and messages only (the schema's messages quote no value, so no secret reaches a screen).
      configProblem: configProblem ? { paths: configProblem.problems.map((p) => p.path), message: configProblem.message } : null,
      listProblems,
      log,
    });
    closers.push(() => checkpoint.close());
    liveConfig = checkpoint.liveConfig;
    reporting = checkpoint;
    // The purge reads retentionDays at each run (above).
    if (store) liveConfig.register({ paths: ['store.retentionDays'], apply() {} });

    // Signed fleet configuration (docs/upload-protocol.md §12): fetched at the list-sync interval from
    // the same collector, applied as a save on the settings screen is (updateConfig + LiveConfig.apply).
    const uploadSettings = resolveUploadConfig(config);
    if (store && uploadUrl && (!isInsecureCollectorUrl(uploadUrl) || uploadSettings.allowInsecureHttp)) {
      try {
        const identity = loadOrCreateDeviceKey(dataDir);
        const auditStore = store;
        const live = liveConfig;
        fleet = startFleetSync({
          dataDir,
          collectorUrl: uploadUrl,
          identity,
          deviceKioskId: identity.kioskId,
          liveConfig: live,
          now: () => options.clock?.now() ?? Date.now(),
          audit: (action, detail, at) => auditStore.audit(action, detail, at),
          log,
          intervalMs: uploadSettings.listSyncMinutes * 60_000,
          ...(uploadSettings.caFile ? { tls: { ca: readFileSync(uploadSettings.caFile, 'utf8') } } : {}),
        });
        const running = fleet;
        closers.push(() => running.stop());
        // fleet.* is live (docs/upload-protocol.md §12): each fetch reads the pinned key and groups
        // from the configuration in force, so a key pinned by `kiosk config pin-fleet-key` on a
        // running kiosk needs no restart; a new key or groups are fetched with at once rather than
        // at the next list sync (a bundle refused for want of a key keeps no ETag, so it comes again).
        live.register({
          paths: ['fleet'],
          apply(next, prev) {
            if (next.fleet.publicKey !== prev.fleet.publicKey || JSON.stringify(next.fleet.groups) !== JSON.stringify(prev.fleet.groups)) void running.syncNow();
          },
        });
      } catch (err) {
        log(`fleet configuration not fetched: ${(err as Error).message}`);
      }
    }

    if (configProblem) {
      // Paths and messages only: the schema's messages never quote a value, so no PIN hash or secret is logged.
      const line = `CONFIG_INVALID ${configProblem.problems.map((p) => p.path).join(', ')}: ${configProblem.message}; running on the last good configuration (${loaded.fallback?.from})`;
      log(line);
      banner.unshift(line);
    } else if (!firstRun) {
      try {
        rememberGoodConfig(dataDir);
      } catch (err) {
        log(`last good configuration not kept: ${(err as Error).message}`);
      }
    }

    return {
      service: checkpoint.service,
      banner,
      close: closeAll,
      config,
      configProblem,
      store,
      lists,
      dscList,
      checkpoint,
      demo,
      demoCodesDir,
      demoPki,
      demoDcc,
      uploads,
      devices: hub,
      demoCommand: demo && demoCodesDir ? demoConsole(demo, demoCodesDir, fleetConsole(fleet, checkpoint.liveConfig, dataDir), demoDcc?.codes) : null,
      exports: checkpoint.exports,
      fleet,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
