// Loading zxing-wasm: only ever from bytes or a URL we give it. A missing or corrupt binary is
// ENGINE_UNAVAILABLE, not a crash. (Own file: zxing-wasm caches its module per process.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zxingWasmPath } from '../cli/scan-engine.js';
import { createZxingWasmEngine } from './engine-zxing-wasm.js';
import { corpusSpecs, renderCorpusFrame } from './corpus.js';
import { blankImage, drawQr, placementQuad, qrMatrix } from './synth.js';
import { ScanError } from './types.js';

const context = { deadline: Number.POSITIVE_INFINITY, now: () => 0, codeLikely: true, noiseSigma: null };

describe('createZxingWasmEngine', () => {
  it('rejects a corrupt binary with ENGINE_UNAVAILABLE', async () => {
    const err = await createZxingWasmEngine({ wasmBinary: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]).buffer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScanError);
    expect((err as ScanError).reason).toBe('ENGINE_UNAVAILABLE');
  });

  it('loads from the bytes shipped in node_modules and reads a code', async () => {
    const bytes = readFileSync(zxingWasmPath());
    const engine = await createZxingWasmEngine({ wasmBinary: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    const img = blankImage(400, 400, 235);
    const matrix = qrMatrix('PHC1:WASM 1', 'M');
    drawQr(img, matrix, placementQuad(matrix, { cx: 200, cy: 200, modulePx: 6 }));
    const r = await engine.decode(img, context);
    expect(r.text).toBe('PHC1:WASM 1');
    const empty = await engine.decode(blankImage(400, 400, 200), context);
    expect(empty).toEqual({ text: null, sawSymbol: false, passes: 1 });
  });

  it('reads the same through the grey entry point as through the public RGBA path', async () => {
    const bytes = readFileSync(zxingWasmPath());
    const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const grey = await createZxingWasmEngine({ wasmBinary });
    const viaRgba = await createZxingWasmEngine({ wasmBinary }, { publicPathOnly: true });
    const frames = corpusSpecs(2, [{ width: 640, height: 480 }])
      .filter((s) => ['inverted', 'gaussian-noise', 'small', 'no-code'].includes(s.kind))
      .slice(0, 8)
      .map(renderCorpusFrame);
    let decoded = 0;
    for (const f of frames) {
      const a = await grey.decode(f.image, context);
      const b = await viaRgba.decode(f.image, context);
      expect(a, f.spec.id).toEqual(b);
      if (a.text !== null) decoded++;
    }
    // Not vacuous: most of these frames hold a readable code.
    expect(decoded).toBeGreaterThanOrEqual(4);
  });
});
