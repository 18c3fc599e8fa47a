// YUV4MPEG2 (.y4m) encoding of grey frames, for Chromium's `--use-file-for-fake-video-capture`:
// the e2e journeys show the kiosk camera a clip of someone holding up a code. Chromium reads 4:2:0
// files, header colour space `C420`; frames are `FRAME\n` then the Y, U and V planes.
// Pure: returns bytes; the Node side (scripts/camera-clip.ts) writes the file.
import { ScanError, type LumaImage } from './types.js';

export interface Y4mOptions {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
}

export function y4mHeader({ width, height, fps }: Y4mOptions): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2 || width % 2 || height % 2) {
    throw new ScanError('BAD_FRAME', `y4m frames need even dimensions of at least 2, got ${width}×${height}`);
  }
  if (!Number.isInteger(fps) || fps < 1 || fps > 120) throw new ScanError('BAD_FRAME', `fps must be an integer in 1…120, got ${fps}`);
  // Ip: progressive; A1:1 square pixels; C420: 4:2:0 chroma (the one Chromium's fake capture reads).
  return new TextEncoder().encode(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420\n`);
}

const FRAME_TAG = new TextEncoder().encode('FRAME\n');

/**
 * One frame record: tag, Y plane, then U and V at half resolution, both 128 (no colour). Grey is
 * mapped to video range (Y = 16…235), which is what Chromium assumes when it converts to RGB, so
 * a canvas read-back gives the original grey levels; a decoder reading the Y plane sees the same
 * image with slightly less range, which it does not mind.
 */
export function y4mFrame(image: LumaImage, opts: Y4mOptions): Uint8Array {
  if (image.width !== opts.width || image.height !== opts.height) {
    throw new ScanError('BAD_FRAME', `frame is ${image.width}×${image.height}, clip is ${opts.width}×${opts.height}`);
  }
  const ySize = opts.width * opts.height;
  const cSize = (opts.width / 2) * (opts.height / 2);
  const out = new Uint8Array(FRAME_TAG.length + ySize + 2 * cSize);
  out.set(FRAME_TAG, 0);
  const lut = new Uint8Array(256);
  for (let v = 0; v < 256; v++) lut[v] = 16 + Math.round((v * 219) / 255);
  const y = out.subarray(FRAME_TAG.length, FRAME_TAG.length + ySize);
  for (let i = 0; i < ySize; i++) y[i] = lut[image.data[i]!]!;
  out.fill(128, FRAME_TAG.length + ySize);
  return out;
}

/** Parses a .y4m header (for tests and sanity checks on fixtures). */
export function parseY4mHeader(bytes: Uint8Array): Y4mOptions & { colourSpace: string; headerLength: number } {
  const end = bytes.indexOf(0x0a);
  if (end < 0) throw new ScanError('BAD_FRAME', 'no y4m header line');
  const line = new TextDecoder().decode(bytes.subarray(0, end));
  const parts = line.split(' ');
  if (parts[0] !== 'YUV4MPEG2') throw new ScanError('BAD_FRAME', 'not a YUV4MPEG2 file');
  const field = (p: string) => parts.find((x) => x.startsWith(p))?.slice(1);
  const [num, den] = (field('F') ?? '0:1').split(':').map(Number);
  return { width: Number(field('W')), height: Number(field('H')), fps: (num ?? 0) / (den || 1), colourSpace: field('C') ?? '', headerLength: end + 1 };
}
