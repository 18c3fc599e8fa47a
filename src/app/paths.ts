// Where the built renderer and Electron entry points are, whether we run from dist/ (npm start) or
// from the TypeScript sources (vitest, tsx): both sit under the project root, found by package.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'checkpoint-kiosk') return dir;
      } catch {
        // an unreadable package.json is not ours: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the checkpoint-kiosk project root');
    dir = parent;
  }
}

export const rendererDir = (root = projectRoot()) => join(root, 'dist', 'renderer');
export const electronMainEntry = (root = projectRoot()) => join(root, 'dist', 'src', 'main', 'main.js');
export const preloadBundle = (root = projectRoot()) => join(root, 'dist', 'preload', 'preload.cjs');
