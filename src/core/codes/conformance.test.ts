// Every case of the shared conformance suite (../shared/spec/vectors/vectors.json), under both
// Ed25519 backends (health-code spec §5).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVectors, runConformance } from './conformance.js';
import { ed25519Backend } from './ed25519.js';

const vectorsPath = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'spec', 'vectors', 'vectors.json');
const vectors = parseVectors(JSON.parse(readFileSync(vectorsPath, 'utf8')));

describe.each(['node', 'tweetnacl'] as const)('shared vectors under the %s backend', (backend) => {
  const results = runConformance(vectors, ed25519Backend(backend));
  it('covers every section of the file', () => {
    const total = vectors.codes.length + vectors.policy.length + vectors.cardOnly.length + vectors.trustListUpdates.length + vectors.statusLookups.length;
    expect(results.filter((r) => r.section !== 'setup')).toHaveLength(total);
    expect(total).toBeGreaterThan(80);
  });
  it.each(results.map((r) => [`${r.section}/${r.name}`, r] as const))('%s', (_name, result) => {
    expect(result.message ?? '').toBe('');
    expect(result.ok).toBe(true);
  });
});
