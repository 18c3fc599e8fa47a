// The renderer's files, served the same way by both hosts: the browser host answers HTTP with it
// (src/host/server.ts) and Electron's main answers its privileged `kiosk://app/` scheme with it
// (src/main/main.ts, protocol.handle). One mapping from a request path to a file under the renderer
// directory, one MIME table, one set of headers: the renderer's CSP (src/contract/csp.ts), `nosniff`,
// no caching. Nothing outside the directory is ever read (docs/security.md, "Who may drive the
// kiosk"): `..` in any spelling, NUL, backslashes and symbolic links that lead out are refused, and
// anything that is not a regular file inside it is a 404.
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

/** Types of what the build puts in dist/renderer (scripts/build.mjs), the console's chunks included. */
export const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.txt': 'text/plain; charset=utf-8',
};
const FALLBACK_TYPE = 'application/octet-stream';

/** Paths the page itself answers to: the guard screen, and the admin console inside the same page. */
const PAGE_PATHS = new Set(['/', '', '/admin', '/index.html']);

export type StaticAnswer =
  | { status: 200; file: string; body: Buffer; headers: Record<string, string> }
  | { status: 400 | 404 | 405; file: null; body: string; headers: Record<string, string> };

export interface StaticFilesOptions {
  /** The built renderer (dist/renderer). */
  dir: string;
  /** The Content-Security-Policy every answer carries (the browser host's names its WebSocket port, so it may be computed late). */
  csp: string | (() => string);
}

export interface StaticFiles {
  readonly dir: string;
  /**
   * The file a request path names, or null when it can name none: the path as it appears in the
   * URL (still percent-encoded). Pure string work; the symlink check happens in `answer`.
   */
  resolve(urlPath: string): string | null | 'malformed';
  /** Reads the file for a GET (or HEAD) of `urlPath` and answers with its headers; never throws. */
  answer(urlPath: string, method?: string): Promise<StaticAnswer>;
  /** The same as a fetch Response, for Electron's protocol.handle (any method other than GET/HEAD is 405). */
  respond(request: { url: string; method: string }): Promise<Response>;
}

/**
 * Maps a URL path to a file path under `dir`, or null when it would leave the directory or name
 * something a URL never should: `..` or `.` segments (however encoded), NUL, backslashes.
 * 'malformed' when the percent-encoding itself is broken.
 */
export function fileForPath(dir: string, urlPath: string): string | null | 'malformed' {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return 'malformed';
  }
  if (PAGE_PATHS.has(decoded)) decoded = '/index.html';
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  // Empty segments (`//etc/passwd`) collapse: an absolute path in the URL is still under `dir`.
  const parts = decoded.split('/').filter((p) => p.length > 0);
  if (parts.length === 0 || parts.some((p) => p === '..' || p === '.')) return null;
  return join(dir, ...parts);
}

export function createStaticFiles(options: StaticFilesOptions): StaticFiles {
  const dir = options.dir;
  const csp = typeof options.csp === 'string' ? () => options.csp as string : options.csp;
  let realDir: Promise<string> | null = null;

  const headers = (type: string, length: number): Record<string, string> => ({
    'Content-Type': type,
    'Content-Length': String(length),
    'Content-Security-Policy': csp(),
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-store',
  });
  const refuse = (status: 400 | 404 | 405, text: string): StaticAnswer => {
    const body = `${text}\n`;
    return { status, file: null, body, headers: headers('text/plain; charset=utf-8', Buffer.byteLength(body)) };
  };

  async function answer(urlPath: string, method = 'GET'): Promise<StaticAnswer> {
    if (method !== 'GET' && method !== 'HEAD') return refuse(405, 'BAD_REQUEST: GET only');
    const file = fileForPath(dir, urlPath);
    if (file === 'malformed') return refuse(400, 'BAD_REQUEST: malformed path');
    if (file === null) return refuse(404, 'not found');
    try {
      // A symbolic link inside the directory may point anywhere: compare where the file really is.
      realDir ??= realpath(dir);
      const [root, real] = await Promise.all([realDir, realpath(file)]);
      if (!real.startsWith(root + sep)) return refuse(404, 'not found');
      if (!(await stat(real)).isFile()) return refuse(404, 'not found');
      const body = await readFile(real);
      return { status: 200, file: real, body, headers: headers(MIME_TYPES[extname(real).toLowerCase()] ?? FALLBACK_TYPE, body.length) };
    } catch {
      // Missing, unreadable, or the directory itself gone (a rebuild in progress): nothing to serve.
      realDir = null;
      return refuse(404, 'not found');
    }
  }

  return {
    dir,
    resolve: (urlPath) => fileForPath(dir, urlPath),
    answer,
    async respond(request) {
      let pathname: string;
      try {
        pathname = new URL(request.url).pathname;
      } catch {
        return new Response('BAD_REQUEST: malformed URL\n', { status: 400 });
      }
      const a = await answer(pathname, request.method);
      // A view of the very bytes read (offset and length kept), not a copy.
      const body = request.method === 'HEAD' ? null : typeof a.body === 'string' ? a.body : new Uint8Array(a.body.buffer as ArrayBuffer, a.body.byteOffset, a.body.byteLength);
      return new Response(body, { status: a.status, headers: a.headers });
    },
  };
}
