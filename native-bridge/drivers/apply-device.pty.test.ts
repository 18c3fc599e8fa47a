// Applying a thermometer change over a real pty against the simulator: a kiosk set up with the wrong
// protocol and baud is switched to what the head speaks and the change is proven by a reply; a change
// to a port that does not exist, or one another program holds, is refused and the working head keeps
// reading (native-bridge/README.md, "Applying a device change").
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { ThermometerProtocolSchema } from '../../src/core/devices/config.js';
import { PtyPair } from '../serial/pty.js';
import { ThermometerSimulator } from '../simulators/thermometer-sim.js';
import { EVENT_TIMEOUT_MS, startRig, type Rig } from '../testing/rig.js';

const spoken = ThermometerProtocolSchema.parse({ name: 'modbus-rtu', scale: 0.01 });
let rig: Rig<ThermometerSimulator>;

beforeAll(async () => {
  rig = await startRig(
    'thermometer',
    (pair) => new ThermometerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, protocol: spoken }),
    // What an integrator might have typed first: another head's protocol and rate.
    (port) => ({ thermometer: { port, baudRate: 19200, protocol: { name: 'lu90614' }, pollIntervalMs: 60, replyTimeoutMs: 300 } }),
  );
});
afterAll(async () => {
  await rig?.stop();
});

describe('applying a thermometer change over a pty', () => {
  it('switches to the protocol and baud the head speaks, proven by a valid reply', async () => {
    const settings = { port: rig.pair.hostPath, baudRate: 9600, protocol: spoken, pollIntervalMs: 60, replyTimeoutMs: 300 };
    const result = await rig.manager.applyDevice('thermometer', settings, { proveWithinMs: EVENT_TIMEOUT_MS });
    expect(result).toEqual({ ok: true, proven: `port ${rig.pair.hostPath} opened at 9600 baud; valid reply with modbus-rtu` });
    expect(rig.manager.config.thermometer).toMatchObject({ baudRate: 9600, protocol: { name: 'modbus-rtu', scale: 0.01 } });
    const person = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 36.7);
    rig.sim.temperature = 36.7;
    await person;
    expect(rig.manager.recentFrames('thermometer', 500).some((f) => f.dir === 'rx' && f.meaning === 'reply 36.7 °C raw 3670')).toBe(true);
  });

  it('a port that does not exist is refused; the working head keeps reading', async () => {
    const missing = join(rig.dir, 'no-such-tty');
    const result = await rig.manager.applyDevice('thermometer', { port: missing, protocol: spoken }, { proveWithinMs: 1000 });
    expect(result).toEqual({ ok: false, reason: 'PORT_UNAVAILABLE', message: `no such port ${missing}` });
    expect(rig.manager.config.thermometer!.port).toBe(rig.pair.hostPath);
    const after = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 37.4);
    rig.sim.temperature = 37.4;
    await after;
  });

  it('a port another program holds is reported busy; the working head keeps reading', async () => {
    const other = new PtyPair(join(rig.dir, 'busy-host'), join(rig.dir, 'busy-dev'));
    await other.start();
    const holder = new SerialPort({ path: other.hostPath, baudRate: 9600, autoOpen: false });
    try {
      await new Promise<void>((resolve, reject) => holder.open((err) => (err ? reject(err) : resolve())));
      const result = await rig.manager.applyDevice('thermometer', { port: other.hostPath, protocol: spoken }, { proveWithinMs: 1000 });
      expect(result).toMatchObject({ ok: false, reason: 'PORT_UNAVAILABLE', message: expect.stringMatching(new RegExp(`^port ${other.hostPath} is busy: another program holds it \\(.*lock`, 'i')) });
      const after = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 36.3);
      rig.sim.temperature = 36.3;
      await after;
    } finally {
      if (holder.isOpen) await new Promise<void>((resolve) => holder.close(() => resolve()));
      await other.stop();
    }
  });
});
