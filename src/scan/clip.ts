// Camera clips for the e2e journeys: a scene at the door, then a person holding up a code (which
// moves a little, as a hand does), then the scene again. Frames are rendered on demand (a 10 s
// 1280×720 clip is ~140 MB of Y4M; generating it lazily keeps memory flat).
import { addGaussianNoise, blankImage, drawQr, drawScene, placementQuad, qrMatrix, QUIET_ZONE, type EcLevel } from './synth.js';
import type { LumaImage } from './types.js';

export interface ClipOptions {
  readonly width: number;
  readonly height: number;
  /** Frames without a code before and after the code is shown. */
  readonly leadInFrames: number;
  readonly codeFrames: number;
  readonly tailFrames?: number;
  /** What the code holds; null for a clip that never shows one. */
  readonly text: string | null;
  readonly ecLevel?: EcLevel;
  /** Symbol width (with quiet zone) as a fraction of the frame's short side. Default 0.55. */
  readonly codeFraction?: number;
  /** Sensor noise σ in grey levels. Default 3. */
  readonly noise?: number;
  readonly seed?: number;
}

export function clipFrameCount(o: ClipOptions): number {
  return o.leadInFrames + o.codeFrames + (o.tailFrames ?? 0);
}

/** Renders frame `index` of the clip. */
export function clipFrame(o: ClipOptions, index: number, matrix = o.text === null ? null : qrMatrix(o.text, o.ecLevel ?? 'M')): LumaImage {
  const seed = o.seed ?? 1;
  const image = blankImage(o.width, o.height);
  drawScene(image, seed);
  const showing = matrix !== null && index >= o.leadInFrames && index < o.leadInFrames + o.codeFrames;
  if (showing) {
    const t = index - o.leadInFrames;
    const short = Math.min(o.width, o.height);
    const modulePx = (short * (o.codeFraction ?? 0.55)) / (matrix.size + 2 * QUIET_ZONE);
    // A hand holding a phone drifts a few pixels and turns a degree or two.
    const quad = placementQuad(matrix, {
      cx: o.width / 2 + 6 * Math.sin(t / 5),
      cy: o.height / 2 + 4 * Math.cos(t / 7),
      modulePx,
      rotationDeg: 2 * Math.sin(t / 9),
    });
    drawQr(image, matrix, quad);
  }
  addGaussianNoise(image, o.noise ?? 3, seed * 7919 + index);
  return image;
}

/** All frames in order, lazily. */
export function* clipFrames(o: ClipOptions): Generator<LumaImage> {
  const matrix = o.text === null ? null : qrMatrix(o.text, o.ecLevel ?? 'M');
  const n = clipFrameCount(o);
  for (let i = 0; i < n; i++) yield clipFrame(o, i, matrix);
}
