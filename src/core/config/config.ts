// The kiosk's configuration file (`config.json` in the data directory), read once at start against
// the one strict schema in src/contract/config.ts; every part takes its typed section from the
// parsed document. A kiosk that has started on a file keeps a copy of it (`config.last-good.json`):
// when a hand edit later breaks config.json, the kiosk starts on that copy and says what is wrong,
// instead of leaving the door dark (docs/security.md; architecture.md, "Security boundaries").
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { configProblemsOf, kioskConfigSchema, type ConfigProblem, type KioskConfig, type KioskConfigInput } from '../../contract/config.js';
import { writeFileAtomic } from './atomic-write.js';

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

/** Writes config.json atomically; what it writes must be a valid document (checked before writing). */
export function saveConfig(dataDir: string, config: KioskConfigInput): void {
  const parsed = kioskConfigSchema.safeParse(config);
  if (!parsed.success) throw new ConfigError(configPath(dataDir), configProblemsOf(parsed.error));
  writeFileAtomic(configPath(dataDir), JSON.stringify(config, null, 2) + '\n');
}
