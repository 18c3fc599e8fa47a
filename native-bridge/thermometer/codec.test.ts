import { describe, expect, it } from 'vitest';
import { ThermometerProtocolSchema, type ThermometerProtocol } from '../../src/core/devices/config.js';
import { crc16Modbus, createThermometerCodec, encodeModbusException, encodeThermometerReply, modbusRequest, withModbusCrc } from './codec.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const protocol = (p: object) => ThermometerProtocolSchema.parse(p);
type Modbus = Extract<ThermometerProtocol, { name: 'modbus-rtu' }>;
const modbus = (p: object) => protocol({ name: 'modbus-rtu', ...p }) as Modbus;

function collect(p: ThermometerProtocol) {
  const readings: number[] = [];
  const errors: string[] = [];
  const codec = createThermometerCodec(p, { onReading: (c) => readings.push(c), onError: (r) => errors.push(r) });
  return { codec, readings, errors };
}

describe('CRC-16/MODBUS (spec §2 check values)', () => {
  it('01 03 00 00 00 01 → 84 0A and 01 03 00 00 00 08 → 44 0C, low byte first', () => {
    expect(withModbusCrc(hex('01 03 00 00 00 01')).subarray(6)).toEqual(hex('84 0A'));
    expect(withModbusCrc(hex('01 03 00 00 00 08')).subarray(6)).toEqual(hex('44 0C'));
    expect(crc16Modbus(hex('01 03 00 00 00 01'))).toBe(0x0a84);
  });

  it('builds the request from address, function, register and count', () => {
    expect(modbusRequest(modbus({ count: 8 }))).toEqual(hex('01 03 00 00 00 08 44 0C'));
    expect(modbusRequest(modbus({ address: 2, function: 4, register: 0x10, count: 1 })).subarray(0, 6)).toEqual(hex('02 04 00 10 00 01'));
  });
});

describe('modbus-rtu replies', () => {
  it('spec example: 01 03 10 0A 13 … → register 0 = 2579 → 25.79 °C at 0.01', () => {
    const p = protocol({ name: 'modbus-rtu', count: 8, scale: 0.01 });
    const { codec, readings } = collect(p);
    codec.push(withModbusCrc(Buffer.concat([hex('01 03 10 0A 13'), Buffer.alloc(14)])));
    expect(readings).toEqual([25.79]);
  });

  it('signed and unsigned registers, scale 0.1, value index', () => {
    const signed = collect(protocol({ name: 'modbus-rtu', scale: 0.1 }));
    signed.codec.push(withModbusCrc(hex('01 03 02 FF 9C')));
    expect(signed.readings).toEqual([-10]);
    const unsigned = collect(protocol({ name: 'modbus-rtu', scale: 0.1, signed: false }));
    unsigned.codec.push(withModbusCrc(hex('01 03 02 FF 9C')));
    expect(unsigned.readings).toEqual([6543.6]);
    const second = collect(protocol({ name: 'modbus-rtu', count: 2, valueIndex: 1, scale: 0.01 }));
    second.codec.push(withModbusCrc(hex('01 03 04 00 00 0E 4A')));
    expect(second.readings).toEqual([36.58]);
  });

  it('an exception reply is THERMO_MODBUS_EXCEPTION, not a reading', () => {
    const p = modbus({});
    const { codec, readings, errors } = collect(p);
    codec.push(encodeModbusException(p));
    expect(readings).toEqual([]);
    expect(errors).toEqual(['THERMO_MODBUS_EXCEPTION']);
  });

  it('a wrong CRC is rejected and the next reply still read, even split one byte at a time', () => {
    const p = protocol({ name: 'modbus-rtu', scale: 0.01 });
    const { codec, readings, errors } = collect(p);
    const good = encodeThermometerReply(p, 36.6);
    const bad = Buffer.from(good);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    for (const b of Buffer.concat([hex('13 37'), bad, good])) codec.push(Uint8Array.of(b));
    expect(readings).toEqual([36.6]);
    expect(errors).toContain('FRAME_CHECKSUM');
  });
});

describe('gy-mcu90614', () => {
  it('query A5 15 BA; reply 5A 5A 45 04 TOh TOl TAh TAl SUM, °C × 100', () => {
    const p = protocol({ name: 'gy-mcu90614' });
    const { codec, readings, errors } = collect(p);
    expect(codec.query).toEqual(hex('A5 15 BA'));
    const frame = hex('5A 5A 45 04 0E 4A 09 C4 00');
    frame[8] = frame.subarray(0, 8).reduce((a, b) => a + b, 0) & 0xff;
    codec.push(frame);
    expect(readings).toEqual([36.58]);
    frame[8] = frame[8]! ^ 0xff;
    codec.push(frame);
    expect(errors).toContain('FRAME_CHECKSUM');
  });
});

describe('lu90614', () => {
  it('sets body mode FA C5 BF, measures with FA CA C4; reply FE AC b2 b3 … SUM → b2 + b3/100', () => {
    const p = protocol({ name: 'lu90614' });
    const { codec, readings } = collect(p);
    expect(codec.setup).toEqual(hex('FA C5 BF'));
    expect(codec.query).toEqual(hex('FA CA C4'));
    const frame = hex('FE AC 24 3C 00 00 00 00 00');
    frame[8] = frame.subarray(0, 8).reduce((a, b) => a + b, 0) & 0xff;
    codec.push(Buffer.concat([hex('FE 00'), frame]));
    expect(readings).toEqual([36.6]);
    expect(encodeThermometerReply(p, 36.6)).toEqual(frame);
  });
});

describe('ascii-line', () => {
  it('reads one decimal number a line, on CR, LF or CRLF', () => {
    const { codec, readings, errors } = collect(protocol({ name: 'ascii-line' }));
    codec.push(Buffer.from('36.6\r\nT=37.2C\r38\n\r\n', 'latin1'));
    expect(readings).toEqual([36.6, 37.2, 38]);
    expect(errors).toEqual([]);
  });

  it('a line with no number or two numbers is THERMO_UNPARSEABLE', () => {
    const { codec, readings, errors } = collect(protocol({ name: 'ascii-line' }));
    codec.push(Buffer.from('ERR\n36.6 37.1\n', 'latin1'));
    expect(readings).toEqual([]);
    expect(errors).toEqual(['THERMO_UNPARSEABLE', 'THERMO_UNPARSEABLE']);
  });

  it('an overlong line is dropped up to its end and the next line is read', () => {
    const { codec, readings, errors } = collect(protocol({ name: 'ascii-line' }));
    codec.push(Buffer.from('9'.repeat(500) + '\n36.9\n', 'latin1'));
    expect(readings).toEqual([36.9]);
    expect(errors).toContain('FRAME_LENGTH');
    expect(codec.peakBuffered).toBeLessThanOrEqual(codec.maxFrame);
  });
});

describe('encode ↔ decode for every protocol', () => {
  const all = [
    protocol({ name: 'modbus-rtu', scale: 0.1 }),
    protocol({ name: 'modbus-rtu', scale: 0.01, function: 4, address: 7 }),
    protocol({ name: 'gy-mcu90614' }),
    protocol({ name: 'lu90614' }),
    protocol({ name: 'ascii-line' }),
  ];
  for (const p of all) {
    it(`${JSON.stringify(p)}`, () => {
      const { codec, readings } = collect(p);
      codec.push(encodeThermometerReply(p, 37.3));
      expect(readings).toEqual([37.3]);
    });
  }
});
