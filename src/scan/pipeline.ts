// The scan pipeline shared by the camera worker and `kiosk decode-image`: frame →
// luminance → prefilter (skip frames that cannot hold a code) → region of interest (where the
// prefilter saw the code, else the centre first) → engine, within a per-frame time budget. The
// engine is a setting; everything else is the same for both.
import type { DecoderEngine } from './engine.js';
import { centreRegion, checkDimensions, crop, lumaImage, rgbaToLuma, type Region } from './luminance.js';
import { DEFAULT_PREFILTER, Prefilter, type PrefilterOptions } from './prefilter.js';
import { ScanError, type LumaImage, type ScanResult } from './types.js';

export interface PipelineOptions {
  /**
   * Per-frame budget in ms: no new decode pass starts after it. A camera at 15 fps delivers a frame
   * every 66 ms; staying under that keeps the worker from queueing frames. Default 50.
   */
  readonly budgetMs?: number;
  /**
   * `skip` (camera): frames the prefilter judges empty are not decoded, the next frame comes soon.
   * `locate` (still images): the prefilter only picks the region to try first; every image is decoded.
   * `off`: no prefilter, the centre region then the whole frame.
   */
  readonly prefilter?: 'skip' | 'locate' | 'off';
  readonly prefilterOptions?: PrefilterOptions;
  /** Fraction of each side of the centre region tried first when the prefilter gave no region. */
  readonly centreFraction?: number;
  /** Clock in ms; `performance.now` in both the worker and Node. */
  readonly now?: () => number;
}

export const DEFAULT_BUDGET_MS = 50;

/** A frame as the camera code hands it over: grey or RGBA (ImageData layout). */
export type FrameInput =
  | { readonly format: 'luma'; readonly width: number; readonly height: number; readonly data: Uint8Array | Uint8ClampedArray }
  | { readonly format: 'rgba'; readonly width: number; readonly height: number; readonly data: Uint8Array | Uint8ClampedArray };

export class ScanPipeline {
  private readonly prefilter: Prefilter | null;
  private readonly skipEmpty: boolean;
  private readonly budgetMs: number;
  private readonly centreFraction: number;
  private readonly now: () => number;
  private luma = new Uint8Array(0);
  private roi = new Uint8Array(0);

  constructor(
    readonly engine: DecoderEngine,
    options: PipelineOptions = {},
  ) {
    const mode = options.prefilter ?? 'skip';
    this.prefilter = mode === 'off' ? null : new Prefilter(options.prefilterOptions ?? DEFAULT_PREFILTER);
    this.skipEmpty = mode === 'skip';
    this.budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
    this.centreFraction = options.centreFraction ?? 0.6;
    this.now = options.now ?? (() => performance.now());
  }

  /** Converts (RGBA) or wraps (grey) a frame, reusing the pipeline's buffer. Throws ScanError BAD_FRAME. */
  toLuma(frame: FrameInput): LumaImage {
    if (typeof frame !== 'object' || frame === null) throw new ScanError('BAD_FRAME', 'frame is not an object');
    if (!(frame.data instanceof Uint8Array || frame.data instanceof Uint8ClampedArray)) {
      throw new ScanError('BAD_FRAME', 'frame data must be a Uint8Array or Uint8ClampedArray');
    }
    if (frame.format === 'luma') return lumaImage(frame.width, frame.height, frame.data);
    if (frame.format === 'rgba') {
      checkDimensions(frame.width, frame.height); // before allocating anything for it
      const n = frame.width * frame.height;
      if (this.luma.length < n) this.luma = new Uint8Array(n);
      return rgbaToLuma(frame.width, frame.height, frame.data, this.luma);
    }
    throw new ScanError('BAD_FRAME', `unsupported frame format ${JSON.stringify((frame as { format?: unknown }).format)}`);
  }

  /** Decodes one frame. Never throws: bad input and engine failures come back as a reason. */
  async decode(frame: FrameInput): Promise<ScanResult> {
    const started = this.now();
    try {
      return await this.decodeLuma(this.toLuma(frame), started);
    } catch (err) {
      const ms = this.now() - started;
      if (err instanceof ScanError) return { text: null, reason: err.reason, detail: err.message, ms, attempts: 0 };
      // An engine throwing something unexpected must not take the camera down: report and go on.
      return { text: null, reason: 'UNREADABLE', detail: `decoder error: ${(err as Error)?.message ?? String(err)}`, ms, attempts: 0 };
    }
  }

  private async decodeLuma(image: LumaImage, started: number): Promise<ScanResult> {
    const deadline = started + this.budgetMs;
    const filtered = this.prefilter?.run(image) ?? null;
    if (filtered && !filtered.maybeCode && this.skipEmpty) {
      return { text: null, reason: 'SKIPPED', ms: this.now() - started, attempts: 0 };
    }
    const regions: (Region | null)[] = [];
    if (filtered?.region) regions.push(filtered.region);
    else regions.push(centreRegion(image.width, image.height, this.centreFraction));
    regions.push(null); // the whole frame last
    let attempts = 0;
    let sawSymbol = false;
    for (const region of regions) {
      if (attempts > 0 && this.now() >= deadline) {
        return { text: null, reason: 'BUDGET', ms: this.now() - started, attempts };
      }
      const covered = region === null || (region.width === image.width && region.height === image.height);
      if (covered && region !== null) continue; // the region is the whole frame: the last step does it
      const input = covered ? image : crop(image, region, this.scratch(region.width * region.height));
      const result = await this.engine.decode(input, {
        deadline,
        now: this.now,
        // A still image (no skipping) was handed over because someone expects a code in it: try hard.
        codeLikely: filtered?.region != null || !this.skipEmpty,
        noiseSigma: filtered?.noiseSigma ?? null,
      });
      attempts += result.passes;
      if (result.text !== null) return { text: result.text, reason: null, ms: this.now() - started, attempts };
      sawSymbol ||= result.sawSymbol;
    }
    return { text: null, reason: sawSymbol ? 'UNREADABLE' : 'NO_CODE', ms: this.now() - started, attempts };
  }

  private scratch(n: number): Uint8Array {
    if (this.roi.length < n) this.roi = new Uint8Array(n);
    return this.roi;
  }
}
