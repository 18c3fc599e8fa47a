// Builds dist/: Node-side TypeScript transpiled file by file (ESM), the renderer bundled for the
// browser (no Node), and the Electron preload bundled as CommonJS (sandboxed preloads cannot be ESM).
import { build } from 'esbuild';
import { readdirSync, existsSync, mkdirSync, cpSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist');

function tsFiles(dir, skip) {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { recursive: true })
    .map((f) => join(dir, String(f)))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts') && !skip.some((s) => f.startsWith(s)));
}

rmSync(out, { recursive: true, force: true });
const nodeEntries = [
  ...tsFiles('src', ['src/renderer', 'src/preload']),
  ...tsFiles('native-bridge', []),
  ...tsFiles('bench', []),
  // The benchmarks drive Chromium with the e2e harness's helpers (launch flags, fake camera, page).
  ...tsFiles('e2e/support', []),
];
await build({
  entryPoints: nodeEntries.map((f) => join(root, f)),
  outdir: out,
  outbase: root,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});

// Renderer: one bundle per entry; workers are separate entries so they load as module workers.
// The admin console (Preact + TSX, charts) is a bundle of its own, console/console.js: main.ts
// reaches it only through a dynamic import that stays a run-time import here, so the guard screen's
// main.js carries none of it and the console loads only when the admin opens it
// (docs/admin-console.md, "Loading").
const rendererDir = join(root, 'src', 'renderer');
const rendererEntries = ['main.ts', 'decode-worker.ts']
  .map((f) => join(rendererDir, f))
  .filter((f) => existsSync(f));
const CONSOLE_IMPORT = './console/console.js';
const consoleStaysSeparate = {
  name: 'console-stays-separate',
  setup(b) {
    b.onResolve({ filter: /^\.\/console\/console\.js$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: CONSOLE_IMPORT, external: true } : undefined,
    );
  },
};
const rendererOptions = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'chrome120',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: 'linked',
  logLevel: 'warning',
};
if (rendererEntries.length) {
  await build({ ...rendererOptions, entryPoints: rendererEntries, outdir: join(out, 'renderer'), plugins: [consoleStaysSeparate] });
  const consoleEntry = join(rendererDir, 'console', 'console.tsx');
  if (existsSync(consoleEntry)) {
    await build({ ...rendererOptions, entryPoints: [consoleEntry], outfile: join(out, 'renderer', 'console', 'console.js') });
  }
  mkdirSync(join(out, 'renderer'), { recursive: true });
  for (const asset of ['index.html', 'styles.css', 'console/console.css']) {
    if (existsSync(join(rendererDir, asset))) cpSync(join(rendererDir, asset), join(out, 'renderer', asset));
  }
  // uPlot's stylesheet, served from our own origin beside the console's (style-src 'self').
  const uplotCss = join(root, 'node_modules', 'uplot', 'dist', 'uPlot.min.css');
  if (existsSync(uplotCss)) cpSync(uplotCss, join(out, 'renderer', 'console', 'uplot.css'));
  // zxing-wasm's reader must load from our own origin: never from a CDN (architecture.md "Screens").
  const wasm = join(root, 'node_modules', 'zxing-wasm', 'dist', 'reader', 'zxing_reader.wasm');
  if (existsSync(wasm)) cpSync(wasm, join(out, 'renderer', 'zxing_reader.wasm'));
}

// The collector's fleet console page (src/collector/console: HTML, CSS, plain browser JS) is served
// as it is, beside the collector's transpiled modules (docs/fleet.md).
const fleetConsole = join(root, 'src', 'collector', 'console');
if (existsSync(fleetConsole)) cpSync(fleetConsole, join(out, 'src', 'collector', 'console'), { recursive: true });

// The EU DCC JSON schemas the HC1 verifier validates payloads against, read beside its module (docs/dcc.md).
const dccSchemas = join(root, 'src', 'core', 'codes', 'dcc', 'schemas');
if (existsSync(dccSchemas)) cpSync(dccSchemas, join(out, 'src', 'core', 'codes', 'dcc', 'schemas'), { recursive: true });

const preload = join(root, 'src', 'preload', 'preload.ts');
if (existsSync(preload)) {
  await build({
    entryPoints: [preload],
    outfile: join(out, 'preload', 'preload.cjs'),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    external: ['electron'],
    target: 'node20',
    logLevel: 'warning',
  });
}
console.log(`built ${nodeEntries.length} node modules${rendererEntries.length ? ' + renderer' : ''} into dist/`);
