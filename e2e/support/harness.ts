// The e2e harness: the browser host with a fresh data directory on a free port, Debian's Chromium
// driven by playwright-core with a fake camera fed from a .y4m clip, and screenshots saved under
// test-results/ as artefacts. Journeys (e2e/*.e2e.test.ts) build on these few functions.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runBrowserHost, type RunningBrowserHost } from '../../src/host/run.js';
import type { KioskServiceHandle } from '../../src/app/kiosk-service.js';
import { projectRoot } from '../../src/app/paths.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = projectRoot();
export const ARTEFACTS = join(ROOT, 'test-results', 'e2e');

/** Builds dist/ once if the renderer is missing (npm test builds first; a lone e2e run may not). */
export function ensureBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'renderer', 'main.js')) && existsSync(join(ROOT, 'dist', 'renderer', 'index.html'))) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

export interface TestKiosk {
  running: RunningBrowserHost;
  /**
   * The page to open: a fresh one-time launch URL each time it is read (the host hands out the
   * screen's session only through one), so every page a test opens is a launched screen.
   */
  readonly url: string;
  dataDir: string;
  logLines: string[];
  close(): Promise<void>;
}

/**
 * Starts the browser host (no window: the test launches its own Chromium). Pass `service` to run a
 * specific composition (e.g. the demo with test devices); otherwise it is what `kiosk start` runs.
 */
export async function startTestKiosk(
  options: { serviceHandle?: (dataDir: string) => Promise<KioskServiceHandle>; dataDir?: string; rendererDir?: string } = {},
): Promise<TestKiosk> {
  ensureBuilt();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kiosk-e2e-'));
  const logLines: string[] = [];
  const serviceHandle = options.serviceHandle ? await options.serviceHandle(dataDir) : undefined;
  // `demo`: like `npm start`, a fresh data directory starts the embedded demo.
  const running = await runBrowserHost({ dataDir, window: 'none', log: (l) => logLines.push(l), serviceHandle, rendererDir: options.rendererDir, demo: true });
  return {
    running,
    get url() {
      return running.host.issueLaunchUrl();
    },
    dataDir,
    logLines,
    async close() {
      await running.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The flags the project brief fixes for every Chromium it launches. */
export const BASE_CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];

/**
 * Launches Debian's Chromium. `fakeVideo`: a .y4m file the fake camera plays in a loop; without it
 * the fake camera shows Chromium's own test pattern (no QR code).
 */
export async function launchChromium(options: { fakeVideo?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...BASE_CHROMIUM_ARGS,
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      ...(options.fakeVideo ? [`--use-file-for-fake-video-capture=${options.fakeVideo}`] : []),
    ],
  });
}

/** Opens the kiosk page at a kiosk-like size and waits until it has connected and drawn its status. */
export async function openKioskPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return page;
}

/** Saves a full-page screenshot as test-results/e2e/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTEFACTS, { recursive: true });
  const path = join(ARTEFACTS, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path });
  return path;
}

/** A fresh scratch directory for clips and the like, removed by the returned function. */
export function scratchDir(prefix = 'kiosk-e2e-scratch-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Waits until the guard screen shows a final result (pass/stop/check) and returns its data attributes. */
export async function waitForResult(page: Page, timeout = 15_000): Promise<{ tone: string; reason: string; decision: string; passageId: string; entryId: string; headline: string }> {
  await page.waitForSelector('#guard[data-state="shown"]', { timeout });
  const guard = page.locator('#guard');
  const attr = async (name: string) => (await guard.getAttribute(name)) ?? '';
  return {
    tone: await attr('data-tone'),
    reason: await attr('data-reason'),
    decision: await attr('data-decision'),
    passageId: await attr('data-passage-id'),
    entryId: await attr('data-entry-id'),
    headline: (await page.locator('#headline').textContent()) ?? '',
  };
}

/**
 * Scan-to-decision latencies the page measured (ms, from the grab of the frame whose text started a
 * passage to its decision on screen), oldest first. The scan benchmark reads the same list.
 */
export async function scanLatencies(page: Page): Promise<number[]> {
  return (await page.evaluate('globalThis.__kioskLatencies ?? []')) as number[];
}
