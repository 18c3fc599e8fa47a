// The decoder interface behind the scan pipeline: an engine gets one grey image and tries
// to read one QR symbol from it. Region of interest, frame skipping and the budget are the
// pipeline's job and shared by every engine.
import type { EngineName, LumaImage } from './types.js';

export interface EngineAttempt {
  /** Exactly what the symbol holds, or null. */
  readonly text: string | null;
  /**
   * True when the engine got as far as a QR symbol (finder patterns located) but could not read it:
   * the signal that another attempt with different preprocessing may pay off.
   */
  readonly sawSymbol: boolean;
  /** How many decode passes the engine made (preprocessing variants), for the benchmark. */
  readonly passes: number;
}

/** What the pipeline tells an engine about the frame it hands over. */
export interface DecodeContext {
  /** Time (in `now()` milliseconds) after which the engine must not start another pass. */
  readonly deadline: number;
  readonly now: () => number;
  /**
   * True when the prefilter found a code-like region (and `image` may be that region cut out):
   * worth trying harder on; false when the frame could not be judged (very noisy).
   */
  readonly codeLikely: boolean;
  /** The prefilter's pixel-noise estimate (grey levels, after a 2×2 mean), or null when unknown. */
  readonly noiseSigma: number | null;
}

export interface DecoderEngine {
  readonly name: EngineName;
  decode(image: LumaImage, context: DecodeContext): Promise<EngineAttempt>;
}
