// Runs the browser host end to end: the kiosk service, the HTTP/WebSocket server, and the Chromium
// window (or the printed URL when there is none). `kiosk start` and the e2e harness both use it.
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CameraConfig, Language } from '../contract/api.js';
import { ensureDataDir } from '../core/config/data-dir.js';
import { startBrowserHost, type BrowserHost } from './server.js';
import { openKioskWindow, reasonNotToOpenWindow } from './chromium.js';
import { createKioskService, type KioskServiceHandle } from '../app/kiosk-service.js';
import { rendererDir as defaultRendererDir } from '../app/paths.js';

export interface RunBrowserHostOptions {
  dataDir: string;
  port?: number;
  /** Open a Chromium window (`app`/`kiosk`) or not (`none`: print the URL). */
  window: 'app' | 'kiosk' | 'none';
  camera?: Partial<CameraConfig>;
  language?: Language;
  rendererDir?: string;
  env?: NodeJS.ProcessEnv;
  /** The browser to open (default /usr/bin/chromium). */
  chromium?: string;
  log: (line: string) => void;
  /** Tests pass their own service handle (e.g. a composition with test devices). */
  serviceHandle?: KioskServiceHandle;
  /** Start the embedded demo when the data directory holds no configuration (`kiosk start --demo`). */
  demo?: boolean;
}

export interface RunningBrowserHost {
  host: BrowserHost;
  service: KioskServiceHandle;
  window: ChildProcess | null;
  /** Why no window was opened (printed with the URL). */
  noWindowReason: string | null;
  /** When no window was opened: the one-time launch URL to open instead (it works once). */
  launchUrl: string | null;
  close(): Promise<void>;
}

export async function runBrowserHost(options: RunBrowserHostOptions): Promise<RunningBrowserHost> {
  const dataDir = ensureDataDir(options.dataDir);
  const rendererDir = options.rendererDir ?? defaultRendererDir();
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the renderer is not built (${rendererDir}/index.html missing): run \`npm run build\``);
  }
  const serviceHandle =
    options.serviceHandle ?? (await createKioskService({ dataDir, camera: options.camera, language: options.language, log: options.log, demo: options.demo }));
  let host: BrowserHost;
  try {
    host = await startBrowserHost({ service: serviceHandle.service, rendererDir, port: options.port, log: options.log, exports: serviceHandle.exports ?? null });
  } catch (err) {
    await serviceHandle.close();
    throw err;
  }
  const noWindowReason = options.window === 'none' ? 'window not requested' : reasonNotToOpenWindow(options.env ?? process.env, options.chromium);
  let window: ChildProcess | null = null;
  let closing = false;
  const restarts: number[] = [];
  const mode = options.window;
  const open = () => {
    if (mode === 'none') return;
    // A fresh one-time launch URL per window: a reopened browser has lost the old session cookie.
    const child = openKioskWindow({ url: host.issueLaunchUrl(), origin: host.origin, dataDir, mode, executable: options.chromium, log: options.log });
    window = child;
    // The window must not outlive the kiosk even when it exits without close() (see pty.ts).
    const endWindow = () => child.kill('SIGTERM');
    process.once('exit', endWindow);
    child.once('exit', () => process.off('exit', endWindow));
    child.on('error', (err) => options.log(`chromium did not start: ${err.message}; open ${host.issueLaunchUrl()} yourself`));
    child.on('exit', (code, signal) => {
      if (closing) return;
      // A kiosk window that closed or crashed must come back by itself (nobody is there to restart
      // it), but a browser that dies at once every time would spin: give up after 5 in a minute.
      const now = Date.now();
      restarts.push(now);
      while (restarts.length && restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length > 5) {
        options.log(`chromium keeps exiting (last: ${signal ?? code}); open ${host.issueLaunchUrl()} yourself`);
        return;
      }
      options.log(`chromium exited (${signal ?? code}); reopening`);
      setTimeout(() => {
        if (!closing) open();
      }, 2000);
    });
  };
  if (noWindowReason === null) open();
  return {
    host,
    service: serviceHandle,
    get window() {
      return window;
    },
    noWindowReason,
    launchUrl: noWindowReason === null ? null : host.issueLaunchUrl(),
    async close() {
      closing = true;
      const w = window as ChildProcess | null;
      if (w && w.exitCode === null) w.kill('SIGTERM');
      await host.close();
      await serviceHandle.close();
    },
  };
}
