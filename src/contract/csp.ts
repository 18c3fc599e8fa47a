// The renderer's Content-Security-Policy, one policy for both hosts (browser host and Electron):
// our own scripts only (no inline script), WebAssembly for zxing-wasm, workers from our origin,
// camera frames as blob:/mediastream:, nothing ever fetched from elsewhere. Only where the page may
// connect differs: the browser host's WebSocket, or nothing beyond 'self' in Electron.
export function rendererContentSecurityPolicy(connectSrc: string): string {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src ${connectSrc}`,
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
