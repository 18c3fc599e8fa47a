import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createStaticFiles } from '../app/static-files.js';
import { APP_URL, isOurUrl, isTrustedSender, schemeHandler, shouldGrantPermission, ELECTRON_CSP } from './policy.js';

describe('Electron window policy', () => {
  it('recognises only our own scheme and host', () => {
    expect(isOurUrl(APP_URL)).toBe(true);
    expect(isOurUrl('kiosk://app/admin')).toBe(true);
    expect(isOurUrl('kiosk://other/index.html')).toBe(false);
    expect(isOurUrl('file:///work/main/dist/renderer/index.html')).toBe(false);
    expect(isOurUrl('https://app/index.html')).toBe(false);
    expect(isOurUrl('not a url')).toBe(false);
    expect(isOurUrl(undefined)).toBe(false);
  });

  it('trusts IPC from our main frame only', () => {
    expect(isTrustedSender({ url: APP_URL, isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: APP_URL, isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', isMainFrame: true })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
  });

  it('grants the camera to our origin and nothing else', () => {
    expect(shouldGrantPermission('media', APP_URL, ['video'])).toBe(true);
    expect(shouldGrantPermission('media', APP_URL, ['video', 'audio'])).toBe(false);
    expect(shouldGrantPermission('media', APP_URL, [])).toBe(false);
    expect(shouldGrantPermission('media', 'https://evil.example/', ['video'])).toBe(false);
    expect(shouldGrantPermission('geolocation', APP_URL)).toBe(false);
    expect(shouldGrantPermission('notifications', APP_URL)).toBe(false);
  });

  it('answers our scheme from the renderer directory only, as the browser host does', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kiosk-scheme-'));
    try {
      const dir = join(root, 'renderer');
      mkdirSync(dir);
      writeFileSync(join(dir, 'index.html'), '<!doctype html>');
      writeFileSync(join(dir, 'main.js'), 'export {};');
      writeFileSync(join(root, 'secret.txt'), 'not for the page');
      const handle = schemeHandler(createStaticFiles({ dir, csp: ELECTRON_CSP }));
      const page = await handle({ url: APP_URL, method: 'GET' });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(ELECTRON_CSP);
      expect((await handle({ url: 'kiosk://app/', method: 'GET' })).status).toBe(200);
      expect((await handle({ url: 'kiosk://app/main.js', method: 'GET' })).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      // The URL parser folds a leading `..` back to the root: it stays inside (and is missing there).
      expect((await handle({ url: 'kiosk://app/%2e%2e/secret.txt', method: 'GET' })).status).toBe(404);
      expect((await handle({ url: 'kiosk://app/a/..%2f..%2f..%2fsecret.txt', method: 'GET' })).status).toBe(404);
      expect((await handle({ url: 'kiosk://other/main.js', method: 'GET' })).status).toBe(404);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('has a CSP without inline script or remote sources', () => {
    expect(ELECTRON_CSP).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:/);
  });
});
