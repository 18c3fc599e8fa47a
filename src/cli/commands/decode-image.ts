// `kiosk decode-image FILE…`: decodes still images (PNG, JPEG) with the
// configured engine through the same pipeline as the camera, and prints one line per file:
//   FILE<TAB>OK<TAB>text exactly as decoded      or      FILE<TAB>REASON<TAB>why none was found
// Admins use it to check a photographed or printed code. `--json` prints an array instead (the
// text is then unambiguous even if it holds tabs or newlines). Exit 0 when every file decoded, 1
// when any did not.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DEFAULT_CAMERA_CONFIG } from '../../contract/api.js';
import { downscaleMean, MAX_FRAME_SIDE, rgbaToLuma } from '../../scan/luminance.js';
import { ScanPipeline } from '../../scan/pipeline.js';
import { ENGINE_NAMES, isEngineName, ScanError, type EngineName, type LumaImage } from '../../scan/types.js';
import { CliError, printJson, withDataDir, type CommandIo } from '../program.js';
import { createEngine } from '../scan-engine.js';
import type { RegisterCommand } from './index.js';

/** The camera's engine unless told otherwise, so a still is read the way the camera would read it. */
const DEFAULT_ENGINE: EngineName = DEFAULT_CAMERA_CONFIG.engine;

/** A still image has no next frame to wait for: give it far more time than a camera frame gets. */
const STILL_BUDGET_MS = 2000;

export interface DecodedFile {
  file: string;
  /** `OK`, a scan reason (NO_CODE, UNREADABLE, BUDGET…), or FILE_UNREADABLE / IMAGE_INVALID. */
  status: string;
  text: string | null;
  detail?: string;
  ms?: number;
}

/** Reads a PNG or JPEG (by its magic bytes, not its name) into luminance. Throws ScanError BAD_FRAME. */
export function imageToLuma(bytes: Uint8Array): LumaImage {
  const isPng = bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = png.data;
    } else if (isJpeg) {
      // Limits: a phone photo is ~12–50 MP; beyond that it is not a photo of a code.
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 100, maxMemoryUsageInMB: 1024 });
      ({ width, height } = img);
      rgba = img.data;
    } else {
      throw new ScanError('BAD_FRAME', 'not a PNG or JPEG image');
    }
  } catch (err) {
    if (err instanceof ScanError) throw err;
    throw new ScanError('BAD_FRAME', `image could not be decoded: ${(err as Error).message}`);
  }
  // Transparent pixels (a code exported as PNG with alpha) are composited over white, as any viewer
  // shows them; otherwise their RGB (often 0) would read as black.
  for (let i = 3; i < rgba.length; i += 4) {
    const a = rgba[i]!;
    if (a === 255) continue;
    for (let c = i - 3; c < i; c++) rgba[c] = Math.round((rgba[c]! * a + 255 * (255 - a)) / 255);
    rgba[i] = 255;
  }
  if (width <= MAX_FRAME_SIDE && height <= MAX_FRAME_SIDE) return rgbaToLuma(width, height, rgba);
  // A photo from a 48–200 MP phone camera: average it down to what a frame may be. A code worth
  // reading has modules of many pixels in such a photo, so the mean loses nothing of it.
  const factor = Math.ceil(Math.max(width, height) / MAX_FRAME_SIDE);
  const grey = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < grey.length; i++, j += 4) grey[i] = (306 * rgba[j]! + 601 * rgba[j + 1]! + 117 * rgba[j + 2]! + 512) >> 10;
  return downscaleMean({ width, height, data: grey }, factor);
}

export async function decodeImageFiles(files: readonly string[], engineName: EngineName): Promise<DecodedFile[]> {
  const engine = await createEngine(engineName);
  const pipeline = new ScanPipeline(engine, { prefilter: 'locate', budgetMs: STILL_BUDGET_MS });
  const out: DecodedFile[] = [];
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      out.push({ file, status: 'FILE_UNREADABLE', text: null, detail: (err as NodeJS.ErrnoException).code ?? (err as Error).message });
      continue;
    }
    let image: LumaImage;
    try {
      image = imageToLuma(bytes);
    } catch (err) {
      out.push({ file, status: 'IMAGE_INVALID', text: null, detail: (err as Error).message });
      continue;
    }
    const r = await pipeline.decode({ format: 'luma', ...image });
    const ms = Number(r.ms.toFixed(1));
    if (r.text !== null) out.push({ file, status: 'OK', text: r.text, ms });
    else out.push({ file, status: r.reason, text: null, detail: r.detail ?? describe(r.reason), ms });
  }
  return out;
}

function describe(reason: string): string {
  switch (reason) {
    case 'NO_CODE':
      return 'no QR code found';
    case 'UNREADABLE':
      return 'a QR code was seen but could not be read (blur, glare, damage or too small)';
    case 'BUDGET':
      return `gave up after ${STILL_BUDGET_MS} ms`;
    default:
      return reason;
  }
}

export function formatLine(r: DecodedFile): string {
  return r.status === 'OK' ? `${r.file}\tOK\t${r.text}` : `${r.file}\t${r.status}\t${r.detail ?? ''}`;
}

export const register: RegisterCommand = (program: Command, io: CommandIo, setExit) => {
  withDataDir(program.command('decode-image'))
    .description('decode QR codes in still images (PNG/JPEG) with the camera pipeline; one line per file')
    .argument('<files...>', 'image files')
    .option('--engine <name>', `decoder engine: ${ENGINE_NAMES.join(' or ')}`, DEFAULT_ENGINE)
    .option('--json', 'print a JSON array instead of lines')
    .action(async (files: string[], opts: { engine: string; json?: boolean }) => {
      if (!isEngineName(opts.engine)) throw new CliError('BAD_REQUEST', `unknown engine "${opts.engine}"; use ${ENGINE_NAMES.join(' or ')}`);
      let results: DecodedFile[];
      try {
        results = await decodeImageFiles(files, opts.engine);
      } catch (err) {
        if (err instanceof ScanError) throw new CliError(err.reason, err.message);
        throw err;
      }
      if (opts.json) printJson(io, results);
      else for (const r of results) io.stdout.write(formatLine(r) + '\n');
      setExit(results.every((r) => r.status === 'OK') ? 0 : 1);
    });
};
