// The renderer's static files for both hosts (docs/security.md, "Who may drive the kiosk"): real files
// in a temporary directory, a secret beside it that no request may reach, symbolic links in and out.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rendererContentSecurityPolicy } from '../contract/csp.js';
import { createStaticFiles, fileForPath, type StaticFiles } from './static-files.js';

const CSP = rendererContentSecurityPolicy("'self'");
let root: string;
let dir: string;
let files: StaticFiles;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kiosk-static-'));
  dir = join(root, 'renderer');
  mkdirSync(join(dir, 'console'), { recursive: true });
  mkdirSync(join(dir, 'fonts'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>kiosk</title>');
  writeFileSync(join(dir, 'main.js'), 'export {};');
  writeFileSync(join(dir, 'main.js.map'), '{"version":3}');
  writeFileSync(join(dir, 'styles.css'), 'body{}');
  writeFileSync(join(dir, 'zxing_reader.wasm'), Buffer.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  writeFileSync(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(dir, 'fonts', 'ui.woff2'), Buffer.from('wOF2'));
  // The admin console is a lazily loaded chunk in its own folder (scripts/build.mjs).
  writeFileSync(join(dir, 'console', 'console-ABC123.js'), 'export const c = 1;');
  writeFileSync(join(dir, 'README'), 'no extension');
  // Beside the directory, never to be served.
  writeFileSync(join(root, 'secret.txt'), 'the admin PIN');
  symlinkSync(join(root, 'secret.txt'), join(dir, 'leak.txt'));
  symlinkSync(root, join(dir, 'up'));
  symlinkSync(join(dir, 'main.js'), join(dir, 'alias.js'));
  files = createStaticFiles({ dir, csp: CSP });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('static files: what is served', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', '<!doctype html>'],
    ['/index.html', 'text/html; charset=utf-8', '<!doctype html>'],
    ['/admin', 'text/html; charset=utf-8', '<!doctype html>'],
    ['/main.js', 'text/javascript; charset=utf-8', 'export {};'],
    ['/main.js.map', 'application/json; charset=utf-8', '{"version":3}'],
    ['/styles.css', 'text/css; charset=utf-8', 'body{}'],
    ['/zxing_reader.wasm', 'application/wasm', '\0asm'],
    ['/logo.png', 'image/png', '\x89PNG'],
    ['/icon.svg', 'image/svg+xml', '<svg'],
    ['/fonts/ui.woff2', 'font/woff2', 'wOF2'],
    ['/console/console-ABC123.js', 'text/javascript; charset=utf-8', 'export const c'],
    ['/README', 'application/octet-stream', 'no extension'],
  ])('%s as %s, with the CSP, nosniff and no-store', async (path, type, start) => {
    const a = await files.answer(path);
    expect(a.status).toBe(200);
    expect(a.headers['Content-Type']).toBe(type);
    expect(a.headers['Content-Security-Policy']).toBe(CSP);
    expect(a.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(a.headers['Cache-Control']).toBe('no-store');
    expect(a.headers['Content-Length']).toBe(String(a.body.length));
    expect(Buffer.from(a.body).toString('latin1').startsWith(start)).toBe(true);
  });

  it('follows a symbolic link that stays inside the directory', async () => {
    const a = await files.answer('/alias.js');
    expect(a.status).toBe(200);
    expect(a.file).toMatch(/main\.js$/);
  });

  it('decodes percent-encoding in ordinary names', async () => {
    expect((await files.answer('/console/console%2DABC123.js')).status).toBe(200);
    expect((await files.answer('/console%2Fconsole-ABC123.js')).status).toBe(200);
  });
});

describe('static files: nothing outside the directory', () => {
  it.each([
    ['..', '/../secret.txt'],
    ['.. further down', '/console/../../secret.txt'],
    ['encoded ..', '/%2e%2e/secret.txt'],
    ['encoded .. in capitals', '/%2E%2E/secret.txt'],
    ['encoded slashes', '/console/..%2f..%2fsecret.txt'],
    ['a backslash', '/..\\secret.txt'],
    ['an encoded backslash', '/..%5csecret.txt'],
    ['a NUL', '/main.js%00.png'],
    ['a dot segment', '/./main.js/.'],
    ['a symlink to a file outside', '/leak.txt'],
    ['a symlink to a folder outside', '/up/secret.txt'],
    ['a folder', '/console'],
    ['a missing file', '/nothing.js'],
  ])('refuses %s with a 404 (%s)', async (_what, path) => {
    const a = await files.answer(path);
    expect(a.status).toBe(404);
    expect(a.body).toBe('not found\n');
    expect(a.headers['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(a.headers['X-Content-Type-Options']).toBe('nosniff');
    expect(a.headers['Content-Security-Policy']).toBe(CSP);
  });

  it('maps no traversal spelling to a path at all (before any file is looked at)', () => {
    for (const path of ['/../secret.txt', '/console/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/console/..%2f..%2fsecret.txt', '/..\\secret.txt', '/..%5csecret.txt', '/main.js%00.png', '/./main.js']) {
      expect(fileForPath(dir, path), path).toBeNull();
    }
    expect(fileForPath(dir, '/console/console-ABC123.js')).toBe(join(dir, 'console', 'console-ABC123.js'));
    expect(fileForPath(dir, '/admin')).toBe(join(dir, 'index.html'));
    expect(fileForPath(dir, '/%E0%A4%A')).toBe('malformed');
  });

  it('keeps an absolute path in the URL under the directory', async () => {
    expect(fileForPath(dir, '//etc/passwd')).toBe(join(dir, 'etc', 'passwd'));
    expect(fileForPath(dir, `/${encodeURIComponent(join(root, 'secret.txt'))}`)).toBe(join(dir, ...join(root, 'secret.txt').split('/').filter(Boolean)));
    expect((await files.answer('//etc/passwd')).status).toBe(404);
    expect((await files.answer(`/${encodeURIComponent(join(root, 'secret.txt'))}`)).status).toBe(404);
  });

  it('answers broken percent-encoding with 400 and other methods with 405', async () => {
    expect((await files.answer('/%E0%A4%A')).status).toBe(400);
    expect((await files.answer('/main.js', 'POST')).status).toBe(405);
    expect((await files.answer('/main.js', 'HEAD')).status).toBe(200);
  });

  it('serves nothing once the directory is gone, and serves again when it is back', async () => {
    const other = join(root, 'rebuilt');
    mkdirSync(other);
    writeFileSync(join(other, 'index.html'), 'v1');
    const f = createStaticFiles({ dir: other, csp: () => 'default-src \'none\'' });
    expect((await f.answer('/')).status).toBe(200);
    rmSync(other, { recursive: true });
    expect((await f.answer('/')).status).toBe(404);
    mkdirSync(other);
    writeFileSync(join(other, 'index.html'), 'v2');
    const again = await f.answer('/');
    expect(again.status).toBe(200);
    expect(again.body.toString()).toBe('v2');
    expect(again.headers['Content-Security-Policy']).toBe("default-src 'none'");
  });
});

describe('static files as a fetch handler (Electron protocol.handle)', () => {
  it('answers a kiosk://app request with the file and its headers', async () => {
    const res = await files.respond(new Request('kiosk://app/zxing_reader.wasm'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/wasm');
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  });

  it('serves the page for the root and the console chunk beneath it', async () => {
    expect(await (await files.respond(new Request('kiosk://app/'))).text()).toContain('<title>kiosk</title>');
    expect((await files.respond(new Request('kiosk://app/console/console-ABC123.js'))).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('refuses what leaves the directory, other methods, and answers HEAD without a body', async () => {
    // The URL parser already folds a leading `..`; an encoded one deeper down reaches the mapping.
    expect((await files.respond(new Request('kiosk://app/console/..%2f..%2fsecret.txt'))).status).toBe(404);
    expect((await files.respond(new Request('kiosk://app/leak.txt'))).status).toBe(404);
    expect((await files.respond({ url: 'kiosk://app/main.js', method: 'POST' })).status).toBe(405);
    const head = await files.respond({ url: 'kiosk://app/main.js', method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
