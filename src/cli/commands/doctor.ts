// `kiosk doctor [--json] [--device-wait MS] [--no-devices]`: the checks in ../doctor-checks.ts as a
// pass / warn / fail list with what to do, or one JSON object for machines. Exit 0 all pass,
// 1 a warning, 2 a failure.
import { CliError, dataDirOf, withDataDir } from '../program.js';
import { exitCodeOf, formatReport, runDoctor } from '../doctor-checks.js';
import type { RegisterCommand } from './index.js';

export const register: RegisterCommand = (program, io, setExit) => {
  withDataDir(program.command('doctor'))
    .description('check devices, camera, data directory, disk, database, clock, lists and collector; exit 0 pass, 1 warn, 2 fail')
    .option('--json', 'one JSON object: {overall, checks: [{id, status, summary, action}]}')
    .option('--device-wait <ms>', 'how long each configured device gets to answer', '3000')
    .option('--no-devices', 'do not open the serial devices (the running kiosk holds them)')
    .action(async (opts: { dataDir?: string; json?: boolean; deviceWait: string; devices: boolean }) => {
      const deviceWaitMs = Number(opts.deviceWait);
      if (!Number.isInteger(deviceWaitMs) || deviceWaitMs < 100 || deviceWaitMs > 60_000) throw new CliError('BAD_REQUEST', '--device-wait must be 100–60000 ms');
      const report = await runDoctor({ dataDir: dataDirOf(opts), deviceWaitMs, devices: opts.devices });
      io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      setExit(exitCodeOf(report));
    });
};
