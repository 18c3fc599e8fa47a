// The frame prefilter: decides cheaply whether a frame can hold a QR code at all, and where. Most
// frames at a door show people, hands and the lobby; running a full decoder on each costs 4–7 ms at
// 640×480 and keeps a low-end kiosk's CPU busy. A QR symbol is a patch where light/dark transitions
// are DENSE in both directions: about every other module boundary flips. Skin, walls and hair are
// smooth; a door post, an arm or a diagonal edge crosses a cell once per row (sparse); striped
// clothes flip in one direction only. So per 16×16-pixel cell we count the pixels whose horizontal
// and vertical differences are "strong", after a 2×2 mean (which halves independent sensor noise),
// with "strong" set from the frame's own noise (median absolute difference), so a noisy frame does
// not light up everywhere and a low-contrast code still stands out.
import { downscaleMean, type Region } from './luminance.js';
import type { LumaImage } from './types.js';

export interface PrefilterOptions {
  /** Downscale factor before measuring (noise suppression and speed). */
  readonly factor: number;
  /** Cell side in downscaled pixels (a power of two). */
  readonly cell: number;
  /** A difference is strong above `max(minEdge, noiseGain × noise σ)` grey levels. */
  readonly minEdge: number;
  readonly noiseGain: number;
  /** A cell is code-like when at least this fraction of its pixels has strong differences both ways. */
  readonly density: number;
  /** Smallest connected group of code-like cells that can be a QR symbol. */
  readonly minCells: number;
  /**
   * Above this noise σ (grey levels, after the downscale) the counts no longer separate code from
   * noise, so the prefilter does not judge and lets the frame through: it only skips frames it can
   * tell are empty, never a code it failed to see.
   */
  readonly maxNoiseSigma: number;
}

export const DEFAULT_PREFILTER: PrefilterOptions = { factor: 2, cell: 16, minEdge: 6, noiseGain: 2, density: 0.25, minCells: 4, maxNoiseSigma: 10 };

export interface PrefilterResult {
  /** False only when no group of cells looks like a code: the frame is not worth decoding. */
  readonly maybeCode: boolean;
  /** Bounding box (full-resolution pixels, with a margin) of the most code-like group, or null. */
  readonly region: Region | null;
  /** Size of that group in cells. */
  readonly cells: number;
  /** Estimated standard deviation of pixel noise after the downscale, in grey levels. */
  readonly noiseSigma: number;
  /** The downscaled image measured; the caller may reuse it as a decode input. */
  readonly downscaled: LumaImage;
}

/** Reusable buffers, one set per pipeline (a worker decodes one frame at a time). */
export class Prefilter {
  private small = new Uint8Array(0);
  private activity = new Uint16Array(0);
  private activityY = new Uint16Array(0);
  private readonly histogram = new Uint32Array(256);
  private labels = new Int32Array(0);
  private stack = new Int32Array(0);

  constructor(readonly options: PrefilterOptions = DEFAULT_PREFILTER) {}

  run(image: LumaImage): PrefilterResult {
    const { factor, cell, minEdge, noiseGain, density, minCells, maxNoiseSigma } = this.options;
    const sw = Math.floor(image.width / factor);
    const sh = Math.floor(image.height / factor);
    if (this.small.length < sw * sh) this.small = new Uint8Array(sw * sh);
    const small = downscaleMean(image, factor, this.small);
    const cols = Math.floor(sw / cell);
    const rows = Math.floor(sh / cell);
    const n = cols * rows;
    if (n === 0) return { maybeCode: true, region: null, cells: 0, noiseSigma: 0, downscaled: small };
    if (this.activity.length < n) {
      this.activity = new Uint16Array(n);
      this.activityY = new Uint16Array(n);
      this.labels = new Int32Array(n);
      this.stack = new Int32Array(n);
    }
    const act = this.activity.subarray(0, n);
    act.fill(0);
    const px = small.data;
    // Noise: median absolute horizontal difference (every 4th row is plenty). For Gaussian noise of
    // σ the difference of two pixels has σ·√2 and its median absolute value is 0.954·σ.
    const hist = this.histogram;
    hist.fill(0);
    let samples = 0;
    for (let y = 0; y < sh; y += 4) {
      const row = y * sw;
      for (let x = 0; x < sw - 1; x++) {
        const d = px[row + x + 1]! - px[row + x]!;
        hist[d < 0 ? -d : d]!++;
        samples++;
      }
    }
    let median = 0;
    for (let acc = 0; median < 255; median++) {
      acc += hist[median]!;
      if (acc * 2 >= samples) break;
    }
    const noiseSigma = median / 0.954;
    if (noiseSigma > maxNoiseSigma) return { maybeCode: true, region: null, cells: 0, noiseSigma, downscaled: small };
    const strong = Math.max(minEdge, noiseGain * noiseSigma * Math.SQRT2);
    const shift = Math.log2(cell) | 0;
    const usedW = cols * cell;
    const usedH = rows * cell;
    // Count, per cell, the pixels with a strong horizontal difference and those with a strong
    // vertical one; the cell's score is the smaller count (texture both ways, not an edge).
    const countX = this.activity.subarray(0, n);
    const countY = this.activityY.subarray(0, n);
    countY.fill(0);
    for (let y = 0; y < usedH; y++) {
      const row = y * sw;
      const below = y + 1 < sh ? sw : 0;
      const cellRow = (y >> shift) * cols;
      for (let x = 0; x < usedW; x++) {
        const p = px[row + x]!;
        const dx = (x + 1 < sw ? px[row + x + 1]! : p) - p;
        const dy = px[row + x + below]! - p;
        const c = cellRow + (x >> shift);
        if (dx > strong || -dx > strong) countX[c]!++;
        if (dy > strong || -dy > strong) countY[c]!++;
      }
    }
    for (let c = 0; c < n; c++) if (countY[c]! < countX[c]!) countX[c] = countY[c]!;
    const threshold = density * cell * cell;

    // Largest 4-connected group of code-like cells (flood fill with an explicit stack).
    const labels = this.labels.subarray(0, n);
    labels.fill(0);
    let best = 0;
    let bestBox = [0, 0, 0, 0];
    let label = 0;
    for (let start = 0; start < n; start++) {
      if (labels[start] !== 0 || act[start]! < threshold) continue;
      label++;
      let top = 0;
      this.stack[top++] = start;
      labels[start] = label;
      let size = 0;
      let minX = cols;
      let minY = rows;
      let maxX = -1;
      let maxY = -1;
      while (top > 0) {
        const c = this.stack[--top]!;
        size++;
        const x = c % cols;
        const y = (c - x) / cols;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
        const neighbours = [x > 0 ? c - 1 : -1, x < cols - 1 ? c + 1 : -1, y > 0 ? c - cols : -1, y < rows - 1 ? c + cols : -1];
        for (const m of neighbours) {
          if (m >= 0 && labels[m] === 0 && act[m]! >= threshold) {
            labels[m] = label;
            this.stack[top++] = m;
          }
        }
      }
      if (size > best) {
        best = size;
        bestBox = [minX, minY, maxX, maxY];
      }
    }
    if (best < minCells) return { maybeCode: false, region: null, cells: best, noiseSigma, downscaled: small };
    // One cell of margin: the quiet zone and a finder pattern's outer ring can fall just outside.
    const scale = cell * factor;
    const left = Math.max(0, (bestBox[0]! - 1) * scale);
    const top = Math.max(0, (bestBox[1]! - 1) * scale);
    const right = Math.min(image.width, (bestBox[2]! + 2) * scale);
    const bottom = Math.min(image.height, (bestBox[3]! + 2) * scale);
    return { maybeCode: true, region: { left, top, width: right - left, height: bottom - top }, cells: best, noiseSigma, downscaled: small };
  }
}
