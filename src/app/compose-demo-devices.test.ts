// A demo kiosk keeps what the integrator saved on the devices screen across a restart
// (docs/integrator-setup.md, "Devices": saved as `devices.<device>` in config.json, "a restart keeps
// them"): the simulators' own settings are the defaults, config.json's `devices` runs over them.
// Real socat pty pairs, the real thermometer simulator, two real starts of one data directory.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeKiosk, DEMO_BODY_TEMPERATURE_C, type ComposedKiosk } from './compose.js';
import { configPath } from '../core/config/config.js';
import type { CallContext } from '../contract/api.js';

const ctx: CallContext = { host: 'browser', clientId: 'ws-integrator' };
let dir: string;
let kiosk: ComposedKiosk | null = null;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-demo-'));
});
afterEach(async () => {
  await kiosk?.close();
  kiosk = null;
  rmSync(dir, { recursive: true, force: true });
});

async function integrator(k: ComposedKiosk): Promise<string> {
  const opened = await k.service.openAdminSession({ pin: '5678' }, ctx);
  if (!opened.ok) throw new Error(opened.message);
  return opened.value.session;
}

async function thermometerReading(k: ComposedKiosk, session: string): Promise<{ celsius: number | null; rawCelsius: number | null }> {
  const r = await k.service.testDevice({ session, device: 'thermometer', timeoutMs: 5000 }, ctx);
  if (!r.ok || !r.value.passed || r.value.device !== 'thermometer' || !r.value.reading) throw new Error(`thermometer test failed: ${JSON.stringify(r)}`);
  return r.value.reading;
}

it('a demo kiosk restarted on its data directory runs the thermometer calibration saved on the devices screen', async () => {
  const data = join(dir, 'kiosk');
  const lines: string[] = [];
  kiosk = await composeKiosk({ dataDir: data, demo: true, log: (l) => lines.push(l) });
  let session = await integrator(kiosk);
  const setup = await kiosk.service.getDeviceSetup({ session }, ctx);
  if (!setup.ok) throw new Error(setup.message);
  const running = setup.value.devices.find((d) => d.device === 'thermometer')!.running as Record<string, unknown>;
  expect(running).toMatchObject({ offsetC: 0 });
  // One calibration point: the reference reads 0.5 °C more than the sensor.
  const applied = await kiosk.service.applyDeviceSettings(
    { session, device: 'thermometer', purpose: 'calibration', settings: { ...running, offsetC: 0.5, gain: 1 }, baseRevision: setup.value.revision },
    ctx,
  );
  if (!applied.ok) throw new Error(applied.message);
  expect(applied.value).toMatchObject({ applied: true });
  expect(JSON.parse(readFileSync(configPath(data), 'utf8')).devices.thermometer).toMatchObject({ offsetC: 0.5 });
  expect(await thermometerReading(kiosk, session)).toMatchObject({ rawCelsius: DEMO_BODY_TEMPERATURE_C, celsius: DEMO_BODY_TEMPERATURE_C + 0.5 });
  await kiosk.close();
  kiosk = null;

  // The restart: new socat ptys, the same config.json.
  kiosk = await composeKiosk({ dataDir: data, demo: true, log: (l) => lines.push(l) });
  session = await integrator(kiosk);
  const after = await kiosk.service.getDeviceSetup({ session }, ctx);
  if (!after.ok) throw new Error(after.message);
  const thermometer = after.value.devices.find((d) => d.device === 'thermometer')!;
  expect(thermometer.running).toMatchObject({ offsetC: 0.5, gain: 1, port: running.port });
  expect(thermometer.running).toEqual(thermometer.saved);
  expect(await thermometerReading(kiosk, session)).toMatchObject({ rawCelsius: DEMO_BODY_TEMPERATURE_C, celsius: DEMO_BODY_TEMPERATURE_C + 0.5 });
  // The other devices the integrator never saved keep the simulators' settings and work.
  const status = await kiosk.service.getStatus({}, ctx);
  expect(status.ok && status.value.devices.map((d) => [d.kind, d.state])).toEqual(expect.arrayContaining([['cardReader', 'ok'], ['thermometer', 'ok'], ['scanner', 'ok']]));
  expect(lines.join('\n')).toContain('demo device thermometer: saved settings');
}, 90_000);

it('a saved pty node of a previous demo start is replaced by the simulator link, a saved protocol parameter is kept', async () => {
  const data = join(dir, 'kiosk');
  kiosk = await composeKiosk({ dataDir: data, demo: true, log: () => {} });
  const link = kiosk.demo!.links.thermometer;
  await kiosk.close();
  kiosk = null;
  // As an integrator would have saved it from the port list: the pty node itself, and a protocol
  // parameter of their own (an unsigned register) next to a calibration.
  const doc = JSON.parse(readFileSync(configPath(data), 'utf8')) as Record<string, unknown>;
  const protocol = { name: 'modbus-rtu', address: 1, function: 3, register: 0, count: 1, valueIndex: 0, scale: 0.01, signed: false };
  doc.devices = { thermometer: { port: '/dev/pts/9999', baudRate: 9600, protocol, offsetC: -0.25, stableSamples: 4 } };
  writeFileSync(configPath(data), JSON.stringify(doc), { mode: 0o600 });
  kiosk = await composeKiosk({ dataDir: data, demo: true, log: () => {} });
  const session = await integrator(kiosk);
  const setup = await kiosk.service.getDeviceSetup({ session }, ctx);
  if (!setup.ok) throw new Error(setup.message);
  expect(setup.value.devices.find((d) => d.device === 'thermometer')!.running).toMatchObject({ port: link, offsetC: -0.25, stableSamples: 4, protocol: { scale: 0.01, signed: false } });
  expect(await thermometerReading(kiosk, session)).toMatchObject({ celsius: DEMO_BODY_TEMPERATURE_C - 0.25 });
}, 90_000);
