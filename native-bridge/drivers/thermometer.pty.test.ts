// Thermometers over a real pty against the simulator, for every protocol: stable readings,
// ambient reported as invalid, split replies, garbage, wrong checksums, modbus exceptions,
// silence and unplug/replug.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThermometerProtocolSchema, type ThermometerProtocol } from '../../src/core/devices/config.js';
import { ThermometerSimulator } from '../simulators/thermometer-sim.js';
import { errorsOf, startRig, until, type Rig } from '../testing/rig.js';

function rigFor(protocol: ThermometerProtocol) {
  return startRig(
    'thermometer',
    (pair) => new ThermometerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, protocol, streamIntervalMs: 60 }),
    (port) => ({ thermometer: { port, baudRate: 9600, protocol, pollIntervalMs: 60, replyTimeoutMs: 300, streamTimeoutMs: 400, offsetC: 0 } }),
  );
}

const protocols = [
  { name: 'modbus-rtu', scale: 0.01 },
  { name: 'gy-mcu90614' },
  { name: 'gy-mcu90614', mode: 'continuous' },
  { name: 'lu90614' },
  { name: 'ascii-line' },
  { name: 'ascii-line', query: 'T?\r\n' },
].map((p) => ThermometerProtocolSchema.parse(p));

describe.each(protocols)('thermometer %j over a pty', (protocol) => {
  let rig: Rig<ThermometerSimulator>;
  beforeAll(async () => {
    rig = await rigFor(protocol);
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('reports ambient as invalid, then a person\'s stable temperature', async () => {
    const ambient = await rig.next('temperature');
    expect(ambient.reading).toEqual({ valid: false, reason: 'THERMO_OUT_OF_RANGE', rawCelsius: 25, celsius: 25 });
    const person = rig.next('temperature', (e) => e.reading.valid);
    rig.sim.temperature = 36.8;
    expect((await person).reading).toMatchObject({ valid: true, celsius: 36.8 });
    expect(await rig.manager.readTemperature(10_000)).toMatchObject({ valid: true, celsius: 36.8 });
  });

  it('reads replies that arrive one byte at a time', async () => {
    rig.sim.maxChunk = 1;
    try {
      const fever = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 38.2);
      rig.sim.temperature = 38.2;
      await fever;
    } finally {
      rig.sim.maxChunk = Infinity;
    }
  });

  it('rejects a corrupt reply and keeps reading', async () => {
    const reason = protocol.name === 'ascii-line' ? 'THERMO_UNPARSEABLE' : 'FRAME_CHECKSUM';
    rig.sim.corruptNext = true;
    await rig.next('health', (e) => errorsOf(e.health, reason) > 0);
    const next = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 36.5);
    rig.sim.temperature = 36.5;
    await next;
  });

  it('skips line noise', async () => {
    await rig.sim.noise(200);
    const next = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 36.9);
    rig.sim.temperature = 36.9;
    await next;
  });
});

describe('a streaming module that goes quiet', () => {
  const protocol = ThermometerProtocolSchema.parse({ name: 'ascii-line' });
  let rig: Rig<ThermometerSimulator>;
  beforeAll(async () => {
    rig = await rigFor(protocol);
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('counts the silence as FRAME_TIMEOUT and reads again when it resumes', async () => {
    rig.sim.temperature = 36.7;
    await rig.next('temperature', (e) => e.reading.valid);
    rig.sim.silent = true;
    await rig.next('health', (e) => errorsOf(e.health, 'FRAME_TIMEOUT') > 0);
    expect(await rig.manager.readTemperature(300)).toMatchObject({ valid: false, reason: 'THERMO_NO_STABLE_READING' });
    rig.sim.silent = false;
    expect(await rig.manager.readTemperature(10_000)).toMatchObject({ valid: true, celsius: 36.7 });
  });
});

describe('modbus-rtu faults over a pty', () => {
  const protocol = ThermometerProtocolSchema.parse({ name: 'modbus-rtu', scale: 0.1, function: 4, address: 3 });
  let rig: Rig<ThermometerSimulator>;
  beforeAll(async () => {
    rig = await rigFor(protocol);
    rig.sim.temperature = 36.6;
    await rig.next('temperature', (e) => e.reading.valid);
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('counts an exception reply as THERMO_MODBUS_EXCEPTION', async () => {
    rig.sim.exceptionNext = true;
    await rig.next('health', (e) => errorsOf(e.health, 'THERMO_MODBUS_EXCEPTION') > 0);
  });

  it('times out on a silent head and has no stable reading, then recovers', async () => {
    rig.sim.silent = true;
    await rig.next('health', (e) => errorsOf(e.health, 'FRAME_TIMEOUT') > 0);
    expect(await rig.manager.readTemperature(1000)).toEqual({ valid: false, reason: 'THERMO_NO_STABLE_READING', rawCelsius: null });
    rig.sim.silent = false;
    expect(await rig.manager.readTemperature(10_000)).toMatchObject({ valid: true, celsius: 36.6 });
  });

  it('survives unplug and replug', async () => {
    const down = rig.next('health', (e) => !e.health.connected);
    const vanish = rig.sim.vanish(800);
    await down;
    expect(await rig.manager.readTemperature(100)).toMatchObject({ valid: false, reason: 'PORT_UNAVAILABLE' });
    await vanish;
    await rig.next('health', (e) => e.health.connected);
    const after = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 37.5);
    rig.sim.temperature = 37.5;
    await after;
  });

  it('kept its parser buffer within one reply', async () => {
    await until(() => rig.manager.thermometer!.readings > 10, 'readings');
    expect(rig.manager.thermometer!.peakBuffered).toBeLessThanOrEqual(5 + 2 * 1);
  });
});
