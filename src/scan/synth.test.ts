import { describe, expect, it } from 'vitest';
import { corpusSpecs, renderCorpusFrame, DEGRADATIONS } from './corpus.js';
import { phcLikeText, qrMatrix } from './synth.js';

describe('PHC1-like texts and symbols', () => {
  it('are long Base45 texts whose symbols are QR versions 10–15 (what the issue asks)', () => {
    const text = phcLikeText(42);
    expect(text.startsWith('PHC1:')).toBe(true);
    expect(text.length).toBeGreaterThanOrEqual(285);
    expect(text.slice(5)).toMatch(/^[0-9A-Z $%*+\-./:]+$/);
    for (const ec of ['M', 'Q', 'H'] as const) {
      const v = qrMatrix(text, ec).version;
      expect(v, ec).toBeGreaterThanOrEqual(10);
      expect(v, ec).toBeLessThanOrEqual(15);
    }
  });

  it('are reproducible from the seed', () => {
    expect(phcLikeText(5)).toBe(phcLikeText(5));
    expect(phcLikeText(5)).not.toBe(phcLikeText(6));
  });
});

describe('corpus', () => {
  it('covers every degradation at both sizes, with as many frames without a code', () => {
    const specs = corpusSpecs(2);
    const code = specs.filter((s) => s.kind !== 'no-code');
    expect(code.length).toBe(2 * DEGRADATIONS.length * 2);
    expect(specs.filter((s) => s.kind === 'no-code').length).toBe(code.length);
    expect(new Set(specs.map((s) => `${s.width}x${s.height}`))).toEqual(new Set(['640x480', '1280x720']));
    expect(new Set(specs.map((s) => s.id)).size).toBe(specs.length);
  });

  it('renders the same pixels for the same spec', () => {
    const spec = corpusSpecs(1, [{ width: 640, height: 480 }]).find((s) => s.kind === 'moire')!;
    const a = renderCorpusFrame(spec);
    const b = renderCorpusFrame(spec);
    expect(a.text).toBe(b.text);
    expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
    expect(a.image.data.length).toBe(640 * 480);
  });

  it('draws small codes with modules of at most 2 px', () => {
    const spec = corpusSpecs(3, [{ width: 640, height: 480 }]).filter((s) => s.kind === 'small');
    for (const s of spec) {
      const f = renderCorpusFrame(s);
      expect(f.version).toBeGreaterThanOrEqual(10);
      expect(f.modulePx).toBeLessThanOrEqual(2);
      expect(f.modulePx).toBeGreaterThan(1);
    }
  });
});
