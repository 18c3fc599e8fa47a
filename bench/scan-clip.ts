// Fake-camera clips for the scan benchmark and the e2e journeys: YUV4MPEG2 with the `C420` header
// Chromium's `--use-file-for-fake-video-capture` reads (src/scan/y4m.ts), frames from the scan
// pipeline's own clip renderer (a door scene with sensor noise, a hand-held code that drifts).
// Streamed to disk frame by frame: a few seconds of 1280×720 is over 100 MB.
import { closeSync, openSync, writeSync } from 'node:fs';
import { clipFrame, type ClipOptions } from '../src/scan/clip.js';
import { qrMatrix } from '../src/scan/synth.js';
import type { LumaImage } from '../src/scan/types.js';
import { y4mFrame, y4mHeader } from '../src/scan/y4m.js';

export const CLIP_FPS = 30;

/** One segment of a clip: `frames` frames of the scene, showing `text` as a code unless it is null. */
export interface Segment {
  text: string | null;
  frames: number;
  /** Which code this is (0 or 1), shown in the second marker block so the probe can tell codes apart. */
  tag?: 0 | 1;
}

/**
 * Frames whose top-left 16×16 corner is black show a code; white, they do not. The benchmark's
 * page probe reads that corner to timestamp the first frame showing each code, independently of
 * the decoder (far from the centre, it never touches the symbol). The 16×16 block right of it is
 * black for the code tagged 1 and white otherwise, so the probe also knows which code appeared.
 */
export const MARKER_PX = 16;

function mark(image: LumaImage, showing: boolean, tag: number): LumaImage {
  for (let y = 0; y < MARKER_PX; y++) {
    image.data.fill(showing ? 0 : 255, y * image.width, y * image.width + MARKER_PX);
    image.data.fill(showing && tag === 1 ? 0 : 255, y * image.width + MARKER_PX, y * image.width + 2 * MARKER_PX);
  }
  return image;
}

/** Writes `segments` as one .y4m clip (Chromium loops it) and returns the path. */
export function writeSegmentsY4m(path: string, segments: readonly Segment[], options: { width?: number; height?: number; marker?: boolean; seed?: number } = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const opts = { width, height, fps: CLIP_FPS };
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, y4mHeader(opts));
    for (const seg of segments) {
      const clip: ClipOptions = { width, height, leadInFrames: 0, codeFrames: seg.frames, text: seg.text, seed: options.seed ?? 1 };
      const matrix = seg.text === null ? null : qrMatrix(seg.text, 'M');
      for (let i = 0; i < seg.frames; i++) {
        // Sensor noise differs frame to frame (seeded by index), as a live camera's does.
        const frame = clipFrame(clip, i, matrix);
        writeSync(fd, y4mFrame(options.marker ? mark(frame, seg.text !== null, seg.tag ?? 0) : frame, opts));
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

/** The e2e journeys' clip: a moment of the empty door, then the code held up. */
export function writeCodeClip(path: string, text: string | null): string {
  return writeSegmentsY4m(path, text === null ? [{ text: null, frames: 30 }] : [{ text: null, frames: 10 }, { text, frames: 30 }]);
}
