// The drivers' retry and removal rules on an in-memory line with a manual clock (no pty, no real
// waits): a thermometer reply missed once is not a sensor that stopped answering, two in a row are;
// a card counts as removed only after `removeAfterMisses` "no card" answers; an unplugged device is
// reported gone and read afresh once it is back. The pty tests run the same drivers over socat.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/checkpoint/clock.js';
import { IdCardConfigSchema, ThermometerConfigSchema } from '../../src/core/devices/config.js';
import type { DeviceEvent, FrameLogEntry } from '../../src/core/devices/types.js';
import { MemoryLinkPair } from '../serial/memory-link.js';
import { playCardReader, playThermometer, runFor, settle } from '../testing/memory-devices.js';
import { HealthTracker } from './health.js';
import { IdCardDriver } from './idcard-driver.js';
import { hexOf, type DriverSink } from './sink.js';
import { ThermometerDriver } from './thermometer-driver.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function harness(clock: ManualClock) {
  const events: DeviceEvent[] = [];
  const frames: Array<Omit<FrameLogEntry, 'device'>> = [];
  const health = new HealthTracker('thermometer', '/dev/memory0', () => {}, 0, () => clock.now(), clock);
  const sink: DriverSink = {
    emit: (e) => events.push(e),
    health,
    frame: (dir, bytes, meaning, error, total) => frames.push({ at: clock.now(), dir, hex: hexOf(bytes, total ?? bytes?.length ?? 0), meaning, error: error ?? null }),
  };
  cleanups.push(() => health.dispose());
  return { events, frames, health, sink };
}

/** Starts the line and the driver; after the test both stop, the driver first (as a kiosk shuts down). */
function started(pair: MemoryLinkPair, driver: { start(): void; stop(): Promise<void> }): void {
  pair.host.start();
  driver.start();
  cleanups.push(async () => {
    await driver.stop();
    await pair.host.stop();
  });
}

const temperatures = (events: DeviceEvent[]) => events.flatMap((e) => (e.type === 'temperature' ? [e.reading] : []));

async function thermometerOnMemory() {
  const clock = new ManualClock();
  const pair = new MemoryLinkPair({ clock, path: '/dev/memory0', retryMs: 100 });
  const config = ThermometerConfigSchema.parse({ port: '/dev/memory0', protocol: { name: 'modbus-rtu' }, pollIntervalMs: 200, replyTimeoutMs: 500 });
  const head = playThermometer(pair, config.protocol);
  const h = harness(clock);
  const driver = new ThermometerDriver(pair.host, config, h.sink, { clock });
  started(pair, driver);
  await settle();
  return { clock, pair, head, driver, ...h };
}

describe('thermometer driver on a memory line', () => {
  it('one missed reply is a timeout in health, not a sensor that stopped; two in a row are', async () => {
    const t = await thermometerOnMemory();
    t.head.temperature = 36.6;
    await runFor(t.clock, 1000);
    expect(temperatures(t.events)).toEqual([{ valid: true, celsius: 36.6, rawCelsius: 36.6, samples: 3 }]);

    t.head.skipNext = 1;
    await runFor(t.clock, 1500);
    expect(t.health.snapshot().errors.FRAME_TIMEOUT).toBe(1);
    // Still this person's reading: no invalid reading was reported for one lost reply.
    expect(temperatures(t.events)).toHaveLength(1);
    expect(t.frames.filter((f) => f.error === 'FRAME_TIMEOUT').map((f) => f.meaning)).toEqual(['timeout: no reply in 500 ms']);

    t.head.skipNext = 2;
    await runFor(t.clock, 2000);
    expect(t.health.snapshot().errors.FRAME_TIMEOUT).toBe(3);
    const readings = temperatures(t.events);
    expect(readings[1]).toEqual({ valid: false, reason: 'FRAME_TIMEOUT', rawCelsius: null });
    // The same value, confirmed again, is reported afresh.
    expect(readings[2]).toEqual({ valid: true, celsius: 36.6, rawCelsius: 36.6, samples: 3 });
  });

  it('an unplugged head is reported gone; once plugged back in it is read again', async () => {
    const t = await thermometerOnMemory();
    t.head.temperature = 37.1;
    await runFor(t.clock, 1000);
    expect(t.pair.host.opens).toBe(1);

    t.pair.unplug();
    await settle();
    expect(t.health.snapshot().connected).toBe(false);
    expect(temperatures(t.events).at(-1)).toEqual({ valid: false, reason: 'PORT_UNAVAILABLE', rawCelsius: null });
    await runFor(t.clock, 1000);
    expect(t.pair.host.connected).toBe(false);
    expect(await t.driver.nextReading(100)).toEqual({ valid: false, reason: 'PORT_UNAVAILABLE', rawCelsius: null });

    t.pair.plug();
    await runFor(t.clock, 1500);
    expect(t.pair.host.opens).toBe(2);
    expect(t.health.snapshot().connected).toBe(true);
    expect(temperatures(t.events).at(-1)).toEqual({ valid: true, celsius: 37.1, rawCelsius: 37.1, samples: 3 });
  });

  it('logs each query and reply with its meaning, a broken checksum and skipped garbage as errors', async () => {
    const t = await thermometerOnMemory();
    t.head.temperature = 36.6;
    await runFor(t.clock, 250);
    expect(t.frames.slice(0, 2)).toEqual([
      { at: expect.any(Number), dir: 'tx', hex: '01 03 00 00 00 01 84 0A', meaning: 'Modbus read 1 reg @0 fn 3 addr 1', error: null },
      { at: expect.any(Number), dir: 'rx', hex: expect.stringMatching(/^01 03 02 01 6E /), meaning: 'reply 36.6 °C raw 366', error: null },
    ]);
    t.head.corruptNext = true;
    await runFor(t.clock, 200);
    expect(t.frames.filter((f) => f.error === 'FRAME_CHECKSUM').map((f) => f.meaning)).toContain('checksum error');
    t.frames.length = 0;
    t.pair.device.write(Buffer.from([0xee, 0xef, 0xf0]));
    expect(t.frames).toEqual([{ at: expect.any(Number), dir: 'rx', hex: 'EE EF F0', meaning: 'garbage skipped (3 bytes)', error: 'FRAME_NOISE' }]);
  });

  it('calibration: the log and the reading show the raw value and the corrected one', async () => {
    const clock = new ManualClock();
    const pair = new MemoryLinkPair({ clock, path: '/dev/memory0' });
    const config = ThermometerConfigSchema.parse({ port: '/dev/memory0', protocol: { name: 'modbus-rtu' }, gain: 1.1, offsetC: -3 });
    const head = playThermometer(pair, config.protocol);
    head.temperature = 36;
    const h = harness(clock);
    const driver = new ThermometerDriver(pair.host, config, h.sink, { clock });
    started(pair, driver);
    await runFor(clock, 1000);
    expect(temperatures(h.events)).toEqual([{ valid: true, celsius: 36.6, rawCelsius: 36, samples: 3 }]);
    expect(h.frames.find((f) => f.dir === 'rx')!.meaning).toBe('reply 36 °C raw 360, corrected 36.6 °C');
  });
});

describe('ID card driver on a memory line', () => {
  async function readerOnMemory(removeAfterMisses: number) {
    const clock = new ManualClock();
    const pair = new MemoryLinkPair({ clock, path: '/dev/memory1', baudRate: 115200 });
    const reader = playCardReader(pair);
    const h = harness(clock);
    const config = IdCardConfigSchema.parse({ port: '/dev/memory1', pollIntervalMs: 100, removeAfterMisses });
    const driver = new IdCardDriver(pair.host, config, h.sink, undefined, { clock });
    started(pair, driver);
    await settle();
    return { clock, pair, reader, driver, ...h };
  }

  it('reports a card once, and removed only after removeAfterMisses "no card" answers', async () => {
    const r = await readerOnMemory(3);
    r.reader.present('zhangsan');
    await runFor(r.clock, 300);
    const presented = r.events.filter((e) => e.type === 'card-presented');
    expect(presented).toHaveLength(1);
    expect(presented[0]).toMatchObject({ card: { name: '张三' } });
    await runFor(r.clock, 500);
    expect(r.events.filter((e) => e.type === 'card-presented')).toHaveLength(1);

    r.reader.remove();
    const findsBefore = r.reader.received.filter((n) => n === 'find').length;
    // Two polls answer "no card": not removed yet (a card lifted for a moment is still the same one).
    while (r.reader.received.filter((n) => n === 'find').length < findsBefore + 2) await runFor(r.clock, 10);
    await settle();
    expect(r.events.some((e) => e.type === 'card-removed')).toBe(false);
    // The third does it.
    while (r.reader.received.filter((n) => n === 'find').length < findsBefore + 3) await runFor(r.clock, 10);
    await settle();
    expect(r.events.filter((e) => e.type === 'card-removed')).toHaveLength(1);
  });

  it('logs commands and replies, a read reply by its header and length only (no personal data)', async () => {
    const r = await readerOnMemory(2);
    r.reader.present('zhangsan');
    await runFor(r.clock, 300);
    const meanings = r.frames.map((f) => `${f.dir} ${f.meaning}`);
    expect(meanings).toEqual(expect.arrayContaining(['tx find card (20 01)', 'rx card found (9F)', 'tx select card (20 02)', 'tx read text + photo (30 01)', 'rx read reply, 1295 bytes (personal data not shown)']));
    const read = r.frames.find((f) => f.meaning.startsWith('read reply'))!;
    expect(read.hex).toBe('AA AA AA 96 69 05 08 00 00 90 …(1295 bytes)');
    // Neither the name (UTF-16LE 张 = 20 5F) nor the ID number's digits appear anywhere in the log.
    const all = JSON.stringify(r.frames);
    expect(all).not.toContain('张三');
    expect(all).not.toMatch(/33010219900307/);
    expect(all).not.toContain('20 5F');
  });
});
