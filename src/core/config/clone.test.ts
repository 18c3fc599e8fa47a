// Cloning a setup on real config.json files: the export carries no secret, no port, no calibration
// and no kiosk identity; an import shows each difference, keeps this kiosk's own values, refuses a
// typo with its path and a file that is not a setup file with the reason, and writes only the
// changed paths on the revision it was planned on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { ConfigConflictError, configPath, loadConfig, readConfigDocument, saveConfig, type KioskConfigInput } from './config.js';
import { applyImport, exportSetup, planImport, setupFileName, setupFileText, SETUP_FORMAT, SETUP_LOCAL_PATHS } from './clone.js';

const T = Date.UTC(2026, 10, 30, 9, 0, 0);
const adminPin = hashAdminPin('2468');
const integratorPin = hashAdminPin('1357');
const guardPin = hashAdminPin('9753');

/** Kiosk A: the first kiosk of the mall, wired and tuned. */
const A: KioskConfigInput = {
  venueId: 'mall-east',
  kioskId: 'lane-1',
  kioskName: 'East door 1',
  language: 'en',
  policy: { feverThresholdC: 37.8, requireTemperature: true },
  checkpoint: { antiPassbackMinutes: 30 },
  devices: {
    thermometer: { port: '/dev/ttyA-THERM', baudRate: 19200, protocol: { name: 'modbus-rtu', address: 2 }, offsetC: 0.4, gain: 1.02 },
    scanner: { port: '/dev/ttyA-SCAN' },
    gate: { driver: 'lcus', port: '/dev/ttyA-GATE', pulseMs: 800 },
  },
  camera: { deviceId: 'cam-of-box-a', width: 1280, height: 720 },
  store: { retentionDays: 14, keyFile: '/mnt/keys/a.key' },
  upload: { collectorUrl: 'https://collector.example/', caFile: '/etc/kiosk/a-ca.pem' },
  admin: { pin: adminPin, integratorPin, sessionIdleSeconds: 300 },
  guards: [{ id: 'g-7', pin: guardPin }],
  demo: { seed: 'seed-of-kiosk-a-do-not-copy' },
};

/** Kiosk B: fresh from the box, its own ports and PINs. */
const B: KioskConfigInput = {
  kioskId: 'lane-2',
  kioskName: 'East door 2',
  devices: {
    thermometer: { port: '/dev/ttyUSB1', protocol: { name: 'lu90614' }, offsetC: -0.2 },
    scanner: { port: '/dev/ttyUSB2' },
    gate: { driver: 'lcus', port: '/dev/ttyUSB3' },
  },
  admin: { pin: hashAdminPin('8642'), integratorPin: hashAdminPin('7531') },
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-clone-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const configOf = (doc: KioskConfigInput) => {
  const d = mkdtempSync(join(dir, 'k-'));
  saveConfig(d, doc);
  return { dataDir: d, config: loadConfig(d) };
};

describe('exportSetup', () => {
  it('carries no secret, PIN hash, key file, demo seed, port, calibration, camera device, CA path or kiosk identity', () => {
    const a = configOf(A);
    const text = setupFileText(exportSetup(a.config, T));
    for (const secret of [adminPin.hash, adminPin.salt, integratorPin.hash, integratorPin.salt, guardPin.hash, guardPin.salt, 'g-7', '/mnt/keys/a.key', 'seed-of-kiosk-a-do-not-copy', '/dev/ttyA-THERM', '/dev/ttyA-SCAN', '/dev/ttyA-GATE', 'cam-of-box-a', '/etc/kiosk/a-ca.pem', 'East door 1']) {
      expect(text, secret).not.toContain(secret);
    }
    const file = JSON.parse(text);
    expect(file).toMatchObject({ format: SETUP_FORMAT, version: 1, exportedAt: '2026-11-30T09:00:00.000Z', from: { venueId: 'mall-east', kioskId: 'lane-1' } });
    expect(file.config.kioskId).toBeUndefined();
    expect(file.config.revision).toBeUndefined();
    expect(file.config.devices.thermometer).not.toHaveProperty('offsetC');
    expect(file.config.devices.thermometer).not.toHaveProperty('gain');
    // The shared setup is there.
    expect(file.config.policy.feverThresholdC).toBe(37.8);
    expect(file.config.devices.thermometer.protocol).toMatchObject({ name: 'modbus-rtu', address: 2 });
    expect(file.config.devices.gate).toEqual({ driver: 'lcus', baudRate: 9600, relay: 1, pulseMs: 800 });
    expect(file.config.camera).toEqual({ width: 1280, height: 720 });
    expect(file.config.admin).toEqual({ sessionIdleSeconds: 300 });
    expect(setupFileName(exportSetup(a.config, T))).toBe('setup-mall-east-20261130.json');
  });
});

describe('planImport and applyImport', () => {
  it('round trip: B takes A\'s setup, keeps its own ports, calibration, PINs and identity, and says which', () => {
    const a = configOf(A);
    const b = configOf(B);
    const bBefore = readFileSync(configPath(b.dataDir), 'utf8');
    const plan = planImport(b.config, setupFileText(exportSetup(a.config, T)));
    expect(plan.problems).toEqual([]);
    expect(plan.source).toEqual({ venueId: 'mall-east', kioskId: 'lane-1', exportedAt: '2026-11-30T09:00:00.000Z' });
    const byPath = Object.fromEntries(plan.changes.map((c) => [c.path, c]));
    expect(byPath['policy.feverThresholdC']).toEqual({ path: 'policy.feverThresholdC', from: 37.3, to: 37.8 });
    expect(byPath['venueId']).toEqual({ path: 'venueId', from: 'demo-venue', to: 'mall-east' });
    expect(byPath['language']).toEqual({ path: 'language', from: undefined, to: 'en' });
    expect(byPath['devices.thermometer.protocol.name']).toEqual({ path: 'devices.thermometer.protocol.name', from: 'lu90614', to: 'modbus-rtu' });
    expect(plan.changes.map((c) => c.path)).not.toEqual(expect.arrayContaining(['devices.thermometer.port']));
    for (const p of plan.changes.map((c) => c.path)) expect(SETUP_LOCAL_PATHS.some((l) => p === l || p.startsWith(`${l}.`))).toBe(false);
    expect(plan.keptLocal).toEqual(
      expect.arrayContaining(['admin.pin', 'admin.integratorPin', 'kioskId', 'kioskName', 'devices.thermometer.port', 'devices.scanner.port', 'devices.gate.port', 'devices.thermometer.offsetC', 'devices.thermometer.gain']),
    );
    // Nothing written by planning.
    expect(readFileSync(configPath(b.dataDir), 'utf8')).toBe(bBefore);

    const saved = applyImport(b.dataDir, readConfigDocument(b.dataDir), plan, { baseRevision: b.config.revision });
    const after = loadConfig(b.dataDir);
    expect(saved).toEqual(after);
    expect(after.revision).toBe(b.config.revision + 1);
    expect(after.policy).toEqual(a.config.policy);
    expect(after.checkpoint).toEqual(a.config.checkpoint);
    expect(after.venueId).toBe('mall-east');
    expect(after.language).toBe('en');
    expect(after.devices.thermometer).toMatchObject({ port: '/dev/ttyUSB1', offsetC: -0.2, gain: 1, baudRate: 19200, protocol: { name: 'modbus-rtu', address: 2 } });
    expect(after.devices.scanner?.port).toBe('/dev/ttyUSB2');
    expect(after.devices.gate).toEqual({ driver: 'lcus', port: '/dev/ttyUSB3', baudRate: 9600, relay: 1, pulseMs: 800 });
    expect(after.kioskId).toBe('lane-2');
    expect(after.kioskName).toBe('East door 2');
    expect(after.admin.pin).toEqual(b.config.admin.pin);
    expect(after.admin.integratorPin).toEqual(b.config.admin.integratorPin);
    expect(after.admin.sessionIdleSeconds).toBe(300);
    expect(after.guards).toEqual([]);
    expect(after.store.keyFile).toBeUndefined();
    expect(after.upload.caFile).toBeNull();
    expect(after.camera).toEqual({ width: 1280, height: 720 });
    // Only the changed paths were written: B's document keeps what its author left to the defaults.
    const written = readConfigDocument(b.dataDir) as { policy: Record<string, unknown> };
    expect(Object.keys(written.policy).sort()).toEqual(['feverThresholdC', 'requireTemperature']);
    // A second import of the same file changes nothing.
    expect(planImport(after, setupFileText(exportSetup(a.config, T))).changes).toEqual([]);
  });

  it('refuses a typo in the file with its path, and a bad value with its path', () => {
    const a = configOf(A);
    const b = configOf(B);
    const file = exportSetup(a.config, T);
    (file.config.policy as Record<string, unknown>).feverThresholC = 38;
    (file.config.checkpoint as Record<string, unknown>).collectWindowMs = 'long';
    const plan = planImport(b.config, JSON.stringify(file));
    expect(plan.result).toBeNull();
    expect(plan.changes).toEqual([]);
    expect(plan.problems).toEqual(expect.arrayContaining([{ path: 'policy.feverThresholC', message: 'unknown key' }, expect.objectContaining({ path: 'checkpoint.collectWindowMs' })]));
    expect(() => applyImport(b.dataDir, readConfigDocument(b.dataDir), plan)).toThrow();
  });

  it('refuses a garbage file, another format, another version, a missing config and a huge file with the reason', () => {
    const b = configOf(B).config;
    expect(planImport(b, '\u0000\u0001garbage{').problems).toEqual([{ path: '(file)', message: expect.stringMatching(/^not JSON/) }]);
    expect(planImport(b, JSON.stringify({ venueId: 'x' })).problems).toEqual([{ path: 'format', message: `not a setup file (format must be "${SETUP_FORMAT}")` }]);
    expect(planImport(b, '[1,2]').problems[0]!.path).toBe('format');
    expect(planImport(b, JSON.stringify({ format: SETUP_FORMAT, version: 2, config: {} })).problems).toEqual([{ path: 'version', message: 'version 2 is not supported (this kiosk reads version 1)' }]);
    expect(planImport(b, JSON.stringify({ format: SETUP_FORMAT, version: 1, config: 'x' })).problems).toEqual([{ path: 'config', message: 'missing or not an object' }]);
    expect(planImport(b, 'x'.repeat(300_000)).problems[0]).toEqual({ path: '(file)', message: expect.stringMatching(/^too large/) });
  });

  it('a device the file fits and this kiosk has no port for is a problem at that port; a device the file lacks is a change', () => {
    const a = configOf(A).config;
    const bare = configOf({ kioskId: 'lane-9' }).config;
    const plan = planImport(bare, setupFileText(exportSetup(a, T)));
    expect(plan.problems.map((p) => p.path)).toEqual(['devices.thermometer.port', 'devices.scanner.port', 'devices.gate.port']);
    expect(plan.problems[0]!.message).toBe("the file's setup has a thermometer and this kiosk has no port for it: set the port on this kiosk (Devices) first, then import");
    // A typo in the same file is named beside the missing ports, not hidden behind them.
    const typo = JSON.parse(setupFileText(exportSetup(a, T))) as { config: { policy: Record<string, unknown> } };
    typo.config.policy.feverTreshold = 38;
    const both = planImport(bare, JSON.stringify(typo));
    expect(both.problems.map((p) => p.path)).toEqual(['devices.thermometer.port', 'devices.scanner.port', 'devices.gate.port', 'policy.feverTreshold']);
    expect(both.problems[3]!.message).toBe('unknown key');
    const b = configOf(B).config;
    const noDevices = planImport(b, setupFileText(exportSetup(configOf({ kioskId: 'x' }).config, T)));
    expect(noDevices.problems).toEqual([]);
    expect(noDevices.changes.map((c) => c.path)).toEqual(expect.arrayContaining(['devices.thermometer', 'devices.scanner', 'devices.gate.driver']));
    expect(noDevices.keptLocal).not.toContain('devices.gate.port');
  });

  it('a secret or port a hand-made file carries is not taken', () => {
    const b = configOf(B);
    const hand = { format: SETUP_FORMAT, version: 1, exportedAt: '', from: {}, config: { admin: { pin: adminPin }, guards: [{ id: 'x', pin: guardPin }], devices: { ...B.devices, scanner: { port: '/dev/evil' } }, kioskId: 'other' } };
    const plan = planImport(b.config, JSON.stringify(hand));
    expect(plan.problems).toEqual([]);
    expect(plan.changes.map((c) => c.path)).toEqual([]);
    expect(plan.result?.admin.pin).toEqual(b.config.admin.pin);
    expect(plan.result?.devices.scanner?.port).toBe('/dev/ttyUSB2');
  });

  it('applies only on the revision it was planned on', () => {
    const a = configOf(A).config;
    const b = configOf(B);
    const plan = planImport(b.config, setupFileText(exportSetup(a, T)));
    saveConfig(b.dataDir, { ...readConfigDocument(b.dataDir) });
    expect(() => applyImport(b.dataDir, readConfigDocument(b.dataDir), plan, { baseRevision: b.config.revision })).toThrow(ConfigConflictError);
  });
});
