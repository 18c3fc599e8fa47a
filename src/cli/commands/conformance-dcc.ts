// `kiosk conformance-dcc DIR [--json]`: the EU DCC public test data (dgc-testdata layout) against the
// kiosk's own answer at every layer (docs/dcc.md, "Conformance"). Prints one line per disagreement,
// then `NAME checked N agree N` per expectation, then `N passed, N failed`; --json prints
// { expectations: { NAME: { checked, agree } }, disagreements: [...] }. Exits 1 on any disagreement.
// The pictures (EXPECTEDPICTUREDECODE) go through the camera's own pipeline, as `kiosk decode-image`.
import { existsSync, statSync } from 'node:fs';
import { DEFAULT_CAMERA_CONFIG } from '../../contract/api.js';
import { findDccCaseFiles, formatDccReport, runDccConformance, type PictureDecoder } from '../../core/codes/dcc/conformance-dcc.js';
import { ScanPipeline } from '../../scan/pipeline.js';
import { ScanError } from '../../scan/types.js';
import { CliError, printJson, withDataDir } from '../program.js';
import { createEngine } from '../scan-engine.js';
import { imageToLuma } from './decode-image.js';
import type { RegisterCommand } from './index.js';

/** As decode-image gives a still: far more time than a camera frame gets. */
const STILL_BUDGET_MS = 2000;

export async function cameraPictureDecoder(): Promise<PictureDecoder> {
  const pipeline = new ScanPipeline(await createEngine(DEFAULT_CAMERA_CONFIG.engine), { prefilter: 'locate', budgetMs: STILL_BUDGET_MS });
  return async (png) => {
    let image;
    try {
      image = imageToLuma(png);
    } catch (err) {
      if (err instanceof ScanError) return null;
      throw err;
    }
    const r = await pipeline.decode({ format: 'luma', ...image });
    return r.text;
  };
}

export const register: RegisterCommand = (program, io, setExit) => {
  withDataDir(program.command('conformance-dcc'))
    .description('check the HC1 (EU DCC) verifier against the public test data, layer by layer')
    .argument('<dir>', 'a directory in the dgc-testdata layout')
    .option('--json', 'print a JSON report instead of lines')
    .action(async (dir: string, opts: { json?: boolean }) => {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError('BAD_REQUEST', `${dir}: not a directory`);
      // A folder with nothing to check is a wrong path, not a pass: "0 passed, 0 failed" with exit 0
      // would let a mistyped folder stand for a conformance run (docs/dcc.md, "Conformance").
      if (findDccCaseFiles(dir).length === 0) {
        throw new CliError('BAD_REQUEST', `no test cases found under ${dir} (expected <STATE>/2DCode/raw/*.json, the dgc-testdata layout, e.g. AT/2DCode/raw/1.json)`);
      }
      const report = await runDccConformance(dir, { pictureDecoder: await cameraPictureDecoder() });
      const checked = Object.values(report.expectations).reduce((n, e) => n + e.checked, 0);
      if (checked === 0 && report.disagreements.length === 0) {
        throw new CliError('BAD_REQUEST', `no expectation checked under ${dir}: its ${report.cases} case files carry no EXPECTEDRESULTS the kiosk checks`);
      }
      if (opts.json) printJson(io, { expectations: report.expectations, disagreements: report.disagreements });
      else io.stdout.write(formatDccReport(report));
      setExit(report.disagreements.length > 0 ? 1 : 0);
    });
};
