// Opens the kiosk page in Debian's Chromium as an app window (or full-screen kiosk) for the
// browser host, on low-end Linux boxes where Electron is not installed.
//
// The window is driven over a DevTools pipe (`--remote-debugging-pipe`: file descriptors 3 and 4 of
// the child, reachable by this process alone, no port), which gives three things flags cannot
// (docs/security.md, "Who may drive the kiosk"):
// - the one-time launch URL never appears on Chromium's command line, which every local user can
//   read in /proc/<pid>/cmdline; the window starts blank and is navigated to it over the pipe;
// - the camera is granted to the kiosk origin alone (Browser.grantPermissions), where the old
//   `--use-fake-ui-for-media-stream` said yes to any origin the profile ever showed. Chromium's
//   per-origin policy (VideoCaptureAllowedUrls) needs a managed-policy directory under /etc, which a
//   kiosk running without root cannot write;
// - every request of the page to anything but the kiosk origin is failed (Fetch domain), so the
//   window cannot be navigated away, and a popup is closed as soon as it appears.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

export interface KioskWindowOptions {
  /** The one-time launch URL the window opens (sent over the pipe, never on the command line). */
  url: string;
  /** The kiosk origin (`http://127.0.0.1:PORT`): the only one granted the camera and allowed to load. */
  origin: string;
  /** The kiosk data directory: Chromium's profile lives inside it, apart from any user's browser. */
  dataDir: string;
  /** `app`: a window without browser UI; `kiosk`: full screen, no way out without a keyboard. */
  mode: 'app' | 'kiosk';
  executable?: string;
  /** More switches (tests add `--headless` and a fake camera device). */
  extraArgs?: string[];
  /** What went wrong on the control pipe (no personal data: method names and Chromium's messages). */
  log?: (line: string) => void;
}

/** Why the browser host would print the URL instead of opening a window, or null to open one. */
export function reasonNotToOpenWindow(env: NodeJS.ProcessEnv, executable = DEFAULT_CHROMIUM): string | null {
  if (env.KIOSK_NO_BROWSER === '1') return 'KIOSK_NO_BROWSER=1';
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display (DISPLAY and WAYLAND_DISPLAY unset)';
  if (!existsSync(executable)) return `${executable} not found (apt-get install chromium)`;
  return null;
}

/** The page the window shows until the control pipe navigates it to the launch URL. */
export const BLANK_PAGE = 'about:blank';

export function chromiumArgs(options: Pick<KioskWindowOptions, 'dataDir' | 'mode' | 'extraArgs'>): string[] {
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
    // The control pipe on fds 3/4 (see the top of this file): the launch URL and the camera grant.
    '--remote-debugging-pipe',
    ...(options.extraArgs ?? []),
    options.mode === 'kiosk' ? '--kiosk' : `--app=${BLANK_PAGE}`,
    ...(options.mode === 'kiosk' ? [BLANK_PAGE] : []),
  ];
}

/** True when `url` is the kiosk origin itself (scheme, host and port), for the request filter. */
export function isKioskOriginUrl(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

type CdpMessage = { id?: number; method?: string; params?: Record<string, unknown>; sessionId?: string; result?: unknown; error?: { message?: string } };

/**
 * The DevTools protocol over Chromium's pipe: NUL-separated JSON, commands with ids, answers and
 * events. Kept to what the window needs; an answer that never comes leaves the window blank, and
 * the log says which step failed.
 */
class CdpPipe {
  private nextId = 1;
  private buffer = '';
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly handlers: Array<(m: CdpMessage) => void> = [];

  constructor(
    private readonly toBrowser: Writable,
    fromBrowser: Readable,
  ) {
    fromBrowser.setEncoding('utf8');
    fromBrowser.on('data', (chunk: string) => {
      this.buffer += chunk;
      let end: number;
      while ((end = this.buffer.indexOf('\0')) >= 0) {
        const text = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 1);
        let message: CdpMessage;
        try {
          message = JSON.parse(text) as CdpMessage;
        } catch {
          continue;
        }
        if (message.id !== undefined && this.waiting.has(message.id)) {
          const w = this.waiting.get(message.id)!;
          this.waiting.delete(message.id);
          if (message.error) w.reject(new Error(message.error.message ?? 'DevTools error'));
          else w.resolve(message.result);
        } else if (message.method) {
          for (const h of this.handlers) h(message);
        }
      }
    });
    const failAll = () => {
      for (const w of this.waiting.values()) w.reject(new Error('Chromium closed the control pipe'));
      this.waiting.clear();
    };
    fromBrowser.on('close', failAll);
    fromBrowser.on('error', failAll);
    toBrowser.on('error', failAll);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  }

  on(handler: (m: CdpMessage) => void): void {
    this.handlers.push(handler);
  }
}

/**
 * Grants the camera to the kiosk origin, confines the window to it, and navigates it to the launch
 * URL. Resolves when the navigation was sent; rejects (and the window stays blank) when Chromium
 * refuses a step.
 */
async function driveWindow(cdp: CdpPipe, options: KioskWindowOptions): Promise<void> {
  await cdp.send('Browser.grantPermissions', { origin: options.origin, permissions: ['videoCapture'] });
  const attached = new Set<string>();
  let firstPage: ((sessionId: string) => void) | null = null;
  const pageReady = new Promise<string>((resolve) => (firstPage = resolve));
  cdp.on((m) => {
    if (m.method === 'Target.targetCreated' || m.method === 'Target.targetInfoChanged') {
      const info = m.params?.targetInfo as { targetId: string; type: string; openerId?: string } | undefined;
      if (!info || info.type !== 'page' || attached.has(info.targetId)) return;
      attached.add(info.targetId);
      if (info.openerId || firstPage === null) {
        // A second window (window.open, a target=_blank link): the kiosk shows one page only.
        void cdp.send('Target.closeTarget', { targetId: info.targetId }).catch(() => undefined);
        return;
      }
      const done = firstPage;
      firstPage = null;
      void cdp
        .send('Target.attachToTarget', { targetId: info.targetId, flatten: true })
        .then((r) => done((r as { sessionId: string }).sessionId))
        .catch((err: Error) => options.log?.(`chromium control: attach failed (${err.message})`));
    } else if (m.method === 'Fetch.requestPaused' && m.sessionId) {
      const p = m.params as { requestId: string; request: { url: string } };
      if (isKioskOriginUrl(p.request.url, options.origin)) {
        void cdp.send('Fetch.continueRequest', { requestId: p.requestId }, m.sessionId).catch(() => undefined);
        return;
      }
      options.log?.('chromium control: blocked a request away from the kiosk origin');
      // 204 rather than a failure: a navigation answered "no content" does not happen at all, so
      // the guard screen stays up instead of turning into Chromium's error page.
      void cdp.send('Fetch.fulfillRequest', { requestId: p.requestId, responseCode: 204 }, m.sessionId).catch(() => undefined);
    }
  });
  await cdp.send('Target.setDiscoverTargets', { discover: true });
  const sessionId = await pageReady;
  await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] }, sessionId);
  await cdp.send('Page.navigate', { url: options.url }, sessionId);
}

export function openKioskWindow(options: KioskWindowOptions): ChildProcess {
  mkdirSync(join(options.dataDir, 'chromium-profile'), { recursive: true, mode: 0o700 });
  const child = spawn(options.executable ?? DEFAULT_CHROMIUM, chromiumArgs(options), { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const toBrowser = child.stdio[3] as Writable | null;
  const fromBrowser = child.stdio[4] as Readable | null;
  if (toBrowser && fromBrowser) {
    const cdp = new CdpPipe(toBrowser, fromBrowser);
    driveWindow(cdp, options).catch((err: Error) => options.log?.(`chromium control failed: ${err.message}`));
  }
  return child;
}
