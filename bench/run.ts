// `npm run bench -- NAME…`: runs the named benchmarks (all when none is named) and prints one JSON
// object per benchmark. Benchmarks report medians and ratios; tests never assert wall-clock time.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .map((f) => f.replace(/\.bench\.js$/, ''))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length ? wanted : available;
for (const name of names) {
  if (!available.includes(name)) {
    process.stderr.write(`bench: unknown benchmark "${name}"; available: ${available.join(', ')}\n`);
    process.exit(2);
  }
}
for (const name of names) {
  const mod = (await import(pathToFileURL(join(here, `${name}.bench.js`)).href)) as { run: () => Promise<unknown> };
  const result = await mod.run();
  process.stdout.write(JSON.stringify({ bench: name, ...(result as object) }, null, 2) + '\n');
}
