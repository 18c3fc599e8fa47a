// `kiosk export --from DATE --to DATE [--decision D] [--format csv|xlsx|ndjson] [--reveal] --out FILE`
// (docs/security.md "Exports"): the entry log for the authorities, streamed in constant memory by a child process.
// Written to FILE.partial and moved into place when complete, so an interrupted export never looks
// finished. Both are created exclusively (docs/security.md): the partial file with O_EXCL by the
// export process, the final name by a hard link that fails if anything (a file, a symbolic link)
// already has it; only --force replaces an existing FILE, and even then never writes through it.
// --reveal puts names and document numbers in clear: it asks for the admin PIN on stdin (never
// on the command line: shell history, `ps`), checked against the scrypt hash in config.json, and
// every refusal is audited like the export itself.
import { existsSync, linkSync, lstatSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import { loadConfig } from '../../core/config/config.js';
import { ensureDataDir } from '../../core/config/data-dir.js';
import { adminPinMatches, adminPinOf } from '../../core/checkpoint/admin-pin.js';
import { databasePath, exportInChildProcess, EXPORT_FORMATS, type ExportFormat } from '../../core/store/index.js';
import type { Decision } from '../../contract/reasons.js';
import { CliError, dataDirOf, printJson, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';
import { cliErrorOf, parseDateOption, progressBar, withStore } from './store-cli.js';

interface ExportOpts {
  dataDir?: string;
  from: string;
  to: string;
  decision?: string;
  format?: string;
  reveal?: boolean;
  out: string;
  force?: boolean;
  by?: string;
}

const DECISIONS: readonly Decision[] = ['admit', 'deny', 'review'];

/** The first line of stdin (the PIN), without its line ending. */
async function firstLineOf(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n') || text.length > 64) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** Refuses a revealed export unless stdin holds the admin PIN; audits every refusal (never the PIN). */
async function requireAdminPin(io: Parameters<RegisterCommand>[1], dataDir: string, requestedBy: string): Promise<void> {
  const record = adminPinOf(loadConfig(dataDir));
  if (!record) throw new CliError('UNAUTHORIZED', 'a revealed export needs the admin PIN, and none is set: set one with `kiosk admin set-pin`', 2);
  const pin = await firstLineOf(io.stdin);
  if (/^\d{4,12}$/.test(pin) && adminPinMatches(pin, record)) return;
  await withStore(dataDir, (store) => store.audit('export-refused', { revealed: true, requestedBy, why: pin === '' ? 'no admin PIN given' : 'wrong admin PIN' }));
  throw new CliError('UNAUTHORIZED', 'wrong or missing admin PIN (give it on stdin: `kiosk export --reveal … < pin.txt`)', 2);
}

/** Puts the finished partial file at `out`: exclusively (a hard link), or replacing it with --force. */
function moveIntoPlace(partial: string, out: string, force: boolean): void {
  if (force) {
    // rename replaces the name itself; a symbolic link there is replaced, never followed.
    renameSync(partial, out);
    return;
  }
  try {
    linkSync(partial, out);
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new CliError('BAD_REQUEST', `${out} appeared during the export; the export is kept as ${partial}`);
    throw err;
  }
  unlinkSync(partial);
}

function nameTaken(path: string): boolean {
  try {
    lstatSync(path); // a dangling symbolic link counts: existsSync would follow it and say no
    return true;
  } catch {
    return false;
  }
}

function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export const register: RegisterCommand = (program, io) => {
  withDataDir(program.command('export'))
    .description('export entries in a date range to CSV (UTF-8 BOM), XLSX or NDJSON; document numbers masked unless --reveal')
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD, local) or ISO date-time')
    .requiredOption('--to <date>', 'last day, inclusive (YYYY-MM-DD, local) or ISO date-time (exclusive)')
    .option('--decision <decision>', 'only admit, deny or review')
    .option('--format <format>', 'csv, xlsx or ndjson (default: from the --out extension, else csv)')
    .option('--reveal', 'names and document numbers in clear: reads the admin PIN from stdin (audited)')
    .option('--by <name>', 'who asked for the export (audit log; default: the OS user)')
    .option('--force', 'overwrite --out if it exists')
    .requiredOption('--out <file>', 'output file')
    .action(async (opts: ExportOpts) => {
      const fromMs = parseDateOption(opts.from, 'from', '--from');
      const toMs = parseDateOption(opts.to, 'to', '--to');
      if (toMs <= fromMs) throw new CliError('BAD_REQUEST', '--to must be after --from');
      if (opts.decision !== undefined && !DECISIONS.includes(opts.decision as Decision)) {
        throw new CliError('BAD_REQUEST', `--decision: expected one of ${DECISIONS.join(', ')}`);
      }
      const ext = opts.out.split('.').pop()?.toLowerCase() ?? '';
      const format = (opts.format ?? (EXPORT_FORMATS.includes(ext as ExportFormat) ? ext : 'csv')) as ExportFormat;
      if (!EXPORT_FORMATS.includes(format)) throw new CliError('BAD_REQUEST', `--format: expected one of ${EXPORT_FORMATS.join(', ')}`);
      if (nameTaken(opts.out) && !opts.force) throw new CliError('BAD_REQUEST', `${opts.out} exists; use --force to overwrite`);
      const partial = `${opts.out}.partial`;
      if (nameTaken(partial)) throw new CliError('BAD_REQUEST', `${partial} exists (an earlier export that was killed?); remove it first`);
      const dataDir = ensureDataDir(dataDirOf(opts));
      // A wrong --data-dir must not look like a quiet day: an empty file and exit 0 would be handed
      // to the authorities as "no entries" (docs/security.md, "Exports").
      if (!existsSync(databasePath(dataDir))) {
        throw new CliError('STORAGE_UNAVAILABLE', `no entry log in ${dataDir} (${databasePath(dataDir)} does not exist): nothing to export; check --data-dir`, 1);
      }
      const requestedBy = opts.by ?? operatorName();
      if (opts.reveal) await requireAdminPin(io, dataDir, requestedBy);
      const bar = progressBar(io, 'export');
      // Ctrl-C or a stop: the export process completes its audit row as cancelled and removes its file.
      const cancel = new AbortController();
      const onSignal = () => cancel.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let result;
      let created = false;
      try {
        // In its own process: see core/store/export-process.ts (memory bound, kiosk unaffected).
        result = await exportInChildProcess(dataDir, partial, {
          fromMs,
          toMs,
          decision: opts.decision as Decision | undefined,
          format,
          reveal: opts.reveal ?? false,
          requestedBy,
          signal: cancel.signal,
          onAuditStarted: () => (created = true),
          onProgress: (done, total) => bar.update(done, total),
        });
        moveIntoPlace(partial, opts.out, opts.force ?? false);
      } catch (err) {
        // Only a file this export created: never one that was there before (the export refused it).
        if (created && !(err instanceof CliError)) rmSync(partial, { force: true });
        throw cliErrorOf(err);
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        bar.stop();
      }
      const { peakRssMB: _peak, ...summary } = result;
      printJson(io, { out: opts.out, ...summary, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), decision: opts.decision ?? null });
    });
};
