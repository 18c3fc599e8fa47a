// Where the kiosk keeps its database, keys and cached lists. Every CLI command takes --data-dir;
// KIOSK_DATA_DIR overrides the default, which is the platform's per-user application data folder.
import envPaths from 'env-paths';
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const APP_NAME = 'checkpoint-kiosk';

/** Owner-only modes for everything the kiosk keeps: names, document numbers and keys. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Directories whose contents another program owns and keeps private itself: the directory is made
 * owner-only, its contents are left as that program wrote them (Chromium's profile).
 */
const FOREIGN_MANAGED = new Set(['chromium-profile']);

export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KIOSK_DATA_DIR) return resolve(env.KIOSK_DATA_DIR);
  return envPaths(APP_NAME, { suffix: '' }).data;
}

export function resolveDataDir(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ? resolve(option) : defaultDataDir(env);
}

function tighten(path: string, mode: number, current: number): void {
  if ((current & 0o777) !== mode) chmodSync(path, mode);
}

/**
 * Makes a data directory owner-only: the directory and every directory below it 0700, every
 * regular file 0600. Symbolic links are neither followed nor changed. Runs at every start, so a
 * directory created by an older kiosk (0755, a backup written 0644) or restored from an archive
 * with loose modes is tightened before anything is read from it.
 */
export function enforcePrivateModes(dir: string): void {
  const walk = (path: string, descend: boolean) => {
    const st = lstatSync(path);
    if (st.isDirectory()) {
      tighten(path, PRIVATE_DIR_MODE, st.mode);
      if (!descend) return;
      for (const name of readdirSync(path)) walk(join(path, name), !FOREIGN_MANAGED.has(name));
    } else if (st.isFile()) {
      tighten(path, PRIVATE_FILE_MODE, st.mode);
    }
  };
  walk(dir, true);
}

/** Creates the data directory if needed and makes it and its contents owner-only (personal data, keys). */
export function ensureDataDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  enforcePrivateModes(dir);
  return dir;
}
