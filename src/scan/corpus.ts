// The corpus of hard frames (run by the decoder benchmark, bench/decode.bench.ts): every degradation a door camera meets, at
// 640×480 and 1280×720, each at a range of severities, and as many frames without any code. A frame
// is defined by its spec alone (seeded), so the test suite renders a small slice and the benchmark
// all of it, without storing images.
import {
  addGaussianNoise,
  addGlare,
  addMoire,
  addSaltAndPepper,
  adjustLevels,
  blankImage,
  boxBlur,
  drawCapsule,
  drawQr,
  drawScene,
  motionBlur,
  phcLikeText,
  placementQuad,
  qrMatrix,
  QUIET_ZONE,
  type EcLevel,
  type Placement,
} from './synth.js';
import { mulberry32 } from '../base/prng.js';
import type { LumaImage } from './types.js';

export const DEGRADATIONS = [
  'gaussian-noise',
  'salt-pepper',
  'motion-blur',
  'defocus',
  'low-contrast',
  'dim',
  'glare',
  'rotation',
  'perspective',
  'small',
  'inverted',
  'moire',
  'occlusion',
] as const;
export type Degradation = (typeof DEGRADATIONS)[number];
/** `no-code`: people, hands, door frame, background; what the camera sees most of the day. */
export type FrameKind = Degradation | 'no-code';

export const CORPUS_SIZES = [
  { width: 640, height: 480 },
  { width: 1280, height: 720 },
] as const;

export interface CorpusFrameSpec {
  readonly id: string;
  readonly kind: FrameKind;
  readonly width: number;
  readonly height: number;
  /** 0 (mild) … 1 (severe). */
  readonly severity: number;
  readonly seed: number;
  /** The QR text to draw; a PHC1-like text of real length (from the seed) when absent. */
  readonly text?: string;
}

export interface CorpusFrame {
  readonly spec: CorpusFrameSpec;
  readonly image: LumaImage;
  /** What the symbol holds, or null for a no-code frame. */
  readonly text: string | null;
  /** QR version of the symbol drawn (10–15 for PHC1 texts), null without a code. */
  readonly version: number | null;
  /** Module size in pixels as drawn (before tilt), null without a code. */
  readonly modulePx: number | null;
}

/**
 * The frame list: for each size and each degradation, `perKind` frames at evenly spread severities;
 * then as many no-code frames as code frames, so false positives are measured on equal footing.
 */
export function corpusSpecs(
  perKind: number,
  sizes: readonly { width: number; height: number }[] = CORPUS_SIZES,
  baseSeed = 7,
  /** Real codes to draw (the benchmark passes the signed demo codes of fixtures/), used in turn. */
  texts: readonly string[] = [],
): CorpusFrameSpec[] {
  const specs: CorpusFrameSpec[] = [];
  let seed = baseSeed * 1_000_003;
  for (const { width, height } of sizes) {
    let noCode = 0;
    for (const kind of DEGRADATIONS) {
      for (let i = 0; i < perKind; i++) {
        const severity = perKind === 1 ? 0.5 : i / (perKind - 1);
        const text = texts.length ? texts[specs.length % texts.length] : undefined;
        specs.push({ id: `${width}x${height}/${kind}/${i}`, kind, width, height, severity, seed: ++seed, ...(text ? { text } : {}) });
        noCode++;
      }
    }
    for (let i = 0; i < noCode; i++) {
      specs.push({ id: `${width}x${height}/no-code/${i}`, kind: 'no-code', width, height, severity: (i % 5) / 4, seed: ++seed });
    }
  }
  return specs;
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

/** Renders one corpus frame from its spec. */
export function renderCorpusFrame(spec: CorpusFrameSpec): CorpusFrame {
  const { width, height, severity: s, seed, kind } = spec;
  const random = mulberry32(seed);
  const image = blankImage(width, height);
  drawScene(image, seed ^ 0x5a5a);
  if (kind === 'no-code') {
    // Everyday capture defects on empty scenes too, so the no-code frames are as noisy as the rest.
    if (s > 0.5) motionBlur(image, Math.round(lerp(3, 12, s)), random() * 180);
    addGaussianNoise(image, lerp(3, 25, s), seed);
    if (s === 1) addSaltAndPepper(image, 0.02, seed + 1);
    return { spec, image, text: null, version: null, modulePx: null };
  }

  // PHC1 texts at error-correction levels M/Q/H give symbol versions 10–15 as the issue asks.
  const text = spec.text ?? phcLikeText(seed);
  const ecLevel: EcLevel = (['M', 'Q', 'H'] as const)[Math.floor(random() * 3)]!;
  const matrix = qrMatrix(text, ecLevel);
  const scale = Math.min(width, height);
  // Default module size: the code fills ~35–60% of the short side, as when held up to a door camera.
  let modulePx = (scale * lerp(0.45, 0.6, random())) / (matrix.size + 2 * QUIET_ZONE);
  const placement: Placement = {
    cx: width / 2 + (random() - 0.5) * width * 0.2,
    cy: height / 2 + (random() - 0.5) * height * 0.15,
    modulePx,
    rotationDeg: (random() - 0.5) * 10,
  };
  if (kind === 'rotation') placement.rotationDeg = lerp(10, 45, s) * (random() < 0.5 ? -1 : 1);
  if (kind === 'perspective') placement.tilt = lerp(0.9, 0.62, s);
  if (kind === 'small') {
    // Module ≤ 2 px: a paper code printed small or held far away.
    modulePx = lerp(2, 1.35, s);
    placement.modulePx = modulePx;
  }
  const inverted = kind === 'inverted';
  drawQr(image, matrix, placementQuad(matrix, placement), inverted ? { dark: 230, light: 25 } : {});

  const symbolHalf = ((matrix.size + 2 * QUIET_ZONE) * placement.modulePx) / 2;
  switch (kind) {
    case 'gaussian-noise':
      addGaussianNoise(image, lerp(20, 60, s), seed);
      break;
    case 'salt-pepper':
      addSaltAndPepper(image, lerp(0.05, 0.25, s), seed);
      break;
    case 'motion-blur':
      motionBlur(image, Math.max(2, Math.round(modulePx * lerp(0.8, 2.2, s))), random() * 180);
      break;
    case 'defocus':
      boxBlur(image, Math.max(1, Math.round(modulePx * lerp(0.25, 0.6, s))), 3);
      break;
    case 'low-contrast':
      adjustLevels(image, lerp(0.3, 0.1, s), 1, random() * 40 - 20);
      break;
    case 'dim':
      // Dim lobby: little light, and the sensor's gain brings its noise up with it.
      adjustLevels(image, 1, lerp(0.3, 0.12, s), 0, 0);
      addGaussianNoise(image, lerp(2, 6, s), seed);
      break;
    case 'glare': {
      const gx = placement.cx + (random() - 0.5) * symbolHalf;
      const gy = placement.cy + (random() - 0.5) * symbolHalf;
      addGlare(image, gx, gy, symbolHalf * lerp(0.25, 0.5, s), lerp(230, 255, s));
      break;
    }
    case 'moire':
      addMoire(image, lerp(0.2, 0.45, s), modulePx * lerp(1.7, 3.2, random()), random() * 180, seed);
      break;
    case 'occlusion': {
      // A thumb over a corner of the symbol, entering from the bottom right as it holds the phone.
      const r = placement.modulePx * lerp(3, 6, s);
      const tipX = placement.cx + symbolHalf * lerp(0.45, 0.25, s);
      const tipY = placement.cy + symbolHalf * lerp(0.45, 0.25, s);
      drawCapsule(image, tipX, tipY, tipX + symbolHalf * 2, tipY + symbolHalf * 2, r, 170 + random() * 40);
      break;
    }
    default:
      break;
  }
  // Every capture has some sensor noise.
  if (kind !== 'gaussian-noise' && kind !== 'dim') addGaussianNoise(image, 4, seed + 17);
  return { spec, image, text, version: matrix.version, modulePx: placement.modulePx };
}
