// One lost reply is not a person stepping away (docs/door-passage.md): the thermometer simulator on
// a real pty leaves single queries unanswered, and the person's reading must survive it; a sensor
// that misses replies in a row has stopped answering, and the reading is dropped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThermometerProtocolSchema } from '../../src/core/devices/config.js';
import type { DeviceEvent } from '../../src/core/devices/types.js';
import { ThermometerSimulator } from '../simulators/thermometer-sim.js';
import { startRig, until, type Rig } from '../testing/rig.js';
import { MISSED_REPLIES_STOPPED } from './thermometer-driver.js';

const protocol = ThermometerProtocolSchema.parse({ name: 'lu90614' });
let rig: Rig<ThermometerSimulator>;
const temperatures: DeviceEvent[] = [];

beforeAll(async () => {
  rig = await startRig(
    'thermometer',
    (pair) => new ThermometerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, protocol }),
    (port) => ({ thermometer: { port, baudRate: 9600, protocol, pollIntervalMs: 60, replyTimeoutMs: 400 } }),
  );
  rig.manager.onEvent((e) => {
    if (e.type === 'temperature') temperatures.push(e);
  });
  const person = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 36.6);
  rig.sim.temperature = 36.6;
  await person;
});
afterAll(async () => {
  await rig?.stop();
});

/** Waits until the simulator has answered `n` more queries. */
async function answered(n: number): Promise<void> {
  const target = rig.sim.replies + n;
  await until(() => rig.sim.replies >= target, `${n} more replies`);
}

describe('thermometer: missed replies', () => {
  it('a single lost reply keeps the reading (no "stopped answering", nothing reported afresh)', async () => {
    temperatures.length = 0;
    for (let i = 0; i < 3; i++) {
      const before = rig.sim.unanswered;
      rig.sim.unansweredNext = 1;
      await until(() => rig.sim.unanswered > before, 'a query left unanswered');
      await answered(5);
    }
    expect(temperatures).toEqual([]);
  });

  it(`${MISSED_REPLIES_STOPPED} lost replies in a row: the reading is dropped, then reported afresh`, async () => {
    temperatures.length = 0;
    const gone = rig.next('temperature', (e) => !e.reading.valid && e.reading.reason === 'FRAME_TIMEOUT');
    rig.sim.unansweredNext = MISSED_REPLIES_STOPPED;
    await gone;
    const back = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 36.6);
    await back;
    expect(temperatures.map((e) => (e.type === 'temperature' && e.reading.valid ? e.reading.celsius : 'gone'))).toEqual(['gone', 36.6]);
  });
});
