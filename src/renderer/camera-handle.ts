// The guard screen's camera, as the integrator's camera screen sees it (docs/integrator-setup.md,
// "Camera"): the running scanner's stream, configuration and counters, so the preview shows the SAME
// capture the door decodes instead of opening the camera a second time (a second capture of one
// device fails or halves its frame rate). The console is a bundle of its own (scripts/build.mjs), so
// module state is not shared between the two: the handle lives on globalThis under a registered
// symbol, published by main.ts and read by the console.
import type { CameraConfig } from '../contract/api.js';

/** The scanner's counters (CameraScanner.stats): read, never written, by the screen. */
export interface GuardCameraStats {
  readonly frames: number;
  readonly decoded: number;
  readonly answered: number;
  readonly decodeMsTotal: number;
  /** Ring of the last decode times (ms), indexed by `answered % length`. */
  readonly recentDecodeMs: readonly number[];
  readonly frameWidth: number;
  readonly frameHeight: number;
}

export interface GuardCamera {
  readonly stats: GuardCameraStats;
  /** The guard screen's <video> playing the capture: the preview is painted from it, no second video. */
  readonly video: HTMLVideoElement;
  readonly currentConfig: CameraConfig;
  readonly currentStream: MediaStream | null;
  onStream(listener: () => void): () => void;
}

const KEY = Symbol.for('checkpoint-kiosk.guard-camera');

export function publishGuardCamera(camera: GuardCamera): void {
  (globalThis as Record<symbol, unknown>)[KEY] = camera;
}

/** The guard screen's camera, or null when the screen has not started one (no camera configured yet). */
export function guardCamera(): GuardCamera | null {
  return ((globalThis as Record<symbol, unknown>)[KEY] as GuardCamera | undefined) ?? null;
}

/** Median of the numbers (NaN when there are none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Frames per second between two readings of the counters, `ms` apart. */
export function framesPerSecond(before: { frames: number }, after: { frames: number }, ms: number): number {
  return ms > 0 ? ((after.frames - before.frames) * 1000) / ms : 0;
}

/** Whether two camera configurations open the camera differently (a restart is needed). */
export function cameraChanged(a: CameraConfig, b: CameraConfig): boolean {
  return a.enabled !== b.enabled || a.deviceId !== b.deviceId || a.width !== b.width || a.height !== b.height || a.frameRate !== b.frameRate || a.engine !== b.engine;
}

/**
 * The region the decoder tries first when the prefilter saw no code (src/scan/pipeline.ts: the centre
 * region, `centreFraction` 0.6 of each side, then the whole frame), as fractions of the frame.
 */
export const CENTRE_FRACTION = 0.6;
export function decodeArea(fraction = CENTRE_FRACTION): { left: number; top: number; width: number; height: number } {
  return { left: (1 - fraction) / 2, top: (1 - fraction) / 2, width: fraction, height: fraction };
}

/**
 * Resolutions offered on the camera screen: the common ones the camera can give, and its maximum.
 * 320×240 is the low-end kiosk's choice (a quarter of the decode work of 640×480, for a code held close).
 */
export const COMMON_RESOLUTIONS: ReadonlyArray<{ width: number; height: number }> = [
  { width: 320, height: 240 },
  { width: 640, height: 480 },
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
];

const FRAME_RATES = [10, 15, 20, 25, 30];

/**
 * The frame rates the camera screen offers: the common ones up to the camera's own maximum (a
 * 29.97 fps camera gives 30); the rate the form holds is always listed, marked not available when
 * the camera gives less (docs/integrator-setup.md, "Camera").
 */
export function frameRateChoices(capabilities: { frameRate?: { max?: number } } | null, current: number): Array<{ fps: number; available: boolean }> {
  const max = capabilities?.frameRate?.max;
  const gives = (fps: number) => max === undefined || fps <= Math.round(max);
  const rates = [...new Set([...FRAME_RATES.filter(gives), current])].filter((r) => Number.isFinite(r) && r > 0).sort((a, b) => a - b);
  return rates.map((fps) => ({ fps, available: gives(fps) }));
}

export function resolutionChoices(
  capabilities: { width?: { max?: number }; height?: { max?: number } } | null,
  current: { width: number; height: number },
): Array<{ width: number; height: number }> {
  const maxW = capabilities?.width?.max;
  const maxH = capabilities?.height?.max;
  const fits = (r: { width: number; height: number }) => (maxW === undefined || r.width <= maxW) && (maxH === undefined || r.height <= maxH);
  const out = COMMON_RESOLUTIONS.filter(fits).map((r) => ({ ...r }));
  if (maxW !== undefined && maxH !== undefined && maxW <= 3840 && maxH <= 2160) out.push({ width: maxW, height: maxH });
  out.push({ width: current.width, height: current.height });
  const seen = new Set<string>();
  return out
    .filter((r) => {
      const k = `${r.width}x${r.height}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.width * a.height - b.width * b.height);
}
