// `@zxing/library` (the TypeScript port of ZXing) behind the engine interface, made as good as it
// honestly can be with preprocessing. One pass of the library is a binarizer over
// a luminance source, the finder-pattern search and the decode. Alone it reads few of the hard
// frames ZXing-C++ reads; each extra pass here undoes one kind of damage, and passes after the first
// run only when a symbol is likely (the prefilter found a code-like region, or the first pass found
// finder patterns), so frames without a code stay cheap.
import {
  BinaryBitmap,
  DecodeHintType,
  Exception as ZxingException,
  GlobalHistogramBinarizer,
  HybridBinarizer,
  NotFoundException,
  PlanarYUVLuminanceSource,
  QRCodeReader,
  type Binarizer,
  type LuminanceSource,
} from '@zxing/library';
import { median3, stretchContrast, upscale2 } from './filters.js';
import { downscaleMean, invert } from './luminance.js';
import { DEFAULT_PREFILTER } from './prefilter.js';
import type { LumaImage } from './types.js';
import type { DecodeContext, DecoderEngine, EngineAttempt } from './engine.js';

/** One preprocessing + binarizer combination, in the order tried. */
export const LIBRARY_PASSES = ['hybrid', 'inverted', 'median', 'upscale2', 'downscale2', 'stretch', 'global'] as const;
export type LibraryPass = (typeof LIBRARY_PASSES)[number];

export interface ZxingLibraryOptions {
  /** Passes to try, in order; the first always runs. Default: all of LIBRARY_PASSES. */
  readonly passes?: readonly LibraryPass[];
  /** Noise σ (after a 2×2 mean) above which the median pass is worth its ~2.5 ms per 640×480. */
  readonly medianAboveSigma?: number;
}

type PassOutcome = 'decoded' | 'symbol' | 'nothing';

/** Noise σ (after a 2×2 mean) above which the prefilter cannot judge a frame (see DEFAULT_PREFILTER). */
const NOISY_SIGMA = DEFAULT_PREFILTER.maxNoiseSigma;

export function createZxingLibraryEngine(options: ZxingLibraryOptions = {}): DecoderEngine {
  const passes = options.passes ?? LIBRARY_PASSES;
  const medianAboveSigma = options.medianAboveSigma ?? 3;
  const reader = new QRCodeReader();
  // TRY_HARDER: the finder search looks at every row (MIN_SKIP) rather than skipping; on 640×480 the
  // two coincide, on larger frames it finds small symbols the skipping misses.
  const hints = new Map<DecodeHintType, unknown>([[DecodeHintType.TRY_HARDER, true]]);
  // Scratch buffers, reused frame after frame (a worker decodes one frame at a time).
  let scratchA = new Uint8Array(0);
  let scratchB = new Uint8Array(0);
  const scratch = (which: 'a' | 'b', n: number): Uint8Array => {
    if (which === 'a') {
      if (scratchA.length < n) scratchA = new Uint8Array(n);
      return scratchA;
    }
    if (scratchB.length < n) scratchB = new Uint8Array(n);
    return scratchB;
  };

  const source = (image: LumaImage): LuminanceSource =>
    // Zero-copy: the library's planar-YUV source reads the Y plane, which is exactly a grey buffer.
    new PlanarYUVLuminanceSource(
      new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.width * image.height),
      image.width,
      image.height,
      0,
      0,
      image.width,
      image.height,
      false,
    );

  let text: string | null = null;
  const attempt = (image: LumaImage, binarizer: (s: LuminanceSource) => Binarizer): PassOutcome => {
    try {
      text = reader.decode(new BinaryBitmap(binarizer(source(image))), hints).getText();
      return 'decoded';
    } catch (err) {
      // NotFoundException: fewer than three finder patterns. Anything else (checksum, format,
      // alignment) means a symbol was located but not read: the case further passes can rescue.
      if (err instanceof NotFoundException) return 'nothing';
      if (err instanceof ZxingException) return 'symbol';
      throw err;
    } finally {
      reader.reset();
    }
  };
  const hybrid = (s: LuminanceSource) => new HybridBinarizer(s);
  const global = (s: LuminanceSource) => new GlobalHistogramBinarizer(s);

  const runPass = (pass: LibraryPass, image: LumaImage, context: DecodeContext): PassOutcome | 'skipped' => {
    const n = image.width * image.height;
    switch (pass) {
      case 'hybrid':
        return attempt(image, hybrid);
      case 'median':
        if (context.noiseSigma !== null && context.noiseSigma < medianAboveSigma) return 'skipped';
        return attempt(median3(image, scratch('a', n)), hybrid);
      case 'inverted':
        return attempt(invert(image, scratch('a', n)), hybrid);
      case 'downscale2':
        // Averaging 2×2 halves noise; symbols with modules under ~3 px would drop below what the
        // library can sample, so only worth it on bigger images.
        if (image.width < 400 || image.height < 300) return 'skipped';
        return attempt(downscaleMean(image, 2, scratch('b', n >> 2)), hybrid);
      case 'upscale2':
        // Modules of 1.3–4 px (a small symbol, or a rotated one whose sampling grid drifts): 2× gives
        // the finder search and the sampler room. Only on a cut-out region: a whole frame costs 4×.
        if (!context.codeLikely || image.width * image.height > 512 * 512) return 'skipped';
        return attempt(upscale2(image, scratch('b', n * 4)), hybrid);
      case 'stretch':
        // Only meaningful on a cut-out code region: stretching a whole frame is dominated by the scene.
        if (!context.codeLikely) return 'skipped';
        return attempt(stretchContrast(image, scratch('a', n)), hybrid);
      case 'global':
        return attempt(image, global);
    }
  };

  return {
    name: 'zxing-library',
    async decode(image: LumaImage, context: DecodeContext): Promise<EngineAttempt> {
      let made = 0;
      let sawSymbol = false;
      // A frame too noisy for the prefilter to judge may hide a code under the noise: denoise first
      // (the plain pass rarely finds anything there), and go on only if that finds a symbol.
      const noisy = context.noiseSigma !== null && context.noiseSigma >= NOISY_SIGMA && passes.includes('median');
      const order = noisy ? ['median' as const, ...passes.filter((p) => p !== 'median')] : passes;
      for (let i = 0; i < order.length; i++) {
        if (i > 0) {
          // A second pass only where a symbol is likely, and only within the frame's budget.
          if (!context.codeLikely && !sawSymbol) break;
          if (context.now() >= context.deadline) break;
        }
        text = null;
        const outcome = runPass(order[i]!, image, context);
        if (outcome === 'skipped') continue;
        made++;
        if (outcome === 'decoded' && text !== null) return { text, sawSymbol: true, passes: made };
        if (outcome === 'symbol') sawSymbol = true;
      }
      return { text: null, sawSymbol, passes: made };
    },
  };
}
