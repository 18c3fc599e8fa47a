// Fuzz: a megabyte of random bytes into every parser. No parser throws, none buffers
// more than one maximum frame, and a valid frame after the garbage is still read, after the same
// recovery the driver performs (a reply timeout resets the ID card parser; line protocols resync
// on the next terminator).
import { describe, expect, it } from 'vitest';
import { ThermometerProtocolSchema } from '../src/core/devices/config.js';
import { IdCardFrameParser, MAX_FRAME_LENGTH, PREAMBLE, encodeResponse } from './idcard/frame.js';
import { encodeReadResponse, simulatedPhoto } from './idcard/read-response.js';
import { encodeTextBlock } from './idcard/text-block.js';
import { createThermometerCodec, encodeThermometerReply } from './thermometer/codec.js';
import { ScannerFramer } from './scanner/framer.js';
import { RelayCommandParser, encodeRelayCommand } from './gate/codec.js';
import { demoPerson } from '../src/core/demo/people.js';
import { mulberry32 } from '../src/base/prng.js';

const MEGABYTE = 1 << 20;

/** Seeded (src/base's PRNG): the same garbage on every run, so a failure can be replayed. */
function garbage(seed: number, length: number, plant?: Buffer): Buffer {
  const out = Buffer.alloc(length);
  const rand = mulberry32(seed);
  for (let i = 0; i < length; i++) {
    const x = Math.floor(rand() * 0x1_0000_0000);
    out[i] = x & 0xff;
    // Plant frame starts now and then so the parsers' frame paths run, not only the hunt.
    if (plant && (x >>> 8) % 97 === 0 && i + plant.length < length) {
      plant.copy(out, i);
      i += plant.length - 1;
    }
  }
  return out;
}

/** Feeds in uneven chunks, as a serial port delivers. */
function feed(push: (b: Buffer) => void, bytes: Buffer, seed: number): void {
  const rand = mulberry32(seed ^ 0x5eed);
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + Math.floor(rand() * 4096);
    push(bytes.subarray(at, at + n));
    at += n;
  }
}

describe('fuzz: 1 MB of random bytes into every parser', () => {
  for (const seed of [1, 0xdecafbad]) {
    it(`ID card frame parser (seed ${seed})`, () => {
      const frames: Buffer[] = [];
      const parser = new IdCardFrameParser({ onFrame: (f) => frames.push(f) });
      feed((b) => parser.push(b), garbage(seed, MEGABYTE, PREAMBLE), seed);
      expect(parser.peakBuffered).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
      const frameCountAfterGarbage = frames.length;
      const read = encodeReadResponse(encodeTextBlock(demoPerson('zhangsan')!), simulatedPhoto('zhangsan'));
      parser.push(read);
      if (frames.length === frameCountAfterGarbage) {
        // The garbage ended inside a plausible frame that swallowed the reply: the driver's reply
        // timeout resets the parser and the command is retried.
        parser.reset();
        parser.push(read);
      }
      expect(frames.at(-1)).toEqual(read.subarray(7, read.length - 1));
      parser.push(encodeResponse(0x80));
      expect(frames.at(-1)).toEqual(Buffer.from([0, 0, 0x80]));
    });
  }

  const protocols = [
    { name: 'modbus-rtu', scale: 0.01 },
    { name: 'modbus-rtu', count: 8, scale: 0.1 },
    { name: 'gy-mcu90614' },
    { name: 'lu90614' },
    { name: 'ascii-line' },
  ].map((p) => ThermometerProtocolSchema.parse(p));
  for (const p of protocols) {
    it(`thermometer ${JSON.stringify(p)}`, () => {
      const readings: number[] = [];
      const codec = createThermometerCodec(p, { onReading: (c) => readings.push(c), onError: () => {} });
      const reply = encodeThermometerReply(p, 36.6);
      feed((b) => codec.push(b), garbage(7, MEGABYTE, reply.subarray(0, 3)), 7);
      expect(codec.peakBuffered).toBeLessThanOrEqual(codec.maxFrame);
      readings.length = 0;
      if (p.name === 'ascii-line') codec.push(Buffer.from('\r\n'));
      codec.push(reply);
      codec.push(reply);
      // Fixed-length replies resync inside the damaged one; the second copy is always read.
      expect(readings.at(-1)).toBe(36.6);
    });
  }

  it('scanner framer', () => {
    const texts: string[] = [];
    const framer = new ScannerFramer(4096, { onText: (t) => texts.push(t) });
    feed((b) => framer.push(b), garbage(11, MEGABYTE), 11);
    expect(framer.peakBuffered).toBeLessThanOrEqual(4096);
    framer.push(Buffer.from('\r\nPHC1:AB $%*+-./: C\r\n', 'latin1'));
    expect(texts.at(-1)).toBe('PHC1:AB $%*+-./: C');
  });

  it('scanner framer with no terminator in sight stays bounded', () => {
    const framer = new ScannerFramer(4096, { onText: () => {} });
    framer.push(Buffer.alloc(MEGABYTE, 0x41));
    expect(framer.peakBuffered).toBeLessThanOrEqual(4096);
  });

  it('relay command parser (the gate simulator)', () => {
    const got: Array<{ relay: number; on: boolean }> = [];
    const parser = new RelayCommandParser({ onCommand: (c) => got.push(c) });
    feed((b) => parser.push(b), garbage(13, MEGABYTE, Buffer.from([0xa0])), 13);
    expect(parser.peakBuffered).toBeLessThanOrEqual(4);
    got.length = 0;
    parser.push(encodeRelayCommand(3, true));
    parser.push(encodeRelayCommand(3, true));
    expect(got.at(-1)).toEqual({ relay: 3, on: true });
  });
});
