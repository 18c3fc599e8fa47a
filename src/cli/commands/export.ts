// `kiosk export --from DATE --to DATE [--decision D] [--format csv|xlsx|ndjson] [--reveal] --out FILE`
// (issue 3 §4): the entry log for the authorities, streamed in constant memory by a child process.
// Written to FILE.partial and renamed when complete, so an interrupted export never looks finished.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ensureDataDir } from '../../core/config/data-dir.js';
import { exportInChildProcess, EXPORT_FORMATS, type ExportFormat } from '../../core/store/index.js';
import type { Decision } from '../../contract/reasons.js';
import { CliError, dataDirOf, printJson, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';
import { cliErrorOf, parseDateOption, progressBar } from './store-cli.js';

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
    .option('--reveal', 'document numbers in clear (admins only; recorded in the audit log)')
    .option('--by <name>', 'who asked for the export (audit log; default: the OS user)')
    .option('--force', 'overwrite --out if it exists')
    .requiredOption('--out <file>', 'output file')
    .action(async (opts: ExportOpts) => {
      const fromMs = parseDateOption(opts.from, 'from', '--from');
      const toMs = parseDateOption(opts.to, 'to', '--to');
      if (toMs <= fromMs) throw new CliError('BAD_REQUEST', '--to must be after --from', 2);
      if (opts.decision !== undefined && !DECISIONS.includes(opts.decision as Decision)) {
        throw new CliError('BAD_REQUEST', `--decision: expected one of ${DECISIONS.join(', ')}`, 2);
      }
      const ext = opts.out.split('.').pop()?.toLowerCase() ?? '';
      const format = (opts.format ?? (EXPORT_FORMATS.includes(ext as ExportFormat) ? ext : 'csv')) as ExportFormat;
      if (!EXPORT_FORMATS.includes(format)) throw new CliError('BAD_REQUEST', `--format: expected one of ${EXPORT_FORMATS.join(', ')}`, 2);
      if (existsSync(opts.out) && !opts.force) throw new CliError('BAD_REQUEST', `${opts.out} exists; use --force to overwrite`, 2);
      const partial = `${opts.out}.partial`;
      const dataDir = ensureDataDir(dataDirOf(opts));
      const bar = progressBar(io, 'export');
      let result;
      try {
        // In its own process: see core/store/export-process.ts (memory bound, kiosk unaffected).
        result = await exportInChildProcess(dataDir, partial, {
          fromMs,
          toMs,
          decision: opts.decision as Decision | undefined,
          format,
          reveal: opts.reveal ?? false,
          requestedBy: opts.by ?? operatorName(),
          onProgress: (done, total) => bar.update(done, total),
        });
        renameSync(partial, opts.out);
      } catch (err) {
        rmSync(partial, { force: true });
        throw cliErrorOf(err);
      } finally {
        bar.stop();
      }
      const { peakRssMB: _peak, ...summary } = result;
      printJson(io, { out: opts.out, ...summary, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), decision: opts.decision ?? null });
    });
};
