// The clip writer against the real consumer: Debian's Chromium with `--use-file-for-fake-video-capture`
// plays our .y4m as a camera; a frame grabbed through getUserMedia → canvas decodes to the text.
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../src/cli/scan-engine.js';
import { rgbaToLuma } from '../src/scan/luminance.js';
import { ScanPipeline } from '../src/scan/pipeline.js';
import { writeCameraClip } from './camera-clip.js';

const text = 'PHC1:FAKE CAMERA 42 $%*';
let server: Server;
let browser: Browser;
let url: string;

beforeAll(async () => {
  const clip = join(mkdtempSync(join(tmpdir(), 'kiosk-fakecam-')), 'door.y4m');
  writeCameraClip(clip, { width: 640, height: 480, fps: 15, leadInFrames: 0, codeFrames: 15, text });
  // getUserMedia needs a secure context: a loopback origin is one.
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><video muted playsinline></video>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${clip}`,
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

/** Page-side globals, typed here because this file is type-checked without the DOM library. */
type PageGlobals = {
  navigator: { mediaDevices: { getUserMedia(c: object): Promise<unknown> } };
  document: {
    querySelector(s: string): { srcObject: unknown; play(): Promise<void>; videoWidth: number; videoHeight: number; requestVideoFrameCallback(f: () => void): void };
  };
  OffscreenCanvas: new (w: number, h: number) => {
    getContext(t: '2d'): { drawImage(v: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
  };
  btoa(s: string): string;
};

describe('camera clips in Chromium', () => {
  it('play as the fake camera at 640×480 and the grabbed frame decodes with both engines', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    const frame = await page.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      const stream = await g.navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
      const video = g.document.querySelector('video');
      video.srcObject = stream;
      await video.play();
      // A few real frames in, so the capture has settled (the first may still be blank).
      for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => video.requestVideoFrameCallback(resolve));
      const ctx = new g.OffscreenCanvas(video.videoWidth, video.videoHeight).getContext('2d');
      ctx.drawImage(video, 0, 0);
      const rgba = ctx.getImageData(0, 0, video.videoWidth, video.videoHeight).data;
      let binary = '';
      for (let i = 0; i < rgba.length; i += 8192) binary += String.fromCharCode(...rgba.subarray(i, i + 8192));
      return { width: video.videoWidth, height: video.videoHeight, base64: g.btoa(binary) };
    });
    expect([frame.width, frame.height]).toEqual([640, 480]);
    const luma = rgbaToLuma(frame.width, frame.height, Buffer.from(frame.base64, 'base64'));
    for (const name of ['zxing-wasm', 'zxing-library'] as const) {
      const r = await new ScanPipeline(await createEngine(name), { budgetMs: 60_000 }).decode({ format: 'luma', ...luma });
      expect(r.text, name).toBe(text);
    }
  });
});
