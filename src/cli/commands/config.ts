// `kiosk config check FILE`: validates a configuration document before it is copied to a kiosk, with
// the kiosk's own parser (the contract's strict schema, src/contract/config.ts), so what passes here
// is what `kiosk start` accepts and a problem is reported in the very words start would print
// (README "Configuration"): one `kiosk: CONFIG_INVALID: FILE: path: what` line per problem.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, parseConfigText } from '../../core/config/config.js';
import { EXIT_CONFIG_INVALID } from '../main.js';
import { CliError, withDataDir, type CommandIo } from '../program.js';
import type { RegisterCommand } from './index.js';

/** Checks one file; returns the exit code (0 valid, EX_CONFIG invalid). */
export function checkConfigFile(io: CommandIo, path: string): number {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError('BAD_REQUEST', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    parseConfigText(text, file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) io.stderr.write(`kiosk: ${err.reason}: ${err.file}: ${p.path}: ${p.message}\n`);
    return EXIT_CONFIG_INVALID;
  }
  io.stdout.write(`ok ${file}\n`);
  return 0;
}

export const register: RegisterCommand = (program, io, setExit) => {
  const config = program.command('config').description('configuration documents (config.json)');
  withDataDir(config.command('check'))
    .description('validate a configuration file against the kiosk\'s schema before copying it to a kiosk: "ok", or one CONFIG_INVALID line per problem (exit 78)')
    .argument('<file>', 'the configuration document (JSON)')
    .action((file: string) => setExit(checkConfigFile(io, file)));
};
