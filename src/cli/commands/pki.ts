// `kiosk pki demo DIR` and `kiosk pki issue`: the demo PKI and code minting. Development tools only:
// they make keys, lists and codes for demos, fixtures and tests; a kiosk in service never issues.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import QRCode from 'qrcode';
import { loadConfig, saveConfig } from '../../core/config/config.js';
import { ensureDataDir } from '../../core/config/data-dir.js';
import { ListCache } from '../../core/codes/list-cache.js';
import { DOCUMENT_TYPES, type DocumentType } from '../../core/codes/claims.js';
import { issueCode, issueDemoCode, loadDemoPki, makeDemoPki, writeDemoPki } from '../../core/codes/pki.js';
import { DEMO_PEOPLE, demoPerson } from '../../core/demo/people.js';
import { CliError, dataDirOf, printJson, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';

/** Writes the QR text (exactly, no newline: it is the symbol's content) and a PNG of the symbol. */
export async function writeCodeFiles(prefix: string, text: string): Promise<{ text: string; png: string }> {
  mkdirSync(dirname(prefix), { recursive: true });
  writeFileSync(`${prefix}.txt`, text);
  // Base45 is the QR alphanumeric alphabet (RFC 9285), so alphanumeric mode keeps the symbol small.
  await QRCode.toFile(`${prefix}.png`, [{ data: text, mode: 'alphanumeric' }], { errorCorrectionLevel: 'M', margin: 4, scale: 4 });
  return { text: `${prefix}.txt`, png: `${prefix}.png` };
}

const STATUS_NAMES: Record<string, 0 | 1 | 2> = { green: 0, yellow: 1, red: 2, '0': 0, '1': 1, '2': 2 };

function num(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError('BAD_REQUEST', `${what} must be a number`);
  return n;
}

export const register: RegisterCommand = (program, io) => {
  const pki = program.command('pki').description('demo PKI and code issuing (development only)');

  withDataDir(pki.command('demo'))
    .description('make a demo root, provincial keys, signed trust and status lists, and a code per demo person')
    .argument('<dir>', 'output directory')
    .option('--seed <seed>', 'deterministic seed (fixtures)')
    .option('--now <epoch>', 'issue time (default: now)')
    .option('--status-records <n>', 'synthetic status-list records besides the demo people', '1000')
    .option('--install', "also pin the demo root in the kiosk's config and cache the lists in its data directory")
    .action(async (dir: string, opts: { seed?: string; now?: string; statusRecords: string; install?: boolean; dataDir?: string }) => {
      const now = num(opts.now, '--now') ?? Math.floor(Date.now() / 1000);
      const made = makeDemoPki({ ...(opts.seed ? { seed: opts.seed } : {}), now, syntheticStatusRecords: num(opts.statusRecords, '--status-records') ?? 1000 });
      writeDemoPki(dir, made);
      const codes: Record<string, string> = {};
      for (const person of DEMO_PEOPLE) {
        const files = await writeCodeFiles(join(dir, 'codes', person.key), issueDemoCode(made.provinces, person, now));
        codes[person.key] = files.png;
      }
      if (opts.install) {
        const dataDir = ensureDataDir(dataDirOf(opts));
        saveConfig(dataDir, { ...loadConfig(dataDir), roots: made.roots });
        const cache = new ListCache(dataDir, made.roots).load();
        const t = cache.installTrust(made.trustListJws);
        const s = cache.installStatus(made.statusListJws);
        if (!t.accepted) throw new CliError(t.reason, `trust list: ${t.message}`);
        if (!s.accepted) throw new CliError(s.reason, `status list: ${s.message}`);
      }
      printJson(io, { dir, roots: made.roots, provinces: made.provinces.map((p) => ({ iss: p.iss, kid: p.kid })), codes, installed: Boolean(opts.install) });
    });

  withDataDir(pki.command('issue'))
    .description('mint a PHC1 code with any status, test result, validity and document; writes PREFIX.txt and PREFIX.png')
    .requiredOption('--pki <dir>', 'a directory made by `kiosk pki demo`')
    .requiredOption('--out <prefix>', 'output path prefix')
    .option('--person <key>', `a demo person (${DEMO_PEOPLE.map((p) => p.key).join(', ')})`)
    .option('--name <name>', 'holder name')
    .option('--doc-type <dt>', `document type: ${DOCUMENT_TYPES.join(', ')}`)
    .option('--id <number>', 'document number')
    .option('--iss <code>', 'issuing province (6-digit division code)')
    .option('--status <colour>', 'green, yellow or red')
    .option('--status-age-hours <h>', 'hours since the status was assessed', '2')
    .option('--test <result>', 'nucleic-acid test: negative, positive or none', 'negative')
    .option('--test-age-hours <h>', 'hours since the test sample', '20')
    .option('--valid-hours <h>', 'hours until the code expires', '24')
    .option('--issued-hours-ago <h>', 'hours since the code was issued', '0.1')
    .option('--now <epoch>', 'reference time (default: now)')
    .option('--forge', 'corrupt the signature (a forged code, for tests)')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const loaded = loadDemoPki(String(opts.pki));
      const person = opts.person ? demoPerson(String(opts.person)) : undefined;
      if (opts.person && !person) throw new CliError('BAD_REQUEST', `no demo person ${String(opts.person)}`);
      const now = num(opts.now as string | undefined, '--now') ?? Math.floor(Date.now() / 1000);
      const hours = (k: string) => Math.round((num(opts[k] as string | undefined, `--${k}`) ?? 0) * 3600);
      const name = (opts.name as string | undefined) ?? person?.name;
      const documentNumber = (opts.id as string | undefined) ?? person?.idNumber;
      const documentType = ((opts.docType as string | undefined) ?? person?.docType ?? 'CN') as DocumentType;
      const iss = (opts.iss as string | undefined) ?? person?.province;
      if (!name || !documentNumber || !iss) throw new CliError('BAD_REQUEST', 'give --person, or --name, --id and --iss');
      const statusKey = (opts.status as string | undefined) ?? String(person?.status ?? 0);
      const status = STATUS_NAMES[statusKey];
      if (status === undefined) throw new CliError('BAD_REQUEST', `unknown --status ${statusKey}`);
      const test = opts.test === 'none' ? undefined : { positive: opts.test === 'positive', sampledAt: now - hours('testAgeHours') };
      const base = {
        name,
        documentType,
        documentNumber,
        iss,
        status,
        statusAssessedAt: now - hours('statusAgeHours'),
        issuedAt: now - hours('issuedHoursAgo'),
        expiresAt: now + hours('validHours'),
        ...(test ? { test } : {}),
        ...(person?.guardian ? { guardian: person.guardian } : {}),
        forge: Boolean(opts.forge),
      };
      const text = person && !opts.name && !opts.id ? issueDemoCode(loaded.provinces, person, now, base) : issueCode(loaded.provinces, base);
      const files = await writeCodeFiles(String(opts.out), text);
      printJson(io, { ...files, length: text.length });
    });
};
