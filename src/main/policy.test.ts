import { describe, expect, it } from 'vitest';
import { APP_URL, isOurUrl, isTrustedSender, rendererPathFor, shouldGrantPermission, ELECTRON_CSP } from './policy.js';

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

  it('maps request paths inside the renderer directory only', () => {
    expect(rendererPathFor('kiosk://app/', '/r')).toBe('/r/index.html');
    expect(rendererPathFor('kiosk://app/main.js', '/r/')).toBe('/r/main.js');
    // The URL parser resolves a leading `..` against the root: it stays inside the directory.
    expect(rendererPathFor('kiosk://app/%2e%2e/secret', '/r')).toBe('/r/secret');
    expect(rendererPathFor('kiosk://app/a/..%2f..%2fsecret', '/r')).toBeNull();
    expect(rendererPathFor('kiosk://other/main.js', '/r')).toBeNull();
  });

  it('has a CSP without inline script or remote sources', () => {
    expect(ELECTRON_CSP).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:/);
  });
});
