// The kiosk's log (README, "Install on a kiosk"): pino, one JSON object per line with `level`,
// `time` (ISO 8601, UTC) and `component`, written to <data dir>/logs/kiosk.log (0600, rotated by
// size: kiosk.log → kiosk.log.1 → … → kiosk.log.N, the oldest dropped; `log` in config.json) and,
// under systemd, as the same JSON lines to stdout, which the journal keeps. On a terminal
// (`npm start`) the console keeps its readable `kiosk: <line>` form.
//
// What goes in is what the code passes to log(line): messages are written without personal data
// (docs/security.md, "Logs"); scripts/log-privacy.test.ts runs a full demo and checks the file.
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { logSettingsSchema, type LogSettings } from '../contract/config.js';
import { loadConfigForStart } from '../core/config/config.js';

export const LOG_DIR = 'logs';
export const LOG_FILE = 'kiosk.log';

/**
 * A file that rotates itself by size, for pino's multistream (it needs only write()). Writes are
 * synchronous: a line is on its way to disk before the call that logged it returns, so the last
 * lines before a crash are not lost in a buffer.
 */
export class RotatingFile {
  private fd: number;
  private size: number;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly maxFiles: number,
  ) {
    this.fd = this.open();
    this.size = fstatSync(this.fd).size;
  }

  private open(): number {
    return openSync(this.path, 'a', 0o600);
  }

  write(chunk: string): boolean {
    const bytes = Buffer.byteLength(chunk);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    writeSync(this.fd, chunk);
    this.size += bytes;
    return true;
  }

  /** kiosk.log.(N-1) → kiosk.log.N, …, kiosk.log → kiosk.log.1, then a new kiosk.log. */
  rotate(): void {
    closeSync(this.fd);
    rmSync(`${this.path}.${this.maxFiles}`, { force: true });
    for (let i = this.maxFiles - 1; i >= 1; i -= 1) {
      if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = this.open();
    this.size = 0;
  }

  close(): void {
    try {
      fsyncSync(this.fd);
    } catch {
      // a file on a filesystem without fsync: closing is what matters
    }
    closeSync(this.fd);
  }
}

export interface KioskLoggerOptions {
  dataDir: string;
  settings?: Partial<LogSettings>;
  /** The readable console line for a terminal; null: no console (tests). Default: stderr `kiosk: …`. */
  console?: ((line: string) => void) | null;
  /** JSON lines to stdout for the journal; default: when started by systemd (INVOCATION_ID set). */
  journal?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface KioskLogger {
  /** A log(line) callback for one component (host, core, upload, devices, store, …). */
  for(component: string): (line: string) => void;
  readonly pino: Logger;
  readonly file: string;
  close(): void;
}

/** Level of a message from its wording: the code's lines carry no level of their own. */
function levelOf(line: string): 'info' | 'warn' | 'error' {
  if (/\b(failed|error|cannot|unavailable|refused|invalid|crash)/i.test(line)) return /\bfailed to start\b/i.test(line) ? 'error' : 'warn';
  return 'info';
}

export function createKioskLogger(options: KioskLoggerOptions): KioskLogger {
  const settings = logSettingsSchema.parse(options.settings ?? {});
  const env = options.env ?? process.env;
  const dir = join(options.dataDir, LOG_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = new RotatingFile(join(dir, LOG_FILE), settings.maxFileBytes, settings.maxFiles);
  const streams: pino.StreamEntry[] = [{ stream: file, level: settings.level }];
  const journal = options.journal ?? Boolean(env.INVOCATION_ID);
  if (journal) streams.push({ stream: { write: (chunk: string) => process.stdout.write(chunk) }, level: settings.level });
  const logger = pino(
    {
      level: settings.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(streams),
  );
  const consoleLine = options.console === undefined ? (line: string) => process.stderr.write(`kiosk: ${line}\n`) : options.console;
  return {
    file: file.path,
    pino: logger,
    for(component) {
      const child = logger.child({ component });
      return (line: string) => {
        child[levelOf(line)](line);
        // Under systemd the journal already has the JSON line; a terminal gets the readable one.
        if (!journal) consoleLine?.(line);
      };
    },
    close() {
      logger.flush();
      file.close();
    },
  };
}

/** The `log` section of the data directory's config.json; defaults when there is none or it is broken. */
export function logSettingsOf(dataDir: string): LogSettings {
  try {
    return loadConfigForStart(dataDir).config.log;
  } catch {
    return logSettingsSchema.parse({});
  }
}
