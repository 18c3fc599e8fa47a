// A fever never slips through (docs/door-passage.md): the thermometer simulator on a real pty keeps
// reporting a person's 38.2 °C while they look for their phone, and the scan comes 5, 10 or 30 s
// later on the passage's injected clock. The reading holds while the sensor keeps reporting it, and
// is gone once the sensor sees the room again or stops answering.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ThermometerProtocolSchema } from '../../src/core/devices/config.js';
import { ThermometerSimulator } from '../simulators/thermometer-sim.js';
import { startCheckpoint, type CheckpointRig } from '../testing/checkpoint-rig.js';
import { startRig, until, type Rig } from '../testing/rig.js';

const protocol = ThermometerProtocolSchema.parse({ name: 'lu90614' });
let rig: Rig<ThermometerSimulator>;
let door: CheckpointRig | null = null;

beforeAll(async () => {
  rig = await startRig(
    'thermometer',
    (pair) => new ThermometerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, protocol }),
    // A generous reply timeout: on a loaded CI box a slow reply must not count as the sensor going quiet.
    (port) => ({ thermometer: { port, baudRate: 9600, protocol, pollIntervalMs: 60, replyTimeoutMs: 1000 } }),
  );
  await rig.next('temperature', (e) => !e.reading.valid); // the room: nobody there yet
});
afterAll(async () => {
  await rig?.stop();
});
afterEach(async () => {
  door?.close();
  door = null;
  // Nobody at the sensor between tests: the next test's reading is reported afresh.
  if (rig.sim.temperature !== null) {
    const room = rig.next('temperature', (e) => !e.reading.valid);
    rig.sim.temperature = null;
    await room;
  }
  rig.sim.silent = false;
});

/** A person steps up to the sensor: resolves once the kiosk holds their stable reading. */
async function personAtSensor(celsius: number): Promise<void> {
  const reported = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === celsius);
  rig.sim.temperature = celsius;
  await reported;
  await door!.settled();
}

/** The sensor keeps answering with the same value meanwhile (real replies over the pty). */
async function sensorKeepsReporting(): Promise<void> {
  const replies = rig.sim.replies;
  await until(() => rig.sim.replies >= replies + 5, 'five more thermometer replies');
}

describe('a fever reading at the door, the scan some seconds later', () => {
  it.each([5_000, 10_000, 30_000])('%i ms between the reading and the scan → STOP with FEVER, never PASS', async (gapMs) => {
    door = startCheckpoint(rig.manager);
    await personAtSensor(38.2);
    door.clock.advance(gapMs);
    await sensorKeepsReporting();
    const r = await door.cp.service.submitScan({ text: door.code('zhangsan'), source: 'camera' }, { host: 'browser', clientId: 't' });
    expect(r).toMatchObject({ ok: true, value: { duplicate: false } });
    expect(door.lastPassage()).toMatchObject({ state: 'shown', decision: 'deny', reason: 'FEVER', temperatureC: 38.2 });
    expect(door.store.readEntriesAfterSeq(0, 10)).toMatchObject([{ decision: 'deny', reason: 'FEVER', temperatureC: 38.2 }]);
  });

  it('the person steps away between the reading and the scan: the reading is not used, and no reading goes to the guard', async () => {
    door = startCheckpoint(rig.manager, { checkpoint: { collectWindowMs: 2000 } });
    await personAtSensor(38.2);
    door.clock.advance(5_000);
    const room = rig.next('temperature', (e) => !e.reading.valid);
    rig.sim.temperature = null;
    await room;
    await door.settled();
    door.clock.advance(5_000);
    await door.cp.service.submitScan({ text: door.code('zhangsan'), source: 'camera' }, { host: 'browser', clientId: 't' });
    expect(door.lastPassage()).toMatchObject({ state: 'collecting', missing: ['temperature'], temperatureC: null });
    door.clock.advance(2_000);
    await door.settled();
    expect(door.lastPassage()).toMatchObject({ state: 'shown', decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null });
    expect(door.store.readEntriesAfterSeq(0, 10)).toMatchObject([{ decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null }]);
  });

  it('the sensor stops answering after the reading: the reading is dropped, the door decides without waiting, and the same reading counts again once it answers', async () => {
    door = startCheckpoint(rig.manager);
    await personAtSensor(38.2);
    const stopped = rig.next('temperature', (e) => !e.reading.valid && e.reading.reason === 'FRAME_TIMEOUT');
    const faulty = rig.next('health', (e) => e.health.fault === 'FRAME_TIMEOUT');
    rig.sim.silent = true;
    await stopped;
    await faulty;
    await door.settled();
    door.clock.advance(10_000);
    await door.cp.service.submitScan({ text: door.code('zhangsan'), source: 'camera' }, { host: 'browser', clientId: 't' });
    // A silent thermometer is not waited for; without a reading the passage goes to the guard.
    expect(door.passages().map((p) => p.state)).toEqual(['decided', 'shown']);
    expect(door.lastPassage()).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null });
    await door.cp.service.guardReview({ passageId: door.lastPassage().passageId!, verdict: 'deny' }, { host: 'browser', clientId: 't' });

    const back = rig.next('temperature', (e) => e.reading.valid && e.reading.celsius === 38.2);
    const healthy = rig.next('health', (e) => e.health.fault === null && e.health.connected);
    rig.sim.silent = false;
    await Promise.all([back, healthy]);
    await door.settled();
    await door.cp.service.submitScan({ text: door.code('lisi'), source: 'camera' }, { host: 'browser', clientId: 't' });
    expect(door.lastPassage()).toMatchObject({ state: 'shown', decision: 'deny', reason: 'FEVER', temperatureC: 38.2 });
  });
});
