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
/** The protocol the demo's thermometer simulator speaks unless told otherwise. */
export const DEMO_THERMOMETER_PROTOCOL: ThermometerProtocol = { name: 'modbus-rtu', address: 1, function: 3, register: 0, count: 1, valueIndex: 0, scale: 0.01, signed: true };

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

/** A pty node (`/dev/pts/N`): socat makes new ones at every start, so a saved one is not the device any more. */
const PTY_NODE = /^\/dev\/pts\/\d+$/;

/**
 * A demo kiosk's device settings: the simulators' own, with what the integrator saved in config.json
 * `devices` over them (docs/integrator-setup.md, "Devices": saved as `devices.<device>`, "a restart
 * keeps them"): calibration (offsetC, gain), protocol parameters, timings, a device not fitted
 * (null; the gate's `driver: none`). `saved` holds only the devices config.json names. The port
 * saved is kept (a real adapter plugged into the demo box, a link of the integrator's own; a port
 * that is gone is reported by the device manager as PORT_UNAVAILABLE), except a bare `/dev/pts/N`
 * node: the simulators' ptys are made afresh at every start, so that node is no longer (or is
 * another program's) pty; the device's simulator link is used instead, and said in `notes`.
 */
export function withSavedDevices(
  simulated: DevicesConfigInput,
  links: Record<DeviceKind, string>,
  saved: Partial<Record<DeviceKind, unknown>>,
): { config: DevicesConfigInput; notes: string[] } {
  const config: Record<string, unknown> = { ...simulated };
  const notes: string[] = [];
  for (const kind of Object.keys(saved) as DeviceKind[]) {
    const value = saved[kind];
    if (value === undefined) continue;
    if (value === null || typeof value !== 'object') {
      config[kind] = value;
      notes.push(`${kind}: not fitted (saved in config.json)`);
      continue;
    }
    const settings = { ...(value as Record<string, unknown>) };
    if (settings.driver === 'none') {
      config[kind] = settings;
      notes.push(`${kind}: not fitted (saved in config.json)`);
      continue;
    }
    if (typeof settings.port === 'string' && PTY_NODE.test(settings.port)) {
      notes.push(`${kind}: saved settings on the simulator's link ${links[kind]} (the saved pty ${settings.port} was this demo's previous start's)`);
      settings.port = links[kind];
    } else {
      notes.push(`${kind}: saved settings${typeof settings.port === 'string' ? ` on ${settings.port}` : ''}`);
    }
    config[kind] = settings;
  }
  return { config: config as DevicesConfigInput, notes };
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
    const protocol = options.thermometerProtocol ?? DEMO_THERMOMETER_PROTOCOL;
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
