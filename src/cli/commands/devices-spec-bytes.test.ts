// `kiosk devices decode` on bytes that owe nothing to the project's own encoders: the example frames
// printed in ../shared/spec/devices.md, and frames written by hand from its tables (the checksums and
// CRCs worked out by hand / with a separate script from the rules in the spec, each noted beside the
// bytes). A bug shared by an encoder and its decoder cannot cancel out here. The generated fixtures
// (fixtures/devices/captures.json) are checked separately in devices-generated-fixtures.test.ts.
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { RelayCommandParser } from '../../../native-bridge/gate/codec.js';

/** The decoder's JSON output, read loosely: the assertions below say what it must hold. */
interface DecodeOutput {
  frames: Array<Record<string, unknown> & { card?: Record<string, unknown> }>;
  readings: Array<{ sensorC: number; reading: Record<string, unknown> }>;
  texts: string[];
  acks: string[];
}

async function decode(device: string, hex: string, ...options: string[]) {
  const r = await runCli(['devices', 'decode', device, '--unmasked', ...options, hex]);
  return { ...r, json: r.code === 0 ? (JSON.parse(r.stdout) as DecodeOutput) : null };
}

describe('ID card reader (devices spec §1)', () => {
  // §1 "Commands": the frame column of the table, byte for byte.
  it.each([
    ['AA AA AA 96 69 00 03 10 FF EC', 'reset'],
    ['AA AA AA 96 69 00 03 11 FF ED', 'status'],
    ['AA AA AA 96 69 00 03 12 FF EE', 'samId'],
    ['AA AA AA 96 69 00 03 20 01 22', 'find'],
    ['AA AA AA 96 69 00 03 20 02 21', 'select'],
    ['AA AA AA 96 69 00 03 30 01 32', 'readTextPhoto'],
    ['AA AA AA 96 69 00 03 30 03 30', 'readAppendedAddress'],
    ['AA AA AA 96 69 00 03 30 10 23', 'readTextPhotoFingerprint'],
  ])('spec command frame %s is %s', async (hex, command) => {
    const r = await decode('idcard', hex);
    expect(r.code).toBe(0);
    expect(r.json!.frames).toEqual([expect.objectContaining({ direction: 'host-to-reader', command })]);
  });

  // §1 "Status byte SW3", the examples line; then two written by hand from the SW3 table
  // (CHK = XOR of LEN..SW3: 00^04^00^00^66 = 62, 00^04^00^00^90 = 94).
  it.each([
    ['AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97', '9F', 4, 'spec example: find OK'],
    ['AA AA AA 96 69 00 04 00 00 80 84', '80', 0, 'spec example: no card'],
    ['AA AA AA 96 69 00 04 00 00 81 85', '81', 0, 'spec example: select failed'],
    ['AA AA AA 96 69 00 04 00 00 41 45', '41', 0, 'spec example: read failed'],
    ['AA AA AA 96 69 00 04 00 00 66 62', '66', 0, 'by hand: module not authorised'],
    ['AA AA AA 96 69 00 04 00 00 90 94', '90', 0, 'by hand: success, no data'],
  ])('reply %s has SW3 %s (%s)', async (hex, sw3, dataLength) => {
    const r = await decode('idcard', hex);
    expect(r.code).toBe(0);
    expect(r.json!.frames).toEqual([expect.objectContaining({ direction: 'reader-to-host', sw1: 0, sw2: 0, sw3, dataLength })]);
  });

  it('hunts for the preamble past noise, and refuses a frame whose CHK is wrong', async () => {
    // Noise (including a lone AA and a broken preamble) before the spec's no-card example.
    const r = await decode('idcard', '00 AA 13 AA AA 96 00 AA AA AA 96 69 00 04 00 00 80 84');
    expect(r.json!.frames).toEqual([expect.objectContaining({ sw3: '80' })]);
    // The spec's no-card example with its last byte changed: no valid frame, a checksum reason.
    const bad = await decode('idcard', 'AA AA AA 96 69 00 04 00 00 80 85');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('FRAME_CHECKSUM');
  });

  /**
   * A read reply (30 01) laid out by hand from §1 "The read response" and "Text block": each field
   * is UTF-16LE at the table's offset, padded with spaces (20 00); unlisted bytes are spaces too.
   * This helper knows only the spec; nothing of native-bridge is used to build the frame.
   */
  function readReplyHex(fields: Array<[offset: number, width: number, text: string]>): string {
    const text = Buffer.alloc(256);
    for (let i = 0; i < 256; i += 2) text.writeUInt16LE(0x0020, i);
    for (const [offset, width, value] of fields) {
      const bytes = Buffer.from(value, 'utf16le');
      if (bytes.length > width) throw new Error(`"${value}" does not fit ${width} bytes`);
      bytes.copy(text, offset);
    }
    const photo = Buffer.alloc(1024, 0x5a); // opaque WLT bytes; not decoded without a vendor library
    // LEN 05 08 = 1288 = SW(3) + two lengths(4) + text(256) + photo(1024) + CHK(1).
    const body = Buffer.concat([Buffer.from([0x05, 0x08, 0x00, 0x00, 0x90, 0x01, 0x00, 0x04, 0x00]), text, photo]);
    let chk = 0;
    for (const b of body) chk ^= b; // CHK: XOR from LEN's first byte through the last data byte
    const frame = Buffer.concat([Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]), body, Buffer.from([chk])]);
    expect(frame.length).toBe(1295); // §1: 1295 bytes
    return frame.toString('hex');
  }

  it('decodes a resident ID card read reply laid out from the text-block table', async () => {
    const hex = readReplyHex([
      [0, 30, '张三'],
      [30, 2, '1'], // GB/T 2261.1: male
      [32, 4, '01'], // GB/T 3304: Han
      [36, 16, '19900307'],
      [52, 70, '浙江省杭州市西湖区文三路1号'],
      [122, 36, '330102199003071230'], // MOD 11-2 check digit 0, worked out by hand
      [158, 30, '杭州市公安局西湖分局'],
      [188, 16, '20150310'],
      [204, 16, '20350310'],
    ]);
    const r = await decode('idcard', hex);
    expect(r.code).toBe(0);
    expect(r.json!.frames[0]).toMatchObject({ sw3: '90', dataLength: 1284 });
    expect(r.json!.frames[0]!.card).toMatchObject({
      ok: true,
      docType: 'CN',
      name: '张三',
      sex: { en: 'Male' },
      ethnicGroup: { zh: '汉族' },
      birthDate: '1990-03-07',
      address: '浙江省杭州市西湖区文三路1号',
      idNumber: '330102199003071230',
      authority: '杭州市公安局西湖分局',
      validFrom: '2015-03-10',
      validTo: '2035-03-10',
      photo: { bytes: 1024, decoded: false },
    });
  });

  it('reads 长期 in "valid to" as no expiry, and a J card as an HMT permit with its pass number', async () => {
    const longTerm = await decode('idcard', readReplyHex([
      [0, 30, '孙秀英'], [30, 2, '2'], [32, 4, '01'], [36, 16, '19400102'], [52, 70, '四川省成都市'],
      [122, 36, '510107194001020029'], [158, 30, '成都市公安局'], [188, 16, '20100101'], [204, 16, '长期'],
    ]));
    expect(longTerm.json!.frames[0]!.card).toMatchObject({ ok: true, docType: 'CN', sex: { en: 'Female' }, validTo: null });
    const permit = await decode('idcard', readReplyHex([
      [0, 30, '黄丽'], [30, 2, '2'], [36, 16, '19880808'], [52, 70, '香港'], [122, 36, '810000198808080021'],
      [158, 30, '公安部出入境管理局'], [188, 16, '20190808'], [204, 16, '20240808'], [220, 18, 'H12345678'], [238, 4, '01'], [248, 2, 'J'],
    ]));
    expect(permit.json!.frames[0]!.card).toMatchObject({ ok: true, cardType: 'J', docType: 'HMT', idNumber: '810000198808080021', passNumber: 'H12345678', issueCount: '01', validTo: '2024-08-08' });
  });
});

describe('thermometers (devices spec §2)', () => {
  // CRC-16/MODBUS worked out with a separate script from §2's rule (reflected 0xA001, init FFFF, low
  // byte first), which reproduces the spec's check values 84 0A and 44 0C.
  const modbus = (address: number, fn: number, count: number, valueIndex: number, scale: number, signed = true) => [
    '--address', String(address), '--function', String(fn), '--register', '0', '--count', String(count),
    '--value-index', String(valueIndex), '--scale', String(scale), ...(signed ? [] : ['--unsigned']),
  ];

  it.each([
    // §2 "Example reply decoding": 01 03 10 0A 13 … (the … as 14 zero bytes) → 25.79 °C at 0.01.
    ['modbus-rtu', '01 03 10 0A 13 00 00 00 00 00 00 00 00 00 00 00 00 00 00 31 F3', modbus(1, 3, 8, 0, 0.01), 25.79],
    // By hand: address 1, function 03, one register 0x0E4C = 3660 → 36.60 °C at 0.01.
    ['modbus-rtu', '01 03 02 0E 4C BD D1', modbus(1, 3, 1, 0, 0.01), 36.6],
    // By hand: address 2, function 04, two registers, the second 0x016E = 366 → 36.6 °C at 0.1.
    ['modbus-rtu', '02 04 04 00 00 01 6E 48 F8', modbus(2, 4, 2, 1, 0.1), 36.6],
    // By hand: 0xFF38 signed = −200 → −2.00 °C (a sensor below freezing, still a reading).
    ['modbus-rtu', '01 03 02 FF 38 F8 66', modbus(1, 3, 1, 0, 0.01), -2],
    // By hand from the table: 5A 5A 45 04 TO=0E4C (36.60) TA=09C4 (25.00), SUM = low byte of bytes 0–7 = 24.
    ['gy-mcu90614', '5A 5A 45 04 0E 4C 09 C4 24', [], 36.6],
    // By hand from the table: FE AC b2=24 (36) b3=3C (60), four zero bytes, SUM = 0A.
    ['lu90614', 'FE AC 24 3C 00 00 00 00 0A', [], 36.6],
    // The table's example line: "36.6\r\n".
    ['ascii-line', '33 36 2E 36 0D 0A', [], 36.6],
  ])('%s: %s', async (protocol, hex, options, celsius) => {
    const r = await decode(`thermometer:${protocol}`, hex, ...(options as string[]));
    expect(r.code).toBe(0);
    expect(r.json!.readings.map((x) => x.sensorC)).toEqual([celsius]);
  });

  it('reads the body-range rule: 25.79 °C is a reading but not a valid body temperature', async () => {
    const r = await decode('thermometer:modbus-rtu', '01 03 10 0A 13 00 00 00 00 00 00 00 00 00 00 00 00 00 00 31 F3', ...modbus(1, 3, 8, 0, 0.01));
    expect(r.json!.readings[0]!.reading).toMatchObject({ valid: false });
  });

  it('refuses a Modbus exception reply and a reply whose CRC or SUM is wrong, with reason codes', async () => {
    // Modbus exception (function | 0x80, code 02), CRC C0 F1 by the same script.
    const exception = await decode('thermometer:modbus-rtu', '01 83 02 C0 F1', ...modbus(1, 3, 1, 0, 0.01));
    expect(exception.code).not.toBe(0);
    expect(exception.stderr).toContain('THERMO_MODBUS_EXCEPTION');
    const badCrc = await decode('thermometer:modbus-rtu', '01 03 02 0E 4C BD D0', ...modbus(1, 3, 1, 0, 0.01));
    expect(badCrc.code).not.toBe(0);
    expect(badCrc.stderr).toMatch(/kiosk: [A-Z_]+: /);
    const badSum = await decode('thermometer:gy-mcu90614', '5A 5A 45 04 0E 4C 09 C4 25');
    expect(badSum.code).not.toBe(0);
    expect(badSum.stderr).toMatch(/kiosk: [A-Z_]+: /);
  });
});

describe('serial QR scanner (devices spec §3)', () => {
  // 'PHC1:6BF $%*+-./:' + two spaces, as ASCII, written out by hand: Base45's space and symbols survive.
  const CODE = 'PHC1:6BF $%*+-./:  ';
  const CODE_HEX = '50 48 43 31 3A 36 42 46 20 24 25 2A 2B 2D 2E 2F 3A 20 20';

  it.each([
    [`${CODE_HEX} 0D 0A`, 'CRLF'],
    [`${CODE_HEX} 0D`, 'CR'],
    [`${CODE_HEX} 0A`, 'LF'],
    [CODE_HEX, 'nothing (ends at the idle gap)'],
  ])('keeps the text byte for byte when it ends with %s', async (hex) => {
    const r = await decode('scanner', hex);
    expect(r.code).toBe(0);
    expect(r.json!.texts).toEqual([CODE]);
  });

  it("never takes Grow's acknowledgement (02 00 00 01 00 33 31) or ACK 06 for a code", async () => {
    const grow = await decode('scanner', `02 00 00 01 00 33 31 ${CODE_HEX} 0D 0A`);
    expect(grow.json!.texts).toEqual([CODE]);
    expect(grow.json!.acks).toHaveLength(1);
    const ack = await decode('scanner', `06 ${CODE_HEX} 0D`);
    expect(ack.json!.texts).toEqual([CODE]);
    expect(ack.json!.acks).toHaveLength(1);
  });
});

describe('gate relay (devices spec §4)', () => {
  it.each([
    // §4's own example: relay 1 on A0 01 01 A2, off A0 01 00 A1.
    ['A0 01 01 A2 A0 01 00 A1', 1],
    // By hand: relay 2, SUM = A0+02+01 = A3 and A0+02+00 = A2.
    ['A0 02 01 A3 A0 02 00 A2', 2],
  ])('%s is one pulse of relay %i', (hex, relay) => {
    const commands: unknown[] = [];
    new RelayCommandParser({ onCommand: (cmd) => commands.push(cmd) }).push(Buffer.from(hex.replace(/ /g, ''), 'hex'));
    expect(commands).toEqual([{ relay, on: true }, { relay, on: false }]);
  });

  it('ignores a command whose SUM is wrong', () => {
    const commands: unknown[] = [];
    new RelayCommandParser({ onCommand: (cmd) => commands.push(cmd) }).push(Buffer.from('A00101A3', 'hex'));
    expect(commands).toEqual([]);
  });
});
