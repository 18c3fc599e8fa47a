// `kiosk simulate idcard|thermometer|scanner|gate [--link PATH]`: a device simulator on the far end
// of a socat pseudo-terminal pair. The kiosk (or `kiosk devices test`) opens PATH as if
// it were the device's serial port. Commands come one a line from stdin, typed or piped from a
// script (--script FILE runs a file first): `help` lists them.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PtyPair } from '../../../native-bridge/serial/pty.js';
import { IdCardSimulator } from '../../../native-bridge/simulators/idcard-sim.js';
import { ThermometerSimulator } from '../../../native-bridge/simulators/thermometer-sim.js';
import { ScannerSimulator } from '../../../native-bridge/simulators/scanner-sim.js';
import { GateSimulator } from '../../../native-bridge/simulators/gate-sim.js';
import { runConsoleCommand, type AnySimulator } from '../../../native-bridge/simulators/console.js';
import { DEMO_BAUD } from '../../../native-bridge/demo.js';
import { CliError, withDataDir, type CommandIo } from '../program.js';
import type { RegisterCommand } from './index.js';
import { thermometerProtocolOf, withThermometerOptions, type ThermometerOptions } from './devices.js';

interface SimulateOptions extends ThermometerOptions {
  link?: string;
  baud?: string;
  script?: string;
  exitOnEof?: boolean;
}

const DEVICES = ['idcard', 'thermometer', 'scanner', 'gate'] as const;
type Device = (typeof DEVICES)[number];

function makeSimulator(device: Device, pair: PtyPair, baudRate: number, opts: SimulateOptions): AnySimulator {
  const base = { devicePath: pair.devicePath, baudRate, pair };
  switch (device) {
    case 'idcard':
      return new IdCardSimulator(base);
    case 'thermometer':
      return new ThermometerSimulator({ ...base, protocol: thermometerProtocolOf(opts) });
    case 'scanner':
      return new ScannerSimulator(base);
    case 'gate':
      return new GateSimulator(base);
  }
}

async function simulate(io: CommandIo, device: string, opts: SimulateOptions): Promise<void> {
  if (!(DEVICES as readonly string[]).includes(device)) throw new CliError('BAD_REQUEST', `unknown device "${device}": ${DEVICES.join(', ')}`);
  const kind = device as Device;
  const baudRate = opts.baud === undefined ? DEMO_BAUD[kind] : Number(opts.baud);
  if (!Number.isInteger(baudRate) || baudRate <= 0) throw new CliError('BAD_REQUEST', '--baud must be a positive integer');
  const script = opts.script === undefined ? [] : readScript(opts.script);
  const link = opts.link ?? `/tmp/kiosk-${kind}`;
  const pair = new PtyPair(link, `${link}.sim`);
  try {
    await pair.start();
  } catch (err) {
    throw new CliError('PORT_UNAVAILABLE', (err as Error).message);
  }
  const sim = makeSimulator(kind, pair, baudRate, opts);
  let stopSignal: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stopSignal = resolve));
  const onSignal = () => stopSignal();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await sim.start();
    io.stdout.write(`simulating ${kind} on ${link} at ${baudRate} baud (type "help")\n`);
    if (sim instanceof GateSimulator) sim.onPulse((p) => io.stdout.write(`pulse relay ${p.relay} ${p.ms} ms\n`));
    const run = async (line: string): Promise<boolean> => {
      const result = await runConsoleCommand(sim, line);
      if (result.output) io.stdout.write(result.output + '\n');
      return result.quit === true;
    };
    let quit = false;
    for (const line of script) if ((quit = await run(line))) break;
    if (!quit) {
      const input = (async () => {
        const rl = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
        for await (const line of rl) if (await run(line)) return true;
        // End of input: a terminal's Ctrl-D means stop; piped scripts keep the device running
        // until a signal unless --exit-on-eof.
        return opts.exitOnEof === true || (io.stdin as NodeJS.ReadStream).isTTY === true;
      })();
      const quitByInput = await Promise.race([input, stopped.then(() => true)]);
      if (!quitByInput) await stopped;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sim.stop();
    await pair.stop();
    // `quit` (or a signal) ends the simulator, so it must end the process too: a pipe or terminal
    // on stdin that was read from stays an open handle after readline closes (it only pauses it),
    // and the process would print "ok bye" and run on until the other end closes.
    const stdin = io.stdin as NodeJS.ReadableStream & { destroy?: () => void };
    stdin.destroy?.();
  }
}

function readScript(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split(/\r?\n/);
  } catch (err) {
    throw new CliError('BAD_REQUEST', `cannot read script ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

export const register: RegisterCommand = (program, io) => {
  withThermometerOptions(
    withDataDir(program.command('simulate'))
      .description('simulate a device on a pseudo-terminal pair (socat): idcard, thermometer, scanner, gate')
      .argument('<device>', DEVICES.join(' | '))
      .option('--link <path>', 'the port path the kiosk opens (default /tmp/kiosk-DEVICE)')
      .option('--baud <n>', 'paces the replies like a UART at this rate (default: the device\'s usual rate)')
      .option('--script <file>', 'run these commands first (one a line, # comments)')
      .option('--exit-on-eof', 'stop when stdin ends'),
  ).action((device: string, opts: SimulateOptions) => simulate(io, device, opts));
};
