// The devices screen's pure parts: the form becomes the settings core receives (checked with the
// contract's device schema, path and message), calibration from reference points, and the frame
// log's rows (repeats counted, so idle polling cannot push an error off the screen).
import { describe, expect, it } from 'vitest';
import type { FrameLogEntryView } from '../../../contract/api.js';
import { appendFrames, calibrationOf, liveFormProblems, provesOnSamePort, settingsOf, validateDevice } from './devices-form.js';

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
