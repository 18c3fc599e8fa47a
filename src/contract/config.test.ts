// The configuration document's schema (src/contract/config.ts): every section accepts a full valid
// example and fills its defaults; an unknown key at any depth and a bad value are problems naming
// their dotted path; a broken document never quietly becomes defaults.
import { describe, expect, it } from 'vitest';
import { configProblemsOf, kioskConfigSchema, type KioskConfigInput } from './config.js';

const hex = (n: number) => 'ab'.repeat(n / 2);
const pin = { salt: hex(32), hash: hex(64) };

/** A document with every section set (not defaults), as an integrator would write it. */
const full: KioskConfigInput = {
  venueId: 'mall-7',
  kioskId: 'lane-3',
  kioskName: 'North door',
  roots: [{ kid: 'root-1', pub: 'AAAA' }],
  policy: { maxTrustListAgeDays: 7, feverThresholdC: 37.5, feverComparison: 'gt', requireTemperature: true, clockSkewSeconds: 60 },
  checkpoint: { collectWindowMs: 3000, antiPassbackMinutes: 30, reviewTimeoutMs: null },
  devices: {
    idcard: { port: '/dev/ttyUSB0', baudRate: 57600, retries: 1 },
    thermometer: { port: '/dev/ttyUSB1', protocol: { name: 'modbus-rtu', register: 2, scale: 0.01 }, offsetC: 0.2 },
    scanner: { port: '/dev/ttyUSB2', idleGapMs: 80, triggerHex: '7E 00' },
    gate: { driver: 'lcus', port: '/dev/ttyUSB3', relay: 2, pulseMs: 300 },
  },
  camera: { enabled: true, width: 1280, height: 720, engine: 'zxing-library' },
  store: { retentionDays: 14, keyFile: '/media/token/entry-store.key' },
  upload: { collectorUrl: 'https://collector.example:8443', batchSize: 200, caFile: '/etc/kiosk/ca.pem' },
  admin: { pin },
  guards: [{ id: 'G-017', pin }],
  demo: { seed: 'abc' },
};

function problems(input: unknown) {
  const r = kioskConfigSchema.safeParse(input);
  return r.success ? [] : configProblemsOf(r.error);
}

describe('configuration schema', () => {
  it('an empty document is every default', () => {
    const c = kioskConfigSchema.parse({});
    expect(c.venueId).toBe('demo-venue');
    expect(c.roots).toEqual([]);
    expect(c.policy.feverThresholdC).toBe(37.3);
    expect(c.checkpoint.collectWindowMs).toBe(2500);
    expect(c.devices).toEqual({ idcard: null, thermometer: null, scanner: null, gate: { driver: 'none' } });
    expect(c.camera).toEqual({});
    expect(c.store.retentionDays).toBe(28);
    expect(c.upload.collectorUrl).toBeNull();
    expect(c.admin.pin).toBeUndefined();
    expect(c.guards).toEqual([]);
    expect(c.demo).toBeUndefined();
  });

  it('every section keeps what the document sets and fills the rest', () => {
    const c = kioskConfigSchema.parse(full);
    expect(c.kioskName).toBe('North door');
    expect(c.roots).toEqual([{ kid: 'root-1', pub: 'AAAA' }]);
    expect(c.policy).toMatchObject({ maxTrustListAgeDays: 7, feverComparison: 'gt', maxStatusAgeHours: 24 });
    expect(c.checkpoint).toMatchObject({ collectWindowMs: 3000, antiPassbackMinutes: 30, reviewTimeoutMs: null, resetAfterMs: 4000 });
    expect(c.devices.idcard).toMatchObject({ baudRate: 57600, retries: 1, pollIntervalMs: 25 });
    expect(c.devices.thermometer?.protocol).toEqual({ name: 'modbus-rtu', address: 1, function: 3, register: 2, count: 1, valueIndex: 0, scale: 0.01, signed: true });
    expect(c.devices.scanner).toMatchObject({ idleGapMs: 80, maxLength: 4096 });
    expect(c.devices.gate).toEqual({ driver: 'lcus', port: '/dev/ttyUSB3', baudRate: 9600, relay: 2, pulseMs: 300 });
    expect(c.camera).toEqual({ enabled: true, width: 1280, height: 720, engine: 'zxing-library' });
    expect(c.store).toEqual({ retentionDays: 14, keyFile: '/media/token/entry-store.key' });
    expect(c.upload).toMatchObject({ collectorUrl: 'https://collector.example:8443', batchSize: 200, listSyncMinutes: 15 });
    expect(c.admin.pin).toEqual(pin);
    expect(c.guards).toEqual([{ id: 'G-017', pin }]);
    expect(c.demo).toEqual({ seed: 'abc' });
    // What the kiosk wrote back (defaults filled in) parses to itself.
    expect(kioskConfigSchema.parse(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it.each([
    [{ venue: 'x' }, 'venue'],
    [{ uplaod: {} }, 'uplaod'],
    [{ policy: { feverThreshold: 37.5 } }, 'policy.feverThreshold'],
    [{ checkpoint: { antiPassback: 5 } }, 'checkpoint.antiPassback'],
    [{ devices: { thermometer: { port: '/dev/x', baud: 9600, protocol: { name: 'lu90614' } } } }, 'devices.thermometer.baud'],
    [{ devices: { thermometer: { port: '/dev/x', protocol: { name: 'modbus-rtu', registr: 3 } } } }, 'devices.thermometer.protocol.registr'],
    [{ devices: { gate: { driver: 'none', relay: 1 } } }, 'devices.gate.relay'],
    [{ devices: { camera: {} } }, 'devices.camera'],
    [{ camera: { fps: 30 } }, 'camera.fps'],
    [{ store: { retention: 7 } }, 'store.retention'],
    [{ upload: { url: 'http://127.0.0.1:1' } }, 'upload.url'],
    [{ admin: { pin, pinTimeout: 5 } }, 'admin.pinTimeout'],
    [{ admin: { pin: { ...pin, algo: 'scrypt' } } }, 'admin.pin.algo'],
    [{ guards: [{ id: 'G1', pin, name: 'Li' }] }, 'guards.0.name'],
    [{ roots: [{ kid: 'a', pub: 'b', alg: 'EdDSA' }] }, 'roots.0.alg'],
    [{ demo: { seed: 'x', people: 3 } }, 'demo.people'],
  ])('an unknown key is refused at its path: %j → %s', (input, path) => {
    const found = problems(input);
    expect(found).toHaveLength(1);
    expect(found[0]).toEqual({ path, message: 'unknown key' });
  });

  it.each([
    [{ venueId: '' }, 'venueId'],
    [{ kioskName: 'x'.repeat(65) }, 'kioskName'],
    [{ roots: { kid: 'a' } }, 'roots'],
    [{ policy: { feverComparison: 'ge' } }, 'policy.feverComparison'],
    [{ policy: { feverThresholdC: 'hot' } }, 'policy.feverThresholdC'],
    [{ checkpoint: { collectWindowMs: 50 } }, 'checkpoint.collectWindowMs'],
    [{ devices: { idcard: { baudRate: 115200 } } }, 'devices.idcard.port'],
    [{ devices: { thermometer: { port: '/dev/x', protocol: { name: 'fluke' } } } }, 'devices.thermometer.protocol.name'],
    [{ devices: { thermometer: { port: '/dev/x' } } }, 'devices.thermometer.protocol'],
    [{ devices: { scanner: { port: '/dev/x', maxLength: 1 } } }, 'devices.scanner.maxLength'],
    [{ devices: { gate: { driver: 'lcus' } } }, 'devices.gate.port'],
    [{ camera: { engine: 'quagga' } }, 'camera.engine'],
    [{ store: { retentionDays: 0 } }, 'store.retentionDays'],
    [{ upload: { collectorUrl: 'not a url' } }, 'upload.collectorUrl'],
    [{ admin: { pin: { salt: 'x', hash: hex(64) } } }, 'admin.pin.salt'],
    [{ guards: [{ id: 'has space', pin }] }, 'guards.0.id'],
    [{ demo: { seed: '' } }, 'demo.seed'],
    [{ revision: -1 }, 'revision'],
    [{ revision: 1.5 }, 'revision'],
    [{ language: 'fr' }, 'language'],
  ])('a bad value is refused at its path: %j → %s', (input, path) => {
    expect(problems(input).map((p) => p.path)).toEqual([path]);
  });

  it('reports every problem of a document, not just the first', () => {
    expect(problems({ uplaod: {}, policy: { feverThresholdC: 'hot' }, checkpoint: { antiPassback: 1 } }).map((p) => p.path).sort()).toEqual([
      'checkpoint.antiPassback',
      'policy.feverThresholdC',
      'uplaod',
    ]);
  });

  // Health-code spec §4 rule 6 and devices spec §2 (plausible body range 30–43 °C, threshold 37.3):
  // a threshold outside body temperatures is a slip (`-1` denies everyone, `3.75` too), refused with
  // the range in words; the other policy ages and windows have a physical upper bound too.
  it.each([
    [{ feverThresholdC: -1 }, 'policy.feverThresholdC', /35.*42/],
    [{ feverThresholdC: 3.75 }, 'policy.feverThresholdC', /35.*42/],
    [{ feverThresholdC: 375 }, 'policy.feverThresholdC', /35.*42/],
    [{ maxTrustListAgeDays: 3650 }, 'policy.maxTrustListAgeDays', /365/],
    [{ maxStatusAgeHours: 100_000 }, 'policy.maxStatusAgeHours', /8760/],
    [{ requireTestWithinHours: 100_000 }, 'policy.requireTestWithinHours', /8760/],
    [{ maxStatusListAgeHours: 100_000 }, 'policy.maxStatusListAgeHours', /8760/],
    [{ clockSkewSeconds: 86_400 }, 'policy.clockSkewSeconds', /3600/],
  ])('a policy number outside its physical bounds is refused with them: %j', (policy, path, says) => {
    const found = problems({ policy });
    expect(found.map((p) => p.path)).toEqual([path]);
    expect(found[0]!.message).toMatch(says);
  });

  it('a fever threshold anywhere in 35–42 °C is kept', () => {
    for (const feverThresholdC of [35, 36.5, 37.3, 38.5, 42]) expect(kioskConfigSchema.parse({ policy: { feverThresholdC } }).policy.feverThresholdC).toBe(feverThresholdC);
  });

  it('never quotes a value in a problem (a PIN hash or key path stays out of logs)', () => {
    const secret = 'f'.repeat(31);
    for (const p of problems({ admin: { pin: { salt: secret, hash: secret } }, store: { keyFile: 7 } })) expect(p.message).not.toContain(secret);
  });
});
