// `kiosk config check FILE`: validates a configuration document before it is copied to a kiosk, with
// the kiosk's own parser (the contract's strict schema, src/contract/config.ts), so what passes here
// is what `kiosk start` accepts and a problem is reported in the very words start would print
// (README "Configuration"): one `kiosk: CONFIG_INVALID: FILE: path: what` line per problem.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigConflictError, ConfigError, loadConfig, parseConfigText, readConfigDocument, writeFileAtomic } from '../../core/config/config.js';
import { applyImport, exportSetup, MAX_SETUP_TEXT, planImport, setupFileText, type SetupPlan } from '../../core/config/clone.js';
import { EXIT_CONFIG_INVALID } from '../main.js';
import { CliError, dataDirOf, withDataDir, type CommandIo } from '../program.js';
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

// Cloning a setup (docs/integrator-setup.md, "Cloning a setup"): the first kiosk's setup to a file,
// the file onto the next kiosk. Without --yes an import only prints what it would change (a dry run
// an integrator can read, or a script can diff) and writes nothing: the CLI runs over ssh and in
// scripts, where a question on stdin would hang; --yes applies.

/** A value as one short line of the differences table. */
const shown = (v: unknown) => (v === undefined ? '(not set)' : JSON.stringify(v)).slice(0, 200);

function printPlan(io: CommandIo, plan: SetupPlan): void {
  if (plan.source) io.stdout.write(`setup of ${plan.source.venueId || '?'} (kiosk ${plan.source.kioskId || '?'}, exported ${plan.source.exportedAt || '?'})\n`);
  if (plan.changes.length === 0) io.stdout.write('no differences: this kiosk already has this setup\n');
  for (const c of plan.changes) io.stdout.write(`change ${c.path}: ${shown(c.from)} -> ${shown(c.to)}\n`);
  for (const p of plan.keptLocal) io.stdout.write(`kept local: ${p}\n`);
}

function readSetupFile(path: string): { file: string; text: string } {
  const file = resolve(path);
  try {
    // Checked before reading: a huge file is refused, not loaded.
    const size = statSync(file).size;
    if (size > MAX_SETUP_TEXT) throw new CliError('CONFIG_INVALID', `${file}: (file): too large (${size} bytes; a setup file is at most ${MAX_SETUP_TEXT})`, EXIT_CONFIG_INVALID);
    return { file, text: readFileSync(file, 'utf8') };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError('BAD_REQUEST', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** `kiosk config export [FILE]`: the setup to FILE (refused if it exists) or to stdout. */
export function exportSetupCommand(io: CommandIo, dataDir: string, path: string | undefined, now = Date.now()): number {
  const text = setupFileText(exportSetup(loadConfig(dataDir), now));
  if (path === undefined) {
    io.stdout.write(text);
    return 0;
  }
  const file = resolve(path);
  if (existsSync(file)) throw new CliError('BAD_REQUEST', `${file} exists: not written over`);
  writeFileAtomic(file, text, 0o644);
  io.stdout.write(`exported ${file} (no PINs, no ports, no calibration, no kiosk id)\n`);
  return 0;
}

/** `kiosk config import FILE [--yes]`: prints the differences; with --yes, applies them. */
export function importSetupCommand(io: CommandIo, dataDir: string, path: string, yes: boolean): number {
  const { file, text } = readSetupFile(path);
  const current = loadConfig(dataDir);
  const plan = planImport(current, text);
  if (plan.problems.length > 0) {
    for (const p of plan.problems) io.stderr.write(`kiosk: CONFIG_INVALID: ${file}: ${p.path}: ${p.message}\n`);
    return EXIT_CONFIG_INVALID;
  }
  printPlan(io, plan);
  if (!yes) {
    if (plan.changes.length > 0) io.stdout.write('nothing written: run again with --yes to apply\n');
    return 0;
  }
  if (plan.changes.length === 0) return 0;
  try {
    const saved = applyImport(dataDir, readConfigDocument(dataDir), plan, { baseRevision: current.revision });
    io.stdout.write(`applied: revision ${saved.revision} (a running kiosk takes it from config.json; devices and camera after a restart)\n`);
  } catch (err) {
    if (err instanceof ConfigConflictError) throw new CliError('BAD_REQUEST', err.message);
    throw err;
  }
  return 0;
}

export const register: RegisterCommand = (program, io, setExit) => {
  const config = program.command('config').description('configuration documents (config.json)');
  withDataDir(config.command('check'))
    .description('validate a configuration file against the kiosk\'s schema before copying it to a kiosk: "ok", or one CONFIG_INVALID line per problem (exit 78)')
    .argument('<file>', 'the configuration document (JSON)')
    .action((file: string) => setExit(checkConfigFile(io, file)));
  withDataDir(config.command('export'))
    .description('export this kiosk\'s setup to FILE (or stdout) for the next kiosk: no PINs, guards, key file, ports, calibration, camera device, CA path or kiosk id')
    .argument('[file]', 'where to write the setup (JSON); not written over')
    .action((file: string | undefined, opts: { dataDir?: string }) => setExit(exportSetupCommand(io, dataDirOf(opts), file)));
  withDataDir(config.command('import'))
    .description('show what a setup file would change on this kiosk (each path: this kiosk -> the file; what is kept local); --yes applies it')
    .argument('<file>', 'a setup file from `kiosk config export`')
    .option('--yes', 'apply the differences (without it nothing is written)')
    .action((file: string, opts: { dataDir?: string; yes?: boolean }) => setExit(importSetupCommand(io, dataDirOf(opts), file, opts.yes === true)));
};
