// Luminance: every engine works on 8-bit grey, so colour frames are converted once, into a buffer
// the caller keeps and passes back (a camera delivers 15–30 frames a second; allocating 300 KB–1 MB
// per frame would keep the garbage collector busy in the worker).
import { ScanError, type LumaImage } from './types.js';

/** Largest frame we accept: 4K. Anything bigger is a bug upstream, not a camera frame. */
export const MAX_FRAME_SIDE = 4096;

export function checkDimensions(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ScanError('BAD_FRAME', `frame size must be positive integers, got ${String(width)}×${String(height)}`);
  }
  if (width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE) {
    throw new ScanError('BAD_FRAME', `frame ${width}×${height} exceeds ${MAX_FRAME_SIDE} px per side`);
  }
}

/** Validates a grey buffer and wraps it as a LumaImage without copying. */
export function lumaImage(width: number, height: number, data: Uint8Array | Uint8ClampedArray): LumaImage {
  checkDimensions(width, height);
  if (data.length !== width * height) {
    throw new ScanError('BAD_FRAME', `luminance buffer has ${data.length} bytes, expected ${width * height} for ${width}×${height}`);
  }
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { width, height, data: bytes };
}

/**
 * RGBA (ImageData layout) to luminance with the BT.601 weights in fixed point, the same weights
 * ZXing-C++ uses, so both engines see the same grey image. `out` is reused when it is big enough.
 */
export function rgbaToLuma(width: number, height: number, rgba: Uint8Array | Uint8ClampedArray, out?: Uint8Array): LumaImage {
  checkDimensions(width, height);
  const pixels = width * height;
  if (rgba.length !== pixels * 4) {
    throw new ScanError('BAD_FRAME', `RGBA buffer has ${rgba.length} bytes, expected ${pixels * 4} for ${width}×${height}`);
  }
  const data = out && out.length >= pixels ? out.subarray(0, pixels) : new Uint8Array(pixels);
  for (let i = 0, j = 0; i < pixels; i++, j += 4) {
    // 306/601/117 out of 1024 = 0.299/0.587/0.114; +512 rounds.
    data[i] = (306 * rgba[j]! + 601 * rgba[j + 1]! + 117 * rgba[j + 2]! + 512) >> 10;
  }
  return { width, height, data };
}

/** Grey back to RGBA (R = G = B = luma, A = 255); used to hand grey frames to RGBA-only consumers. */
export function lumaToRgba(image: LumaImage, out?: Uint8Array): Uint8Array {
  const pixels = image.width * image.height;
  const rgba = out && out.length >= pixels * 4 ? out.subarray(0, pixels * 4) : new Uint8Array(pixels * 4);
  // One 32-bit store per pixel; the byte order of a Uint32Array is the platform's, and every
  // platform we run on is little-endian, where 0xff000000 | l * 0x010101 lays out as R, G, B, A.
  const words = new Uint32Array(rgba.buffer, rgba.byteOffset, pixels);
  const src = image.data;
  for (let i = 0; i < pixels; i++) words[i] = (0xff000000 | (src[i]! * 0x010101)) >>> 0;
  return rgba;
}

/** A rectangle in pixel coordinates of a frame. */
export interface Region {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** The centred region covering `fraction` of each side, clamped to the frame. */
export function centreRegion(width: number, height: number, fraction: number): Region {
  const w = Math.max(1, Math.min(width, Math.round(width * fraction)));
  const h = Math.max(1, Math.min(height, Math.round(height * fraction)));
  return { left: (width - w) >> 1, top: (height - h) >> 1, width: w, height: h };
}

/** Copies a region out of an image into `out` (reused when big enough). */
export function crop(image: LumaImage, region: Region, out?: Uint8Array): LumaImage {
  const { left, top, width, height } = region;
  if (left < 0 || top < 0 || width < 1 || height < 1 || left + width > image.width || top + height > image.height) {
    throw new ScanError('BAD_FRAME', `region ${width}×${height}+${left}+${top} is outside the ${image.width}×${image.height} frame`);
  }
  const data = out && out.length >= width * height ? out.subarray(0, width * height) : new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const from = (top + y) * image.width + left;
    data.set(image.data.subarray(from, from + width), y * width);
  }
  return { width, height, data };
}

/**
 * Downscale by an integer factor, each output pixel the mean of a factor×factor block. Averaging is
 * the point: it divides independent pixel noise by `factor` (in standard deviation) while a QR
 * module of m pixels becomes m/factor pixels, which the decoders still read down to ~1.5 px.
 */
export function downscaleMean(image: LumaImage, factor: number, out?: Uint8Array): LumaImage {
  if (!Number.isInteger(factor) || factor < 1) throw new ScanError('BAD_FRAME', `downscale factor must be a positive integer, got ${factor}`);
  if (factor === 1) return image;
  const width = Math.floor(image.width / factor);
  const height = Math.floor(image.height / factor);
  if (width < 1 || height < 1) throw new ScanError('BAD_FRAME', `frame ${image.width}×${image.height} is too small to downscale by ${factor}`);
  const data = out && out.length >= width * height ? out.subarray(0, width * height) : new Uint8Array(width * height);
  const src = image.data;
  const stride = image.width;
  const area = factor * factor;
  const half = area >> 1;
  if (factor === 2) {
    // The common case, unrolled: four loads per output pixel.
    for (let y = 0; y < height; y++) {
      let a = 2 * y * stride;
      let b = a + stride;
      let o = y * width;
      for (let x = 0; x < width; x++, a += 2, b += 2, o++) {
        data[o] = (src[a]! + src[a + 1]! + src[b]! + src[b + 1]! + 2) >> 2;
      }
    }
    return { width, height, data };
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < factor; dy++) {
        let p = (y * factor + dy) * stride + x * factor;
        for (let dx = 0; dx < factor; dx++, p++) sum += src[p]!;
      }
      data[y * width + x] = ((sum + half) / area) | 0;
    }
  }
  return { width, height, data };
}

/** Light-on-dark codes (phone dark mode, some printed badges): the library engine needs them flipped. */
export function invert(image: LumaImage, out?: Uint8Array): LumaImage {
  const n = image.width * image.height;
  const data = out && out.length >= n ? out.subarray(0, n) : new Uint8Array(n);
  const src = image.data;
  for (let i = 0; i < n; i++) data[i] = 255 - src[i]!;
  return { width: image.width, height: image.height, data };
}
