// The Electron window's security rules as plain functions (no electron import), so they are unit
// tested without an Electron binary: which origin is ours, which IPC sender is trusted, which
// permission is granted, and the CSP every response carries.
import { rendererContentSecurityPolicy } from '../contract/csp.js';

/** The renderer is served from a privileged custom scheme, never file:// (file:// would share an origin with every local file). */
export const APP_SCHEME = 'kiosk';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

export function isOurUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * An IPC call is trusted only from our page's main frame: a subframe (or any frame after a
 * navigation we failed to block) could be someone else's content.
 */
export function isTrustedSender(frame: { url: string; isMainFrame: boolean } | null | undefined): boolean {
  return !!frame && frame.isMainFrame && isOurUrl(frame.url);
}

/**
 * Only the camera, only for our own origin. Electron asks with permission 'media' and the media
 * types wanted; a request for the microphone is refused (the kiosk never listens).
 */
export function shouldGrantPermission(permission: string, requestingUrl: string, mediaTypes: readonly string[] = []): boolean {
  if (!isOurUrl(requestingUrl)) return false;
  if (permission !== 'media') return false;
  return mediaTypes.length > 0 && mediaTypes.every((t) => t === 'video');
}

/** Same policy as the browser host, with our scheme as 'self' and no network at all. */
export const ELECTRON_CSP = rendererContentSecurityPolicy("'self'");

/** Maps a kiosk:// request path to a file inside the renderer directory, or null if it would leave it. */
export function rendererPathFor(url: string, rendererDir: string): string | null {
  let pathname: string;
  try {
    const parsed = new URL(url);
    if (!isOurUrl(url)) return null;
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  if (pathname.includes('\0')) return null;
  const parts = pathname.split('/').filter((p) => p.length > 0);
  if (parts.some((p) => p === '..' || p === '.' || p.includes('\\'))) return null;
  return [rendererDir.replace(/\/+$/, ''), ...parts].join('/');
}
