import { describe, expect, it } from 'vitest';
import { RelayCommandParser, encodeRelayCommand } from './codec.js';

describe('LCUS relay commands (spec §4)', () => {
  it('relay 1 on is A0 01 01 A2, off A0 01 00 A1', () => {
    expect(encodeRelayCommand(1, true)).toEqual(Buffer.from([0xa0, 0x01, 0x01, 0xa2]));
    expect(encodeRelayCommand(1, false)).toEqual(Buffer.from([0xa0, 0x01, 0x00, 0xa1]));
    expect(encodeRelayCommand(4, true)).toEqual(Buffer.from([0xa0, 0x04, 0x01, 0xa5]));
  });

  it('refuses relay 0', () => {
    expect(() => encodeRelayCommand(0, true)).toThrow(RangeError);
  });

  it('the board side skips noise and bad sums and reads the commands that follow', () => {
    const got: Array<{ relay: number; on: boolean }> = [];
    const p = new RelayCommandParser({ onCommand: (c) => got.push(c) });
    p.push(Buffer.from([0x00, 0xa0, 0x01, 0x01, 0xff, 0xa0, 0x02, 0x01, 0xa3]));
    for (const b of encodeRelayCommand(2, false)) p.push(Uint8Array.of(b));
    expect(got).toEqual([
      { relay: 2, on: true },
      { relay: 2, on: false },
    ]);
  });
});
