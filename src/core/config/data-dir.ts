// Where the kiosk keeps its database, keys and cached lists. Every CLI command takes --data-dir;
// KIOSK_DATA_DIR overrides the default, which is the platform's per-user application data folder.
import envPaths from 'env-paths';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export const APP_NAME = 'checkpoint-kiosk';

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KIOSK_DATA_DIR) return resolve(env.KIOSK_DATA_DIR);
  return envPaths(APP_NAME, { suffix: '' }).data;
}

export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ? resolve(option) : defaultDataDir(env);
}

/** Creates the data directory (owner-only: it holds personal data and keys). */
export function ensureDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}
