// `kiosk decode-image FILE…` as an admin runs it: real PNG and JPEG files on disk, one line each.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { addGaussianNoise, blankImage, drawQr, drawScene, phcLikeText, placementQuad, qrMatrix } from '../../scan/synth.js';
import type { LumaImage } from '../../scan/types.js';
import { runCli } from '../testing/run-cli.js';
import { imageToLuma } from './decode-image.js';

const text = phcLikeText(2024);
const spaced = ' PHC1:A B  C ';
let dir: string;
const file = (name: string) => join(dir, name);

function photo(content: string, seed: number): LumaImage {
  const img = blankImage(800, 600);
  drawScene(img, seed);
  const matrix = qrMatrix(content, 'Q');
  drawQr(img, matrix, placementQuad(matrix, { cx: 400, cy: 300, modulePx: 5, rotationDeg: -12, tilt: 0.9 }));
  addGaussianNoise(img, 5, seed);
  return img;
}

function toRgba(img: LumaImage, alpha = 255): Buffer {
  const rgba = Buffer.alloc(img.width * img.height * 4);
  for (let i = 0; i < img.data.length; i++) {
    rgba.fill(img.data[i]!, 4 * i, 4 * i + 3);
    rgba[4 * i + 3] = alpha;
  }
  return rgba;
}

function writePng(path: string, img: LumaImage): void {
  const png = new PNG({ width: img.width, height: img.height });
  toRgba(img).copy(png.data);
  writeFileSync(path, PNG.sync.write(png));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-decode-image-'));
  writePng(file('code.png'), photo(text, 1));
  writeFileSync(file('code.jpg'), jpeg.encode({ data: toRgba(photo(spaced, 2)), width: 800, height: 600 }, 85).data);
  const empty = blankImage(640, 480);
  drawScene(empty, 3);
  writePng(file('empty.png'), empty);
  // A code exported by an issuing system: one pixel per module, nothing else in the picture.
  const matrix = qrMatrix(text, 'M');
  const side = matrix.size + 8;
  const pure = blankImage(side, side, 255);
  drawQr(pure, matrix, placementQuad(matrix, { cx: side / 2, cy: side / 2, modulePx: 1 }), { dark: 0, light: 255, supersample: 1 });
  writePng(file('pure.png'), pure);
  writeFileSync(file('notes.txt'), 'not an image');
  writeFileSync(file('truncated.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]));
});

describe('kiosk decode-image', () => {
  it.each(['zxing-wasm', 'zxing-library'])('prints the text exactly as decoded with --engine %s', async (engine) => {
    const r = await runCli(['decode-image', '--engine', engine, file('code.png'), file('code.jpg'), file('pure.png')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${file('code.png')}\tOK\t${text}\n${file('code.jpg')}\tOK\t${spaced}\n${file('pure.png')}\tOK\t${text}\n`);
  });

  it('gives the reason for each file it cannot decode, and exits 1', async () => {
    const r = await runCli(['decode-image', file('code.png'), file('empty.png'), file('missing.png'), file('notes.txt'), file('truncated.png')]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
    expect(lines.map((l) => [l[0], l[1]])).toEqual([
      [file('code.png'), 'OK'],
      [file('empty.png'), 'NO_CODE'],
      [file('missing.png'), 'FILE_UNREADABLE'],
      [file('notes.txt'), 'IMAGE_INVALID'],
      [file('truncated.png'), 'IMAGE_INVALID'],
    ]);
    expect(lines[1]![2]).toBe('no QR code found');
    expect(lines[2]![2]).toBe('ENOENT');
    expect(lines[3]![2]).toMatch(/not a PNG or JPEG/);
  });

  it('prints JSON with --json', async () => {
    const r = await runCli(['decode-image', '--json', file('code.jpg'), file('empty.png')]);
    expect(JSON.parse(r.stdout)).toMatchObject([
      { file: file('code.jpg'), status: 'OK', text: spaced },
      { file: file('empty.png'), status: 'NO_CODE', text: null },
    ]);
  });

  it('refuses an unknown engine with a reason', async () => {
    const r = await runCli(['decode-image', '--engine', 'quirc', file('code.png')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kiosk: BAD_REQUEST: unknown engine "quirc"/);
  });
});

describe('imageToLuma', () => {
  it('averages a photo larger than a frame may be down to at most 4096 px per side', () => {
    const png = new PNG({ width: 5000, height: 8 });
    png.data.fill(255);
    const img = imageToLuma(PNG.sync.write(png));
    expect([img.width, img.height]).toEqual([2500, 4]);
    expect(img.data.every((v) => v === 255)).toBe(true);
  });

  it('composites transparent pixels over white, as a viewer shows them', () => {
    const png = new PNG({ width: 2, height: 1 });
    png.data.set([0, 0, 0, 0, 0, 0, 0, 255]); // transparent "black", then opaque black
    const img = imageToLuma(PNG.sync.write(png));
    expect([...img.data]).toEqual([255, 0]);
  });
});
