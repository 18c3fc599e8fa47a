// The kiosk's configuration file (`config.json` in the data directory), read once at start against
// the one strict schema in src/contract/config.ts; every part takes its typed section from the
// parsed document. A kiosk that has started on a file keeps a copy of it (`config.last-good.json`):
// when a hand edit later breaks config.json, the kiosk starts on that copy and says what is wrong,
// instead of leaving the door dark (docs/security.md; architecture.md, "Security boundaries").
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { configProblemsOf, kioskConfigSchema, type ConfigProblem, type KioskConfig, type KioskConfigInput } from '../../contract/config.js';
import { writeFileAtomic, type AtomicWriteFs } from './atomic-write.js';

export { kioskConfigSchema, pinnedRootSchema, configProblemsOf, type KioskConfig, type KioskConfigInput, type ConfigProblem } from '../../contract/config.js';

export const CONFIG_FILE = 'config.json';
/** The configuration of the last successful start, byte for byte. */
export const LAST_GOOD_CONFIG_FILE = 'config.last-good.json';

/** config.json cannot be used: which file, where in it and what is wrong. Reason CONFIG_INVALID. */
export class ConfigError extends Error {
  readonly reason = 'CONFIG_INVALID';
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(`${file}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function configPath(dataDir: string): string {
  return join(dataDir, CONFIG_FILE);
}

export function lastGoodConfigPath(dataDir: string): string {
  return join(dataDir, LAST_GOOD_CONFIG_FILE);
}

/** Parses one configuration text; a ConfigError (naming `file`) when it is not JSON or not valid. */
export function parseConfigText(text: string, file: string): KioskConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `not JSON (${(err as Error).message})` }]);
  }
  const parsed = kioskConfigSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(file, configProblemsOf(parsed.error));
  return parsed.data;
}

/** The configuration in `dataDir` (defaults when there is no file); a ConfigError when it is invalid. */
export function loadConfig(dataDir: string): KioskConfig {
  const file = configPath(dataDir);
  if (!existsSync(file)) return kioskConfigSchema.parse({});
  return parseConfigText(readFileSync(file, 'utf8'), file);
}

export interface LoadedConfig {
  config: KioskConfig;
  /** Set when config.json is invalid and the last good configuration is in force instead. */
  fallback: { error: ConfigError; from: string } | null;
}

/**
 * The configuration a start runs on: config.json when valid; when it is not and a previous start
 * left a last good copy, that copy (with the error, so the kiosk reports it); otherwise the error.
 */
export function loadConfigForStart(dataDir: string): LoadedConfig {
  try {
    return { config: loadConfig(dataDir), fallback: null };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const lastGood = lastGoodConfigPath(dataDir);
    if (!existsSync(lastGood)) throw err;
    // A last good copy that no longer parses (schema changed under it) is no fallback: the original error stands.
    let config: KioskConfig;
    try {
      config = parseConfigText(readFileSync(lastGood, 'utf8'), lastGood);
    } catch {
      throw err;
    }
    return { config, fallback: { error: err, from: lastGood } };
  }
}

/** After a successful start on config.json: keep it as the last good configuration. */
export function rememberGoodConfig(dataDir: string): void {
  const file = configPath(dataDir);
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const lastGood = lastGoodConfigPath(dataDir);
  if (existsSync(lastGood) && readFileSync(lastGood, 'utf8') === text) return;
  writeFileAtomic(lastGood, text);
}

export { writeFileAtomic } from './atomic-write.js';

/** The document as written in config.json: only the keys its author wrote, no defaults filled in. */
export type ConfigDocument = Record<string, unknown>;

/** One change to the document: a dotted path (`policy.feverThresholdC`, `guards.0.id`) and its new value. */
export interface ConfigChange {
  path: string;
  value: unknown;
}

/**
 * A save made against a revision that is no longer the file's (someone else saved in between, or
 * `kiosk admin set-pin` ran): refused, so one admin never silently undoes another's change.
 */
export class ConfigConflictError extends Error {
  readonly reason = 'BAD_REQUEST';
  constructor(
    readonly baseRevision: number,
    readonly currentRevision: number,
  ) {
    super(`the configuration was changed by someone else (revision ${currentRevision}, this change was made on ${baseRevision}): reload and make it again`);
    this.name = 'ConfigConflictError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The revision a document carries (0 when it has none, as a file written before revisions). */
export function revisionOf(doc: unknown): number {
  const r = isObject(doc) ? doc.revision : undefined;
  return typeof r === 'number' && Number.isSafeInteger(r) && r >= 0 ? r : 0;
}

/** config.json as its author wrote it (no defaults filled in); `{}` when there is none. A ConfigError when it is not a JSON object. */
export function readConfigDocument(dataDir: string): ConfigDocument {
  const file = configPath(dataDir);
  if (!existsSync(file)) return {};
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, [{ path: '(file)', message: `not JSON (${(err as Error).message})` }]);
  }
  if (!isObject(json)) throw new ConfigError(file, [{ path: '(top level)', message: 'not a JSON object' }]);
  return json;
}

// A path names keys of the document and indexes of its arrays, nothing else: no prototype keys.
const PATH_RE = /^[A-Za-z][A-Za-z0-9]*(\.(?:[A-Za-z][A-Za-z0-9]*|\d{1,4}))*$/;

/** Whether `path` is a well-formed document path (`policy.feverThresholdC`, `guards.0.pin`). */
export function isConfigPath(path: string): boolean {
  return path.length <= 200 && PATH_RE.test(path) && !path.split('.').some((k) => k === 'constructor' || k === 'prototype');
}

/**
 * A copy of `doc` with each change made at its path; objects on the way are created as needed. Only
 * the changed paths are touched, so what the author left to the defaults stays left to them.
 */
export function withChanges(doc: ConfigDocument, changes: readonly ConfigChange[]): ConfigDocument {
  const out = structuredClone(doc);
  for (const { path, value } of changes) {
    if (!isConfigPath(path)) throw new ConfigError(CONFIG_FILE, [{ path: path.slice(0, 200) || '(empty)', message: 'not a configuration path' }]);
    const keys = path.split('.');
    let node: Record<string, unknown> | unknown[] = out;
    for (let i = 0; i < keys.length - 1; i++) {
      const key = keys[i]!;
      const here = (node as Record<string, unknown>)[key];
      if (typeof here !== 'object' || here === null) {
        const created: Record<string, unknown> | unknown[] = /^\d+$/.test(keys[i + 1]!) ? [] : {};
        (node as Record<string, unknown>)[key] = created;
        node = created;
      } else node = here as Record<string, unknown> | unknown[];
    }
    (node as Record<string, unknown>)[keys[keys.length - 1]!] = structuredClone(value);
  }
  return out;
}

export interface SaveConfigOptions {
  /** The revision the change was made on: refused (ConfigConflictError) when the file has moved on. */
  baseRevision?: number;
  /** The file system calls of the atomic write (tests simulate a crash between its steps). */
  fs?: AtomicWriteFs;
}

/**
 * Writes config.json atomically (temp file, fsync, rename, fsync of the directory; docs/security.md,
 * "Durable (atomic) writes") with `revision` one past the file's. What it writes must be a valid
 * document (checked first; a ConfigError naming the paths). Only the keys in `doc` are written:
 * defaults stay defaults. Returns the parsed configuration as saved.
 */
export function saveConfig(dataDir: string, doc: KioskConfigInput | ConfigDocument, options: SaveConfigOptions = {}): KioskConfig {
  const file = configPath(dataDir);
  let onDisk = 0;
  try {
    onDisk = revisionOf(readConfigDocument(dataDir));
  } catch {
    // A broken file has no revision to keep: the document's own counts.
  }
  if (options.baseRevision !== undefined && options.baseRevision !== onDisk) throw new ConfigConflictError(options.baseRevision, onDisk);
  const next = { ...(doc as ConfigDocument), revision: Math.max(onDisk, revisionOf(doc)) + 1 };
  const parsed = kioskConfigSchema.safeParse(next);
  if (!parsed.success) throw new ConfigError(file, configProblemsOf(parsed.error));
  writeFileAtomic(file, JSON.stringify(next, null, 2) + '\n', 0o600, options.fs);
  return parsed.data;
}

/** Reads config.json as written, makes `changes`, and saves it (see saveConfig). */
export function updateConfig(dataDir: string, changes: readonly ConfigChange[], options: SaveConfigOptions = {}): KioskConfig {
  return saveConfig(dataDir, withChanges(readConfigDocument(dataDir), changes), options);
}
