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
  /**
   * Scales measured, as power-of-two downscale factors of the full frame, finest first. The density
   * measure only separates codes from scenery while a module is about 1–2 measured pixels wide: a
   * PHC1 symbol's modules are 1.5–10 px across between 640×480 and 1280×720, so one scale alone
   * misses some sizes (at factor 2 alone, 4-px modules aligned to the pixel grid and 8-px modules
   * were skipped). Each coarser scale is measured only when the finer ones saw nothing.
   */
  readonly factors: readonly number[];
  /** Cell side in full-resolution pixels, the same at every scale (a power of two). */
  readonly cellPx: number;
  /** A difference is strong above `max(minEdge, noiseGain × noise σ)` grey levels. */
  readonly minEdge: number;
  readonly noiseGain: number;
  /** A cell is code-like when at least this fraction of its pixels has strong differences both ways. */
  readonly density: number;
  /**
   * Smallest connected group of code-like cells that can be a QR symbol, at the finest scale. A
   * coarser scale only sees modules that are larger in proportion, so a symbol there covers
   * (factor / finest factor)² times as many cells, and so must the group.
   */
  readonly minCells: number;
  /**
   * Above this noise σ (grey levels, after the finest downscale) the counts no longer separate code
   * from noise, so the prefilter does not judge and lets the frame through: it only skips frames it
   * can tell are empty, never a code it failed to see.
   */
  readonly maxNoiseSigma: number;
}

export const DEFAULT_PREFILTER: PrefilterOptions = { factors: [2, 4, 8], cellPx: 32, minEdge: 6, noiseGain: 2, density: 0.25, minCells: 4, maxNoiseSigma: 10 };

export interface PrefilterResult {
  /** False only when no group of cells looks like a code at any scale: the frame is not worth decoding. */
  readonly maybeCode: boolean;
  /** Bounding box (full-resolution pixels, with a margin) of the most code-like group, or null. */
  readonly region: Region | null;
  /** Size of that group in cells. */
  readonly cells: number;
  /** Estimated standard deviation of pixel noise after the finest downscale, in grey levels. */
  readonly noiseSigma: number;
}

interface ScaleBuffers {
  small: Uint8Array;
  countX: Uint16Array;
  countY: Uint16Array;
  labels: Int32Array;
  stack: Int32Array;
}

/** Reusable buffers, one set per pipeline (a worker decodes one frame at a time). */
export class Prefilter {
  private readonly scales: ScaleBuffers[];
  private readonly histogram = new Uint32Array(256);

  constructor(readonly options: PrefilterOptions = DEFAULT_PREFILTER) {
    for (const f of options.factors) {
      if (!Number.isInteger(Math.log2(f)) || options.cellPx % f !== 0 || !Number.isInteger(Math.log2(options.cellPx / f))) {
        throw new Error(`prefilter factor ${f} must be a power of two dividing cellPx ${options.cellPx}`);
      }
    }
    this.scales = options.factors.map(() => ({ small: new Uint8Array(0), countX: new Uint16Array(0), countY: new Uint16Array(0), labels: new Int32Array(0), stack: new Int32Array(0) }));
  }

  run(image: LumaImage): PrefilterResult {
    const { factors, maxNoiseSigma } = this.options;
    let noiseSigma = 0;
    let best: PrefilterResult | null = null;
    let previous: LumaImage = image;
    let previousFactor = 1;
    for (let i = 0; i < factors.length; i++) {
      const factor = factors[i]!;
      const buffers = this.scales[i]!;
      const sw = Math.floor(image.width / factor);
      const sh = Math.floor(image.height / factor);
      if (sw < 2 || sh < 2) break;
      if (buffers.small.length < sw * sh) buffers.small = new Uint8Array(sw * sh);
      // Each scale is the previous one averaged 2×2 (or more): cheap, and it keeps averaging noise down.
      const small = downscaleMean(previous, factor / previousFactor, buffers.small);
      previous = small;
      previousFactor = factor;
      const sigma = this.noiseOf(small);
      if (i === 0) {
        noiseSigma = sigma;
        if (sigma > maxNoiseSigma) return { maybeCode: true, region: null, cells: 0, noiseSigma };
      }
      const minCells = this.options.minCells * (factor / factors[0]!) ** 2;
      const r = this.measure(small, image, factor, sigma, minCells, buffers);
      if (r.cells === -1) return { maybeCode: true, region: null, cells: 0, noiseSigma };
      if (r.maybeCode) return { ...r, noiseSigma };
      if (!best || r.cells > best.cells) best = { ...r, noiseSigma };
    }
    return best ?? { maybeCode: true, region: null, cells: 0, noiseSigma };
  }

  /** Noise: median absolute horizontal difference (every 4th row is plenty). For Gaussian noise of
   *  σ the difference of two pixels has σ·√2 and its median absolute value is 0.954·σ. */
  private noiseOf(small: LumaImage): number {
    const hist = this.histogram;
    hist.fill(0);
    const px = small.data;
    const sw = small.width;
    let samples = 0;
    for (let y = 0; y < small.height; y += 4) {
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
    return median / 0.954;
  }

  /** Code-like cells at one scale; `cells` is -1 when the frame is too small to have a cell. */
  private measure(small: LumaImage, image: LumaImage, factor: number, noiseSigma: number, minCells: number, buffers: ScaleBuffers): Omit<PrefilterResult, 'noiseSigma'> {
    const { cellPx, minEdge, noiseGain, density } = this.options;
    const cell = cellPx / factor;
    const sw = small.width;
    const sh = small.height;
    const cols = Math.floor(sw / cell);
    const rows = Math.floor(sh / cell);
    const n = cols * rows;
    if (n === 0) return { maybeCode: true, region: null, cells: -1 };
    if (buffers.countX.length < n) {
      buffers.countX = new Uint16Array(n);
      buffers.countY = new Uint16Array(n);
      buffers.labels = new Int32Array(n);
      buffers.stack = new Int32Array(n);
    }
    const px = small.data;
    const strong = Math.max(minEdge, noiseGain * noiseSigma * Math.SQRT2);
    const shift = Math.log2(cell) | 0;
    const usedW = cols * cell;
    const usedH = rows * cell;
    // Count, per cell, the pixels with a strong horizontal difference and those with a strong
    // vertical one; the cell's score is the smaller count (texture both ways, not an edge).
    const countX = buffers.countX.subarray(0, n);
    const countY = buffers.countY.subarray(0, n);
    countX.fill(0);
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
    const act = countX;
    const threshold = density * cell * cell;

    // Largest 4-connected group of code-like cells (flood fill with an explicit stack).
    const labels = buffers.labels.subarray(0, n);
    labels.fill(0);
    const stack = buffers.stack;
    let best = 0;
    let bestBox = [0, 0, 0, 0];
    let label = 0;
    for (let start = 0; start < n; start++) {
      if (labels[start] !== 0 || act[start]! < threshold) continue;
      label++;
      let top = 0;
      stack[top++] = start;
      labels[start] = label;
      let size = 0;
      let minX = cols;
      let minY = rows;
      let maxX = -1;
      let maxY = -1;
      while (top > 0) {
        const c = stack[--top]!;
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
            stack[top++] = m;
          }
        }
      }
      if (size > best) {
        best = size;
        bestBox = [minX, minY, maxX, maxY];
      }
    }
    if (best < minCells) return { maybeCode: false, region: null, cells: best };
    // One cell of margin: the quiet zone and a finder pattern's outer ring can fall just outside.
    const left = Math.max(0, (bestBox[0]! - 1) * cellPx);
    const top = Math.max(0, (bestBox[1]! - 1) * cellPx);
    const right = Math.min(image.width, (bestBox[2]! + 2) * cellPx);
    const bottom = Math.min(image.height, (bestBox[3]! + 2) * cellPx);
    return { maybeCode: true, region: { left, top, width: right - left, height: bottom - top }, cells: best };
  }
}
