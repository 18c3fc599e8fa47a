import { describe, expect, it } from 'vitest';
import { clipFrame } from './clip.js';
import { corpusSpecs, renderCorpusFrame } from './corpus.js';
import { Prefilter } from './prefilter.js';
import { addGaussianNoise, blankImage, drawQr, drawScene, phcLikeText, placementQuad, qrMatrix, QUIET_ZONE } from './synth.js';

describe('Prefilter', () => {
  const prefilter = new Prefilter();

  it('skips a plain wall and a scene with people, hands and stripes', () => {
    const wall = blankImage(640, 480, 150);
    addGaussianNoise(wall, 3, 1);
    expect(prefilter.run(wall).maybeCode).toBe(false);
    for (let seed = 1; seed <= 8; seed++) {
      const scene = blankImage(640, 480);
      drawScene(scene, seed);
      addGaussianNoise(scene, 4, seed);
      expect(prefilter.run(scene).maybeCode, `scene ${seed}`).toBe(false);
    }
  });

  it('passes a frame with a code and locates it', () => {
    const img = blankImage(640, 480);
    drawScene(img, 3);
    const matrix = qrMatrix(phcLikeText(1), 'M');
    drawQr(img, matrix, placementQuad(matrix, { cx: 420, cy: 260, modulePx: 3 }));
    addGaussianNoise(img, 4, 2);
    const r = prefilter.run(img);
    expect(r.maybeCode).toBe(true);
    const half = ((matrix.size + 8) * 3) / 2;
    // The region holds the whole symbol and is much smaller than the frame.
    expect(r.region!.left).toBeLessThanOrEqual(420 - half + 3 * 4);
    expect(r.region!.left + r.region!.width).toBeGreaterThanOrEqual(420 + half - 3 * 4);
    expect(r.region!.top).toBeLessThanOrEqual(260 - half + 3 * 4);
    expect(r.region!.top + r.region!.height).toBeGreaterThanOrEqual(260 + half - 3 * 4);
    expect(r.region!.width * r.region!.height).toBeLessThan(0.5 * 640 * 480);
  });

  it('never skips a corpus frame that holds a code (small slice)', () => {
    const specs = corpusSpecs(2, [{ width: 640, height: 480 }]).filter((s) => s.kind !== 'no-code');
    for (const spec of specs) expect(prefilter.run(renderCorpusFrame(spec).image).maybeCode, spec.id).toBe(true);
  });

  it('does not judge a frame too noisy to tell: it lets it through', () => {
    const img = blankImage(320, 240, 128);
    addGaussianNoise(img, 60, 5);
    const r = prefilter.run(img);
    expect(r.noiseSigma).toBeGreaterThan(10);
    expect(r.maybeCode).toBe(true);
    expect(r.region).toBeNull();
  });

  // Regression: measured at one scale only, the prefilter skipped codes whose modules were 4 px
  // (aligned to the 2×2 grid) at 640×480 and 8–10 px at 1280×720 — a phone held close.
  it('never skips a code at any module size from 1.5 to 10 px, at 640×480 and 1280×720', () => {
    const skipped: string[] = [];
    for (const [width, height] of [[640, 480], [1280, 720]] as const) {
      for (const textSeed of [1, 2, 3]) {
        const text = phcLikeText(textSeed);
        const matrix = qrMatrix(text, 'M');
        for (let modulePx = 1.5; modulePx <= 10; modulePx += 0.5) {
          const codeFraction = (modulePx * (matrix.size + 2 * QUIET_ZONE)) / height;
          if (codeFraction > 1) continue;
          const frame = clipFrame({ width, height, leadInFrames: 0, codeFrames: 1, text, codeFraction, seed: textSeed }, 0, matrix);
          if (!prefilter.run(frame).maybeCode) skipped.push(`${width}×${height} ${modulePx}px text ${textSeed}`);
        }
      }
    }
    expect(skipped).toEqual([]);
  });
});

