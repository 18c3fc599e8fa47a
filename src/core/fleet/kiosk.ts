// Fleet configuration, the kiosk's side (docs/upload-protocol.md §12). At the list-sync interval while
// a collector is configured, the kiosk asks GET /v1/fleet/config (signed like /v1/kiosks/me,
// conditional on the last ETag), checks the bundle (src/core/fleet/bundle.ts: pinned fleet key,
// format, allow-list, schema, target, validity, no rollback) and applies it exactly as a save from
// its own settings screen is applied: updateConfig (the one schema, atomic write, next config
// revision) then LiveConfig.apply, so the next passage is decided on it without a restart.
//
// What was applied, and the last refusal, live in <data dir>/fleet-config-state.json: the revision
// floor survives restarts (no rollback after a reboot), and the heartbeat reports both. Refusals are
// audited once per (revision, reason) rather than at every sync; bundles carry no personal data, so
// revisions, paths and reasons may go to the log and audit (values do not: paths only, as a save).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetConfigReason, UploadReason } from '../../contract/reasons.js';
import { ConfigError, updateConfig, writeFileAtomic } from '../config/config.js';
import type { LiveConfig } from '../config/live.js';
import { b64url } from '../identity/device-key.js';
import { HttpFailure, httpExchange, type TlsOptions } from '../upload/http.js';
import { HEADER } from '../upload/protocol.js';
import { acceptFleetBundle, fleetKeyId, parseFleetPublicKey, MAX_FLEET_BUNDLE_CHARS } from './bundle.js';

export const FLEET_CONFIG_PATH = '/v1/fleet/config';
export const FLEET_STATE_FILE = 'fleet-config-state.json';

export const FLEET_AUDIT = {
  /** detail: fleet revision, config revision, target, paths (never values). */
  applied: 'fleet-config-applied',
  /** detail: the bundle's revision when it verified (null otherwise), reason, message. */
  refused: 'fleet-config-refused',
} as const;

/** The bytes a kiosk signs to ask for its bundle (it reveals only which bundle targets the signer). */
export function fleetRequestMessage(kioskId: string): Uint8Array {
  return new TextEncoder().encode(`checkpoint-fleet-config v1 ${kioskId}`);
}

export interface FleetRefusal {
  revision: number | null;
  reason: FleetConfigReason;
  message: string;
  at: number;
}

export interface FleetState {
  /** The fleet revision in force (0: none applied). */
  revision: number;
  appliedAt: number | null;
  paths: string[];
  refused: FleetRefusal | null;
  etag: string | null;
}

const EMPTY: FleetState = { revision: 0, appliedAt: null, paths: [], refused: null, etag: null };

export function readFleetState(dataDir: string): FleetState {
  const file = join(dataDir, FLEET_STATE_FILE);
  if (!existsSync(file)) return { ...EMPTY };
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<FleetState>;
    return { ...EMPTY, ...raw, revision: Number.isSafeInteger(raw.revision) && (raw.revision as number) >= 0 ? (raw.revision as number) : 0 };
  } catch {
    // Written atomically, so only a hand edit or a disk fault gets here. The config revision still
    // moves only forward; the fleet floor restarts at 0 (the collector serves only its newest bundle).
    return { ...EMPTY };
  }
}

function writeFleetState(dataDir: string, state: FleetState): void {
  writeFileAtomic(join(dataDir, FLEET_STATE_FILE), JSON.stringify(state) + '\n', 0o600);
}

/** What the heartbeat reports (docs/upload-protocol.md §11, §12). */
export function fleetHeartbeat(state: FleetState): { revision: number; refused?: { revision: number | null; reason: FleetConfigReason } } {
  return state.refused ? { revision: state.revision, refused: { revision: state.refused.revision, reason: state.refused.reason } } : { revision: state.revision };
}

export interface FleetApplyDeps {
  dataDir: string;
  liveConfig: LiveConfig;
  /** The device key's id (a bundle may name it as well as config kioskId). */
  deviceKioskId: string | null;
  now(): number;
  audit(action: string, detail: Record<string, unknown>, at: number): void;
  log(line: string): void;
}

export type FleetApplyOutcome =
  | { outcome: 'applied'; revision: number; configRevision: number; paths: string[]; applied: string[]; restartNeeded: string[] }
  | { outcome: 'unchanged'; revision: number }
  | { outcome: 'refused'; revision: number | null; reason: FleetConfigReason; message: string };

/** Checks and applies one bundle; never throws for bad input, and a refused one changes nothing but the state's `refused`. */
export function applyFleetBundle(deps: FleetApplyDeps, jws: string, etag: string | null = null): FleetApplyOutcome {
  const state = readFleetState(deps.dataDir);
  const config = deps.liveConfig.config;
  const now = deps.now();
  const checked = acceptFleetBundle({
    jws,
    fleetPublicKey: parseFleetPublicKey(config.fleet.publicKey),
    self: { venueId: config.venueId, kioskIds: [config.kioskId, ...(deps.deviceKioskId ? [deps.deviceKioskId] : [])], groups: config.fleet.groups },
    now,
    appliedRevision: state.revision,
  });
  const refuse = (revision: number | null, reason: FleetConfigReason, message: string): FleetApplyOutcome => {
    const again = state.refused && state.refused.revision === revision && state.refused.reason === reason;
    // No ETag kept for a refused bundle: it is asked for again next time (a fleet key pinned or a
    // venue changed meanwhile may make it acceptable), but audited only once.
    writeFleetState(deps.dataDir, { ...state, refused: { revision, reason, message, at: now }, etag: null });
    if (!again) {
      deps.log(`fleet config refused: ${reason}${revision !== null ? ` (revision ${revision})` : ''}: ${message}`);
      try {
        deps.audit(FLEET_AUDIT.refused, { revision, reason, message: message.slice(0, 300) }, now);
      } catch (err) {
        deps.log(`fleet-config-refused not audited: ${(err as Error).name}`);
      }
    }
    return { outcome: 'refused', revision, reason, message };
  };
  if (!checked.ok) return refuse(checked.revision ?? null, checked.reason, checked.message);
  const { bundle, changes, unchanged } = checked.value;
  if (unchanged) {
    if (etag !== state.etag) writeFleetState(deps.dataDir, { ...state, etag });
    return { outcome: 'unchanged', revision: bundle.revision };
  }
  let saved;
  try {
    // The same call a save on the settings screen makes: the whole document validated, written
    // atomically with the next config revision. Local fields are not in `changes` (allow-list).
    saved = updateConfig(deps.dataDir, changes);
  } catch (err) {
    if (err instanceof ConfigError) return refuse(bundle.revision, 'CONFIG_INVALID', err.problems.map((p) => `${p.path}: ${p.message}`).join('; '));
    return refuse(bundle.revision, 'CONFIG_INVALID', `not saved: ${(err as Error).message}`);
  }
  const outcome = deps.liveConfig.apply(saved);
  const paths = changes.map((c) => c.path);
  writeFleetState(deps.dataDir, { revision: bundle.revision, appliedAt: now, paths, refused: null, etag });
  try {
    deps.audit(FLEET_AUDIT.applied, { revision: bundle.revision, configRevision: outcome.revision, target: bundle.target, paths }, now);
  } catch (err) {
    deps.log(`fleet-config-applied (revision ${bundle.revision}) not audited: ${(err as Error).name}`);
  }
  deps.log(`fleet config revision ${bundle.revision} applied as configuration revision ${outcome.revision}: ${paths.join(', ')}${outcome.restartNeeded.length ? ` (takes effect after a restart: ${outcome.restartNeeded.join(', ')})` : ''}`);
  return { outcome: 'applied', revision: bundle.revision, configRevision: outcome.revision, paths, applied: outcome.applied, restartNeeded: outcome.restartNeeded };
}

export type FleetSyncOutcome = FleetApplyOutcome | { outcome: 'none' } | { outcome: 'not-modified' } | { outcome: 'failed'; reason: UploadReason; message: string };

export interface FleetSyncOptions extends FleetApplyDeps {
  collectorUrl: string;
  identity: { kioskId: string; sign(message: Uint8Array): Uint8Array };
  timeoutMs?: number;
  tls?: TlsOptions;
}

/** One conditional GET of this kiosk's bundle, then applyFleetBundle. */
export async function syncFleetConfig(o: FleetSyncOptions): Promise<FleetSyncOutcome> {
  const state = readFleetState(o.dataDir);
  const config = o.liveConfig.config;
  const query = new URLSearchParams({ venue: config.venueId });
  if (config.fleet.groups.length > 0) query.set('groups', config.fleet.groups.join(','));
  const headers: Record<string, string> = { accept: 'application/jose', [HEADER.kioskId]: o.identity.kioskId, [HEADER.signature]: b64url(o.identity.sign(fleetRequestMessage(o.identity.kioskId))) };
  if (state.etag) headers['if-none-match'] = state.etag;
  let res;
  try {
    res = await httpExchange(`${o.collectorUrl.replace(/\/+$/, '')}${FLEET_CONFIG_PATH}?${query.toString()}`, { method: 'GET', headers, timeoutMs: o.timeoutMs ?? 30_000, maxResponseBytes: MAX_FLEET_BUNDLE_CHARS, ...(o.tls ? { tls: o.tls } : {}) });
  } catch (err) {
    const e = err as HttpFailure;
    return { outcome: 'failed', reason: e.kind === 'timeout' ? 'COLLECTOR_TIMEOUT' : 'COLLECTOR_UNREACHABLE', message: e.message };
  }
  if (res.status === 304) return { outcome: 'not-modified' };
  // No bundle for this kiosk (or a collector from before fleet configuration).
  if (res.status === 404) return { outcome: 'none' };
  if (res.status === 401 || res.status === 403) return { outcome: 'failed', reason: 'KIOSK_UNKNOWN', message: `HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 200)}` };
  if (res.status !== 200) return { outcome: 'failed', reason: 'COLLECTOR_ERROR', message: `HTTP ${res.status}` };
  const etag = typeof res.headers.etag === 'string' ? res.headers.etag : null;
  return applyFleetBundle(o, res.body.toString('utf8'), etag);
}

/**
 * What an operator at the kiosk's terminal is told by `fleet` (docs/upload-protocol.md §12): the
 * pinned key by its key id (the one the collector prints), the groups, the fleet revision in force and
 * the last refusal. Paths and reasons only: bundles carry no personal data, and values are not shown.
 */
export function describeFleetStatus(config: { fleet: { publicKey: string | null; groups: readonly string[] } }, state: FleetState, fetching: boolean): string {
  const key = parseFleetPublicKey(config.fleet.publicKey);
  const lines = [
    `fleet key: ${key ? `pinned, kid ${fleetKeyId(key)}` : config.fleet.publicKey ? 'pinned but unreadable (not 32 bytes of base64url): nothing is applied' : 'not pinned (kiosk config pin-fleet-key): nothing is applied'}`,
    `groups: ${config.fleet.groups.join(', ') || 'none'}`,
    `applied fleet revision: ${state.revision === 0 ? 'none' : `${state.revision}${state.appliedAt !== null ? ` at ${new Date(state.appliedAt).toISOString()}` : ''}${state.paths.length ? ` (${state.paths.join(', ')})` : ''}`}`,
    `last refusal: ${state.refused ? `${state.refused.reason}${state.refused.revision !== null ? ` (revision ${state.refused.revision})` : ''} at ${new Date(state.refused.at).toISOString()}: ${state.refused.message}` : 'none'}`,
    fetching ? 'fetched from the collector at every list sync; `fleet fetch` fetches now' : 'not fetched: no collector in use (upload.collectorUrl, see the log)',
  ];
  return lines.join('\n');
}

/** One line for the outcome of a fetch (`fleet fetch`, the trust screen's Sync now). */
export function describeFleetOutcome(o: FleetSyncOutcome): string {
  switch (o.outcome) {
    case 'applied':
      return `fleet revision ${o.revision} applied as configuration revision ${o.configRevision}: ${o.paths.join(', ')}${o.restartNeeded.length ? ` (takes effect after a restart: ${o.restartNeeded.join(', ')})` : ''}`;
    case 'unchanged':
      return `fleet revision ${o.revision} already in force`;
    case 'not-modified':
      return 'no new fleet configuration (unchanged at the collector)';
    case 'none':
      return 'no fleet configuration published for this kiosk';
    case 'refused':
      return `fleet configuration refused: ${o.reason}${o.revision !== null ? ` (revision ${o.revision})` : ''}: ${o.message}`;
    case 'failed':
      return `fleet configuration not fetched: ${o.reason}: ${o.message}`;
  }
}

/** The outcome as the trust screen's Sync now shows it (contract FleetSyncOutcomeSchema). */
export function fleetOutcomeView(o: FleetSyncOutcome): { outcome: FleetSyncOutcome['outcome']; revision: number | null; reason: string | null; message: string } {
  const revision = 'revision' in o ? o.revision : null;
  const reason = o.outcome === 'refused' || o.outcome === 'failed' ? o.reason : null;
  return { outcome: o.outcome, revision, reason, message: describeFleetOutcome(o).slice(0, 500) };
}

export interface FleetSyncLoop {
  /** Asks now (one at a time: a call during a sync waits for it). */
  syncNow(): Promise<FleetSyncOutcome>;
  /** What the heartbeat reports. */
  heartbeat(): ReturnType<typeof fleetHeartbeat>;
  stop(): Promise<void>;
}

/**
 * Runs syncFleetConfig at start and every `intervalMs` (the kiosk's list-sync interval: bundles are
 * fetched alongside the lists). Logs failures of the link only when they change.
 */
export function startFleetSync(options: FleetSyncOptions & { intervalMs: number }): FleetSyncLoop {
  let running: Promise<FleetSyncOutcome> | null = null;
  let lastFailure: string | null = null;
  let stopped = false;
  const once = (): Promise<FleetSyncOutcome> => {
    running ??= syncFleetConfig(options)
      .catch((err: Error): FleetSyncOutcome => ({ outcome: 'failed', reason: 'COLLECTOR_ERROR', message: err.message }))
      .then((outcome) => {
        const failure = outcome.outcome === 'failed' ? `${outcome.reason}: ${outcome.message}` : null;
        if (failure && failure !== lastFailure) options.log(`fleet config not fetched: ${failure}`);
        lastFailure = failure;
        return outcome;
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => {
    if (!stopped) void once();
  }, options.intervalMs);
  timer.unref();
  void once();
  return {
    syncNow: once,
    heartbeat: () => fleetHeartbeat(readFleetState(options.dataDir)),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
