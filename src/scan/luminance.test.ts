import { describe, expect, it } from 'vitest';
import { centreRegion, crop, downscaleMean, invert, lumaImage, lumaToRgba, rgbaToLuma } from './luminance.js';
import { ScanError } from './types.js';
import { mulberry32 } from '../base/prng.js';

describe('rgbaToLuma', () => {
  it('uses BT.601 weights in fixed point (the weights ZXing-C++ uses)', () => {
    const rgba = new Uint8Array([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    const { data } = rgbaToLuma(4, 1, rgba);
    expect([...data]).toEqual([76, 150, 29, 255]);
  });

  it('reuses the output buffer it is given', () => {
    const out = new Uint8Array(16);
    const img = rgbaToLuma(2, 2, new Uint8Array(16).fill(200), out);
    expect(img.data.buffer).toBe(out.buffer);
    expect([...img.data]).toEqual([200, 200, 200, 200]);
  });

  it('rejects a buffer of the wrong length with BAD_FRAME, not a crash', () => {
    expect(() => rgbaToLuma(2, 2, new Uint8Array(15))).toThrowError(ScanError);
    try {
      rgbaToLuma(2, 2, new Uint8Array(15));
    } catch (err) {
      expect((err as ScanError).reason).toBe('BAD_FRAME');
      expect((err as ScanError).message).toMatch(/15 bytes, expected 16/);
    }
  });

  it('rejects impossible dimensions', () => {
    for (const [w, h] of [[0, 1], [1.5, 2], [-1, 3], [5000, 10], [Number.NaN, 1]] as const) {
      expect(() => lumaImage(w, h, new Uint8Array(0)), `${w}x${h}`).toThrowError(/frame size|exceeds|expected/);
    }
  });
});

describe('lumaToRgba', () => {
  it('replicates grey into R, G, B so converting back gives the same grey', () => {
    const grey = lumaImage(256, 1, Uint8Array.from({ length: 256 }, (_, i) => i));
    const rgba = lumaToRgba(grey);
    expect([...rgba.subarray(4 * 77, 4 * 78)]).toEqual([77, 77, 77, 255]);
    expect([...rgbaToLuma(256, 1, rgba).data]).toEqual([...grey.data]);
  });
});

describe('downscaleMean', () => {
  it('averages each block (rounded)', () => {
    const img = lumaImage(4, 2, new Uint8Array([0, 10, 100, 101, 20, 30, 102, 103]));
    expect([...downscaleMean(img, 2).data]).toEqual([15, 102]);
  });

  it('handles factors other than 2 and drops the ragged edge', () => {
    const img = lumaImage(7, 3, new Uint8Array(21).fill(9));
    const small = downscaleMean(img, 3);
    expect([small.width, small.height, ...small.data]).toEqual([2, 1, 9, 9]);
  });

  it('divides independent noise by the factor (its reason to exist)', () => {
    const random = mulberry32(1);
    const noise = Uint8Array.from({ length: 400 * 400 }, () => 128 + Math.floor(random() * 61) - 30);
    const sd = (d: Uint8Array) => {
      const m = d.reduce((a, b) => a + b, 0) / d.length;
      return Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length);
    };
    const before = sd(noise);
    const after = sd(downscaleMean(lumaImage(400, 400, noise), 2).data);
    expect(after / before).toBeGreaterThan(0.4);
    expect(after / before).toBeLessThan(0.6);
  });
});

describe('regions', () => {
  it('centreRegion is centred and clamped', () => {
    expect(centreRegion(640, 480, 0.5)).toEqual({ left: 160, top: 120, width: 320, height: 240 });
    expect(centreRegion(10, 10, 2)).toEqual({ left: 0, top: 0, width: 10, height: 10 });
  });

  it('crop copies the rows of the region and refuses a region outside the frame', () => {
    const img = lumaImage(4, 3, Uint8Array.from({ length: 12 }, (_, i) => i));
    expect([...crop(img, { left: 1, top: 1, width: 2, height: 2 }).data]).toEqual([5, 6, 9, 10]);
    expect(() => crop(img, { left: 3, top: 0, width: 2, height: 1 })).toThrowError(/outside/);
  });

  it('invert flips light and dark', () => {
    expect([...invert(lumaImage(3, 1, new Uint8Array([0, 100, 255]))).data]).toEqual([255, 155, 0]);
  });
});
