import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExtendingFloor, InPlaceFloor } from './fdatasync-floor.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the fdatasync floor', () => {
  it('writes in place in a preallocated file: its size never changes, even across wraps', () => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-floor-'));
    const file = join(dir, 'floor.bin');
    const size = 64 * 1024;
    const floor = new InPlaceFloor(file, size, 3 * (4096 + 24));
    try {
      const st0 = statSync(file);
      expect(st0.size).toBe(size);
      for (let i = 0; i < 20; i++) {
        expect(floor.sample()).toBeGreaterThanOrEqual(0);
        const st = statSync(file);
        expect(st.size).toBe(size);
        expect(st.blocks).toBe(st0.blocks);
      }
    } finally {
      floor.close();
    }
  });

  it('the reference floor grows its file on every write (what the in-place floor must not do)', () => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-floor-'));
    const file = join(dir, 'grow.bin');
    const floor = new ExtendingFloor(file);
    try {
      floor.sample();
      floor.sample();
      expect(statSync(file).size).toBe(2 * 4096);
    } finally {
      floor.close();
    }
  });
});
