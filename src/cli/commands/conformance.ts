// `kiosk conformance FILE`: runs a vectors file in the format of health-code spec §5; prints one line
// per failing case and a closing `N passed, N failed`; exits 1 if any failed.
import { readFileSync } from 'node:fs';
import { parseVectors, runConformance, VectorsFormatError } from '../../core/codes/conformance.js';
import { ed25519Backend, type Ed25519BackendName } from '../../core/codes/ed25519.js';
import { CliError, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';

export const register: RegisterCommand = (program, io, setExit) => {
  withDataDir(program.command('conformance'))
    .description('check the verifier against a conformance vectors file (spec §5 format)')
    .argument('<file>', 'vectors JSON file')
    .option('--backend <name>', 'Ed25519 backend: node, tweetnacl or both', 'node')
    .action((file: string, opts: { backend: string }) => {
      const backends: Ed25519BackendName[] =
        opts.backend === 'both' ? ['node', 'tweetnacl'] : opts.backend === 'node' || opts.backend === 'tweetnacl' ? [opts.backend] : [];
      if (backends.length === 0) throw new CliError('BAD_REQUEST', `unknown backend ${opts.backend}`);
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new CliError('FORMAT_INVALID', `${file}: ${(err as Error).message}`, 2);
      }
      let vectors;
      try {
        vectors = parseVectors(json);
      } catch (err) {
        if (err instanceof VectorsFormatError) throw new CliError('FORMAT_INVALID', `${file}: ${err.message}`, 2);
        throw err;
      }
      let passed = 0;
      let failed = 0;
      for (const backend of backends) {
        for (const r of runConformance(vectors, ed25519Backend(backend))) {
          if (r.ok) passed++;
          else {
            failed++;
            io.stdout.write(`FAIL ${backends.length > 1 ? `[${backend}] ` : ''}${r.section}/${r.name}: ${r.message ?? ''}\n`);
          }
        }
      }
      io.stdout.write(`${passed} passed, ${failed} failed\n`);
      setExit(failed > 0 ? 1 : 0);
    });
};
