// The shared pipeline with both real engines on a small slice of the corpus (the benchmark runs all
// of it), plus the guarantees: text untouched, no false positives, bad input answered with a reason.
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../cli/scan-engine.js';
import { corpusSpecs, renderCorpusFrame, type CorpusFrame } from './corpus.js';
import type { DecoderEngine } from './engine.js';
import { ScanPipeline } from './pipeline.js';
import { addGaussianNoise, blankImage, drawQr, drawScene, placementQuad, qrMatrix } from './synth.js';
import { ENGINE_NAMES, type EngineName } from './types.js';

const engines = {} as Record<EngineName, DecoderEngine>;
beforeAll(async () => {
  for (const name of ENGINE_NAMES) engines[name] = await createEngine(name);
});

/** A clean-ish frame with `text` held up in front of a scene. */
function frameWith(text: string, opts: { inverted?: boolean; seed?: number } = {}) {
  const img = blankImage(640, 480);
  drawScene(img, opts.seed ?? 11);
  const matrix = qrMatrix(text, 'M');
  const quad = placementQuad(matrix, { cx: 330, cy: 235, modulePx: 4, rotationDeg: 7 });
  drawQr(img, matrix, quad, opts.inverted ? { dark: 230, light: 25 } : {});
  addGaussianNoise(img, 4, opts.seed ?? 11);
  return img;
}

// The mild end of each degradation: what every engine must read. (The severe end is the benchmark's.)
const slice: CorpusFrame[] = corpusSpecs(3, [{ width: 640, height: 480 }])
  .filter((s) => s.id.endsWith('/0') && ['rotation', 'glare', 'dim', 'low-contrast', 'occlusion', 'motion-blur', 'perspective', 'small'].includes(s.kind))
  .map(renderCorpusFrame);
const noCode: CorpusFrame[] = corpusSpecs(1, [{ width: 640, height: 480 }, { width: 1280, height: 720 }])
  .filter((s) => s.kind === 'no-code')
  .slice(0, 10)
  .map(renderCorpusFrame);

// A budget no machine reaches, so what is read does not depend on how fast the CI runner is.
const NO_BUDGET = { budgetMs: 60_000 };

describe.each(ENGINE_NAMES)('ScanPipeline with %s', (name) => {
  it('reads the mild corpus frames, text exactly as encoded', async () => {
    const pipeline = new ScanPipeline(engines[name], NO_BUDGET);
    for (const f of slice) {
      const r = await pipeline.decode({ format: 'luma', ...f.image });
      expect(r.text, `${f.spec.id}: ${r.reason}`).toBe(f.text);
    }
  });

  it('returns Base45 spaces untouched, leading and trailing ones included', async () => {
    const pipeline = new ScanPipeline(engines[name], NO_BUDGET);
    const text = '  PHC1:6BF W90 T10 %*+-./: END  ';
    const r = await pipeline.decode({ format: 'luma', ...frameWith(text) });
    expect(r.text).toBe(text);
    expect(r.reason).toBeNull();
  });

  it('reads a light-on-dark code', async () => {
    const pipeline = new ScanPipeline(engines[name], NO_BUDGET);
    const r = await pipeline.decode({ format: 'luma', ...frameWith('PHC1:INVERTED 123', { inverted: true }) });
    expect(r.text).toBe('PHC1:INVERTED 123');
  });

  it('accepts RGBA frames (the canvas path) as well as grey ones', async () => {
    const pipeline = new ScanPipeline(engines[name], NO_BUDGET);
    const grey = frameWith('PHC1:RGBA PATH');
    const rgba = new Uint8ClampedArray(grey.width * grey.height * 4);
    for (let i = 0; i < grey.data.length; i++) {
      rgba.fill(grey.data[i]!, 4 * i, 4 * i + 3);
      rgba[4 * i + 3] = 255;
    }
    const r = await pipeline.decode({ format: 'rgba', width: grey.width, height: grey.height, data: rgba });
    expect(r.text).toBe('PHC1:RGBA PATH');
  });

  it('finds no code in frames without one: no false positive', async () => {
    const pipeline = new ScanPipeline(engines[name], { ...NO_BUDGET, prefilter: 'locate' });
    for (const f of noCode) {
      const r = await pipeline.decode({ format: 'luma', ...f.image });
      expect(r.text, f.spec.id).toBeNull();
      expect(['NO_CODE', 'UNREADABLE']).toContain(r.reason);
    }
  });

  it('answers bad frames with BAD_FRAME and a reason instead of throwing', async () => {
    const pipeline = new ScanPipeline(engines[name], NO_BUDGET);
    const cases = [
      { format: 'luma', width: 10, height: 10, data: new Uint8Array(99) },
      { format: 'rgba', width: 10, height: 10, data: new Uint8Array(100) },
      { format: 'luma', width: 0, height: 10, data: new Uint8Array(0) },
      { format: 'luma', width: 100000, height: 1, data: new Uint8Array(100000) },
      { format: 'bgr', width: 1, height: 1, data: new Uint8Array(3) },
      { format: 'luma', width: 1, height: 1, data: [7] },
      null,
    ] as const;
    for (const c of cases) {
      const r = await pipeline.decode(c as never);
      expect(r.text).toBeNull();
      expect(r.reason).toBe('BAD_FRAME');
      expect(r.reason === 'BAD_FRAME' && r.detail).toBeTruthy();
    }
  });
});

describe('ScanPipeline, engine-independent behaviour', () => {
  it('skips frames the prefilter judges empty without calling the engine', async () => {
    let calls = 0;
    const counting: DecoderEngine = { name: 'zxing-library', decode: async () => (calls++, { text: null, sawSymbol: false, passes: 1 }) };
    const pipeline = new ScanPipeline(counting);
    const scene = blankImage(640, 480);
    drawScene(scene, 4);
    addGaussianNoise(scene, 3, 4);
    const r = await pipeline.decode({ format: 'luma', ...scene });
    expect(r.reason).toBe('SKIPPED');
    expect(r.attempts).toBe(0);
    expect(calls).toBe(0);
    // With prefilter 'locate' (still images) the same frame is decoded.
    const still = new ScanPipeline(counting, { prefilter: 'locate' });
    expect((await still.decode({ format: 'luma', ...scene })).reason).toBe('NO_CODE');
    expect(calls).toBeGreaterThan(0);
  });

  it('stops at the per-frame budget and says so', async () => {
    let clock = 0;
    const slow: DecoderEngine = {
      name: 'zxing-library',
      decode: async () => {
        clock += 30; // each engine call "takes" 30 ms on the fake clock
        return { text: null, sawSymbol: true, passes: 1 };
      },
    };
    const pipeline = new ScanPipeline(slow, { budgetMs: 20, prefilter: 'off', now: () => clock });
    const r = await pipeline.decode({ format: 'luma', ...frameWith('PHC1:X') });
    expect(r.reason).toBe('BUDGET');
    expect(r.attempts).toBe(1);
  });

  it('reports an engine that throws as UNREADABLE and keeps working', async () => {
    let fail = true;
    const flaky: DecoderEngine = {
      name: 'zxing-library',
      decode: async () => {
        if (fail) throw new RangeError('index out of range');
        return { text: 'PHC1:OK', sawSymbol: true, passes: 1 };
      },
    };
    const pipeline = new ScanPipeline(flaky, { prefilter: 'off' });
    const img = frameWith('PHC1:OK');
    const first = await pipeline.decode({ format: 'luma', ...img });
    expect(first.reason).toBe('UNREADABLE');
    expect(first.reason === 'UNREADABLE' && first.detail).toMatch(/index out of range/);
    fail = false;
    expect((await pipeline.decode({ format: 'luma', ...img })).text).toBe('PHC1:OK');
  });
});
