// The embedded demo as the guard's kiosk uses it: four simulators on pty pairs and a DeviceManager
// on the host ends, one passage's worth of devices.
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../src/core/devices/types.js';
import { startDemoDevices, type RunningDemoDevices } from './demo.js';
import { DeviceManager } from './manager.js';
import { runConsoleCommand } from './simulators/console.js';

let dir: string;
let demo: RunningDemoDevices;
let manager: DeviceManager;
const events: DeviceEvent[] = [];

function next<T extends DeviceEvent['type']>(type: T, match: (e: Extract<DeviceEvent, { type: T }>) => boolean = () => true): Promise<Extract<DeviceEvent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type}`)), 15_000);
    const off = manager.onEvent((e) => {
      if (e.type === type && match(e as Extract<DeviceEvent, { type: T }>)) {
        clearTimeout(timer);
        off();
        resolve(e as Extract<DeviceEvent, { type: T }>);
      }
    });
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-demo-'));
  demo = await startDemoDevices({ dir });
  manager = new DeviceManager(demo.config);
  manager.onEvent((e) => events.push(e));
  await manager.start();
  await manager.waitConnected(15_000);
});
afterAll(async () => {
  await manager?.stop();
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('startDemoDevices + DeviceManager', () => {
  it('makes one host link per device', () => {
    for (const path of Object.values(demo.links)) expect(existsSync(path)).toBe(true);
    expect(manager.health().every((h) => h.configured && h.connected)).toBe(true);
  });

  it('delivers a card, a temperature, a code and a gate pulse', async () => {
    const card = next('card-presented');
    demo.idcard.present('grandma');
    expect((await card).card.validTo).toBeNull();
    const temp = next('temperature', (e) => e.reading.valid);
    demo.thermometer.setTemperature(36.4);
    expect((await temp).reading).toMatchObject({ valid: true, celsius: 36.4 });
    const text = next('scanner-text');
    await demo.scanner.send('PHC1:XYZ 1');
    expect((await text).text).toBe('PHC1:XYZ 1');
    expect(await manager.pulseGate({ ms: 30 })).toMatchObject({ ok: true, driver: 'lcus' });
    const removed = next('card-removed');
    demo.idcard.remove();
    await removed;
    const deadline = Date.now() + 10_000;
    while (demo.gate.pulses.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(demo.gate.pulses[0]).toMatchObject({ relay: 1 });
  });

  it('the console language drives the same simulators', async () => {
    const card = next('card-presented');
    expect((await runConsoleCommand(demo.simulators.idcard, 'present huangli')).output).toMatch(/^ok/);
    expect((await card).card.docType).toBe('HMT');
    expect((await runConsoleCommand(demo.simulators.idcard, 'present nobody')).output).toMatch(/^error: no demo person/);
    expect((await runConsoleCommand(demo.simulators.idcard, 'present tourist')).output).toMatch(/^error: .*carries no card/);
    expect((await runConsoleCommand(demo.simulators.thermometer, 'temp hot')).output).toMatch(/^error/);
    expect((await runConsoleCommand(demo.simulators.scanner, 'send  two  spaces ')).output).toBe('ok sent 13 characters');
    expect((await runConsoleCommand(demo.simulators.gate, 'status')).output).toMatch(/^ok connected=true/);
  });

  it('the next person steps up: the sensor reads the room, then their temperature, reported afresh', async () => {
    demo.thermometer.setTemperature(36.7);
    await next('temperature', (e) => e.reading.valid && e.reading.celsius === 36.7);
    // The same temperature for the next person: the driver reports only changes, so without the
    // step (room, then person) the passage would never hear of a reading for them.
    const sequence: string[] = [];
    const off = manager.onEvent((e) => {
      if (e.type === 'temperature') sequence.push(e.reading.valid ? `person ${e.reading.celsius}` : 'room');
    });
    await demo.thermometer.nextPerson();
    off();
    expect(sequence).toEqual(['room', 'person 36.7']);
  });

  it('personal data stays out of health events', () => {
    const health = JSON.stringify(events.filter((e) => e.type === 'health'));
    expect(health).not.toMatch(/grandma|孙秀英|510107/);
  });
});
