// Image filters used as decoder preprocessing. Each is chosen for a degradation it undoes at a cost
// that is worth paying; the decoder benchmark (bench/decode.bench.ts) shows what each buys.
import type { LumaImage } from './types.js';

/**
 * 3×3 median: removes salt-and-pepper specks and most Gaussian noise while keeping module edges
 * sharp (a mean would blur them). Borders are copied. Uses the 19-exchange median-of-9 network
 * (Paeth, Graphics Gems, 1990), no sorting and no allocation per pixel.
 */
export function median3(image: LumaImage, out?: Uint8Array): LumaImage {
  const { width: w, height: h, data: src } = image;
  const n = w * h;
  const data = out && out.length >= n ? out.subarray(0, n) : new Uint8Array(n);
  data.set(src.subarray(0, w));
  if (h > 1) data.set(src.subarray((h - 1) * w, n), (h - 1) * w);
  for (let y = 1; y < h - 1; y++) {
    const row = y * w;
    data[row] = src[row]!;
    data[row + w - 1] = src[row + w - 1]!;
    for (let x = 1; x < w - 1; x++) {
      const c = row + x;
      let p0 = src[c - w - 1]!, p1 = src[c - w]!, p2 = src[c - w + 1]!;
      let p3 = src[c - 1]!, p4 = src[c]!, p5 = src[c + 1]!;
      let p6 = src[c + w - 1]!, p7 = src[c + w]!, p8 = src[c + w + 1]!;
      let t: number;
      // prettier-ignore
      {
        if (p1 > p2) { t = p1; p1 = p2; p2 = t; } if (p4 > p5) { t = p4; p4 = p5; p5 = t; } if (p7 > p8) { t = p7; p7 = p8; p8 = t; }
        if (p0 > p1) { t = p0; p0 = p1; p1 = t; } if (p3 > p4) { t = p3; p3 = p4; p4 = t; } if (p6 > p7) { t = p6; p6 = p7; p7 = t; }
        if (p1 > p2) { t = p1; p1 = p2; p2 = t; } if (p4 > p5) { t = p4; p4 = p5; p5 = t; } if (p7 > p8) { t = p7; p7 = p8; p8 = t; }
        if (p0 > p3) { p3 = p0; } if (p5 > p8) { p5 = p8; } if (p4 > p7) { t = p4; p4 = p7; p7 = t; }
        if (p3 > p6) { p6 = p3; } if (p1 > p4) { p4 = p1; } if (p2 > p5) { p2 = p5; }
        if (p4 > p7) { p4 = p7; } if (p4 > p2) { t = p4; p4 = p2; p2 = t; } if (p6 > p4) { p4 = p6; }
        if (p4 > p2) { p4 = p2; }
      }
      data[c] = p4;
    }
  }
  return { width: w, height: h, data };
}

/**
 * Contrast stretch between the 1st and 99th percentiles. For a code region cut out by the prefilter
 * this turns a washed-out or dim symbol (a 20-grey-level range) into a full-range one; the library's
 * binarizer otherwise treats blocks with less than 24 levels of range as flat.
 */
export function stretchContrast(image: LumaImage, out?: Uint8Array): LumaImage {
  const { width, height, data: src } = image;
  const n = width * height;
  const data = out && out.length >= n ? out.subarray(0, n) : new Uint8Array(n);
  const hist = new Uint32Array(256);
  for (let i = 0; i < n; i++) hist[src[i]!]!++;
  const cut = n / 100;
  let lo = 0;
  for (let acc = 0; lo < 255; lo++) {
    acc += hist[lo]!;
    if (acc > cut) break;
  }
  let hi = 255;
  for (let acc = 0; hi > 0; hi--) {
    acc += hist[hi]!;
    if (acc > cut) break;
  }
  if (hi <= lo) {
    data.set(src.subarray(0, n));
    return { width, height, data };
  }
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.max(0, Math.min(255, Math.round(((v - lo) * 255) / (hi - lo))));
  for (let i = 0; i < n; i++) data[i] = lut[src[i]!]!;
  return { width, height, data };
}

/**
 * Bilinear 2× upscale. For a symbol with modules of 1.3–2 px (printed small, held far) the
 * library's finder search and sampling grid need more pixels per module than it has; interpolating
 * a small region of interest up costs little and gives them ~3–4.
 */
export function upscale2(image: LumaImage, out?: Uint8Array): LumaImage {
  const { width: w, height: h, data: src } = image;
  const W = w * 2;
  const H = h * 2;
  const data = out && out.length >= W * H ? out.subarray(0, W * H) : new Uint8Array(W * H);
  for (let Y = 0; Y < H; Y++) {
    // Output pixel centres map to source coordinates (Y + 0.5) / 2 − 0.5.
    const sy = Math.max(0, (Y - 0.5) / 2);
    const y0 = Math.min(h - 1, Math.floor(sy));
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let X = 0; X < W; X++) {
      const sx = Math.max(0, (X - 0.5) / 2);
      const x0 = Math.min(w - 1, Math.floor(sx));
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const top = src[y0 * w + x0]! * (1 - fx) + src[y0 * w + x1]! * fx;
      const bottom = src[y1 * w + x0]! * (1 - fx) + src[y1 * w + x1]! * fx;
      data[Y * W + X] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return { width: W, height: H, data };
}
