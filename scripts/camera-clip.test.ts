import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseY4mHeader } from '../src/scan/y4m.js';
import { writeCameraClip } from './camera-clip.js';

describe('writeCameraClip', () => {
  it('writes a C420 .y4m of header + frames that Chromium can loop', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'kiosk-clip-')), 'sub', 'clip.y4m');
    const n = writeCameraClip(path, { width: 64, height: 48, fps: 10, leadInFrames: 2, codeFrames: 3, tailFrames: 1, text: 'PHC1:X' });
    expect(n).toBe(6);
    const bytes = readFileSync(path);
    const header = parseY4mHeader(bytes);
    expect(header).toMatchObject({ width: 64, height: 48, fps: 10, colourSpace: '420' });
    const frameBytes = 6 + 64 * 48 * 1.5;
    expect(bytes.length).toBe(header.headerLength + n * frameBytes);
    expect(bytes.subarray(header.headerLength + frameBytes, header.headerLength + frameBytes + 6).toString()).toBe('FRAME\n');
  });
});
