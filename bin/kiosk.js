#!/usr/bin/env node
// The `kiosk` command. The TypeScript sources are built into dist/ by `npm install` (prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = join(root, 'dist', 'src', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('kiosk: not built yet; run `npm install` (or `npm run build`) in ' + root + '\n');
  process.exit(2);
}
const { main } = await import(pathToFileURL(entry).href);
const code = await main(process.argv.slice(2));
// A command that failed has said why and is done: end now, so a handle it left open (a database
// pool, a socket that never connected) cannot keep a failed `collector serve` looking alive to its
// supervisor. Success ends when its work does, as before.
if (code !== 0) process.exit(code);
process.exitCode = code;
