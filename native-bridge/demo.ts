// The embedded demo: one simulator per device on its own socat pty pair, and the device
// configuration that points a DeviceManager at the host ends. The guard's kiosk starts this when
// no hardware is configured; tests and the benchmark use it too.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DevicesConfigInput, ThermometerProtocol } from '../src/core/devices/config.js';
import type { DemoDevices, DeviceKind } from '../src/core/devices/types.js';
import { PtyPair } from './serial/pty.js';
import { IdCardSimulator } from './simulators/idcard-sim.js';
import { ThermometerSimulator } from './simulators/thermometer-sim.js';
import { ScannerSimulator } from './simulators/scanner-sim.js';
import { GateSimulator } from './simulators/gate-sim.js';

export interface StartDemoOptions {
  /** Where the pty links are made (a temp or data directory; paths must stay short). */
  dir: string;
  thermometerProtocol?: ThermometerProtocol;
}

export interface RunningDemoDevices extends DemoDevices {
  /** A DeviceManager configuration for the host ends. */
  config: DevicesConfigInput;
  /** The simulators themselves, for fault injection (tests, `kiosk simulate`). */
  simulators: { idcard: IdCardSimulator; thermometer: ThermometerSimulator; scanner: ScannerSimulator; gate: GateSimulator };
  pairs: Record<DeviceKind, PtyPair>;
}

export const DEMO_SCANNER_IDLE_GAP_MS = 250;
export const DEMO_BAUD: Record<DeviceKind, number> = { idcard: 115200, thermometer: 9600, scanner: 9600, gate: 9600 };
const DEFAULT_PROTOCOL: ThermometerProtocol = { name: 'modbus-rtu', address: 1, function: 3, register: 0, count: 1, valueIndex: 0, scale: 0.01, signed: true };

/** Waits until the simulator has answered `count` more queries (bounded: a stopped driver asks none). */
async function answered(sim: ThermometerSimulator, count: number, timeoutMs = 5000): Promise<void> {
  const target = sim.replies + count;
  const deadline = Date.now() + timeoutMs;
  while (sim.replies < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

const STABLE_ANSWERS = 4;

/** See DemoDevices.thermometer.nextPerson. */
async function nextPersonAt(sim: ThermometerSimulator): Promise<void> {
  const celsius = sim.temperature;
  if (celsius === null) return;
  // The driver reports a value once `stableSamples` (3 by default, devices config) agree: the room
  // for that many answers plus one already on the wire, so it has seen nobody there; then the
  // person's temperature as many times, so their reading is stable before they present.
  sim.temperature = null;
  await answered(sim, STABLE_ANSWERS);
  sim.temperature = celsius;
  await answered(sim, STABLE_ANSWERS);
}

export async function startDemoDevices(options: StartDemoOptions): Promise<RunningDemoDevices> {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const kinds: DeviceKind[] = ['idcard', 'thermometer', 'scanner', 'gate'];
  const pairs = {} as Record<DeviceKind, PtyPair>;
  const stops: Array<() => Promise<void>> = [];
  try {
    for (const kind of kinds) {
      const pair = new PtyPair(join(options.dir, kind), join(options.dir, `${kind}.sim`));
      await pair.start();
      stops.push(() => pair.stop());
      pairs[kind] = pair;
    }
    const protocol = options.thermometerProtocol ?? DEFAULT_PROTOCOL;
    const sim = (kind: DeviceKind) => ({ devicePath: pairs[kind].devicePath, baudRate: DEMO_BAUD[kind], pair: pairs[kind] });
    const simulators = {
      idcard: new IdCardSimulator(sim('idcard')),
      thermometer: new ThermometerSimulator({ ...sim('thermometer'), protocol }),
      scanner: new ScannerSimulator(sim('scanner')),
      gate: new GateSimulator(sim('gate')),
    };
    for (const s of Object.values(simulators)) {
      await s.start();
      stops.unshift(() => s.stop());
    }
    const stop = async () => {
      for (const s of stops.splice(0)) await s().catch(() => {});
    };
    return {
      links: { idcard: pairs.idcard.hostPath, thermometer: pairs.thermometer.hostPath, scanner: pairs.scanner.hostPath, gate: pairs.gate.hostPath },
      config: {
        idcard: { port: pairs.idcard.hostPath, baudRate: DEMO_BAUD.idcard },
        thermometer: { port: pairs.thermometer.hostPath, baudRate: DEMO_BAUD.thermometer, protocol },
        // The simulated module ends every code with CRLF, so the idle gap (devices spec §3, 50 ms by
        // default) is only a fallback here; it is longer because the demo's bytes cross a socat
        // process on the same CPU, which a loaded box can leave unscheduled for more than 50 ms and
        // so cut a code in two. A module on a USB serial adapter has no such hop.
        scanner: { port: pairs.scanner.hostPath, baudRate: DEMO_BAUD.scanner, idleGapMs: DEMO_SCANNER_IDLE_GAP_MS },
        gate: { driver: 'lcus', port: pairs.gate.hostPath, baudRate: DEMO_BAUD.gate },
      },
      idcard: { present: (key) => simulators.idcard.present(key), remove: () => simulators.idcard.remove() },
      thermometer: {
        setTemperature: (c) => (simulators.thermometer.temperature = c),
        nextPerson: () => nextPersonAt(simulators.thermometer),
      },
      scanner: { send: (text) => simulators.scanner.send(text) },
      gate: { pulses: simulators.gate.pulses },
      simulators,
      pairs,
      stop,
    };
  } catch (err) {
    for (const s of stops) await s().catch(() => {});
    throw err;
  }
}
