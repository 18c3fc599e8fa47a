// Shared CLI plumbing: every command takes --data-dir (or KIOSK_DATA_DIR), and reports failures
// as a reason and a message on stderr with a non-zero exit, never as a stack trace.
import { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolveDataDir } from '../core/config/data-dir.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export const processIo: CommandIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

const quieted = new WeakSet<object>();

/**
 * A reader that goes away (`kiosk config import FILE | head`, a closed ssh session) makes the next
 * write fail with EPIPE, emitted as an 'error' event: unhandled, Node ends the process with a stack
 * trace. What was being printed has nobody to read it, so the command carries on (an import already
 * decided is still written; a running kiosk keeps running) and ends as it would have, quietly.
 * Other write errors are not hidden. Installed once per stream, for every command (src/cli/main.ts).
 */
export function endQuietlyOnBrokenPipe(io: CommandIo): void {
  for (const stream of [io.stdout, io.stderr]) {
    if (quieted.has(stream)) continue;
    quieted.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      throw err;
    });
  }
}

/** Adds the data directory option every command carries. */
export function withDataDir(cmd: Command): Command {
  return cmd.option('--data-dir <dir>', 'kiosk data directory (default: $KIOSK_DATA_DIR or the per-user app data folder)');
}

export function dataDirOf(opts: { dataDir?: string }): string {
  return resolveDataDir(opts.dataDir);
}

/**
 * The data directory of a kiosk that must already be there: commands that read or change a kiosk's
 * configuration (set a PIN, export or import a setup). A mistyped --data-dir made anew would take
 * the change into a directory no kiosk runs from and report success, while the real kiosk stays as
 * it was; only `kiosk start` (a first start) and `kiosk pki demo --install` create one. An existing
 * empty directory is accepted: provisioning before the first start (README "Commands").
 */
export function existingDataDirOf(opts: { dataDir?: string }): string {
  const dir = dataDirOf(opts);
  if (!existsSync(dir)) throw new CliError('BAD_REQUEST', `no data directory ${dir} (a typo? create it, or run kiosk start once)`);
  if (!statSync(dir).isDirectory()) throw new CliError('BAD_REQUEST', `${dir} is not a directory (--data-dir names the kiosk's data directory)`);
  return dir;
}

/**
 * An error the CLI prints as `kiosk: REASON: message` and turns into an exit code: 2 for
 * BAD_REQUEST (the command was asked wrongly: a typo, a missing file, a bad option, as the README's
 * command table says), 1 for everything else (the command ran and the answer is no).
 */
export class CliError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly exitCode = reason === 'BAD_REQUEST' ? 2 : 1,
  ) {
    super(message);
  }
}

export function printJson(io: CommandIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
