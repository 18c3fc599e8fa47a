// The kiosk window: its flags, and (in Debian's Chromium, headless, with a fake camera device) what
// the DevTools control pipe does: the kiosk origin gets the camera without a prompt and without the
// old grant-everyone flag, the window cannot be navigated to another origin, and the one-time
// launch URL never shows on Chromium's command line.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { BLANK_PAGE, DEFAULT_CHROMIUM, chromiumArgs, isKioskOriginUrl, openKioskWindow, reasonNotToOpenWindow } from './chromium.js';

describe('kiosk window in Chromium', () => {
  it('prints the URL instead when told to or when there is no display', () => {
    expect(reasonNotToOpenWindow({ KIOSK_NO_BROWSER: '1', DISPLAY: ':0' })).toMatch(/KIOSK_NO_BROWSER/);
    expect(reasonNotToOpenWindow({})).toMatch(/no display/);
    expect(reasonNotToOpenWindow({ DISPLAY: ':0' }, '/nonexistent/chromium')).toMatch(/not found/);
    expect(reasonNotToOpenWindow({ DISPLAY: ':0' }, process.execPath)).toBeNull();
  });

  it('opens an app window or a kiosk with a profile inside the data directory, blank until driven over the pipe', () => {
    const app = chromiumArgs({ dataDir: '/d', mode: 'app' });
    expect(app).toContain(`--app=${BLANK_PAGE}`);
    expect(app).toContain('--user-data-dir=/d/chromium-profile');
    expect(app).toContain('--remote-debugging-pipe');
    // The camera is granted per origin over the pipe; this flag said yes to every origin.
    expect(app).not.toContain('--use-fake-ui-for-media-stream');
    const kiosk = chromiumArgs({ dataDir: '/d', mode: 'kiosk' });
    expect(kiosk.slice(-2)).toEqual(['--kiosk', BLANK_PAGE]);
  });

  it('knows the kiosk origin by scheme, host and port', () => {
    expect(isKioskOriginUrl('http://127.0.0.1:4000/main.js', 'http://127.0.0.1:4000')).toBe(true);
    expect(isKioskOriginUrl('http://127.0.0.1:4001/', 'http://127.0.0.1:4000')).toBe(false);
    expect(isKioskOriginUrl('http://localhost:4000/', 'http://127.0.0.1:4000')).toBe(false);
    expect(isKioskOriginUrl('not a url', 'http://127.0.0.1:4000')).toBe(false);
  });
});

/** A loopback HTTP server recording every request path; `page` is what `/` answers. */
async function recordingServer(page: string): Promise<{ server: Server; origin: string; paths: string[]; waitFor: (prefix: string) => Promise<string> }> {
  const paths: string[] = [];
  const waiters: Array<{ prefix: string; resolve: (p: string) => void }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '/';
    paths.push(path);
    for (const w of waiters.filter((x) => path.startsWith(x.prefix))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(path);
    }
    if (path.startsWith('/launch')) {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(page);
    } else {
      res.writeHead(204);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    server,
    origin,
    paths,
    waitFor: (prefix) => {
      const seen = paths.find((p) => p.startsWith(prefix));
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ prefix, resolve }));
    },
  };
}

const HAVE_CHROMIUM = existsSync(DEFAULT_CHROMIUM);

describe.skipIf(!HAVE_CHROMIUM)('kiosk window driven over the DevTools pipe (real Chromium)', () => {
  let child: ChildProcess | undefined;
  let dir = '';
  const servers: Server[] = [];
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    child = undefined;
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('grants the camera to the kiosk origin only, keeps the window there, and keeps the launch URL off the command line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-chromium-'));
    const elsewhere = await recordingServer('');
    servers.push(elsewhere.server);
    // The kiosk page: asks for the camera, reports, then tries to leave (a link a page could be
    // tricked into following), and reports again if it is still there.
    const page = `<!doctype html><script>
      navigator.mediaDevices.getUserMedia({ video: true }).then(
        (s) => { s.getTracks().forEach((t) => t.stop()); return 'granted'; },
        (e) => e.name,
      ).then((camera) => fetch('/report/camera=' + camera)).then(() => {
        location.href = '${elsewhere.origin}/navigated-away';
        setTimeout(() => fetch('/report/still-here'), 300);
      });
    </script>`;
    const kiosk = await recordingServer(page);
    servers.push(kiosk.server);
    const launchUrl = `${kiosk.origin}/launch?launch=SECRET-NONCE-${Date.now()}`;
    const logs: string[] = [];
    child = openKioskWindow({
      url: launchUrl,
      origin: kiosk.origin,
      dataDir: dir,
      mode: 'app',
      extraArgs: ['--headless', '--no-sandbox', '--disable-gpu', '--use-fake-device-for-media-stream'],
      log: (l) => logs.push(l),
    });
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain('SECRET-NONCE');
    expect(cmdline).not.toContain('use-fake-ui-for-media-stream');

    expect(await kiosk.waitFor('/report/camera=')).toBe('/report/camera=granted');
    expect(await kiosk.waitFor('/report/still-here')).toBe('/report/still-here');
    expect(elsewhere.paths).toEqual([]);
    expect(logs).toContain('chromium control: blocked a request away from the kiosk origin');
  }, 60_000);
});
