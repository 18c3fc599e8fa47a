// Synthetic camera frames: a QR symbol drawn into a grey scene with a projective transform, and the
// degradations a door camera sees. Used by the corpus, the tests and the e2e camera clips.
// Pure computation with a seeded PRNG, so a frame is reproducible from its parameters alone.
import { create as createQr } from 'qrcode';
import { base45Encode } from '../base/base45.js';
import { mulberry32 } from '../base/prng.js';
import { ScanError, type LumaImage } from './types.js';

/** Standard normal deviates (Box–Muller). */
export function gaussian(random: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = 1 - random();
    const v = random();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * A `PHC1:`-shaped text: the prefix and Base45 of `byteLength` random bytes. Real signed codes are
 * ~290 Base45 characters (193 bytes of zlib'd COSE); what matters to a decoder is the length and the
 * alphabet (spaces included, which is why decoded text must never be trimmed).
 */
export function phcLikeText(seed: number, byteLength = 193): string {
  const random = mulberry32(seed);
  const bytes = new Uint8Array(byteLength);
  for (let i = 0; i < byteLength; i++) bytes[i] = Math.floor(random() * 256);
  return 'PHC1:' + base45Encode(bytes);
}

export type EcLevel = 'L' | 'M' | 'Q' | 'H';

/** The module grid of a QR symbol: `size`×`size`, 1 = dark. */
export interface QrMatrix {
  readonly size: number;
  readonly version: number;
  readonly modules: Uint8Array;
}

/** Encodes text with the `qrcode` package (alphanumeric mode for Base45 text, so symbols stay small). */
export function qrMatrix(text: string, ecLevel: EcLevel = 'M'): QrMatrix {
  const symbol = createQr(text, { errorCorrectionLevel: ecLevel });
  const size = symbol.modules.size;
  const modules = new Uint8Array(size * size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) modules[r * size + c] = symbol.modules.get(r, c) ? 1 : 0;
  return { size, version: symbol.version, modules };
}

export type Point = readonly [number, number];
/** Corners of the symbol including its quiet zone, in frame pixels: top-left, top-right, bottom-right, bottom-left. */
export type Quad = readonly [Point, Point, Point, Point];

/** Where and how big the symbol sits in the frame. */
export interface Placement {
  /** Centre of the symbol in frame pixels. */
  cx: number;
  cy: number;
  /** Module size in pixels (before tilt). */
  modulePx: number;
  /** In-plane rotation in degrees. */
  rotationDeg?: number;
  /**
   * Perspective: the right edge is this fraction of the left edge's height (1 = facing the camera,
   * 0.7 = a phone turned ~45° about its vertical axis).
   */
  tilt?: number;
}

/** Quiet zone in modules, as ISO/IEC 18004 requires and phone apps draw. */
export const QUIET_ZONE = 4;

export function placementQuad(matrix: QrMatrix, p: Placement): Quad {
  const half = ((matrix.size + 2 * QUIET_ZONE) * p.modulePx) / 2;
  const tilt = p.tilt ?? 1;
  // Corners relative to the centre before rotation; tilt shrinks the right edge about the centre line
  // and narrows the symbol a little, as foreshortening does.
  const narrow = (1 + tilt) / 2;
  const local: Point[] = [
    [-half * narrow, -half],
    [half * narrow, -half * tilt],
    [half * narrow, half * tilt],
    [-half * narrow, half],
  ];
  const a = ((p.rotationDeg ?? 0) * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const pts = local.map(([x, y]) => [p.cx + x * cos - y * sin, p.cy + x * sin + y * cos] as const);
  return [pts[0]!, pts[1]!, pts[2]!, pts[3]!];
}

/** 3×3 homography, row-major. */
type Mat3 = [number, number, number, number, number, number, number, number, number];

/** Unit square → quad (Heckbert, "Fundamentals of Texture Mapping", 1989, §2.2.3). */
function squareToQuad(q: Quad): Mat3 {
  const [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = q;
  const sx = x0 - x1 + x2 - x3;
  const sy = y0 - y1 + y2 - y3;
  if (Math.abs(sx) < 1e-9 && Math.abs(sy) < 1e-9) {
    return [x1 - x0, x2 - x1, x0, y1 - y0, y2 - y1, y0, 0, 0, 1];
  }
  const dx1 = x1 - x2;
  const dx2 = x3 - x2;
  const dy1 = y1 - y2;
  const dy2 = y3 - y2;
  const den = dx1 * dy2 - dx2 * dy1;
  const g = (sx * dy2 - dx2 * sy) / den;
  const h = (dx1 * sy - sx * dy1) / den;
  return [x1 - x0 + g * x1, x3 - x0 + h * x3, x0, y1 - y0 + g * y1, y3 - y0 + h * y3, y0, g, h, 1];
}

function invert3(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new ScanError('BAD_FRAME', 'degenerate symbol placement');
  const k = 1 / det;
  return [
    A * k, -(b * i - c * h) * k, (b * f - c * e) * k,
    B * k, (a * i - c * g) * k, -(a * f - c * d) * k,
    C * k, -(a * h - b * g) * k, (a * e - b * d) * k,
  ];
}

export interface DrawOptions {
  /** Grey level of dark modules and of light modules + quiet zone. Inverted codes swap them. */
  dark?: number;
  light?: number;
  /** Samples per pixel side (anti-aliasing as a lens and sensor would). */
  supersample?: number;
}

/**
 * Draws the symbol (with its quiet zone) into `image` in place, mapped onto `quad`. Each pixel is the
 * mean of supersample² point samples, so module edges are soft as in a real capture.
 */
export function drawQr(image: LumaImage, matrix: QrMatrix, quad: Quad, opts: DrawOptions = {}): void {
  const dark = opts.dark ?? 20;
  const light = opts.light ?? 235;
  const ss = opts.supersample ?? 3;
  const total = matrix.size + 2 * QUIET_ZONE;
  const toSquare = invert3(squareToQuad(quad));
  const xs = quad.map((p) => p[0]);
  const ys = quad.map((p) => p[1]);
  const x0 = Math.max(0, Math.floor(Math.min(...xs)));
  const x1 = Math.min(image.width - 1, Math.ceil(Math.max(...xs)));
  const y0 = Math.max(0, Math.floor(Math.min(...ys)));
  const y1 = Math.min(image.height - 1, Math.ceil(Math.max(...ys)));
  const [a, b, c, d, e, f, g, h, i] = toSquare;
  const { data, width } = image;
  const n = ss * ss;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let inside = 0;
      let sum = 0;
      for (let sy = 0; sy < ss; sy++) {
        const py = y + (sy + 0.5) / ss;
        for (let sx = 0; sx < ss; sx++) {
          const px = x + (sx + 0.5) / ss;
          const w = g * px + h * py + i;
          const u = (a * px + b * py + c) / w;
          const v = (d * px + e * py + f) / w;
          if (u < 0 || u >= 1 || v < 0 || v >= 1) continue;
          inside++;
          const col = Math.floor(u * total) - QUIET_ZONE;
          const row = Math.floor(v * total) - QUIET_ZONE;
          const isDark = col >= 0 && row >= 0 && col < matrix.size && row < matrix.size && matrix.modules[row * matrix.size + col] === 1;
          sum += isDark ? dark : light;
        }
      }
      if (inside === 0) continue;
      const o = y * width + x;
      // Partly covered edge pixels blend with the scene behind.
      data[o] = Math.round((sum + (n - inside) * data[o]!) / n);
    }
  }
}

export function blankImage(width: number, height: number, fill = 128): LumaImage {
  const data = new Uint8Array(width * height);
  data.fill(fill);
  return { width, height, data };
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

function fillEllipse(image: LumaImage, cx: number, cy: number, rx: number, ry: number, shade: (dx: number, dy: number) => number): void {
  const { width, height, data } = image;
  for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(height - 1, Math.ceil(cy + ry)); y++) {
    for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(width - 1, Math.ceil(cx + rx)); x++) {
      const dx = (x - cx) / rx;
      const dy = (y - cy) / ry;
      if (dx * dx + dy * dy <= 1) data[y * width + x] = clampByte(shade(dx, dy));
    }
  }
}

/** A rounded capsule from (x0,y0) to (x1,y1) of the given radius: a finger or an arm. */
export function drawCapsule(image: LumaImage, x0: number, y0: number, x1: number, y1: number, radius: number, tone: number): void {
  const { width, height, data } = image;
  const vx = x1 - x0;
  const vy = y1 - y0;
  const len2 = vx * vx + vy * vy || 1;
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - radius));
  const maxX = Math.min(width - 1, Math.ceil(Math.max(x0, x1) + radius));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - radius));
  const maxY = Math.min(height - 1, Math.ceil(Math.max(y0, y1) + radius));
  for (let y = minY; y <= maxY; y++) {
    for (let x = minX; x <= maxX; x++) {
      const t = Math.max(0, Math.min(1, ((x - x0) * vx + (y - y0) * vy) / len2));
      const dx = x - (x0 + t * vx);
      const dy = y - (y0 + t * vy);
      const d = Math.sqrt(dx * dx + dy * dy) / radius;
      // Rounded shading: a finger is lit on top and darker at its edges.
      if (d <= 1) data[y * width + x] = clampByte(tone * (1 - 0.35 * d * d));
    }
  }
}

/**
 * A scene without any code: wall gradient, door frame, people (heads, shoulders, a striped shirt),
 * hands. Stripes and door edges are the hard negatives: they have the light/dark runs a finder
 * pattern search keys on.
 */
export function drawScene(image: LumaImage, seed: number): void {
  const random = mulberry32(seed);
  const { width, height, data } = image;
  const base = 90 + random() * 90;
  const gx = (random() - 0.5) * 80;
  const gy = (random() - 0.5) * 60;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data[y * width + x] = clampByte(base + (gx * x) / width + (gy * y) / height);
  }
  // Door frame: two dark vertical posts.
  const post = Math.round(width * (0.05 + random() * 0.05));
  const postTone = 40 + random() * 40;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < post; x++) {
      data[y * width + x] = clampByte(postTone);
      data[y * width + (width - 1 - x)] = clampByte(postTone);
    }
  }
  const people = 1 + Math.floor(random() * 3);
  for (let p = 0; p < people; p++) {
    const cx = width * (0.2 + random() * 0.6);
    const headR = height * (0.08 + random() * 0.08);
    const cy = height * (0.25 + random() * 0.2);
    const shirt = 30 + random() * 180;
    const striped = random() < 0.5;
    const stripe = Math.max(2, Math.round(headR * (0.1 + random() * 0.2)));
    // Shoulders and body: a wide ellipse below the head, maybe striped.
    fillEllipse(image, cx, cy + headR * 3, headR * 2.6, headR * 2.2, (_dx, dy) => {
      if (!striped) return shirt;
      const row = Math.floor(((dy + 1) * headR * 2.2) / stripe);
      return row % 2 === 0 ? shirt : 255 - shirt;
    });
    const skin = 140 + random() * 70;
    fillEllipse(image, cx, cy, headR * 0.8, headR, (dx, dy) => skin * (1 - 0.15 * (dx * dx + dy * dy)));
    // Hair.
    fillEllipse(image, cx, cy - headR * 0.55, headR * 0.8, headR * 0.45, () => 25 + random() * 20);
    // A hand raised towards the camera, fingers as capsules.
    if (random() < 0.7) {
      const hx = cx + (random() - 0.5) * headR * 4;
      const hy = cy + headR * (1.5 + random());
      const r = headR * 0.18;
      fillEllipse(image, hx, hy, headR * 0.5, headR * 0.6, () => skin);
      for (let f = 0; f < 4; f++) drawCapsule(image, hx - headR * 0.4 + f * headR * 0.27, hy - headR * 0.4, hx - headR * 0.45 + f * headR * 0.3, hy - headR * 1.1, r, skin);
    }
  }
}

/** Separable box blur of radius r (window 2r+1), `passes` times; three passes ≈ Gaussian (defocus). */
export function boxBlur(image: LumaImage, radius: number, passes = 3): void {
  if (radius < 1) return;
  const { width, height, data } = image;
  const line = new Float64Array(Math.max(width, height));
  const win = 2 * radius + 1;
  for (let pass = 0; pass < passes; pass++) {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) line[x] = data[row + x]!;
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += line[Math.min(width - 1, Math.max(0, k))]!;
      for (let x = 0; x < width; x++) {
        data[row + x] = Math.round(acc / win);
        acc += line[Math.min(width - 1, x + radius + 1)]! - line[Math.max(0, x - radius)]!;
      }
    }
    for (let x = 0; x < width; x++) {
      for (let y = 0; y < height; y++) line[y] = data[y * width + x]!;
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += line[Math.min(height - 1, Math.max(0, k))]!;
      for (let y = 0; y < height; y++) {
        data[y * width + x] = Math.round(acc / win);
        acc += line[Math.min(height - 1, y + radius + 1)]! - line[Math.max(0, y - radius)]!;
      }
    }
  }
}

/** Linear motion blur: the mean along a `length`-pixel line at `angleDeg` (a shaking hand). */
export function motionBlur(image: LumaImage, length: number, angleDeg: number): void {
  if (length < 2) return;
  const { width, height } = image;
  const src = image.data.slice();
  const a = (angleDeg * Math.PI) / 180;
  const offsets: number[] = [];
  for (let k = 0; k < length; k++) {
    const t = k - (length - 1) / 2;
    offsets.push(Math.round(t * Math.cos(a)), Math.round(t * Math.sin(a)));
  }
  const n = length;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = 0; k < 2 * n; k += 2) {
        const xx = Math.min(width - 1, Math.max(0, x + offsets[k]!));
        const yy = Math.min(height - 1, Math.max(0, y + offsets[k + 1]!));
        sum += src[yy * width + xx]!;
      }
      image.data[y * width + x] = Math.round(sum / n);
    }
  }
}

export function addGaussianNoise(image: LumaImage, sigma: number, seed: number): void {
  const normal = gaussian(mulberry32(seed));
  const { data } = image;
  for (let i = 0; i < data.length; i++) data[i] = clampByte(data[i]! + sigma * normal());
}

export function addSaltAndPepper(image: LumaImage, density: number, seed: number): void {
  const random = mulberry32(seed);
  const { data } = image;
  for (let i = 0; i < data.length; i++) {
    const r = random();
    if (r < density / 2) data[i] = 0;
    else if (r < density) data[i] = 255;
  }
}

/** Maps grey v to mid + (v − mid)·contrast, then scales by `gain` (dim light) and adds `offset`. */
export function adjustLevels(image: LumaImage, contrast: number, gain = 1, offset = 0, mid = 128): void {
  const { data } = image;
  for (let i = 0; i < data.length; i++) data[i] = clampByte((mid + (data[i]! - mid) * contrast) * gain + offset);
}

/** A specular highlight: a soft bright blob that washes out what is under it (glare on a phone screen). */
export function addGlare(image: LumaImage, cx: number, cy: number, radius: number, strength: number): void {
  const { width, height, data } = image;
  const r2 = radius * radius;
  for (let y = Math.max(0, Math.floor(cy - 2 * radius)); y < Math.min(height, Math.ceil(cy + 2 * radius)); y++) {
    for (let x = Math.max(0, Math.floor(cx - 2 * radius)); x < Math.min(width, Math.ceil(cx + 2 * radius)); x++) {
      const d2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
      const w = Math.exp(-d2 / r2);
      const o = y * width + x;
      // Glare adds light and compresses contrast under it toward white.
      data[o] = clampByte(data[o]! * (1 - 0.6 * w) + strength * w);
    }
  }
}

/**
 * Moiré from photographing a phone screen: the sensor grid beats against the screen's pixel grid,
 * giving slow bright/dark bands at an angle, plus the faint sub-pixel column structure.
 */
export function addMoire(image: LumaImage, amplitude: number, period: number, angleDeg: number, seed: number): void {
  const random = mulberry32(seed);
  const phase = random() * 2 * Math.PI;
  const a = (angleDeg * Math.PI) / 180;
  const fx = (Math.cos(a) * 2 * Math.PI) / period;
  const fy = (Math.sin(a) * 2 * Math.PI) / period;
  const { width, height, data } = image;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * width + x;
      const band = 1 + amplitude * Math.sin(fx * x + fy * y + phase);
      const grid = x % 3 === 0 ? 0.9 : 1;
      data[o] = clampByte(data[o]! * band * grid);
    }
  }
}
