// DeviceManager on in-memory lines with a manual clock: the live frame log, applying one device's
// settings (proven before the old ones are dropped; a refused change keeps the old driver running and
// leaves the other devices alone), and the per-device tests an integrator runs from the admin screen.
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/checkpoint/clock.js';
import type { DeviceEvent, FrameLogEntry } from '../src/core/devices/types.js';
import { DeviceManager } from './manager.js';
import { MemoryLinkPair } from './serial/memory-link.js';
import { playCardReader, playThermometer, runFor, settle } from './testing/memory-devices.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const THERMO = '/dev/mem-thermo';
const OTHER_THERMO = '/dev/mem-thermo2';
const SCANNER = '/dev/mem-scanner';
const CARD = '/dev/mem-card';
const MODBUS = { name: 'modbus-rtu' } as const;

async function kiosk() {
  const clock = new ManualClock();
  const pairs = new Map<string, MemoryLinkPair>();
  const pair = (path: string, deviceBaudRate?: number) => {
    const p = new MemoryLinkPair({ clock, path, ...(deviceBaudRate ? { deviceBaudRate } : {}) });
    pairs.set(path, p);
    return p;
  };
  const thermoPair = pair(THERMO, 9600);
  const head = playThermometer(thermoPair, { ...MODBUS, address: 1, function: 3, register: 0, count: 1, valueIndex: 0, scale: 0.1, signed: true });
  head.temperature = 36.6;
  const secondPair = pair(OTHER_THERMO, 9600);
  const secondHead = playThermometer(secondPair, { name: 'lu90614' });
  secondHead.temperature = 36.9;
  const scannerPair = pair(SCANNER);
  const cardPair = pair(CARD);
  const reader = playCardReader(cardPair);
  const opened: string[] = [];
  const manager = new DeviceManager(
    {
      thermometer: { port: THERMO, baudRate: 9600, protocol: MODBUS },
      scanner: { port: SCANNER },
      idcard: { port: CARD, pollIntervalMs: 100 },
    },
    {
      clock,
      openLink: (_kind, path, baudRate) => {
        opened.push(path);
        // A path nobody plugged in: a pair whose device is missing.
        return (pairs.get(path) ?? new MemoryLinkPair({ clock, path, plugged: false })).hostAt(baudRate);
      },
    },
  );
  const events: DeviceEvent[] = [];
  manager.onEvent((e) => events.push(e));
  await manager.start();
  cleanups.push(() => manager.stop());
  await runFor(clock, 1000);
  return { clock, pairs, head, secondHead, reader, manager, events, opened, thermoPair, scannerPair };
}

/** Runs the clock until `promise` settles (no real waiting) and returns its value. */
async function whileRunning<T>(clock: ManualClock, promise: Promise<T>, maxMs = 10_000): Promise<T> {
  let done = false;
  void promise.finally(() => (done = true));
  for (let t = 0; t < maxMs && !done; t += 10) await runFor(clock, 10);
  expect(done).toBe(true);
  return promise;
}

const readings = (events: DeviceEvent[]) => events.flatMap((e) => (e.type === 'temperature' ? [e.reading] : []));

describe('frame log', () => {
  it('keeps recent frames per device and streams new ones to listeners', async () => {
    const k = await kiosk();
    const thermo = k.manager.recentFrames('thermometer', 4);
    expect(thermo).toHaveLength(4);
    expect(thermo.map((f) => f.device)).toEqual(['thermometer', 'thermometer', 'thermometer', 'thermometer']);
    expect(thermo.filter((f) => f.dir === 'tx').map((f) => f.meaning)).toEqual(['Modbus read 1 reg @0 fn 3 addr 1', 'Modbus read 1 reg @0 fn 3 addr 1']);
    expect(thermo.filter((f) => f.dir === 'rx').map((f) => f.meaning)).toEqual(['reply 36.6 °C raw 366', 'reply 36.6 °C raw 366']);
    const all = k.manager.recentFrames(undefined, 500);
    expect(new Set(all.map((f) => f.device))).toEqual(new Set(['thermometer', 'idcard']));
    // Oldest first across devices.
    expect(all.map((f) => f.at)).toEqual([...all.map((f) => f.at)].sort((a, b) => a - b));

    const live: FrameLogEntry[] = [];
    const off = k.manager.onFrame((f) => live.push(f));
    k.scannerPair.device.write(Buffer.from('PHC1:NCFOXN%TS3DH\r', 'latin1'));
    await settle();
    off();
    expect(live.filter((f) => f.device === 'scanner')).toEqual([
      { at: k.clock.now(), device: 'scanner', dir: 'rx', hex: '50 48 43 31 3A …(17 bytes)', meaning: 'code, 17 bytes, starts "PHC1:" (content not shown)', error: null },
    ]);
    k.head.corruptNext = true;
    await runFor(k.clock, 300);
    expect(k.manager.recentFrames('thermometer', 10).some((f) => f.error === 'FRAME_CHECKSUM' && f.meaning === 'checksum error')).toBe(true);
  });
});

describe('applyDevice', () => {
  it('a protocol the head does not speak is refused with FRAME_TIMEOUT; the old settings run again on that port', async () => {
    const k = await kiosk();
    const scannerLink = k.manager.linkOf('scanner');
    const result = await whileRunning(k.clock, k.manager.applyDevice('thermometer', { port: THERMO, baudRate: 9600, protocol: { name: 'lu90614' } }));
    expect(result).toEqual({ ok: false, reason: 'FRAME_TIMEOUT', message: 'no valid reply at 9600 baud with lu90614 in 3 s' });
    expect(k.manager.config.thermometer!.protocol.name).toBe('modbus-rtu');
    // The log shows the attempt: the candidate's queries, each timing out.
    expect(k.manager.recentFrames('thermometer', 500).some((f) => f.meaning === 'LU90614 measure')).toBe(true);
    // The old driver reads again, and the other devices never noticed.
    k.head.temperature = 37.0;
    await runFor(k.clock, 1500);
    expect(readings(k.events).at(-1)).toMatchObject({ valid: true, celsius: 37 });
    expect(k.manager.linkOf('scanner')).toBe(scannerLink);
    expect(scannerLink!.opens).toBe(1);
  });

  it('a baud rate the head does not answer at is refused and named', async () => {
    const k = await kiosk();
    const result = await whileRunning(k.clock, k.manager.applyDevice('thermometer', { port: THERMO, baudRate: 19200, protocol: MODBUS }));
    expect(result).toEqual({ ok: false, reason: 'FRAME_TIMEOUT', message: 'no valid reply at 19200 baud with modbus-rtu in 3 s' });
    expect(k.manager.config.thermometer!.baudRate).toBe(9600);
    k.head.temperature = 38.1;
    await runFor(k.clock, 1500);
    expect(readings(k.events).at(-1)).toMatchObject({ valid: true, celsius: 38.1 });
  });

  it('a port that does not exist, or is busy, is refused at once and the old head keeps reading', async () => {
    const k = await kiosk();
    const missing = await whileRunning(k.clock, k.manager.applyDevice('thermometer', { port: '/dev/mem-none', protocol: MODBUS }, { proveWithinMs: 1000 }));
    expect(missing).toEqual({ ok: false, reason: 'PORT_UNAVAILABLE', message: 'no such port /dev/mem-none' });
    k.pairs.get(OTHER_THERMO)!.refuse('Error: Resource temporarily unavailable Cannot lock port');
    const busy = await whileRunning(k.clock, k.manager.applyDevice('thermometer', { port: OTHER_THERMO, protocol: { name: 'lu90614' } }, { proveWithinMs: 1000 }));
    expect(busy).toMatchObject({ ok: false, reason: 'PORT_UNAVAILABLE', message: expect.stringMatching(/^port \/dev\/mem-thermo2 is busy: .*Cannot lock port/) });
    expect(k.manager.config.thermometer!.port).toBe(THERMO);
    k.head.temperature = 36.2;
    await runFor(k.clock, 1500);
    expect(readings(k.events).at(-1)).toMatchObject({ valid: true, celsius: 36.2 });
  });

  it('settings that are proven replace the old ones; config and health follow', async () => {
    const k = await kiosk();
    const scannerLink = k.manager.linkOf('scanner');
    const result = await whileRunning(k.clock, k.manager.applyDevice('thermometer', { port: OTHER_THERMO, protocol: { name: 'lu90614' }, offsetC: 0.2 }));
    expect(result).toEqual({ ok: true, proven: 'port /dev/mem-thermo2 opened at 9600 baud; valid reply with lu90614' });
    expect(k.manager.config.thermometer).toMatchObject({ port: OTHER_THERMO, protocol: { name: 'lu90614' }, offsetC: 0.2 });
    expect(k.manager.deviceSettings().thermometer).toMatchObject({ port: OTHER_THERMO });
    expect(k.manager.health().find((h) => h.device === 'thermometer')).toMatchObject({ port: OTHER_THERMO, connected: true, fault: null });
    // The old port was let go.
    expect(k.thermoPair.host.connected).toBe(false);
    await runFor(k.clock, 1500);
    expect(await whileRunning(k.clock, k.manager.testDevice('thermometer', { timeoutMs: 3000 }))).toEqual({
      ok: true,
      device: 'thermometer',
      reading: { valid: true, celsius: 37.1, rawCelsius: 36.9, samples: 3 },
    });
    expect(k.manager.linkOf('scanner')).toBe(scannerLink);
  });

  it('refuses settings that fail the schema (an unknown protocol) without touching the device', async () => {
    const k = await kiosk();
    const result = await k.manager.applyDevice('thermometer', { port: THERMO, protocol: { name: 'fahrenheit-9000' } });
    expect(result).toMatchObject({ ok: false, reason: 'CONFIG_INVALID', message: expect.stringMatching(/^devices\.thermometer\.protocol/) });
    expect(k.manager.linkOf('thermometer')!.connected).toBe(true);
  });

  it('null removes a device; the gate and the scanner are proven by their port opening', async () => {
    const k = await kiosk();
    expect(await k.manager.applyDevice('thermometer', null)).toEqual({ ok: true, proven: 'thermometer removed' });
    expect(k.manager.health().find((h) => h.device === 'thermometer')).toMatchObject({ configured: false });
    expect(await k.manager.readTemperature(10)).toEqual({ valid: false, reason: 'PORT_UNAVAILABLE', rawCelsius: null });
    const gatePair = new MemoryLinkPair({ clock: k.clock, path: '/dev/mem-gate' });
    k.pairs.set('/dev/mem-gate', gatePair);
    expect(await whileRunning(k.clock, k.manager.applyDevice('gate', { driver: 'lcus', port: '/dev/mem-gate', pulseMs: 100 }))).toEqual({ ok: true, proven: 'port /dev/mem-gate opened at 9600 baud' });
    const pulse = await whileRunning(k.clock, k.manager.testDevice('gate'));
    expect(pulse).toEqual({ ok: true, device: 'gate', pulse: { ok: true, driver: 'lcus', relay: 1, ms: 100 } });
    expect(gatePair.device.received.map((b) => b.toString('hex'))).toEqual(['a00101a2', 'a00100a1']);
    expect(k.manager.recentFrames('gate').map((f) => f.meaning)).toEqual(['relay 1 on (close contact for 100 ms)', 'relay 1 off (open contact)']);
  });
});

describe('testDevice', () => {
  it('a card test returns the decoded card and the passage flow sees the same card', async () => {
    const k = await kiosk();
    const test = k.manager.testDevice('idcard', { timeoutMs: 5000 });
    k.reader.present('lisi');
    const result = await whileRunning(k.clock, test);
    expect(result).toMatchObject({ ok: true, device: 'idcard', card: { name: '李四' } });
    expect(k.events.filter((e) => e.type === 'card-presented')).toHaveLength(1);
  });

  it('a scan test waits for a code, and says so when none comes', async () => {
    const k = await kiosk();
    const none = await whileRunning(k.clock, k.manager.testDevice('scanner', { timeoutMs: 2000 }));
    expect(none).toEqual({ ok: false, device: 'scanner', reason: 'FRAME_TIMEOUT', message: 'no code scanned in 2 s' });
    const test = k.manager.testDevice('scanner', { timeoutMs: 2000 });
    k.scannerPair.device.write(Buffer.from('HELLO\r', 'latin1'));
    expect(await whileRunning(k.clock, test)).toEqual({ ok: true, device: 'scanner', text: 'HELLO' });
    expect(k.events.filter((e) => e.type === 'scanner-text')).toHaveLength(1);
  });

  it('a thermometer test gives raw and corrected, also for an out-of-range reading', async () => {
    const k = await kiosk();
    k.head.temperature = null;
    await runFor(k.clock, 1000);
    expect(await whileRunning(k.clock, k.manager.testDevice('thermometer', { timeoutMs: 3000 }))).toEqual({
      ok: true,
      device: 'thermometer',
      reading: { valid: false, reason: 'THERMO_OUT_OF_RANGE', rawCelsius: 25, celsius: 25 },
    });
  });
});

describe('listPorts', () => {
  it('without udevadm: the /dev nodes found, or none, with the problem in words; never a throw', async () => {
    const m = new DeviceManager({});
    const savedPath = process.env.PATH;
    // serialport runs `udevadm` through PATH: with none it fails, and the manager must still answer.
    process.env.PATH = '/nonexistent';
    try {
      const list = await m.listPorts();
      expect(list.problem).toMatch(list.ports.length ? /udevadm is not available/ : /^no ports found \(udevadm is not available\)$/);
      for (const p of list.ports) expect(Object.values(p)).not.toContain(null);
    } finally {
      process.env.PATH = savedPath;
    }
  });
});
