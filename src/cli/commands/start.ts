// `kiosk start`: the kiosk a person meets. In Electron when its binary is installed, otherwise the
// browser host (Node serves the screens and the contract; Debian's Chromium shows them). With
// `--demo` and no configuration the service is the embedded demo (see src/app/kiosk-service.ts, the
// plug point); without `--demo` a missing config.json stops the start and says what to configure.
import { systemdNotifier } from '../../app/systemd.js';
import { keepLaunchFile } from '../screen-handoff.js';
import { createKioskLogger, logSettingsOf } from '../../app/logger.js';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { RegisterCommand } from './index.js';
import { CliError, dataDirOf, withDataDir, type CommandIo } from '../program.js';
import { LanguageSchema, type CameraConfig, type Language } from '../../contract/api.js';
import { runBrowserHost } from '../../host/run.js';
import { untilStopRequested } from '../stop-request.js';
import { findElectronBinary } from '../../app/electron-binary.js';
import { electronMainEntry } from '../../app/paths.js';
import { notConfiguredMessage } from '../../app/kiosk-service.js';
import { ConfigError, configPath, loadConfig, readConfigDocument } from '../../core/config/config.js';
import { missingForStart } from '../../core/config/start-needs.js';

/**
 * What start refuses in a config.json that parses: one `kiosk: NOT_CONFIGURED: FILE: key: what`
 * line per missing key (empty: none, or no file, or a file that does not parse, which start reports
 * itself or runs on its last good copy).
 */
export function startRefusalLines(dataDir: string): string[] {
  const file = configPath(dataDir);
  if (!existsSync(file)) return [];
  let config;
  let doc;
  try {
    config = loadConfig(dataDir);
    doc = readConfigDocument(dataDir);
  } catch (err) {
    if (err instanceof ConfigError) return [];
    throw err;
  }
  return notConfiguredLines(file, missingForStart(doc, config));
}

/** The lines of a start refused for want of keys (start and `kiosk config check` print the same). */
export function notConfiguredLines(file: string, missing: ReadonlyArray<{ path: string; message: string }>): string[] {
  return missing.map((m) => `kiosk: NOT_CONFIGURED: ${file}: ${m.path}: ${m.message}`);
}

interface StartOptions {
  dataDir?: string;
  port: string;
  host: string;
  kiosk?: boolean;
  browser: boolean;
  camera: boolean;
  cameraDevice?: string;
  cameraSize?: string;
  cameraEngine?: string;
  language?: string;
  demo?: boolean;
}

/** Exit status of a start refused for want of configuration (sysexits' EX_CONFIG). */
export const EXIT_NOT_CONFIGURED = 78;

/** Camera flags → the part of CameraConfig they set; bad values are a BAD_REQUEST, not a crash. */
export function cameraFromOptions(opts: Pick<StartOptions, 'camera' | 'cameraDevice' | 'cameraSize' | 'cameraEngine'>): Partial<CameraConfig> {
  const camera: Partial<CameraConfig> = {};
  if (!opts.camera) camera.enabled = false;
  if (opts.cameraDevice) camera.deviceId = opts.cameraDevice;
  if (opts.cameraSize) {
    const m = /^(\d{3,4})x(\d{3,4})$/.exec(opts.cameraSize);
    if (!m) throw new CliError('BAD_REQUEST', `--camera-size must look like 640x480, got ${JSON.stringify(opts.cameraSize)}`);
    camera.width = Number(m[1]);
    camera.height = Number(m[2]);
  }
  if (opts.cameraEngine) {
    if (opts.cameraEngine !== 'zxing-library' && opts.cameraEngine !== 'zxing-wasm') {
      throw new CliError('BAD_REQUEST', `--camera-engine must be zxing-library or zxing-wasm`);
    }
    camera.engine = opts.cameraEngine;
  }
  return camera;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('BAD_REQUEST', `--port must be 0..65535, got ${JSON.stringify(text)}`);
  return port;
}

function parseLanguage(text: string | undefined): Language | undefined {
  if (text === undefined) return undefined;
  const parsed = LanguageSchema.safeParse(text);
  if (!parsed.success) throw new CliError('BAD_REQUEST', `--language must be zh-CN or en`);
  return parsed.data;
}

async function startElectron(binary: string, dataDir: string, opts: StartOptions, io: CommandIo): Promise<number> {
  const entry = electronMainEntry();
  if (!existsSync(entry)) throw new CliError('INTERNAL', `Electron main not built (${entry}); run npm run build`);
  io.stdout.write(`kiosk: starting Electron (${binary})\n`);
  const child = spawn(binary, [entry], {
    stdio: 'inherit',
    env: {
      ...process.env,
      KIOSK_DATA_DIR: dataDir,
      // Electron main reads the same choices the browser host takes as flags.
      KIOSK_START_OPTIONS: JSON.stringify({ camera: cameraFromOptions(opts), language: parseLanguage(opts.language) ?? null, demo: opts.demo === true }),
    },
  });
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  // Whatever stops us (a signal, or the supervisor that started us going away) stops Electron too.
  void untilStopRequested().then(() => child.kill('SIGTERM'));
  return exited;
}

export const register: RegisterCommand = (program: Command, io: CommandIo, setExit) => {
  withDataDir(program.command('start'))
    .description('start the kiosk (Electron if installed, else the browser host with Chromium); --demo for the embedded demo')
    .option('--demo', 'with no config.json in the data directory, make and run the embedded demo (demo PKI, admin PIN 1234, integrator PIN 5678)')
    .option('--port <port>', 'browser host port on 127.0.0.1 (0 picks a free one)', '0')
    .option('--host <host>', 'auto | browser | electron', 'auto')
    .option('--kiosk', 'full-screen kiosk window instead of an app window')
    .option('--no-browser', 'do not open a window; print the one-time launch URL (also KIOSK_NO_BROWSER=1)')
    .option('--no-camera', 'do not use a camera')
    .option('--camera-device <deviceId>', 'camera deviceId (default: the first camera)')
    .option('--camera-size <WxH>', 'camera resolution, e.g. 640x480')
    .option('--camera-engine <engine>', 'zxing-wasm (default) or zxing-library (fallback)')
    .option('--language <lang>', 'zh-CN (default) or en')
    .action(async (opts: StartOptions) => {
      const dataDir = dataDirOf(opts);
      const camera = cameraFromOptions(opts);
      const language = parseLanguage(opts.language);
      const port = parsePort(opts.port);
      if (!['auto', 'browser', 'electron'].includes(opts.host)) throw new CliError('BAD_REQUEST', '--host must be auto, browser or electron');
      // Before anything starts: a production box whose config.json went missing must not come up as a demo.
      if (!opts.demo && !existsSync(configPath(dataDir))) throw new CliError('NOT_CONFIGURED', notConfiguredMessage(dataDir), EXIT_NOT_CONFIGURED);
      // A file that parses but names no venue, kiosk, root or admin PIN is no production kiosk
      // (start-needs.ts); `kiosk config check` prints these same lines.
      const missing = startRefusalLines(dataDir);
      if (missing.length > 0) {
        for (const line of missing) io.stderr.write(`${line}\n`);
        setExit(EXIT_NOT_CONFIGURED);
        return;
      }
      if (opts.host !== 'browser') {
        const electron = findElectronBinary();
        if ('path' in electron) {
          setExit(await startElectron(electron.path, dataDir, opts, io));
          return;
        }
        if (opts.host === 'electron') throw new CliError('DEVICE_UNAVAILABLE', `no Electron binary: ${electron.missing}`);
        io.stdout.write(`kiosk: no Electron binary (${electron.missing}); using the browser host\n`);
      }
      // JSON lines to <data dir>/logs/kiosk.log (and the journal under systemd); the terminal keeps
      // its readable lines (src/app/logger.ts).
      const kioskLog = createKioskLogger({ dataDir, settings: logSettingsOf(dataDir), console: (line) => io.stderr.write(`kiosk: ${line}\n`) });
      const log = kioskLog.for('kiosk');
      const running = await runBrowserHost({
        dataDir,
        port,
        window: opts.browser ? (opts.kiosk ? 'kiosk' : 'app') : 'none',
        camera,
        language,
        log,
        demo: opts.demo === true,
      });
      for (const line of running.service.banner) io.stdout.write(`kiosk: ${line}\n`);
      // Without a window the operator opens the page: the one-time launch URL, good for one browser.
      const shown = running.launchUrl ?? running.host.url;
      // Under systemd stdout is the journal: the one-time URL goes to the screen unit's file only.
      const launchFile = process.env.KIOSK_LAUNCH_FILE;
      if (running.launchUrl && launchFile) io.stdout.write(`kiosk: no window (${running.noWindowReason}); the screen takes its launch URL from ${launchFile}\n`);
      else if (running.launchUrl) io.stdout.write(`kiosk: no window (${running.noWindowReason}); open ${running.launchUrl} in Chromium (it works once; type \`launch\` here for another)\n`);
      io.stdout.write(`kiosk ready ${launchFile && running.launchUrl ? running.host.origin : shown}\n`);
      // Under systemd: the screen unit's launch URL, READY=1 and the watchdog (src/app/systemd.ts).
      const handoff = running.launchUrl && launchFile ? keepLaunchFile(launchFile, () => running.host.issueLaunchUrl(), log) : null;
      const systemd = systemdNotifier({ log });
      await systemd?.ready(`kiosk ready on ${running.host.origin}`);
      // The demo reads console commands (present a card, set a temperature, scan a code) from stdin.
      // Without a window, `launch` prints a fresh one-time launch URL (a second browser, a closed tab);
      // opening it signs the screen opened before out (one screen session, src/host/server.ts).
      const demoCommand = running.service.demoCommand;
      const lines = demoCommand || running.launchUrl ? createInterface({ input: io.stdin, terminal: false }) : null;
      lines?.on('line', (line) => {
        if (running.launchUrl && line.trim() === 'launch') {
          io.stdout.write(`kiosk: open ${running.host.issueLaunchUrl()} in Chromium (it works once)\n`);
          return;
        }
        if (demoCommand) void demoCommand(line).then((answer) => answer && io.stdout.write(`${answer}\n`));
      });
      const reason = await untilStopRequested();
      lines?.close();
      handoff?.stop();
      systemd?.stop();
      io.stdout.write(`kiosk: ${reason}, stopping\n`);
      // Bounded: a stuck device close must not keep the kiosk (and its children) alive; what is left
      // after this is ended by the exit hooks of the pty pairs and the window.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running.close(), new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
      kioskLog.close();
    });
};
