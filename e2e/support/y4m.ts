// Fake camera clips for Chromium's `--use-file-for-fake-video-capture`: a QR symbol drawn into
// YUV4MPEG2 (4:2:0) frames, optionally after blank lead-in frames (a door with nobody at it yet).
// Chromium loops the file, so a short clip is a person holding the code up indefinitely.
import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';

export interface Y4mOptions {
  width?: number;
  height?: number;
  /** Frames showing the code. */
  frames?: number;
  /** Blank frames before the code appears. */
  blankFrames?: number;
  /**
   * Pixels per QR module (default 3: a phone at arm's length from a 640×480 camera). Capped so the
   * symbol with its quiet zone fits the frame height.
   */
  modulePx?: number;
}

/** One luminance frame with the QR symbol for `text` centred on white; `null` text = blank frame. */
export function qrLuma(text: string | null, width: number, height: number, modulePx: number): Uint8Array {
  const luma = new Uint8Array(width * height).fill(235);
  if (text === null) return luma;
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const quiet = 4;
  const module = Math.max(1, Math.min(modulePx, Math.floor(height / (size + 2 * quiet))));
  const side = module * size;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (!qr.modules.get(r, c)) continue;
      for (let y = 0; y < module; y++) {
        const row = (top + r * module + y) * width + left + c * module;
        luma.fill(16, row, row + module);
      }
    }
  }
  return luma;
}

export function writeQrY4m(path: string, text: string | null, options: Y4mOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const frames = options.frames ?? 1;
  const blank = options.blankFrames ?? 0;
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F30:1 Ip A1:1 C420jpeg\n`, 'ascii');
  const frameTag = Buffer.from('FRAME\n', 'ascii');
  const blankLuma = Buffer.from(qrLuma(null, width, height, 1));
  const codeLuma = Buffer.from(qrLuma(text, width, height, options.modulePx ?? 3));
  const parts: Buffer[] = [header];
  for (let i = 0; i < blank + frames; i++) parts.push(frameTag, i < blank ? blankLuma : codeLuma, chroma);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}
