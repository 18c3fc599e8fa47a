import { describe, expect, it } from 'vitest';
import { IdCardFrameParser, KNOWN_SW3, MAX_FRAME_LENGTH, encodeCommand, encodeResponse, parseFrames, sw3Reason, toResponse, COMMANDS, type CommandName } from './frame.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('ID card frames: spec §1 command table', () => {
  const table: Record<CommandName, string> = {
    reset: 'AA AA AA 96 69 00 03 10 FF EC',
    status: 'AA AA AA 96 69 00 03 11 FF ED',
    samId: 'AA AA AA 96 69 00 03 12 FF EE',
    find: 'AA AA AA 96 69 00 03 20 01 22',
    select: 'AA AA AA 96 69 00 03 20 02 21',
    readTextPhoto: 'AA AA AA 96 69 00 03 30 01 32',
    readAppendedAddress: 'AA AA AA 96 69 00 03 30 03 30',
    readTextPhotoFingerprint: 'AA AA AA 96 69 00 03 30 10 23',
  };
  for (const [name, frame] of Object.entries(table)) {
    it(`encodes ${name} as ${frame}`, () => {
      expect(encodeCommand(name as CommandName)).toEqual(hex(frame));
      expect(Object.keys(COMMANDS)).toContain(name);
    });
  }
});

describe('ID card frames: spec §1 response examples', () => {
  it('find OK, no card, select failed, read failed decode to their SW3', () => {
    const examples: Array<[string, number, number]> = [
      ['AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97', 0x9f, 4],
      ['AA AA AA 96 69 00 04 00 00 80 84', 0x80, 0],
      ['AA AA AA 96 69 00 04 00 00 81 85', 0x81, 0],
      ['AA AA AA 96 69 00 04 00 00 41 45', 0x41, 0],
    ];
    for (const [frame, sw3, dataLength] of examples) {
      const { frames } = parseFrames(hex(frame));
      expect(frames).toHaveLength(1);
      const r = toResponse(frames[0]!)!;
      expect(r.sw3).toBe(sw3);
      expect(r.data.length).toBe(dataLength);
      expect(encodeResponse(sw3, r.data)).toEqual(hex(frame));
    }
  });

  it('names every SW3 in the spec table, and unknown values as CARD_SW_UNKNOWN_STATUS', () => {
    const named = KNOWN_SW3.filter((s) => s !== 0x90 && s !== 0x9f).map(sw3Reason);
    expect(named).not.toContain('CARD_SW_UNKNOWN_STATUS');
    expect(new Set(named).size).toBe(named.length);
    expect(named).toHaveLength(16);
    expect(sw3Reason(0x55)).toBe('CARD_SW_UNKNOWN_STATUS');
    expect(sw3Reason(0x80)).toBe('CARD_SW_NO_CARD');
    expect(sw3Reason(0x41)).toBe('CARD_SW_READ_FAILED');
  });
});

describe('IdCardFrameParser', () => {
  const noCard = hex('AA AA AA 96 69 00 04 00 00 80 84');

  it('reads a frame delivered one byte at a time', () => {
    const frames: Buffer[] = [];
    const p = new IdCardFrameParser({ onFrame: (f) => frames.push(f) });
    for (const b of noCard) p.push(Uint8Array.of(b));
    expect(frames).toHaveLength(1);
    expect(p.buffered).toBe(0);
  });

  it('skips garbage before a frame, including a partial preamble', () => {
    const r = parseFrames(Buffer.concat([hex('00 AA AA 96 AA AA 12'), noCard]));
    expect(r.frames).toHaveLength(1);
    expect(r.discarded.every((d) => d.reason === 'FRAME_NOISE')).toBe(true);
  });

  it('rejects a wrong checksum and still reads the next frame', () => {
    const bad = Buffer.from(noCard);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    const r = parseFrames(Buffer.concat([bad, noCard]));
    expect(r.frames).toHaveLength(1);
    expect(r.discarded.some((d) => d.reason === 'FRAME_CHECKSUM')).toBe(true);
  });

  it('resynchronises on a frame that starts inside a truncated one', () => {
    const truncated = encodeResponse(0x90, Buffer.alloc(100, 0x11)).subarray(0, 60);
    const r = parseFrames(Buffer.concat([truncated, noCard]));
    // The truncated frame's LEN asks for more bytes than follow; once they arrive the checksum fails
    // and the parser finds the real frame inside.
    const more = parseFrames(Buffer.concat([truncated, noCard, Buffer.alloc(60, 0)]));
    expect(r.frames).toHaveLength(0);
    expect(more.frames.map((f) => toResponse(f)!.sw3)).toEqual([0x80]);
  });

  it('rejects an impossible LEN without waiting for it', () => {
    const r = parseFrames(Buffer.concat([hex('AA AA AA 96 69 FF FF'), noCard]));
    expect(r.frames).toHaveLength(1);
    expect(r.discarded.some((d) => d.reason === 'FRAME_LENGTH')).toBe(true);
  });

  it('never buffers more than one maximum frame, whatever arrives', () => {
    const p = new IdCardFrameParser({ onFrame: () => {} });
    // A preamble announcing the largest frame, then a megabyte of 0xAA that keeps looking like a start.
    p.push(Buffer.concat([hex('AA AA AA 96 69 09 0A'), Buffer.alloc(1 << 20, 0xaa)]));
    expect(p.peakBuffered).toBeLessThanOrEqual(MAX_FRAME_LENGTH);
  });

  it('refuses to encode a body the protocol cannot carry', () => {
    expect(() => encodeResponse(0x90, Buffer.alloc(MAX_FRAME_LENGTH))).toThrow(RangeError);
  });
});
