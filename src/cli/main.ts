// Entry point of the `kiosk` command (bin/kiosk.js). Each command lives in commands/<name>.ts and
// registers itself here.
import { Command, CommanderError } from 'commander';
import { CliError, endQuietlyOnBrokenPipe, processIo, type CommandIo } from './program.js';
import { COMMANDS } from './commands/index.js';
import { ConfigError } from '../core/config/config.js';

/** sysexits EX_CONFIG, as for a missing configuration (start.ts EXIT_NOT_CONFIGURED). */
export const EXIT_CONFIG_INVALID = 78;

/** The whole `kiosk` program with every command registered (tests walk it); `exitCode()` is what
 *  a command asked to exit with. */
export function buildProgram(io: CommandIo = processIo): { program: Command; exitCode(): number } {
  const program = new Command('kiosk')
    .description('Checkpoint Kiosk: verify health codes, log entries, drive checkpoint devices')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  for (const register of COMMANDS) register(program, io, setExit);
  return { program, exitCode: () => exitCode };
}

export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  endQuietlyOnBrokenPipe(io);
  const { program, exitCode } = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode();
  } catch (err) {
    // A usage mistake commander caught (a missing required option, an unknown one) is a bad request
    // like the ones the commands refuse themselves: exit 2 for both, so a script tells them from
    // "ran and failed" (1). Help and --version keep commander's 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CliError) {
      io.stderr.write(`kiosk: ${err.reason}: ${err.message}\n`);
      return err.exitCode;
    }
    // A configuration that does not parse is the integrator's to fix: the file, the path, what is wrong.
    if (err instanceof ConfigError) {
      io.stderr.write(`kiosk: ${err.reason}: ${err.message}\n`);
      return EXIT_CONFIG_INVALID;
    }
    io.stderr.write(`kiosk: INTERNAL: ${(err as Error).message}\n`);
    return 1;
  }
}
