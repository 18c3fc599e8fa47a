// Electron main: the production host. One kiosk window, full screen, no way to navigate away;
// the core runs here in the main process and the renderer reaches it only through the preload's
// verbs (contextBridge) → ipcMain.handle, one channel per contract method, each checking that the
// call comes from our own page's main frame and validating the payload against the contract.
import { app, BrowserWindow, ipcMain, powerSaveBlocker, protocol, session, type IpcMainInvokeEvent } from 'electron';
import { METHOD_NAMES, KioskEventSchema, fail, type CameraConfig, type KioskEvent, type Language } from '../contract/api.js';
import { dispatchCall } from '../contract/dispatch.js';
import { IPC_EVENT_CHANNEL, ipcChannel } from '../contract/ipc.js';
import { createKioskService, type KioskServiceHandle } from '../app/kiosk-service.js';
import { startHeartbeat } from '../app/heartbeat.js';
import { preloadBundle, rendererDir } from '../app/paths.js';
import { createStaticFiles } from '../app/static-files.js';
import { defaultDataDir, ensureDataDir } from '../core/config/data-dir.js';
import { ConfigError } from '../core/config/config.js';
import { installGracefulQuit } from './quit.js';
import { createKioskLogger, logSettingsOf, type KioskLogger } from '../app/logger.js';
import { installExportSaveDialog } from './export-save.js';
import { APP_SCHEME, APP_URL, ELECTRON_CSP, isOurUrl, isTrustedSender, schemeHandler, shouldGrantPermission } from './policy.js';

// Readable lines on stderr until the data directory is known; then the JSON log file as well
// (src/app/logger.ts), with the same readable lines on a terminal.
let log: (line: string) => void = (line) => void process.stderr.write(`kiosk: ${line}\n`);
let kioskLog: KioskLogger | null = null;

// Must run before `ready`: our scheme behaves like https (secure context for getUserMedia, its own origin).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);
// Nobody taps the kiosk before the first result: sounds must play without a gesture.
app.commandLine.appendSwitch('autoplay-policy', 'no-user-gesture-required');

if (!app.requestSingleInstanceLock()) {
  // A second `kiosk start` would fight the first over the serial ports and the database.
  log('another kiosk instance is running; exiting');
  app.exit(0);
}

interface StartOptions {
  camera?: Partial<CameraConfig>;
  language?: Language | null;
  /** `kiosk start --demo`: make the embedded demo when there is no config.json. */
  demo?: boolean;
}

function startOptions(): StartOptions {
  try {
    return JSON.parse(process.env.KIOSK_START_OPTIONS ?? '{}') as StartOptions;
  } catch {
    return {};
  }
}

let window: BrowserWindow | null = null;
let handle: KioskServiceHandle | null = null;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    kiosk: true,
    fullscreen: true,
    autoHideMenuBar: true,
    backgroundColor: '#1d2a3a',
    webPreferences: {
      preload: preloadBundle(),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
      devTools: !app.isPackaged && process.env.KIOSK_DEVTOOLS === '1',
    },
  });
  // No navigation and no new windows: the kiosk shows our page and nothing else, ever.
  win.webContents.on('will-navigate', (event, url) => {
    if (!isOurUrl(url)) event.preventDefault();
  });
  win.webContents.on('will-redirect', (event, url) => {
    if (!isOurUrl(url)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  // A crashed or killed renderer must come back by itself: there is nobody to press F5.
  win.webContents.on('render-process-gone', (_event, details) => {
    log(`renderer gone (${details.reason}); reloading`);
    setTimeout(() => {
      if (!win.isDestroyed()) void win.loadURL(APP_URL);
    }, 1000);
  });
  win.webContents.on('unresponsive', () => {
    log('renderer unresponsive; reloading');
    win.webContents.forcefullyCrashRenderer();
  });
  void win.loadURL(APP_URL);
  return win;
}

function installSessionPolicy(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((webContents, permission, callback, details) => {
    const mediaTypes = 'mediaTypes' in details && Array.isArray(details.mediaTypes) ? (details.mediaTypes as string[]) : [];
    callback(shouldGrantPermission(permission, details.requestingUrl ?? webContents.getURL(), mediaTypes));
  });
  ses.setPermissionCheckHandler((_webContents, permission, requestingOrigin) =>
    permission === 'media' && isOurUrl(`${requestingOrigin}/`),
  );
  // Nothing leaves the machine from the renderer: only our scheme (and the camera's blob:/data:) loads.
  ses.webRequest.onBeforeRequest((details, callback) => {
    const ok = isOurUrl(details.url) || details.url.startsWith('blob:') || details.url.startsWith('data:') || details.url.startsWith('devtools:');
    callback({ cancel: !ok });
  });
  // The renderer's files exactly as the browser host serves them (src/app/static-files.ts).
  const files = createStaticFiles({ dir: rendererDir(), csp: ELECTRON_CSP });
  protocol.handle(APP_SCHEME, schemeHandler(files));
}

function installIpc(h: KioskServiceHandle): void {
  for (const method of METHOD_NAMES) {
    ipcMain.handle(ipcChannel(method), async (event: IpcMainInvokeEvent, params: unknown) => {
      const frame = event.senderFrame;
      if (!frame || !isTrustedSender({ url: frame.url, isMainFrame: frame === event.sender.mainFrame })) {
        log(`refused ${method} from an untrusted frame`);
        return fail('UNAUTHORIZED', 'calls are accepted from the kiosk page only');
      }
      // Named like the browser host's screens, so an override reads the same from either host.
      return dispatchCall(h.service, method, params, { host: 'electron', clientId: `screen-1/window-${event.sender.id}` });
    });
  }
  h.service.subscribe((event: KioskEvent) => {
    const parsed = KioskEventSchema.safeParse(event);
    if (!parsed.success || !window || window.isDestroyed()) return;
    if (isOurUrl(window.webContents.getURL())) window.webContents.send(IPC_EVENT_CHANNEL, parsed.data);
  });
  // The screen shows out of service when these stop (contract: `heartbeat`), e.g. a hung main process.
  startHeartbeat((event) => {
    if (window && !window.isDestroyed() && isOurUrl(window.webContents.getURL())) window.webContents.send(IPC_EVENT_CHANNEL, event);
  });
}

async function start(): Promise<void> {
  await app.whenReady();
  const dataDir = ensureDataDir(defaultDataDir());
  kioskLog = createKioskLogger({ dataDir, settings: logSettingsOf(dataDir), console: (line) => process.stderr.write(`kiosk: ${line}\n`) });
  log = kioskLog.for('kiosk');
  const options = startOptions();
  handle = await createKioskService({ dataDir, camera: options.camera, language: options.language ?? undefined, log, demo: options.demo === true });
  installSessionPolicy();
  installIpc(handle);
  // An export from the admin console goes where the admin picks in a save dialog (a USB stick).
  installExportSaveDialog(handle.exports, () => window);
  // A kiosk that dims or sleeps is a closed door.
  powerSaveBlocker.start('prevent-display-sleep');
  window = createWindow();
  for (const line of handle.banner) process.stdout.write(`kiosk: ${line}\n`);
  process.stdout.write(`kiosk ready ${APP_URL}\n`);
}

app.on('second-instance', () => {
  if (window) {
    if (window.isMinimized()) window.restore();
    window.focus();
  }
});
app.on('window-all-closed', () => app.quit());
// Quit waits (bounded) for the kiosk to close: gate relay off, upload worker, store (./quit.ts).
installGracefulQuit(app, {
  close: () =>
    handle
      ? async () => {
          await handle!.close();
          kioskLog?.close();
        }
      : null,
  log: (line) => log(line),
});

start().catch((err: unknown) => {
  // An invalid config.json says what the CLI says (`kiosk: CONFIG_INVALID: <file>: <path>: <what>`),
  // but exits 1, not the CLI's sysexits 78: a desktop session or an installer's launcher knows only
  // "failed", and 78 means nothing to it (README, "Configuration").
  if (err instanceof ConfigError) process.stderr.write(`kiosk: ${err.reason}: ${err.message}\n`);
  log(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
  app.exit(1);
});
