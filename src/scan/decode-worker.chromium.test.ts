// The decode worker (src/renderer/decode-worker.ts) in real Chromium: bundled as the build bundles
// it, served from a loopback origin with zxing_reader.wasm beside it, fed frames as the camera code
// feeds them. Checks the protocol end to end, the buffer hand-back, and that zxing-wasm loads from
// our own origin: every request to anywhere else is blocked and recorded.
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zxingWasmPath } from '../cli/scan-engine.js';
import { addGaussianNoise, blankImage, drawQr, drawScene, phcLikeText, placementQuad, qrMatrix } from './synth.js';

const root = join(import.meta.dirname, '..', '..');
let dir: string;
let server: Server;
let origin: string;
let browser: Browser;
let page: Page;
const foreignRequests: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-worker-'));
  await build({
    entryPoints: [join(root, 'src', 'renderer', 'decode-worker.ts')],
    outdir: dir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'error',
  });
  copyFileSync(zxingWasmPath(), join(dir, 'zxing_reader.wasm'));
  const types: Record<string, string> = { js: 'text/javascript', wasm: 'application/wasm', html: 'text/html' };
  server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0]!.replace(/^\//, '') || 'index.html';
    if (name === 'index.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>worker</title>');
      return;
    }
    try {
      const body = readFileSync(join(dir, name.replace(/\.\./g, '')));
      res.writeHead(200, { 'content-type': types[name.split('.').pop() ?? ''] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext();
  // Workers' fetches go through the context's routing: anything not ours is blocked and recorded.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    foreignRequests.push(url);
    return route.abort();
  });
  page = await context.newPage();
  await page.goto(`${origin}/index.html`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** The page's Worker, typed here because this file is type-checked without the DOM library. */
interface PageWorker {
  postMessage(message: unknown, transfer?: unknown[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  terminate(): void;
}
type PageGlobals = { Worker: new (url: string, options: { type: 'module' }) => PageWorker; atob(s: string): string };

/** Runs the worker in the page: configure, then each frame in turn (one in flight, as the camera does). */
async function runWorker(engine: string, frames: { width: number; height: number; format: string; base64: string | null; raw?: unknown }[]) {
  return page.evaluate(
    async ({ engine, frames }) => {
      const page = globalThis as unknown as PageGlobals;
      const worker = new page.Worker('/decode-worker.js', { type: 'module' });
      const next = () => new Promise<Record<string, unknown>>((resolve) => (worker.onmessage = (e) => resolve(e.data as Record<string, unknown>)));
      const out: Record<string, unknown>[] = [];
      worker.postMessage({ type: 'configure', engine });
      out.push(await next());
      let seq = 0;
      for (const f of frames) {
        if (f.raw !== undefined) {
          worker.postMessage(f.raw);
        } else {
          const bin = page.atob(f.base64!);
          const bytes = new Uint8Array(bin.length);
          for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
          const buffer = bytes.buffer;
          worker.postMessage({ type: 'frame', seq: ++seq, width: f.width, height: f.height, format: f.format, buffer, frameAt: 1000 + seq }, [buffer]);
          // Transferred: the sender no longer holds it.
          if (buffer.byteLength !== 0) throw new Error('buffer was not transferred');
        }
        const msg = await next();
        const { buffer, ...rest } = msg;
        out.push({ ...rest, bufferBack: buffer instanceof ArrayBuffer ? buffer.byteLength : null });
      }
      worker.terminate();
      return out;
    },
    { engine, frames },
  );
}

function codeFrame(text: string) {
  const img = blankImage(640, 480);
  drawScene(img, 5);
  const matrix = qrMatrix(text, 'M');
  drawQr(img, matrix, placementQuad(matrix, { cx: 320, cy: 240, modulePx: 4, rotationDeg: 5 }));
  addGaussianNoise(img, 4, 5);
  return img;
}

describe.each(['zxing-wasm', 'zxing-library'])('decode worker in Chromium (%s)', (engine) => {
  it('decodes luma and RGBA frames, hands each buffer back, answers bad frames with a reason', async () => {
    const text = phcLikeText(77);
    const img = codeFrame(text);
    const rgba = Buffer.alloc(640 * 480 * 4);
    img.data.forEach((v, i) => rgba.writeUInt32BE(((v << 24) | (v << 16) | (v << 8) | 255) >>> 0, 4 * i));
    // Frames cross into the page as base64: a JSON array of a million numbers takes seconds.
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    const empty = blankImage(640, 480);
    drawScene(empty, 9);
    const out = await runWorker(engine, [
      { width: 640, height: 480, format: 'luma', base64: b64(img.data) },
      { width: 640, height: 480, format: 'rgba', base64: b64(rgba) },
      { width: 640, height: 480, format: 'luma', base64: b64(empty.data) },
      { width: 640, height: 480, format: 'luma', base64: b64(new Uint8Array([1, 2, 3])) },
      { width: 0, height: 0, format: '', base64: null, raw: { type: 'hello' } },
    ]);
    expect(out[0]).toEqual({ type: 'ready', engine });
    expect(out[1]).toMatchObject({ type: 'result', seq: 1, text, reason: null, frameAt: 1001, bufferBack: 640 * 480 });
    expect(out[2]).toMatchObject({ type: 'result', seq: 2, text, reason: null, bufferBack: 640 * 480 * 4 });
    expect(out[3]).toMatchObject({ type: 'result', seq: 3, text: null, reason: 'SKIPPED', attempts: 0, bufferBack: 640 * 480 });
    expect(out[4]).toMatchObject({ type: 'result', seq: 4, text: null, reason: 'BAD_FRAME', bufferBack: 3 });
    expect(out[5]).toMatchObject({ type: 'error', reason: 'BAD_FRAME' });
    expect(foreignRequests).toEqual([]);
  });
});

describe('decode worker in Chromium, configuration errors', () => {
  it('reports an unknown engine as an error, not a hang', async () => {
    const out = await runWorker('quirc', []);
    expect(out[0]).toMatchObject({ type: 'error', reason: 'ENGINE_UNAVAILABLE' });
  });

  it('falls back to @zxing/library when the wasm cannot be loaded, and says so; and would see a CDN fetch', async () => {
    const cdn = 'https://fastly.jsdelivr.net/npm/zxing-wasm/dist/reader/zxing_reader.wasm';
    const before = foreignRequests.length;
    const msg = await page.evaluate(async (wasmUrl) => {
      const worker = new (globalThis as unknown as PageGlobals).Worker('/decode-worker.js', { type: 'module' });
      const reply = new Promise<unknown>((resolve) => (worker.onmessage = (e) => resolve(e.data)));
      worker.postMessage({ type: 'configure', engine: 'zxing-wasm', wasmUrl });
      const data = await reply;
      worker.terminate();
      return data;
    }, cdn);
    expect(msg).toMatchObject({ type: 'ready', engine: 'zxing-library', fallbackFrom: 'zxing-wasm' });
    expect((msg as { detail: string }).detail).toMatch(/zxing-wasm could not be loaded/);
    // The origin guard of the tests above is not vacuous: a fetch elsewhere is seen (and blocked).
    expect(foreignRequests.slice(before)).toContain(cdn);
    foreignRequests.length = before;
  });
});
