// Writes camera clips (.y4m) for Chromium's `--use-file-for-fake-video-capture=<file>` (e2e): the
// Node side of src/scan/y4m.ts and src/scan/clip.ts. Usable from tests (`writeY4m`,
// `writeCameraClip`) and from the shell: `npx tsx scripts/camera-clip.ts OUT.y4m [TEXT]`.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { clipFrames, type ClipOptions } from '../src/scan/clip.js';
import type { LumaImage } from '../src/scan/types.js';
import { y4mFrame, y4mHeader, type Y4mOptions } from '../src/scan/y4m.js';

/** Writes frames (any iterable, consumed lazily) to a .y4m file with header colour space C420. */
export function writeY4m(path: string, frames: Iterable<LumaImage>, opts: Y4mOptions): number {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  let count = 0;
  try {
    writeSync(fd, y4mHeader(opts));
    for (const frame of frames) {
      writeSync(fd, y4mFrame(frame, opts));
      count++;
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

/** Renders and writes a clip: scene, code held up, scene. Returns the number of frames written. */
export function writeCameraClip(path: string, clip: ClipOptions & { fps: number }): number {
  return writeY4m(path, clipFrames(clip), { width: clip.width, height: clip.height, fps: clip.fps });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [out, text] = process.argv.slice(2);
  if (!out) {
    process.stderr.write('usage: tsx scripts/camera-clip.ts OUT.y4m [TEXT]\n');
    process.exit(2);
  }
  const fps = 15;
  const n = writeCameraClip(out, { width: 640, height: 480, fps, leadInFrames: fps, codeFrames: 3 * fps, tailFrames: fps, text: text ?? null });
  process.stdout.write(`${out}: ${n} frames\n`);
}
