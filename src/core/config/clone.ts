// Cloning a setup (docs/integrator-setup.md, "Cloning a setup"): the integrator wires the first
// kiosk of a site, exports its configuration to a file, and imports that file on the next kiosks.
// The file carries the venue's setup (policy, passage windows, device protocols, language, roots,
// uploads, log) and nothing that belongs to one box: no secret (PIN hashes, guards, the key file,
// the demo seed), not the kiosk's own name or id, not its serial ports (they differ between
// boxes), not the thermometer's calibration (it is per sensor), not the camera's deviceId or the
// CA file's path (files and devices of that box). An import keeps this kiosk's values at those
// paths, says which it kept, shows every difference (path, this kiosk, the file) and is validated
// with the kiosk's own schema (src/contract/config.ts) before anything is written.
import { configProblemsOf, kioskConfigSchema, type ConfigProblem, type KioskConfig } from '../../contract/config.js';
import { changedPaths } from './live.js';
import { isConfigPath, revisionOf, saveConfig, withChanges, type ConfigDocument, type SaveConfigOptions } from './config.js';

export const SETUP_FORMAT = 'checkpoint-kiosk-setup';
export const SETUP_VERSION = 1;
/** A setup file is a few kilobytes; this bounds what a garbage file can make the kiosk parse. */
export const MAX_SETUP_TEXT = 256 * 1024;

/**
 * Paths that belong to one kiosk: never exported, and kept as they are on import. Secrets first
 * (the same as the settings screen's CONFIG_SECRET_PATHS; a test keeps the two in step), then what
 * each box has of its own.
 */
export const SETUP_LOCAL_PATHS = [
  // secrets: PIN hashes, the guards' PINs, the store's key file, the demo PKI seed
  'admin.pin',
  'admin.integratorPin',
  'guards',
  'store.keyFile',
  'demo',
  // written by the kiosk on every save
  'revision',
  // each kiosk is itself
  'kioskId',
  'kioskName',
  // serial ports differ between boxes
  'devices.idcard.port',
  'devices.thermometer.port',
  'devices.scanner.port',
  'devices.gate.port',
  // calibration is of one sensor (docs/integrator-setup.md, "Thermometer calibration")
  'devices.thermometer.offsetC',
  'devices.thermometer.gain',
  // a device and a file of that box
  'camera.deviceId',
  'upload.caFile',
] as const;

/** The document a setup export writes. */
export interface SetupFile {
  format: typeof SETUP_FORMAT;
  version: typeof SETUP_VERSION;
  /** ISO 8601, UTC. */
  exportedAt: string;
  /** Where it came from, for the reader (not applied). */
  from: { venueId: string; kioskId: string };
  config: Record<string, unknown>;
}

export interface SetupChange {
  path: string;
  /** This kiosk's value (undefined: not set). */
  from: unknown;
  /** The file's value (undefined: not set, the default applies). */
  to: unknown;
}

export interface SetupPlan {
  /** Where the file came from (null when it could not be read). */
  source: { venueId: string; kioskId: string; exportedAt: string } | null;
  changes: SetupChange[];
  /** This kiosk's own values the import keeps (ports, calibration, PINs, ...). */
  keptLocal: string[];
  /** Why the file cannot be applied (path and what); empty when it can. */
  problems: ConfigProblem[];
  /** The configuration the kiosk would run on after the import (null with problems). */
  result: KioskConfig | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function getAt(doc: unknown, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split('.')) {
    if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** The object holding `path`'s last key, or null when it is not there (a device not fitted). */
function parentOf(doc: Record<string, unknown>, path: string): Record<string, unknown> | null {
  const keys = path.split('.');
  const parent = keys.length === 1 ? doc : getAt(doc, keys.slice(0, -1).join('.'));
  return isObject(parent) ? parent : null;
}

function deleteAt(doc: Record<string, unknown>, path: string): void {
  const parent = parentOf(doc, path);
  if (parent) delete parent[path.split('.').pop()!];
}

/** Whether the device section holding a port is one that has a port (a gate of driver `none` has none). */
function takesPort(parent: Record<string, unknown>): boolean {
  return parent.driver !== 'none';
}

/** The kiosk's setup without its local and secret paths, as a file another kiosk imports. */
export function exportSetup(config: KioskConfig, exportedAt: number): SetupFile {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const path of SETUP_LOCAL_PATHS) deleteAt(copy, path);
  return {
    format: SETUP_FORMAT,
    version: SETUP_VERSION,
    exportedAt: new Date(exportedAt).toISOString(),
    from: { venueId: config.venueId, kioskId: config.kioskId },
    config: copy,
  };
}

export function setupFileText(file: SetupFile): string {
  return JSON.stringify(file, null, 2) + '\n';
}

/** `setup-<venue>-<yyyymmdd>.json`, safe as a file name on any system. */
export function setupFileName(file: SetupFile): string {
  const venue = file.from.venueId.replace(/[^\w.-]+/g, '_').slice(0, 40) || 'venue';
  return `setup-${venue}-${file.exportedAt.slice(0, 10).replace(/-/g, '')}.json`;
}

const refused = (path: string, message: string): SetupPlan => ({ source: null, changes: [], keptLocal: [], problems: [{ path, message }], result: null });

/**
 * What importing `text` on a kiosk running `current` would change. The file's configuration with
 * this kiosk's local values put back must parse with the kiosk's schema; every problem names its
 * path in the file. A file that is not a setup file (not JSON, another format or version) is refused
 * with the reason at `(file)`.
 */
export function planImport(current: KioskConfig, text: string): SetupPlan {
  if (text.length > MAX_SETUP_TEXT) return refused('(file)', `too large (${text.length} characters; a setup file is at most ${MAX_SETUP_TEXT})`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return refused('(file)', `not JSON (${(err as Error).message.slice(0, 200)})`);
  }
  if (!isObject(json) || json.format !== SETUP_FORMAT) return refused('format', `not a setup file (format must be "${SETUP_FORMAT}")`);
  if (json.version !== SETUP_VERSION) return refused('version', `version ${JSON.stringify(json.version)?.slice(0, 20)} is not supported (this kiosk reads version ${SETUP_VERSION})`);
  if (!isObject(json.config)) return refused('config', 'missing or not an object');
  const from = isObject(json.from) ? json.from : {};
  const source = {
    venueId: typeof from.venueId === 'string' ? from.venueId.slice(0, 100) : '',
    kioskId: typeof from.kioskId === 'string' ? from.kioskId.slice(0, 100) : '',
    exportedAt: typeof json.exportedAt === 'string' ? json.exportedAt.slice(0, 40) : '',
  };

  // The file's setup with this kiosk's own values in place. A local value the file carries anyway
  // (a hand-made file) is not taken: this box's stays.
  const merged = structuredClone(json.config);
  const mine = JSON.parse(JSON.stringify(current)) as Record<string, unknown>;
  const keptLocal: string[] = [];
  const problems: ConfigProblem[] = [];
  for (const path of SETUP_LOCAL_PATHS) {
    deleteAt(merged, path);
    const value = getAt(mine, path);
    if (value === undefined) continue;
    const keys = path.split('.');
    if (keys.length > 1) {
      // Inside a section: put back only where the file's setup has that section (a device it fits).
      const target = parentOf(merged, path);
      const isPort = keys[keys.length - 1] === 'port';
      if (keys[0] === 'devices') {
        if (!target || (isPort && !takesPort(target))) continue;
      }
      if (target) target[keys[keys.length - 1]!] = value;
      else Object.assign(merged, withChanges(merged, [{ path, value }]));
    } else merged[path] = value;
    // Listed when this kiosk has a value of its own there (not an empty list, not a null default).
    if (path !== 'revision' && value !== null && !(Array.isArray(value) && value.length === 0)) keptLocal.push(path);
  }
  // A device the file fits that this kiosk has no port for: the port is this box's to set first.
  for (const [device, name] of DEVICE_NAMES) {
    const section = getAt(merged, `devices.${device}`);
    if (isObject(section) && takesPort(section) && section.port === undefined) {
      problems.push({ path: `devices.${device}.port`, message: `the file's setup has ${name} and this kiosk has no port for it: set the port on this kiosk (Devices) first, then import` });
    }
  }
  // Every problem at once: a typo elsewhere in the file is not hidden behind a missing port (the
  // schema's own complaint about a port already named above is left out).
  const parsed = kioskConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const named = new Set(problems.map((p) => p.path));
    problems.push(...configProblemsOf(parsed.error).filter((p) => !named.has(p.path)));
  }
  if (problems.length > 0 || !parsed.success) return { source, changes: [], keptLocal, problems: problems.slice(0, 100), result: null };
  const result = parsed.data;
  const changes = changedPaths(current, result)
    .filter((p) => p !== 'revision')
    .map((path) => ({ path, from: getAt(mine, path), to: getAt(JSON.parse(JSON.stringify(result)), path) }));
  return { source, changes, keptLocal, problems: [], result };
}

/** The serial devices of a setup, in the words the integrator's screen uses. */
const DEVICE_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['idcard', 'an ID card reader'],
  ['thermometer', 'a thermometer'],
  ['scanner', 'a serial code scanner'],
  ['gate', 'a gate relay'],
];

/** Whether each installed list is signed by one of the given roots (null: no such list installed). */
export interface ListsSignedBy {
  trust: boolean | null;
  status: boolean | null;
}

/** The question asked of the lists installed on the kiosk being imported into (ListCache.cachedSignedBy). */
export type SignedByRoots = (roots: KioskConfig['roots']) => ListsSignedBy;

const covers = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}.`);

/**
 * The plan with the checks only the kiosk being imported into can make, for the screen and the CLI
 * alike (docs/integrator-setup.md, "Cloning a setup" and "Trust"): the import must leave at least one
 * pinned root (as the trust screen refuses to unpin the last one), and roots from the file that sign
 * neither of the lists this kiosk has installed would stop every code as "issuer unknown" the moment
 * they are in force, so such an import is refused at `roots` with the reason. Roots that still sign
 * the installed lists (a site on one national root) pass; so do any roots on a kiosk with no list
 * installed yet (nothing to lose).
 */
export function checkImportRoots(current: KioskConfig, plan: SetupPlan, signedBy: SignedByRoots): SetupPlan {
  if (plan.problems.length > 0 || !plan.result) return plan;
  const refuse = (message: string): SetupPlan => ({ ...plan, result: null, problems: [{ path: 'roots', message }] });
  if (plan.result.roots.length === 0) {
    return refuse("the import leaves this kiosk with no pinned root, and a kiosk needs at least one pinned root: every code would be refused as issuer unknown; keep this kiosk's roots or pin the national root in the file");
  }
  if (!plan.changes.some((c) => covers('roots', c.path))) return plan;
  const before = signedBy(current.roots);
  const after = signedBy(plan.result.roots);
  const lost = (['trust', 'status'] as const).filter((kind) => before[kind] === true && after[kind] === false);
  if (lost.length === 0) return plan;
  const names = lost.map((k) => (k === 'trust' ? 'the installed trust list' : 'the installed status list')).join(' and ');
  return refuse(`the file's roots do not sign ${names}: every code would be refused as issuer unknown; import the lists signed by the new root first (Trust screen), or keep this kiosk's roots`);
}

/**
 * Writes a plan's changes into config.json as written (only the changed paths; what the author left
 * to the defaults stays so) on `baseRevision`, atomically (saveConfig). Returns the saved configuration.
 */
export function applyImport(dataDir: string, doc: ConfigDocument, plan: SetupPlan, options: SaveConfigOptions = {}): KioskConfig {
  if (plan.problems.length > 0 || !plan.result) throw new Error('a plan with problems is not applied');
  const set = plan.changes.filter((c) => c.to !== undefined).map((c) => ({ path: c.path, value: c.to }));
  const next = withChanges(doc, set);
  // A value the file leaves unset (an optional key, or a protocol's key that its new variant lacks) is removed.
  for (const c of plan.changes) if (c.to === undefined && isConfigPath(c.path)) deleteAt(next, c.path);
  return saveConfig(dataDir, { ...next, revision: revisionOf(doc) }, options);
}
