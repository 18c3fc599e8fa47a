// `kiosk config check FILE`: validates a configuration document before it is copied to a kiosk, with
// the kiosk's own parser (the contract's strict schema, src/contract/config.ts), so what passes here
// is what `kiosk start` accepts and a problem is reported in the very words start would print
// (README "Configuration"): one `kiosk: CONFIG_INVALID: FILE: path: what` line per problem.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigConflictError, ConfigError, configPath, loadConfig, parseConfigText, readConfigDocument, updateConfig, writeFileAtomic, type KioskConfig } from '../../core/config/config.js';
import { applyImport, checkImportRoots, exportSetup, MAX_SETUP_TEXT, planImport, SETUP_FORMAT, setupFileText, type SetupPlan } from '../../core/config/clone.js';
import { missingForStart } from '../../core/config/start-needs.js';
import { ListCache } from '../../core/codes/list-cache.js';
import { kioskConfigSchema } from '../../contract/config.js';
import { EXIT_NOT_CONFIGURED, notConfiguredLines } from './start.js';
import { EXIT_CONFIG_INVALID } from '../main.js';
import { CliError, existingDataDirOf, withDataDir, type CommandIo } from '../program.js';
import type { RegisterCommand } from './index.js';

/**
 * Checks one file; returns the exit code (0 valid, EX_CONFIG invalid). A configuration document is
 * checked as `kiosk start` checks it: the schema, then the keys a production start needs (the same
 * lines start prints, start.ts startRefusalLines). A setup file from `kiosk config export` is
 * recognised by its format and checked as an import would check it, without a kiosk to import into
 * (no local values put back, no installed lists to compare roots with).
 */
export function checkConfigFile(io: CommandIo, path: string): number {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError('BAD_REQUEST', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (isSetupFileText(text)) return checkSetupText(io, file, text);
  let config: KioskConfig;
  try {
    config = parseConfigText(text, file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) io.stderr.write(`kiosk: ${err.reason}: ${err.file}: ${p.path}: ${p.message}\n`);
    return EXIT_CONFIG_INVALID;
  }
  const missing = notConfiguredLines(file, missingForStart(JSON.parse(text) as Record<string, unknown>, config));
  if (missing.length > 0) {
    for (const line of missing) io.stderr.write(`${line}\n`);
    return EXIT_NOT_CONFIGURED;
  }
  io.stdout.write(`ok ${file}\n`);
  return 0;
}

/** Whether the text is a setup file (its `format`), not a configuration document. */
function isSetupFileText(text: string): boolean {
  try {
    const json = JSON.parse(text) as unknown;
    return typeof json === 'object' && json !== null && (json as Record<string, unknown>).format === SETUP_FORMAT;
  } catch {
    return false;
  }
}

/**
 * A setup file checked as an import would: format, version, and its configuration with the schema
 * and at least one root, onto a kiosk of defaults that has a port for each device the file fits
 * (ports are the importing kiosk's own, not the file's; no installed lists to compare roots with).
 */
function checkSetupText(io: CommandIo, file: string, text: string): number {
  const blank = kioskConfigSchema.parse({});
  const fitted = (JSON.parse(text) as { config?: { devices?: Record<string, unknown> } }).config?.devices ?? {};
  const devices: Record<string, unknown> = { ...blank.devices };
  for (const kind of ['idcard', 'thermometer', 'scanner', 'gate']) {
    const section = fitted[kind];
    if (typeof section === 'object' && section !== null) devices[kind] = { port: "(the importing kiosk's port)" };
  }
  const base = { ...blank, devices } as KioskConfig;
  const plan = checkImportRoots(base, planImport(base, text), () => ({ trust: null, status: null }));
  if (plan.problems.length > 0) {
    for (const p of plan.problems) io.stderr.write(`kiosk: CONFIG_INVALID: ${file}: ${p.path}: ${p.message}\n`);
    return EXIT_CONFIG_INVALID;
  }
  io.stdout.write(`ok ${file} (a setup file from kiosk config export: checked as an import would check it; import it with kiosk config import)\n`);
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
  // Defaults are no kiosk's setup: a directory without config.json (a typo, a kiosk never set up) has nothing to export.
  if (!existsSync(configPath(dataDir))) throw new CliError('BAD_REQUEST', `nothing to export: ${configPath(dataDir)} does not exist (is --data-dir the kiosk's data directory?)`);
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
  // The same roots checks as the screen (clone.ts checkImportRoots) against the lists installed in this data directory.
  const lists = new ListCache(dataDir, current.roots);
  const plan = checkImportRoots(current, planImport(current, text), (roots) => lists.cachedSignedBy(roots));
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
    // Asked rightly, refused by the state: another save came first (exit 1, not a usage error).
    if (err instanceof ConfigConflictError) throw new CliError('BAD_REQUEST', err.message, 1);
    throw err;
  }
  return 0;
}

export const register: RegisterCommand = (program, io, setExit) => {
  const config = program.command('config').description('configuration documents (config.json)');
  withDataDir(config.command('check'))
    .description('validate a configuration file before copying it to a kiosk, as kiosk start checks it: "ok", or one CONFIG_INVALID line per problem, or one NOT_CONFIGURED line per key start needs (exit 78); a setup file from kiosk config export is checked as an import would')
    .argument('<file>', 'the configuration document (JSON)')
    .action((file: string) => setExit(checkConfigFile(io, file)));
  withDataDir(config.command('export'))
    .description('export this kiosk\'s setup to FILE (or stdout) for the next kiosk: no PINs, guards, key file, ports, calibration, camera device, CA path or kiosk id')
    .argument('[file]', 'where to write the setup (JSON); not written over')
    .action((file: string | undefined, opts: { dataDir?: string }) => setExit(exportSetupCommand(io, existingDataDirOf(opts), file)));
  withDataDir(config.command('import'))
    .description('show what a setup file would change on this kiosk (each path: this kiosk -> the file; what is kept local); --yes applies it')
    .argument('<file>', 'a setup file from `kiosk config export`')
    .option('--yes', 'apply the differences (without it nothing is written)')
    .action((file: string, opts: { dataDir?: string; yes?: boolean }) => setExit(importSetupCommand(io, existingDataDirOf(opts), file, opts.yes === true)));
  // The integrator pins the fleet key (docs/upload-protocol.md §12), as printed by
  // `kiosk collector fleet-key init`; a running kiosk picks the change up from config.json.
  withDataDir(config.command('pin-fleet-key'))
    .description('pin the fleet public key (config fleet.publicKey) so signed fleet configuration from the collector is applied; --group sets this kiosk\'s groups')
    .argument('<public-key>', 'base64url Ed25519 public key, as kiosk collector fleet-key init prints it')
    .option('--group <group>', 'a kiosk group (repeatable; replaces fleet.groups)', (v: string, prev: string[] = []) => [...prev, v])
    .action((publicKey: string, opts: { dataDir?: string; group?: string[] }) => {
      const dataDir = existingDataDirOf(opts);
      try {
        const saved = updateConfig(dataDir, [{ path: 'fleet.publicKey', value: publicKey }, ...(opts.group ? [{ path: 'fleet.groups', value: opts.group }] : [])]);
        io.stdout.write(`fleet key pinned (configuration revision ${saved.revision}); groups: ${saved.fleet.groups.join(', ') || 'none'}; a running kiosk takes it without a restart and fetches its fleet configuration at once\n`);
      } catch (err) {
        if (err instanceof ConfigError) throw new CliError('CONFIG_INVALID', err.problems.map((p) => `${p.path}: ${p.message}`).join('; '), 2);
        throw err;
      }
    });
};
