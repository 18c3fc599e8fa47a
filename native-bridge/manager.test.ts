// DeviceManager without simulators: configuration, the `none` gate, devices that are not configured,
// and a port that does not exist yet and then appears (cold start before the adapter is plugged in).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceManager } from './manager.js';
import { PtyPair } from './serial/pty.js';
import { GateSimulator } from './simulators/gate-sim.js';
import type { DeviceEvent } from '../src/core/devices/types.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('DeviceManager', () => {
  it('with nothing configured: every device unconfigured, the gate is `none`', async () => {
    const m = new DeviceManager({});
    await m.start();
    cleanups.push(() => m.stop());
    expect(m.health().map((h) => [h.device, h.configured, h.connected])).toEqual([
      ['idcard', false, false],
      ['thermometer', false, false],
      ['scanner', false, false],
      ['gate', false, false],
    ]);
    expect(await m.pulseGate({ relay: 2, ms: 100 })).toEqual({ ok: true, driver: 'none', relay: 2, ms: 0 });
    expect(await m.readTemperature(10)).toEqual({ valid: false, reason: 'PORT_UNAVAILABLE', rawCelsius: null });
  });

  it('refuses an invalid configuration with the field at fault', () => {
    // What a hand-edited config.json might hold: typed as unknown input on purpose.
    const badFunction: unknown = { thermometer: { port: '/dev/x', protocol: { name: 'modbus-rtu', function: 6 } } };
    const gateWithoutPort: unknown = { gate: { driver: 'lcus' } };
    expect(() => new DeviceManager(badFunction as never)).toThrow(/function/);
    expect(() => new DeviceManager(gateWithoutPort as never)).toThrow(/port/);
  });

  it('fills protocol defaults from the spec (115200 for the reader, 30–43 °C, ≥ 3 samples)', () => {
    const m = new DeviceManager({ idcard: { port: '/dev/a' }, thermometer: { port: '/dev/b', protocol: { name: 'gy-mcu90614' } } });
    expect(m.config.idcard).toMatchObject({ baudRate: 115200, retries: 2 });
    expect(m.config.thermometer).toMatchObject({ baudRate: 9600, minC: 30, maxC: 43, offsetC: 0, stableSamples: 3 });
  });

  it('keeps trying a port that is not there, and opens it once it appears', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-mgr-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const pair = new PtyPair(join(dir, 'gate'), join(dir, 'gate.sim'));
    cleanups.push(() => pair.stop());
    const m = new DeviceManager({ gate: { driver: 'lcus', port: pair.hostPath, pulseMs: 20 } }, { maxBackoffMs: 300 });
    const events: DeviceEvent[] = [];
    m.onEvent((e) => events.push(e));
    await m.start();
    cleanups.push(() => m.stop());
    expect(await m.pulseGate()).toEqual({ ok: false, reason: 'GATE_UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 500));
    await pair.start();
    const sim = new GateSimulator({ devicePath: pair.devicePath, baudRate: 9600 });
    await sim.start();
    cleanups.push(() => sim.stop());
    await m.waitConnected(15_000);
    expect((await m.pulseGate()).ok).toBe(true);
    const deadline = Date.now() + 10_000;
    while (sim.pulses.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sim.pulses).toHaveLength(1);
    expect(events.some((e) => e.type === 'health' && e.health.device === 'gate' && e.health.connected)).toBe(true);
  });

  it('a listener that throws does not stop the others', async () => {
    const m = new DeviceManager({});
    const seen: string[] = [];
    m.onEvent(() => {
      throw new Error('boom');
    });
    m.onEvent((e) => seen.push(e.type));
    await m.start();
    cleanups.push(() => m.stop());
    expect(seen).toContain('health');
  });
});
