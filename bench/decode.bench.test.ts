// The decode benchmark on a tiny corpus: it runs, its JSON has the figures the issue asks for, and the
// invariants hold (no false positive, no frame with a code skipped by the prefilter). Timings are
// printed by the benchmark, never asserted here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from './decode.bench.js';

const saved = { ...process.env };
beforeAll(() => {
  process.env.DECODE_BENCH_PER_KIND = '1';
  process.env.DECODE_BENCH_REPEATS = '3';
});
afterAll(() => {
  process.env = saved;
});

interface EngineFigures {
  decoded: number;
  perKind: Record<string, unknown>;
  noCode: { falsePositives: number };
  codeFramesSkippedByPrefilter: number;
  msPerFrame: Record<string, unknown>;
}
interface CameraFigures {
  pipeline: { withCode: { decoded: number }; idle: { decoded: number } };
}
interface DecodeBenchOutput {
  corpus: object;
  recommendedDefaultEngine: string;
  engines: Record<string, EngineFigures>;
  camera: Record<string, Record<string, CameraFigures>>;
  comparison: Record<string, { shareOfReferenceDecodes: number }>;
}

describe('decode benchmark', () => {
  it('reports per engine and per degradation, with no false positive and no code frame skipped', async () => {
    const out = (await run()) as DecodeBenchOutput;
    expect(out.corpus).toMatchObject({ perKind: 1, codeFrames: 26, noCodeFrames: 26 });
    expect(['zxing-library', 'zxing-wasm']).toContain(out.recommendedDefaultEngine);
    for (const name of ['zxing-library', 'zxing-wasm']) {
      const e = out.engines[name]!;
      expect(Object.keys(e.perKind)).toHaveLength(13);
      expect(e.noCode.falsePositives).toBe(0);
      expect(e.codeFramesSkippedByPrefilter).toBe(0);
      expect(e.decoded).toBeGreaterThan(10);
      expect(Object.keys(e.msPerFrame)).toEqual(['640x480', '1280x720']);
      for (const size of ['640x480', '1280x720']) {
        expect(out.camera[size]![name]!.pipeline.withCode.decoded).toBe(3);
        expect(out.camera[size]![name]!.pipeline.idle.decoded).toBe(0);
      }
    }
    expect(out.comparison['zxing-library']!.shareOfReferenceDecodes).toBeGreaterThan(0);
  }, 120_000);
});
