// Opens the kiosk page in Debian's Chromium as an app window (or full-screen kiosk) for the
// browser host, on low-end Linux boxes where Electron is not installed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface KioskWindowOptions {
  url: string;
  /** The kiosk data directory: Chromium's profile lives inside it, apart from any user's browser. */
  dataDir: string;
  /** `app`: a window without browser UI; `kiosk`: full screen, no way out without a keyboard. */
  mode: 'app' | 'kiosk';
  executable?: string;
}

/** Why the browser host would print the URL instead of opening a window, or null to open one. */
export function reasonNotToOpenWindow(env: NodeJS.ProcessEnv, executable = DEFAULT_CHROMIUM): string | null {
  if (env.KIOSK_NO_BROWSER === '1') return 'KIOSK_NO_BROWSER=1';
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display (DISPLAY and WAYLAND_DISPLAY unset)';
  if (!existsSync(executable)) return `${executable} not found (apt-get install chromium)`;
  return null;
}

export function chromiumArgs(options: KioskWindowOptions): string[] {
  return [
    `--user-data-dir=${join(options.dataDir, 'chromium-profile')}`,
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-features=Translate,MediaRouter',
    '--noerrdialogs',
    '--password-store=basic',
    // Pass/stop sounds must play without a tap first: nobody touches the kiosk screen.
    '--autoplay-policy=no-user-gesture-required',
    // Grants the camera without a prompt nobody is there to answer. Chromium has no per-origin
    // switch for this; the window only ever shows our own origin (CSP, no links, no navigation
    // targets), so the grant reaches our page alone.
    '--use-fake-ui-for-media-stream',
    options.mode === 'kiosk' ? `--kiosk` : `--app=${options.url}`,
    ...(options.mode === 'kiosk' ? [options.url] : []),
  ];
}

export function openKioskWindow(options: KioskWindowOptions): ChildProcess {
  mkdirSync(join(options.dataDir, 'chromium-profile'), { recursive: true, mode: 0o700 });
  return spawn(options.executable ?? DEFAULT_CHROMIUM, chromiumArgs(options), { stdio: 'ignore' });
}
