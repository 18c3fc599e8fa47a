// `kiosk log …`: the entry log's maintenance commands (architecture.md "Data at rest").
//   verify          walk the keyed hash chains; name the first broken row; exit 3 when broken. The
//                   output says where the chain key is (credential, key-file, data-dir): a rewrite
//                   is caught when made without that key (docs/security.md)
//   seed N          add N realistic synthetic entries (demos, benchmarks)
//   purge           delete entries older than the retention period (config store.retentionDays)
//   backup FILE     online consistent copy of the database
//   restore FILE    replace a damaged database with a checked backup (kiosk stopped)
//   tail [N]        the newest entries, masked, with local time (venue time zone) and UTC
//   stats           today's counts by decision and reason
//   audit [N]       the newest audit records (exports, purges, searches, restores)
import { loadConfig } from '../../core/config/config.js';
import { ensureDataDir } from '../../core/config/data-dir.js';
import { backupDatabase, purgeExpired, restoreDatabase, seedEntries, storeSettingsOf } from '../../core/store/index.js';
import { resolveUploadConfig } from '../../core/upload/service.js';
import { purgeLimits } from '../../core/upload/store-source.js';
import { isTimeZone, kioskTimeZone, localTime } from '../local-time.js';
import { CliError, dataDirOf, printJson, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';
import { cliErrorOf, parseCount, parseDateOption, progressBar, withStore } from './store-cli.js';

interface DirOpts {
  dataDir?: string;
}

export const register: RegisterCommand = (program, io) => {
  const log = program.command('log').description('the real-name entry log: verify, seed, purge, backup, restore, tail, stats, audit');

  withDataDir(log.command('verify'))
    .description('walk the keyed hash chains and name the first broken row (exit 3 when broken)')
    .action(async (opts: DirOpts) => {
      const bar = progressBar(io, 'verify');
      const report = await withStore(dataDirOf(opts), (store) => {
        const total = store.entryCount() + store.overrideCount();
        // The chain is keyed: it proves nothing against whoever also holds the key, so say where it is.
        return { ...store.verify((rows) => bar.update(Math.min(rows, total), total)), chainKey: store.keySource.kind };
      }).finally(() => bar.stop());
      printJson(io, report);
      const broken = report.chains.find((c) => !c.ok);
      if (broken?.firstBroken) {
        const b = broken.firstBroken;
        throw new CliError('CHAIN_BROKEN', `${broken.chain}: first broken row seq ${b.seq} (id ${b.id}): ${b.problem}`, 3);
      }
    });

  withDataDir(log.command('seed'))
    .description('add N synthetic entries spread over a time range (default: the last 7 days)')
    .argument('<count>', 'how many entries')
    .option('--from <date>', 'first passage time (YYYY-MM-DD or ISO)')
    .option('--to <date>', 'last passage time (YYYY-MM-DD or ISO)')
    .option('--seed <n>', 'random seed (same seed, same people)', '20200123')
    .action(async (countArg: string, opts: DirOpts & { from?: string; to?: string; seed: string }) => {
      const count = parseCount(countArg, 'count');
      const toMs = opts.to ? parseDateOption(opts.to, 'to', '--to') : Date.now();
      const fromMs = opts.from ? parseDateOption(opts.from, 'from', '--from') : toMs - 7 * 86_400_000;
      if (toMs < fromMs) throw new CliError('BAD_REQUEST', '--to must not be before --from');
      const dataDir = dataDirOf(opts);
      const config = loadConfig(ensureDataDir(dataDir));
      const bar = progressBar(io, 'seed');
      const started = performance.now();
      const r = await withStore(dataDir, (store) =>
        seedEntries(store, count, { fromMs, toMs, venueId: config.venueId, kioskId: config.kioskId, seed: parseCount(opts.seed, '--seed', 2 ** 31), onProgress: (n) => bar.update(n, count) }),
      ).finally(() => bar.stop());
      const seconds = (performance.now() - started) / 1000;
      printJson(io, { ...r, seconds: Math.round(seconds * 100) / 100, rowsPerSecond: Math.round(r.written / seconds) });
    });

  withDataDir(log.command('purge'))
    .description('delete entries older than the retention period, in small batches (audited)')
    .option('--retention-days <days>', 'override config store.retentionDays')
    .option('--uploaded-through-seq <seq>', 'keep every entry after this seq whatever its age (default with a collector configured: what it acknowledged)')
    .action(async (opts: DirOpts & { retentionDays?: string; uploadedThroughSeq?: string }) => {
      const dataDir = dataDirOf(opts);
      let retentionDays: number;
      try {
        retentionDays = opts.retentionDays ? parseCount(opts.retentionDays, '--retention-days', 3650) : storeSettingsOf(loadConfig(ensureDataDir(dataDir))).retentionDays;
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError('BAD_REQUEST', (err as Error).message);
      }
      const uploadedThroughSeq = opts.uploadedThroughSeq === undefined ? null : Number(opts.uploadedThroughSeq);
      if (uploadedThroughSeq !== null && !(Number.isInteger(uploadedThroughSeq) && uploadedThroughSeq >= 0)) throw new CliError('BAD_REQUEST', '--uploaded-through-seq: expected a whole number');
      const uploading = resolveUploadConfig(loadConfig(dataDir)).collectorUrl !== null;
      const r = await withStore(dataDir, (store) =>
        purgeExpired(store, { retentionDays, ...(uploadedThroughSeq === null ? purgeLimits(store, uploading) : { uploadedThroughSeq }) }),
      );
      const ms = (x: number) => Math.round(x * 100) / 100;
      printJson(io, { retentionDays, ...r, longestBatchMs: ms(r.longestBatchMs), batchP50Ms: ms(r.batchP50Ms), batchP99Ms: ms(r.batchP99Ms) });
    });

  withDataDir(log.command('backup'))
    .description('write a consistent copy of the database (safe while the kiosk runs); back up the key files once too')
    .argument('<file>', 'new backup file')
    .action(async (file: string, opts: DirOpts) => {
      const r = await withStore(dataDirOf(opts), (store) => backupDatabase(store, file));
      printJson(io, { backup: file, ...r });
    });

  withDataDir(log.command('restore'))
    .description('replace the database with a checked backup (stop the kiosk first); the old file is kept as .damaged-<time>')
    .argument('<file>', 'backup file taken with `kiosk log backup`')
    .action((file: string, opts: DirOpts) => {
      try {
        printJson(io, { restoredFrom: file, ...restoreDatabase(ensureDataDir(dataDirOf(opts)), file) });
      } catch (err) {
        throw cliErrorOf(err);
      }
    });

  withDataDir(log.command('tail'))
    .description('the newest entries, names and document numbers masked; times in the venue time zone with UTC beside them')
    .argument('[count]', 'how many', '20')
    .option('--time-zone <zone>', "IANA time zone for local times (default: the kiosk's own)")
    .action(async (countArg: string, opts: DirOpts & { timeZone?: string }) => {
      const n = parseCount(countArg, 'count', 1000);
      const timeZone = opts.timeZone ?? kioskTimeZone();
      if (!isTimeZone(timeZone)) throw new CliError('BAD_REQUEST', `--time-zone: unknown time zone "${timeZone.slice(0, 64)}" (expected an IANA name such as Asia/Shanghai)`);
      const entries = await withStore(dataDirOf(opts), (store) => store.lastEntries(n));
      // Local time first (what a reader at the venue looks for), UTC beside it, `at` kept for machines.
      printJson(io, entries.map((e) => ({ localTime: localTime(e.at, timeZone), timeZone, utc: new Date(e.at).toISOString(), ...e })));
    });

  withDataDir(log.command('stats'))
    .description("today's counts by decision and by reason")
    .action(async (opts: DirOpts) => {
      printJson(io, await withStore(dataDirOf(opts), (store) => ({ today: store.countsToday(), entries: store.entryCount(), lastSeq: store.lastSeq() })));
    });

  withDataDir(log.command('audit'))
    .description('the newest audit records: exports, purges, searches, backups, restores')
    .argument('[count]', 'how many', '20')
    .action(async (countArg: string, opts: DirOpts) => {
      const n = parseCount(countArg, 'count', 10_000);
      printJson(io, await withStore(dataDirOf(opts), (store) => store.auditLog(n)));
    });
};
