// Types shared by every stage of the scan pipeline and by the decode worker's message protocol.
// Everything here is plain data so it crosses a Worker's structured clone unchanged.

/** An 8-bit greyscale image, row-major, `data.length === width * height` (no row padding). */
export interface LumaImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** The decoders behind the pipeline (compared by the decoder benchmark, bench/decode.bench.ts). */
export const ENGINE_NAMES = ['zxing-library', 'zxing-wasm'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export function isEngineName(value: unknown): value is EngineName {
  return typeof value === 'string' && (ENGINE_NAMES as readonly string[]).includes(value);
}

/**
 * Why a frame produced no text. A frame without a code is the common case at a door, so these are
 * outcomes, not errors; only `BAD_FRAME` and `ENGINE_UNAVAILABLE` mean something is wrong.
 * - `NO_CODE`: the decoder looked and found no QR symbol.
 * - `UNREADABLE`: a QR finder pattern or symbol was seen but could not be read (blur, glare, damage).
 * - `SKIPPED`: the prefilter judged the frame unable to hold a code (static scene, no structure).
 * - `BUDGET`: the per-frame time budget ran out before every attempt was made.
 * - `BAD_FRAME`: the frame itself is invalid (dimensions, buffer length, unsupported pixel format).
 * - `ENGINE_UNAVAILABLE`: the decoder could not be loaded (for example the `.wasm` file is missing).
 */
export const SCAN_REASONS = ['NO_CODE', 'UNREADABLE', 'SKIPPED', 'BUDGET', 'BAD_FRAME', 'ENGINE_UNAVAILABLE'] as const;
export type ScanReason = (typeof SCAN_REASONS)[number];

/** The result of one frame through the pipeline. `text` is exactly what the symbol holds: never trimmed. */
export type ScanResult =
  | { readonly text: string; readonly reason: null; readonly ms: number; readonly attempts: number }
  | { readonly text: null; readonly reason: ScanReason; readonly detail?: string; readonly ms: number; readonly attempts: number };

/** An error with a scan reason: thrown for bad input so callers can report it without a stack trace. */
export class ScanError extends Error {
  constructor(
    readonly reason: ScanReason,
    message: string,
  ) {
    super(message);
    this.name = 'ScanError';
  }
}
