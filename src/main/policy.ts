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

interface SchemeRequest {
  url: string;
  method: string;
}

/**
 * Electron's handler for our scheme (protocol.handle): requests for our host are answered from the
 * renderer's files (src/app/static-files.ts, as the browser host answers them); any other host is a 404.
 */
export function schemeHandler(files: { respond(request: SchemeRequest): Promise<Response> }): (request: SchemeRequest) => Promise<Response> {
  return (request) => (isOurUrl(request.url) ? files.respond(request) : Promise.resolve(new Response('not found\n', { status: 404 })));
}
