import { describe, expect, it } from 'vitest';
import { median3, stretchContrast } from './filters.js';
import { lumaImage } from './luminance.js';
import { mulberry32 } from '../base/prng.js';

describe('median3', () => {
  it('equals a sort-based median at every interior pixel', () => {
    const random = mulberry32(3);
    const w = 37;
    const h = 23;
    const img = lumaImage(w, h, Uint8Array.from({ length: w * h }, () => Math.floor(random() * 256)));
    const out = median3(img).data;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const window: number[] = [];
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) window.push(img.data[(y + dy) * w + x + dx]!);
        window.sort((a, b) => a - b);
        expect(out[y * w + x], `(${x},${y})`).toBe(window[4]);
      }
    }
    // Borders are copied unchanged.
    expect(out[0]).toBe(img.data[0]);
    expect(out[w * h - 1]).toBe(img.data[w * h - 1]);
  });

  it('removes an isolated speck and keeps an edge', () => {
    const w = 5;
    const data = new Uint8Array(25).fill(200);
    data[12] = 0; // speck in the middle
    for (let y = 0; y < 5; y++) data[y * w + 4] = 0; // dark right column (an edge)
    const out = median3(lumaImage(5, 5, data)).data;
    expect(out[12]).toBe(200);
    expect(out[2 * w + 4]).toBe(0);
  });
});

describe('stretchContrast', () => {
  it('maps a narrow range onto the full range', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i % 2 ? 120 : 140));
    const out = stretchContrast(lumaImage(100, 10, data)).data;
    expect(new Set(out)).toEqual(new Set([0, 255]));
  });

  it('leaves a flat image flat rather than dividing by zero', () => {
    const out = stretchContrast(lumaImage(4, 4, new Uint8Array(16).fill(77))).data;
    expect([...out]).toEqual(new Array(16).fill(77));
  });
});
