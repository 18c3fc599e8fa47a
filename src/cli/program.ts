// Shared CLI plumbing: every command takes --data-dir (or KIOSK_DATA_DIR), and reports failures
// as a reason and a message on stderr with a non-zero exit, never as a stack trace.
import { Command } from 'commander';
import { resolveDataDir } from '../core/config/data-dir.js';

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export const processIo: CommandIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

/** Adds the data directory option every command carries. */
export function withDataDir(cmd: Command): Command {
  return cmd.option('--data-dir <dir>', 'kiosk data directory (default: $KIOSK_DATA_DIR or the per-user app data folder)');
}

export function dataDirOf(opts: { dataDir?: string }): string {
  return resolveDataDir(opts.dataDir);
}

/** An error the CLI prints as `kiosk: REASON: message` and turns into an exit code. */
export class CliError extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function printJson(io: CommandIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
