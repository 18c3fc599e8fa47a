// Is an Electron binary installed? The `electron` npm package's index returns the binary's path,
// and throws "Electron failed to install correctly" when the download was impossible (as on
// machines that reach only the npm registry); then `kiosk start` falls back to the browser host.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';

export function findElectronBinary(): { path: string } | { missing: string } {
  try {
    const path: unknown = createRequire(import.meta.url)('electron');
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { missing: 'the electron package returned no binary path' };
  } catch (err) {
    return { missing: err instanceof Error ? err.message.split('\n')[0]! : 'electron package not loadable' };
  }
}
