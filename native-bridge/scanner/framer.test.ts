import { describe, expect, it } from 'vitest';
import { GROW_ACK, ScannerFramer, frameScannerBytes } from './framer.js';

function framer(maxLength = 4096) {
  const texts: string[] = [];
  const acks: string[] = [];
  let overlong = 0;
  const f = new ScannerFramer(maxLength, { onText: (t) => texts.push(t), onAck: (k) => acks.push(k), onOverlong: () => overlong++ });
  return { f, texts, acks, overlong: () => overlong };
}

const PHC = 'PHC1:6BF-ZZ $%*+-./: X  ';

describe('serial scanner framing (spec §3)', () => {
  it('ends a code on CR, LF or CRLF, with no empty codes', () => {
    const { f, texts } = framer();
    f.push(Buffer.from('A\rB\nC\r\nD\r\n', 'latin1'));
    expect(texts).toEqual(['A', 'B', 'C', 'D']);
  });

  it('keeps the text byte for byte: spaces and Base45 punctuation, never trimmed', () => {
    const { f, texts } = framer();
    f.push(Buffer.from(` ${PHC}\r\n`, 'latin1'));
    expect(texts).toEqual([` ${PHC}`]);
  });

  it('treats bytes as Latin-1, not as keyboard input', () => {
    const { f, texts } = framer();
    f.push(Buffer.from([0x41, 0xb5, 0xe9, 0x0d]));
    expect(texts).toEqual(['A\u00b5\u00e9']);
  });

  it('ends a code without a terminator on flush (the idle-gap timer)', () => {
    const { f, texts } = framer();
    f.push(Buffer.from(PHC, 'latin1'));
    expect(texts).toEqual([]);
    f.flush();
    expect(texts).toEqual([PHC]);
  });

  it('filters the Grow GM acknowledgement and ACK / NAK at a frame boundary', () => {
    const { f, texts, acks } = framer();
    f.push(Buffer.concat([GROW_ACK, Buffer.from([0x06]), Buffer.from('CODE\r', 'latin1'), Buffer.from([0x15])]));
    f.flush();
    expect(texts).toEqual(['CODE']);
    expect(acks).toEqual(['grow', 'ack', 'nak']);
  });

  it('a Grow acknowledgement split across chunks is still filtered', () => {
    const { f, texts, acks } = framer();
    for (const b of GROW_ACK) f.push(Uint8Array.of(b));
    f.push(Buffer.from('X\n', 'latin1'));
    expect(acks).toEqual(['grow']);
    expect(texts).toEqual(['X']);
  });

  it('drops a code longer than maxLength up to its terminator, then reads the next', () => {
    const { f, texts, overlong } = framer(16);
    f.push(Buffer.from('A'.repeat(100) + '\nOK\n', 'latin1'));
    expect(texts).toEqual(['OK']);
    expect(overlong()).toBe(1);
    expect(f.peakBuffered).toBeLessThanOrEqual(16);
  });

  it('frameScannerBytes decodes captured bytes', () => {
    expect(frameScannerBytes(Buffer.from(`${PHC}\r\nTAIL`, 'latin1'))).toEqual({ texts: [PHC, 'TAIL'], acks: [], overlong: 0 });
  });
});

describe('discard', () => {
  it('drops an unfinished code (port gone mid-code) without delivering it', () => {
    const { f, texts } = framer();
    f.push(Buffer.from('PHC1:HALF', 'latin1'));
    f.discard();
    f.push(Buffer.from('NEXT\n', 'latin1'));
    expect(texts).toEqual(['NEXT']);
  });
});
