// `npm run build && npm run bench -- first-paint`: how fast the guard screen paints, and how many
// script bytes it loads to get there (docs/admin-console.md, "Loading"): the admin console is its own
// bundle so that the guard screen starts as fast as without it. Each load is a fresh Chromium
// context (nothing cached) opening the page from the browser host with an idle scripted core; the
// figure is Chromium's own first-contentful-paint (performance.getEntriesByType('paint')).
//
// To compare with an older build in the same run (same machine, same load), build it elsewhere and
// pass its renderer directory: `git worktree add /tmp/fp-before <commit> && (cd /tmp/fp-before &&
// npm ci && npm run build)`, then `FIRST_PAINT_BEFORE_DIR=/tmp/fp-before/dist/renderer npm run bench
// -- first-paint` (and FIRST_PAINT_AFTER_DIR to take another build as the current one). Loads alternate between the two builds (ABBA), so drift falls on both alike.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { DEFAULT_CAMERA_CONFIG, type KioskService } from '../src/contract/api.js';
import { startBrowserHost, type BrowserHost } from '../src/host/server.js';
import { rendererDir } from '../src/app/paths.js';
import { idleService } from './idle-service.js';
import { median } from './stats.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const LOADS = Math.max(1, Number(process.env.FIRST_PAINT_LOADS ?? 15));

/** An idle kiosk: the screen draws its idle state; the camera is off so only the page's own start is measured. */
const benchService = (): KioskService => idleService({ ...DEFAULT_CAMERA_CONFIG, enabled: false });

interface Load {
  firstContentfulPaintMs: number;
  /** Script bytes the page fetched until it was ready (decoded body sizes from resource timing). */
  scriptBytesAtStart: number;
  scripts: string[];
}

async function loadOnce(browser: Browser, host: BrowserHost): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 800, height: 1280 } });
  try {
    const page = await context.newPage();
    await page.goto(host.issueLaunchUrl());
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    // Run in the page (strings: this file is type-checked without the DOM's types).
    await page.waitForFunction("performance.getEntriesByType('paint').some((e) => e.name === 'first-contentful-paint')", null, { timeout: 10_000 });
    return (await page.evaluate(`(() => {
      const fcp = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint');
      const scripts = performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'));
      return {
        firstContentfulPaintMs: fcp.startTime,
        scriptBytesAtStart: scripts.reduce((n, e) => n + e.decodedBodySize, 0),
        scripts: scripts.map((e) => new URL(e.name).pathname),
      };
    })()`)) as Load;
  } finally {
    await context.close();
  }
}

/** Bytes of every .js file in a built renderer directory, by path, and main.js alone. */
function bundleBytes(dir: string): { mainJs: number; allJs: Record<string, number> } {
  const allJs: Record<string, number> = {};
  for (const f of readdirSync(dir, { recursive: true }).map(String)) if (f.endsWith('.js')) allJs[f] = statSync(join(dir, f)).size;
  return { mainJs: allJs['main.js'] ?? 0, allJs };
}

export async function run(): Promise<unknown> {
  // FIRST_PAINT_AFTER_DIR: measure another build as the "current" one (e.g. a given commit's).
  const builds: { name: string; dir: string }[] = [{ name: 'current', dir: process.env.FIRST_PAINT_AFTER_DIR ?? rendererDir() }];
  if (process.env.FIRST_PAINT_BEFORE_DIR) builds.unshift({ name: 'before', dir: process.env.FIRST_PAINT_BEFORE_DIR });
  const hosts = await Promise.all(builds.map((b) => startBrowserHost({ service: benchService(), rendererDir: b.dir })));
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const loads: Load[][] = builds.map(() => []);
  try {
    // One warm-up load each (Chromium's own first start), not counted.
    for (const host of hosts) await loadOnce(browser, host);
    for (let i = 0; i < LOADS; i++) {
      const order = i % 2 === 0 ? hosts.map((_, k) => k) : hosts.map((_, k) => hosts.length - 1 - k);
      for (const k of order) loads[k]!.push(await loadOnce(browser, hosts[k]!));
    }
  } finally {
    await browser.close();
    await Promise.all(hosts.map((h) => h.close()));
  }
  const result: Record<string, unknown> = { loads: LOADS };
  builds.forEach((b, k) => {
    const l = loads[k]!;
    result[b.name] = {
      rendererDir: b.dir,
      firstContentfulPaintMedianMs: Number(median(l.map((x) => x.firstContentfulPaintMs)).toFixed(1)),
      firstContentfulPaintMs: l.map((x) => Number(x.firstContentfulPaintMs.toFixed(1))),
      scriptBytesAtStart: median(l.map((x) => x.scriptBytesAtStart)),
      scriptsAtStart: l[0]?.scripts ?? [],
      ...bundleBytes(b.dir),
    };
  });
  if (builds.length === 2) {
    const [before, current] = [result.before, result.current] as { firstContentfulPaintMedianMs: number; mainJs: number }[];
    result.ratio = {
      firstContentfulPaint: Number((current!.firstContentfulPaintMedianMs / before!.firstContentfulPaintMedianMs).toFixed(3)),
      mainJsBytes: Number((current!.mainJs / before!.mainJs).toFixed(3)),
    };
  }
  return result;
}
