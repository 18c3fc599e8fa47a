import { describe, expect, it } from 'vitest';
import { clipFrame, clipFrameCount, clipFrames } from './clip.js';
import { ScanPipeline } from './pipeline.js';
import { createZxingLibraryEngine } from './engine-zxing-library.js';
import { blankImage } from './synth.js';
import { parseY4mHeader, y4mFrame, y4mHeader } from './y4m.js';

describe('y4m', () => {
  const opts = { width: 8, height: 4, fps: 15 };

  it('writes the header Chromium reads, colour space C420', () => {
    const header = new TextDecoder().decode(y4mHeader(opts));
    expect(header).toBe('YUV4MPEG2 W8 H4 F15:1 Ip A1:1 C420\n');
    expect(parseY4mHeader(y4mHeader(opts))).toMatchObject({ width: 8, height: 4, fps: 15, colourSpace: '420' });
  });

  it('writes FRAME, the Y plane in video range, and neutral 4:2:0 chroma', () => {
    const img = blankImage(8, 4, 0);
    img.data[1] = 255;
    const frame = y4mFrame(img, opts);
    expect(new TextDecoder().decode(frame.subarray(0, 6))).toBe('FRAME\n');
    expect(frame.length).toBe(6 + 32 + 2 * 8);
    expect(frame[6]).toBe(16);
    expect(frame[7]).toBe(235);
    expect([...frame.subarray(6 + 32)].every((v) => v === 128)).toBe(true);
  });

  it('refuses odd sizes and mismatched frames', () => {
    expect(() => y4mHeader({ width: 7, height: 4, fps: 15 })).toThrowError(/even/);
    expect(() => y4mFrame(blankImage(4, 4), opts)).toThrowError(/clip is 8×4/);
  });
});

describe('camera clips', () => {
  it('show the scene, then the code, then the scene; the pipeline reads only the middle', async () => {
    const clip = { width: 320, height: 240, leadInFrames: 2, codeFrames: 2, tailFrames: 1, text: 'PHC1:CLIP TEST $%', codeFraction: 0.8 };
    expect(clipFrameCount(clip)).toBe(5);
    expect([...clipFrames(clip)].length).toBe(5);
    const pipeline = new ScanPipeline(createZxingLibraryEngine(), { budgetMs: 60_000 });
    const texts = [];
    for (let i = 0; i < 5; i++) texts.push((await pipeline.decode({ format: 'luma', ...clipFrame(clip, i) })).text);
    expect(texts).toEqual([null, null, clip.text, clip.text, null]);
  });
});
