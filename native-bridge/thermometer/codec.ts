// Infrared thermometer protocols (devices spec §2): modbus-rtu, gy-mcu90614, lu90614, ascii-line.
// Each codec says what to send (setup once, query each poll) and parses replies incrementally: it
// hunts for the start of a reply, checks its checksum, and resynchronises one byte later on a
// mismatch. Buffers are capped at one maximum reply.
import type { DeviceReason } from '../../src/contract/reasons.js';
import type { ThermometerProtocol } from '../../src/core/devices/config.js';

/** CRC-16/MODBUS: reflected polynomial 0xA001, initial 0xFFFF; sent low byte first (spec §2). */
export function crc16Modbus(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= bytes[i]!;
    for (let b = 0; b < 8; b++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function withModbusCrc(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(bytes.length + 2);
  out.set(bytes, 0);
  out.writeUInt16LE(crc16Modbus(bytes), bytes.length);
  return out;
}

function sum8(bytes: Uint8Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += bytes[i]!;
  return s & 0xff;
}

export interface ThermometerParserEvents {
  /**
   * A reply passed its checks; `celsius` is the sensor's value before calibration and range checks,
   * `frame` the reply's bytes (a view into the parser's buffer: copy it to keep it), for the frame log.
   */
  onReading(celsius: number, frame?: Buffer): void;
  /**
   * A reply failed (THERMO_MODBUS_EXCEPTION, THERMO_UNPARSEABLE) or bytes were discarded; `bytes` is
   * the rejected frame or the skipped bytes (a view, as above), for the frame log.
   */
  onError(reason: DeviceReason, discardedBytes: number, bytes?: Buffer): void;
}

export interface ThermometerCodec {
  /** Sent once after the port opens (lu90614 switches to body mode), or null. */
  readonly setup: Buffer | null;
  /** Sent each poll, or null when the module streams on its own. */
  readonly query: Buffer | null;
  /** Largest reply; the parser never buffers more. */
  readonly maxFrame: number;
  push(chunk: Uint8Array): void;
  reset(): void;
  readonly buffered: number;
  readonly peakBuffered: number;
}

/**
 * Shared machinery: a byte buffer capped at `maxFrame`, fed in slices, and a `scan` step that either
 * consumes a frame, discards bytes, or waits for more.
 */
abstract class HuntingParser implements ThermometerCodec {
  abstract readonly setup: Buffer | null;
  abstract readonly query: Buffer | null;
  protected buffer: Buffer = Buffer.alloc(0);
  peakBuffered = 0;

  constructor(
    readonly maxFrame: number,
    protected readonly events: ThermometerParserEvents,
  ) {}

  get buffered(): number {
    return this.buffer.length;
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.maxFrame - this.buffer.length, chunk.length - offset);
      this.buffer = Buffer.concat([this.buffer, chunk.subarray(offset, offset + take)]);
      offset += take;
      this.peakBuffered = Math.max(this.peakBuffered, this.buffer.length);
      while (this.buffer.length > 0) {
        const step = this.scan(this.buffer);
        if (step === 'more') break;
        this.buffer = this.buffer.subarray(step);
      }
      // A scan that waits for more must leave room; a full buffer with no frame is noise.
      if (this.buffer.length >= this.maxFrame) {
        this.events.onError('FRAME_NOISE', 1, this.buffer.subarray(0, 1));
        this.buffer = this.buffer.subarray(1);
      }
    }
  }

  /** Returns how many bytes to consume (after reporting a frame or an error), or 'more'. */
  protected abstract scan(buf: Buffer): number | 'more';

  /** Skips to the next byte that could start a reply, reporting the skipped bytes as noise. */
  protected skipTo(buf: Buffer, isStart: (b: number) => boolean): number {
    let i = 1;
    while (i < buf.length && !isStart(buf[i]!)) i++;
    this.events.onError('FRAME_NOISE', i, buf.subarray(0, i));
    return i;
  }
}

type ModbusProtocol = Extract<ThermometerProtocol, { name: 'modbus-rtu' }>;

/** Modbus RTU read holding (03) / input (04) registers: `ADDR FN BYTECOUNT DATA… CRC`, exception `ADDR FN|80 CODE CRC`. */
class ModbusCodec extends HuntingParser {
  readonly setup = null;
  readonly query: Buffer;

  constructor(
    private readonly p: ModbusProtocol,
    events: ThermometerParserEvents,
  ) {
    super(5 + 2 * p.count, events);
    this.query = modbusRequest(p);
  }

  protected scan(buf: Buffer): number | 'more' {
    if (buf[0] !== this.p.address) return this.skipTo(buf, (b) => b === this.p.address);
    if (buf.length < 2) return 'more';
    const fn = buf[1]!;
    if (fn === (this.p.function | 0x80)) {
      if (buf.length < 5) return 'more';
      if (crc16Modbus(buf, 0, 3) !== buf.readUInt16LE(3)) {
        this.events.onError('FRAME_CHECKSUM', 1, buf.subarray(0, 5));
        return 1;
      }
      this.events.onError('THERMO_MODBUS_EXCEPTION', 0, buf.subarray(0, 5));
      return 5;
    }
    if (fn !== this.p.function) return this.skipTo(buf, (b) => b === this.p.address);
    if (buf.length < 3) return 'more';
    const byteCount = buf[2]!;
    if (byteCount !== 2 * this.p.count) {
      this.events.onError('FRAME_LENGTH', 1, buf.subarray(0, 3));
      return 1;
    }
    const total = 3 + byteCount + 2;
    if (buf.length < total) return 'more';
    if (crc16Modbus(buf, 0, total - 2) !== buf.readUInt16LE(total - 2)) {
      this.events.onError('FRAME_CHECKSUM', 1, buf.subarray(0, total));
      return 1;
    }
    const at = 3 + 2 * this.p.valueIndex;
    const raw = this.p.signed ? buf.readInt16BE(at) : buf.readUInt16BE(at);
    this.events.onReading(round2(raw * this.p.scale), buf.subarray(0, total));
    return total;
  }
}

export function modbusRequest(p: ModbusProtocol): Buffer {
  const req = Buffer.alloc(6);
  req[0] = p.address;
  req[1] = p.function;
  req.writeUInt16BE(p.register, 2);
  req.writeUInt16BE(p.count, 4);
  return withModbusCrc(req);
}

export const GY_QUERY = Buffer.from([0xa5, 0x15, 0xba]);
export const GY_CONTINUOUS = Buffer.from([0xa5, 0x45, 0xea]);

/** GY-MCU90614: 9 bytes `5A 5A 45 04 TOh TOl TAh TAl SUM`, object temperature °C × 100 big-endian. */
class GyMcu90614Codec extends HuntingParser {
  readonly setup: Buffer | null;
  readonly query: Buffer | null;

  constructor(mode: 'query' | 'continuous', events: ThermometerParserEvents) {
    super(9, events);
    this.setup = mode === 'continuous' ? GY_CONTINUOUS : null;
    this.query = mode === 'continuous' ? null : GY_QUERY;
  }

  protected scan(buf: Buffer): number | 'more' {
    if (buf[0] !== 0x5a) return this.skipTo(buf, (b) => b === 0x5a);
    if (buf.length < 4) return 'more';
    if (buf[1] !== 0x5a || buf[2] !== 0x45 || buf[3] !== 0x04) return this.skipTo(buf, (b) => b === 0x5a);
    if (buf.length < 9) return 'more';
    if (sum8(buf, 0, 8) !== buf[8]) {
      this.events.onError('FRAME_CHECKSUM', 1, buf.subarray(0, 9));
      return 1;
    }
    this.events.onReading(buf.readInt16BE(4) / 100, buf.subarray(0, 9));
    return 9;
  }
}

/** LU90614: `FA C5 BF` selects body mode, `FA CA C4` measures; reply 9 bytes `FE AC b2 b3 … SUM`, °C = b2 + b3/100. */
class Lu90614Codec extends HuntingParser {
  readonly setup = Buffer.from([0xfa, 0xc5, 0xbf]);
  readonly query = Buffer.from([0xfa, 0xca, 0xc4]);

  constructor(events: ThermometerParserEvents) {
    super(9, events);
  }

  protected scan(buf: Buffer): number | 'more' {
    if (buf[0] !== 0xfe) return this.skipTo(buf, (b) => b === 0xfe);
    if (buf.length < 2) return 'more';
    if (buf[1] !== 0xac) return this.skipTo(buf, (b) => b === 0xfe);
    if (buf.length < 9) return 'more';
    if (sum8(buf, 0, 8) !== buf[8]) {
      this.events.onError('FRAME_CHECKSUM', 1, buf.subarray(0, 9));
      return 1;
    }
    const hundredths = buf[3]!;
    if (hundredths > 99) this.events.onError('THERMO_UNPARSEABLE', 0, buf.subarray(0, 9));
    else this.events.onReading(round2(buf[2]! + hundredths / 100), buf.subarray(0, 9));
    return 9;
  }
}

const ASCII_MAX_LINE = 64;
const ONE_NUMBER = /^[^\d+-]*([-+]?\d{1,3}(?:\.\d{1,3})?)[^\d]*$/;

/** A text line holding one decimal number (`36.6\r\n`); lines are split on CR or LF. */
class AsciiLineCodec extends HuntingParser {
  readonly setup = null;
  readonly query: Buffer | null;
  /** Set after an overlong line: its remainder is dropped up to the next terminator. */
  private skippingLine = false;

  constructor(query: string | null, events: ThermometerParserEvents) {
    super(ASCII_MAX_LINE, events);
    this.query = query === null ? null : Buffer.from(query, 'latin1');
  }

  override reset(): void {
    super.reset();
    this.skippingLine = false;
  }

  protected scan(buf: Buffer): number | 'more' {
    const end = buf.findIndex((b) => b === 0x0d || b === 0x0a);
    if (end < 0) {
      if (buf.length >= this.maxFrame - 1) {
        this.events.onError('FRAME_LENGTH', buf.length, buf);
        this.skippingLine = true;
        return buf.length;
      }
      return 'more';
    }
    const line = buf.subarray(0, end).toString('latin1');
    if (this.skippingLine) this.skippingLine = false;
    else if (line.trim() !== '') {
      const m = ONE_NUMBER.exec(line);
      if (m) this.events.onReading(Number(m[1]), buf.subarray(0, end + 1));
      else this.events.onError('THERMO_UNPARSEABLE', end, buf.subarray(0, end + 1));
    }
    return end + 1;
  }
}

export function createThermometerCodec(protocol: ThermometerProtocol, events: ThermometerParserEvents): ThermometerCodec {
  switch (protocol.name) {
    case 'modbus-rtu':
      return new ModbusCodec(protocol, events);
    case 'gy-mcu90614':
      return new GyMcu90614Codec(protocol.mode, events);
    case 'lu90614':
      return new Lu90614Codec(events);
    case 'ascii-line':
      return new AsciiLineCodec(protocol.query, events);
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

// ---- the module's side (simulator, fixtures) ----

/** A reply carrying `celsius` as the module would send it. */
export function encodeThermometerReply(protocol: ThermometerProtocol, celsius: number): Buffer {
  switch (protocol.name) {
    case 'modbus-rtu': {
      const body = Buffer.alloc(3 + 2 * protocol.count);
      body[0] = protocol.address;
      body[1] = protocol.function;
      body[2] = 2 * protocol.count;
      for (let i = 0; i < protocol.count; i++) body.writeUInt16BE(0, 3 + 2 * i);
      const raw = Math.round(celsius / protocol.scale);
      if (protocol.signed) body.writeInt16BE(Math.max(-32768, Math.min(32767, raw)), 3 + 2 * protocol.valueIndex);
      else body.writeUInt16BE(Math.max(0, Math.min(65535, raw)), 3 + 2 * protocol.valueIndex);
      return withModbusCrc(body);
    }
    case 'gy-mcu90614': {
      const frame = Buffer.from([0x5a, 0x5a, 0x45, 0x04, 0, 0, 0, 0, 0]);
      frame.writeInt16BE(Math.round(celsius * 100), 4);
      frame.writeInt16BE(2500, 6); // ambient 25.00 °C
      frame[8] = sum8(frame, 0, 8);
      return frame;
    }
    case 'lu90614': {
      const whole = Math.max(0, Math.min(255, Math.floor(celsius)));
      const hundredths = Math.round((celsius - Math.floor(celsius)) * 100) % 100;
      const frame = Buffer.from([0xfe, 0xac, whole, hundredths, 0, 0, 0, 0, 0]);
      frame[8] = sum8(frame, 0, 8);
      return frame;
    }
    case 'ascii-line':
      return Buffer.from(`${celsius.toFixed(1)}\r\n`, 'latin1');
  }
}

/** A modbus exception reply (code 02: illegal data address), for the simulator's fault injection. */
export function encodeModbusException(protocol: ModbusProtocol, code = 0x02): Buffer {
  return withModbusCrc(Buffer.from([protocol.address, protocol.function | 0x80, code]));
}
