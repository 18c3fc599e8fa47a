// Device health tells the truth (docs/door-passage.md): over real pty pairs, a thermometer set to
// lu90614 but wired to a Modbus head opens its port and never gets a valid frame, so it is shown
// faulty with the reason, the reason reaches the contract's `devices` event and the log (no personal
// data), and the door keeps deciding without waiting for it. A port that is missing or busy is faulty.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DeviceHealthSchema, type DeviceHealth as ContractDeviceHealth } from '../../src/contract/api.js';
import { ThermometerProtocolSchema } from '../../src/core/devices/config.js';
import type { DeviceHealth } from '../../src/core/devices/types.js';
import { demoPerson } from '../../src/core/demo/people.js';
import { DeviceManager } from '../manager.js';
import { PtyPair } from '../serial/pty.js';
import { ThermometerSimulator } from '../simulators/thermometer-sim.js';
import { startCheckpoint, type CheckpointRig } from '../testing/checkpoint-rig.js';
import { EVENT_TIMEOUT_MS, startRig, until, type Rig } from '../testing/rig.js';

const ctx = { host: 'browser' as const, clientId: 't' };
const thermometerOf = (door: CheckpointRig): ContractDeviceHealth | undefined => {
  const last = door.events.filter((e) => e.type === 'devices').pop();
  return last?.type === 'devices' ? last.devices.find((d) => d.kind === 'thermometer') : undefined;
};

describe('a thermometer set to lu90614, wired to a Modbus head', () => {
  let rig: Rig<ThermometerSimulator>;
  let door: CheckpointRig;
  beforeAll(async () => {
    const modbus = ThermometerProtocolSchema.parse({ name: 'modbus-rtu' });
    const lu = ThermometerProtocolSchema.parse({ name: 'lu90614' });
    rig = await startRig(
      'thermometer',
      (pair) => new ThermometerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, protocol: modbus }),
      (port) => ({ thermometer: { port, baudRate: 9600, protocol: lu, pollIntervalMs: 60, replyTimeoutMs: 200 } }),
    );
    door = startCheckpoint(rig.manager);
    rig.sim.temperature = 38.4;
  });
  afterAll(async () => {
    door?.close();
    await rig?.stop();
  });

  it('is faulty (FRAME_TIMEOUT: nothing valid within its period) although its port is open', async () => {
    const faulty = await rig.next('health', (e) => e.health.fault !== null);
    expect(faulty.health).toMatchObject({ connected: true, fault: 'FRAME_TIMEOUT', lastGoodFrameAt: null });
    expect(faulty.health.detail).toMatch(/no valid frame within 520 ms/);
    expect(rig.manager.thermometer!.readings).toBe(0);
  });

  it('the contract\'s device event and the log carry the reason', async () => {
    await until(() => thermometerOf(door)?.state === 'offline', 'thermometer shown offline');
    const shown = thermometerOf(door)!;
    expect(DeviceHealthSchema.parse(shown)).toMatchObject({ state: 'offline', reason: 'FRAME_TIMEOUT', simulated: true });
    expect(shown.detail).toMatch(/no valid frame/);
    expect(door.logs.filter((l) => l.startsWith('device thermometer offline (FRAME_TIMEOUT): no valid frame'))).toHaveLength(1);
    const status = await door.cp.service.getStatus({}, ctx);
    expect(status.ok && status.value.devices.find((d) => d.kind === 'thermometer')).toMatchObject({ state: 'offline', reason: 'FRAME_TIMEOUT' });
  });

  it('the door keeps deciding: no wait for the faulty thermometer, the passage goes to the guard without a reading', async () => {
    await door.cp.service.submitScan({ text: door.code('zhangsan'), source: 'camera' }, ctx);
    expect(door.passages().map((p) => p.state)).toEqual(['decided', 'shown']);
    expect(door.lastPassage()).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null });
    const p = demoPerson('zhangsan')!;
    for (const line of door.logs) {
      expect(line).not.toContain(p.name);
      expect(line).not.toContain(p.idNumber);
    }
  });
});

describe('a thermometer whose port is missing or busy', () => {
  let dir: string;
  let manager: DeviceManager | null = null;
  let door: CheckpointRig | null = null;
  let pair: PtyPair | null = null;
  let holder: SerialPort | null = null;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-health-'));
  });
  afterEach(async () => {
    door?.close();
    door = null;
    await manager?.stop();
    manager = null;
    if (holder?.isOpen) await new Promise((r) => holder!.close(r));
    holder = null;
    await pair?.stop();
    pair = null;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const protocol = ThermometerProtocolSchema.parse({ name: 'lu90614' });

  async function managerOn(port: string): Promise<DeviceHealth[]> {
    const seen: DeviceHealth[] = [];
    manager = new DeviceManager({ thermometer: { port, baudRate: 9600, protocol } }, { maxBackoffMs: 200 });
    manager.onEvent((e) => {
      if (e.type === 'health' && e.health.device === 'thermometer') seen.push(e.health);
    });
    // As the kiosk composes it: devices started first, then the checkpoint service over them.
    await manager.start();
    door = startCheckpoint(manager);
    return seen;
  }

  it('missing: faulty PORT_UNAVAILABLE, "not found"; the door still decides', async () => {
    await managerOn(join(dir, 'no-such-port'));
    const h = manager!.health().find((d) => d.device === 'thermometer')!;
    expect(h).toMatchObject({ configured: true, connected: false, fault: 'PORT_UNAVAILABLE' });
    expect(h.detail).toMatch(/not found$/);
    const status = await door!.cp.service.getStatus({}, ctx);
    expect(status.ok && status.value.devices.find((d) => d.kind === 'thermometer')).toMatchObject({ state: 'offline', reason: 'PORT_UNAVAILABLE', detail: expect.stringMatching(/not found/) });
    // Logged although a missing port raises no event of its own after start.
    expect(door!.logs.filter((l) => /^device thermometer offline \(PORT_UNAVAILABLE\): port .*not found$/.test(l))).toHaveLength(1);
    await door!.cp.service.submitScan({ text: door!.code('lisi'), source: 'camera' }, ctx);
    expect(door!.lastPassage()).toMatchObject({ state: 'shown', decision: 'review', reason: 'TEMPERATURE_MISSING' });
  });

  it('busy (another program holds the port): faulty PORT_UNAVAILABLE, "could not be opened"', async () => {
    pair = new PtyPair(join(dir, 'host'), join(dir, 'dev'));
    await pair.start();
    holder = new SerialPort({ path: pair.hostPath, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => holder!.open((err) => (err ? reject(err) : resolve())));
    await managerOn(pair.hostPath);
    await until(() => (manager!.health().find((d) => d.device === 'thermometer')!.errors.PORT_UNAVAILABLE ?? 0) > 0, 'a refused open', EVENT_TIMEOUT_MS);
    const h = manager!.health().find((d) => d.device === 'thermometer')!;
    expect(h).toMatchObject({ connected: false, fault: 'PORT_UNAVAILABLE' });
    expect(h.detail).toMatch(/could not be opened \(busy/);
    await until(() => /could not be opened/.test(thermometerOf(door!)?.detail ?? ''), 'the busy port on the contract');
    expect(door!.logs.some((l) => /^device thermometer offline \(PORT_UNAVAILABLE\): port .* (not open|could not be opened)/.test(l))).toBe(true);
  });
});
