// A kiosk configured with no serial device (camera only) still runs a device manager, so the
// integrator adds the first device from the devices screen without a restart
// (docs/integrator-setup.md, "Devices"): here a thermometer on a real socat pty pair with the
// Modbus simulator on its far end, proven, saved to config.json and then reporting on the status.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeKiosk, type ComposedKiosk } from './compose.js';
import { configPath } from '../core/config/config.js';
import { hashAdminPin } from '../core/checkpoint/admin-pin.js';
import type { CallContext } from '../contract/api.js';
import { PtyPair } from '../../native-bridge/serial/pty.js';
import { ThermometerSimulator } from '../../native-bridge/simulators/thermometer-sim.js';

const ctx: CallContext = { host: 'browser', clientId: 'ws-integrator' };
let dir: string;
let kiosk: ComposedKiosk | null = null;
let pair: PtyPair | null = null;
let sim: ThermometerSimulator | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-add-'));
});
afterEach(async () => {
  await kiosk?.close();
  await sim?.stop();
  await pair?.stop();
  kiosk = null;
  sim = null;
  pair = null;
  rmSync(dir, { recursive: true, force: true });
});

it('a camera-only kiosk takes its first thermometer from the devices screen, proven and saved', async () => {
  const data = join(dir, 'kiosk');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  writeFileSync(configPath(data), JSON.stringify({ venueId: 'mall', kioskId: 'lane-1', roots: [], admin: { integratorPin: hashAdminPin('5678') } }), { mode: 0o600 });
  kiosk = await composeKiosk({ dataDir: data, log: () => {} });
  const service = kiosk.service;
  const opened = await service.openAdminSession({ pin: '5678' }, ctx);
  if (!opened.ok) throw new Error(opened.message);
  const session = opened.value.session;

  const before = await service.getDeviceSetup({ session }, ctx);
  if (!before.ok) throw new Error(before.message);
  expect(before.value.available).toBe(true);
  expect(before.value.devices.map((d) => [d.device, d.health.configured])).toEqual([
    ['idcard', false],
    ['thermometer', false],
    ['scanner', false],
    ['gate', false],
  ]);

  pair = new PtyPair(join(dir, 'th'), join(dir, 'th.sim'));
  await pair.start();
  const protocol = { name: 'modbus-rtu', address: 1, function: 3, register: 0, count: 1, valueIndex: 0, scale: 0.1, signed: true } as const;
  sim = new ThermometerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, protocol });
  sim.temperature = 36.6;
  await sim.start();

  const applied = await service.applyDeviceSettings(
    { session, device: 'thermometer', settings: { port: pair.hostPath, baudRate: 9600, protocol }, baseRevision: before.value.revision },
    ctx,
  );
  if (!applied.ok) throw new Error(applied.message);
  expect(applied.value).toMatchObject({ applied: true, proven: expect.stringContaining('valid reply') });
  expect(JSON.parse(readFileSync(configPath(data), 'utf8')).devices.thermometer).toMatchObject({ port: pair.hostPath, protocol: { name: 'modbus-rtu' } });
  const status = await service.getStatus({}, ctx);
  expect(status.ok && status.value.devices.find((d) => d.kind === 'thermometer')).toMatchObject({ state: 'ok' });
  const reading = await service.testDevice({ session, device: 'thermometer', timeoutMs: 5000 }, ctx);
  expect(reading.ok && reading.value).toMatchObject({ passed: true, reading: { valid: true, celsius: 36.6 } });
}, 60_000);
