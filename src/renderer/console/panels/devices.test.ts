// The devices screen's pure parts: the form becomes the settings core receives (checked with the
// contract's device schema, path and message), calibration from reference points, and the frame
// log's rows (repeats counted, so idle polling cannot push an error off the screen).
import { beforeAll, describe, expect, it } from 'vitest';
import type { DeviceTestOutcome, FrameLogEntryView } from '../../../contract/api.js';
import { createI18n, type Translate } from '../../i18n.js';
import { appendFrames, calibrationOf, cardHealth, formOf, liveFormProblems, provesOnSamePort, settingsOf, testNotice, validateDevice } from './devices-form.js';

const running = { port: '/dev/ttyUSB1', baudRate: 9600, protocol: { name: 'modbus-rtu', address: 1, function: 3, register: 0, count: 1, valueIndex: 0, scale: 0.01, signed: true }, offsetC: 0.3, gain: 1 };

describe('device form', () => {
  it('builds the thermometer settings over the running ones, with the chosen protocol and its parameters', () => {
    const form = { enabled: 'true', port: ' /dev/ttyUSB2 ', baudRate: '19200', 'protocol.name': 'gy-mcu90614', 'gy-mcu90614.mode': 'continuous' };
    expect(settingsOf('thermometer', form, running)).toEqual({ ...running, port: '/dev/ttyUSB2', baudRate: 19200, protocol: { name: 'gy-mcu90614', mode: 'continuous' } });
    expect(settingsOf('thermometer', { ...form, enabled: 'false' }, running)).toBeNull();
    const ascii = settingsOf('thermometer', { ...form, 'protocol.name': 'ascii-line', 'ascii-line.query': '' }, running);
    expect(ascii?.protocol).toEqual({ name: 'ascii-line', query: null });
  });

  it('names the path and the problem of a wrong value, as the schema core checks with', () => {
    const bad = settingsOf('thermometer', { enabled: 'true', port: '', baudRate: 'fast', 'protocol.name': 'modbus-rtu', 'modbus-rtu.address': '300' }, running);
    const errors = validateDevice('thermometer', bad);
    expect(Object.keys(errors).sort()).toEqual(['devices.thermometer.baudRate', 'devices.thermometer.port', 'devices.thermometer.protocol.address']);
    expect(validateDevice('gate', settingsOf('gate', { enabled: 'true', port: '/dev/ttyUSB3', baudRate: '9600', relay: '9', pulseMs: '500' }, null))).toEqual({
      'devices.gate.relay': expect.any(String),
    });
  });
});

describe('device form as it is typed', () => {
  const form = { enabled: 'true', port: '/dev/ttyUSB1', baudRate: '9600', 'protocol.name': 'modbus-rtu' };

  it('marks a wrong value at once and keeps Apply off until it is fixed', () => {
    expect(liveFormProblems('thermometer', form, running, null)).toEqual({ errors: {}, canApply: true });
    const typed = liveFormProblems('thermometer', { ...form, 'protocol.name': 'ascii-line', baudRate: 'abc' }, running, null);
    expect(Object.keys(typed.errors)).toEqual(['devices.thermometer.baudRate']);
    expect(typed.canApply).toBe(false);
  });

  it("keeps core's words for the form it judged beside the local ones", () => {
    const r = liveFormProblems('thermometer', form, running, { 'devices.thermometer.port': 'no such port' });
    expect(r).toEqual({ errors: { 'devices.thermometer.port': 'no such port' }, canApply: false });
  });

  it('tells a change on the same port (the running driver pauses) from one on another port', () => {
    expect(provesOnSamePort(running, { ...running, baudRate: 19200 })).toBe(true);
    expect(provesOnSamePort(running, { ...running, port: '/dev/ttyUSB2' })).toBe(false);
    expect(provesOnSamePort(null, running)).toBe(false);
  });
});

describe('calibration', () => {
  it('one point moves the offset and keeps the gain; two points give the gain', () => {
    expect(calibrationOf([], 1)).toBeNull();
    expect(calibrationOf([{ raw: 36.4, reference: 37 }], 1)).toEqual({ offsetC: 0.6, gain: 1 });
    expect(calibrationOf([{ raw: 30, reference: 31 }, { raw: 40, reference: 41.5 }], 1)).toEqual({ offsetC: -0.5, gain: 1.05 });
    // Two points too close to tell a slope: the offset only, from the latest.
    expect(calibrationOf([{ raw: 36.4, reference: 37 }, { raw: 36.5, reference: 37.2 }], 1)).toEqual({ offsetC: 0.7, gain: 1 });
  });
});

describe('frame log rows', () => {
  const frame = (seq: number, over: Partial<FrameLogEntryView> = {}): FrameLogEntryView => ({ seq, at: 1000 + seq, device: 'idcard', dir: 'tx', hex: 'AA AA AA 96 69 00 03 20 01 22', meaning: 'find card (20 01)', error: null, ...over });
  it('counts a repeated poll and its reply as one row each, and keeps an error on screen behind a flood of them', () => {
    let rows = appendFrames([], [frame(0), frame(1, { dir: 'rx', hex: 'AA', meaning: 'no card (80)' })]);
    rows = appendFrames(rows, [frame(2, { device: 'thermometer', dir: 'rx', hex: '01 03', meaning: 'checksum error', error: 'FRAME_CHECKSUM' })], 5);
    for (let i = 3; i < 1000; i += 2) rows = appendFrames(rows, [frame(i), frame(i + 1, { dir: 'rx', hex: 'AA', meaning: 'no card (80)' })], 5);
    expect(rows.map((r) => [r.device, r.dir, r.repeat])).toEqual([
      ['thermometer', 'rx', 1],
      ['idcard', 'tx', 500],
      ['idcard', 'rx', 500],
    ]);
    expect(rows[1]!.seq).toBe(999);
  });
});

describe('a test result says which settings it tested', () => {
  let en: Translate;
  let zh: Translate;
  beforeAll(async () => {
    en = (await createI18n('en')).t;
    zh = (await createI18n('zh-CN')).t;
  });
  const reading: DeviceTestOutcome = { passed: true, device: 'thermometer', summary: '36.80 °C (raw 36.50 °C)', reading: { valid: true, rawCelsius: 36.5, celsius: 36.8, reason: null } };

  it('a reading names the running settings (core tests the device as it runs)', () => {
    const n = testNotice(en, reading, 'thermometer', running, formOf('thermometer', running));
    expect(n.tone).toBe('ok');
    expect(n.text).toBe('Reading 36.80 °C (raw 36.50 °C), tested with the settings in use: /dev/ttyUSB1, 9600 baud, modbus-rtu');
    // In words of the screen's language: no English "baud" on the Chinese screen.
    expect(testNotice(zh, reading, 'thermometer', running, undefined).text).toContain('/dev/ttyUSB1，波特率 9600，modbus-rtu');
  });

  it('a form that asks for other settings is said not applied yet and not tested', () => {
    const form = { ...formOf('thermometer', running), 'protocol.name': 'lu90614', baudRate: '19200' };
    const n = testNotice(en, reading, 'thermometer', running, form);
    expect(n.text).toContain('tested with the settings in use: /dev/ttyUSB1, 9600 baud, modbus-rtu');
    expect(n.text).toContain('The form is not applied yet: its settings were not tested (Apply proves them).');
    expect(testNotice(zh, reading, 'thermometer', running, form).text).toContain('表单中的设置尚未应用');
    // A failed test too: it failed on the running settings, not on the form's.
    const failed = testNotice(en, { passed: false, device: 'thermometer', reason: 'THERMO_NO_STABLE_READING', message: 'no stable reading within 5000 ms' }, 'thermometer', running, form);
    expect(failed.tone).toBe('bad');
    expect(failed.text).toContain('tested with the settings in use: /dev/ttyUSB1, 9600 baud, modbus-rtu');
    expect(failed.text).toContain('The form is not applied yet');
  });

  it('a card reader or a gate names its port (and relay) in use', () => {
    const reader = { port: '/dev/ttyUSB0', baudRate: 115200 };
    const card: DeviceTestOutcome = { passed: true, device: 'idcard', summary: 'card read', card: { maskedName: '李*', maskedDocumentNumber: '3101**********6789', docType: 'resident' } };
    expect(testNotice(en, card, 'idcard', reader, formOf('idcard', reader)).text).toMatch(/tested with the settings in use: \/dev\/ttyUSB0, 115200 baud$/);
    const gate = { driver: 'lcus', port: '/dev/ttyUSB3', baudRate: 9600, relay: 2, pulseMs: 500 };
    const pulse: DeviceTestOutcome = { passed: true, device: 'gate', summary: 'pulsed', pulse: { driver: 'lcus', relay: 2, ms: 500 } };
    expect(testNotice(en, pulse, 'gate', gate, formOf('gate', gate)).text).toContain('/dev/ttyUSB3, 9600 baud, relay 2');
  });
});

describe('a device card follows the device as the status bar does', () => {
  let en: Translate;
  beforeAll(async () => {
    en = (await createI18n('en')).t;
  });
  // Read when the screen loaded: the thermometer was working.
  const loaded = { configured: true, connected: true, port: '/dev/ttyUSB1', lastGoodFrameAt: 1000, lastError: null, fault: null, detail: null };
  const paused = { id: 'thermometer', kind: 'thermometer', state: 'offline', reason: 'PORT_UNAVAILABLE', detail: 'port /dev/ttyUSB1 paused while new settings are tried (up to 3 s)', simulated: false } as const;

  it('while new settings are tried on its own port it shows offline, paused, not working (docs/integrator-setup.md, Devices)', () => {
    expect(cardHealth(en, loaded, null)).toEqual({ tone: 'ok', text: 'working (/dev/ttyUSB1)' });
    const during = cardHealth(en, loaded, paused);
    expect(during.tone).toBe('bad');
    expect(during.text).toContain('paused while new settings are tried');
    expect(during.text).toContain('PORT_UNAVAILABLE');
  });

  it('back to working when core says so; not fitted as absent', () => {
    expect(cardHealth(en, loaded, { ...paused, state: 'ok', reason: null, detail: '/dev/ttyUSB1' })).toEqual({ tone: 'ok', text: 'working (/dev/ttyUSB1)' });
    expect(cardHealth(en, { ...loaded, configured: false }, { ...paused, state: 'absent', reason: null, detail: null }).tone).toBe('off');
    // Answering nothing valid since it started (the status bar's degraded) is not "working" either.
    expect(cardHealth(en, loaded, { ...paused, state: 'degraded', reason: 'FRAME_CHECKSUM', detail: 'no valid frame' }).tone).toBe('bad');
  });
});
