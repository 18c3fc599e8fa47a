// Prints the README's configuration reference, generated from the configuration schema
// (src/contract/config.ts via src/contract/config-doc.ts); with --write, puts it into README.md
// between its markers. scripts/config-doc.test.ts checks the README is up to date.
//   npx tsx scripts/config-doc.ts [--write]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_REFERENCE_END, CONFIG_REFERENCE_START, configReferenceMarkdown } from '../src/contract/config-doc.js';

export const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

/** The README with its generated section replaced; throws when the markers are missing. */
export function withConfigReference(readme: string): string {
  const start = readme.indexOf(CONFIG_REFERENCE_START);
  const end = readme.indexOf(CONFIG_REFERENCE_END);
  if (start < 0 || end < start) throw new Error('README.md has no config-reference markers');
  return readme.slice(0, start + CONFIG_REFERENCE_START.length) + '\n' + configReferenceMarkdown() + '\n' + readme.slice(end);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--write')) writeFileSync(README, withConfigReference(readFileSync(README, 'utf8')));
  else process.stdout.write(configReferenceMarkdown() + '\n');
}
