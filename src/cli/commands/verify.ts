// `kiosk verify`: verify one scanned code (or a card alone) offline and print one JSON object with
// the verification result (spec §4 checks) and the venue decision (spec §4 policy tables).
import { readFileSync } from 'node:fs';
import { loadConfig } from '../../core/config/config.js';
import { maskDocumentNumber, maskName } from '../../core/codes/id-number.js';
import { ListCache } from '../../core/codes/list-cache.js';
import { installStatusList, installTrustList, type PinnedRoot, type StatusList, type TrustList } from '../../core/codes/lists.js';
import { verifyCode } from '../../core/codes/verify.js';
import { DscListCache, installDscList, type DscList } from '../../core/codes/dcc/dsc-list.js';
import { HC1_PREFIX } from '../../core/codes/dcc/types.js';
import { evaluateDcc, type DscListSource } from '../../core/checkpoint/dcc-passage.js';
import { decideForCard, decideForCode, resolvePolicy, type VenuePolicyInput } from '../../core/policy/policy.js';
import { CliError, dataDirOf, printJson, withDataDir } from '../program.js';
import type { RegisterCommand } from './index.js';

interface VerifyOpts {
  dataDir?: string;
  roots?: string;
  trustList?: string;
  statusList?: string;
  dscList?: string;
  now?: string;
  policy?: string;
  cardId?: string;
  temperature?: string;
  reveal?: boolean;
}

function readJsonFile(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError('FORMAT_INVALID', `${what} ${file}: ${(err as Error).message}`, 2);
  }
}

async function readStdinRaw(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  // Raw: Base45 contains spaces, so nothing is trimmed (spec §1).
  return Buffer.concat(chunks).toString('utf8');
}

export const register: RegisterCommand = (program, io) => {
  withDataDir(program.command('verify'))
    .description('verify a PHC1 or EU DCC (HC1:) code (or, with --card-id and no code, a card alone) and print one JSON object')
    .argument('[qr-text]', 'the QR text exactly as scanned, or - to read it raw from stdin')
    .option('--roots <file>', 'pinned roots: JSON array of {kid, pub} (default: the configured roots)')
    .option('--trust-list <file>', 'trust list JWS (default: the cached one)')
    .option('--status-list <file>', 'status list JWS (default: the cached one)')
    .option('--dsc-list <file>', 'signed DSC list for HC1: codes (default: the installed one; docs/dcc-trust.md)')
    .option('--now <epoch>', 'verification time, seconds since the epoch (default: now)')
    .option('--policy <json>', 'venue policy overrides as JSON, e.g. \'{"requireTemperature":true}\'')
    .option('--card-id <id>', 'document number read from an ID card in the same passage')
    .option('--temperature <celsius>', 'temperature reading')
    .option('--reveal', 'show the document number unmasked (admins only)')
    .action(async (qrArg: string | undefined, opts: VerifyOpts) => {
      const dataDir = dataDirOf(opts);
      const config = loadConfig(dataDir);
      const roots = opts.roots ? (readJsonFile(opts.roots, 'roots') as PinnedRoot[]) : config.roots;
      if (!Array.isArray(roots)) throw new CliError('FORMAT_INVALID', '--roots must be a JSON array of {kid, pub}', 2);
      let policyInput: VenuePolicyInput = config.policy;
      if (opts.policy) {
        let overrides: unknown;
        try {
          overrides = JSON.parse(opts.policy);
        } catch {
          throw new CliError('BAD_REQUEST', '--policy is not JSON');
        }
        policyInput = { ...policyInput, ...(overrides as VenuePolicyInput) };
      }
      let policy;
      try {
        policy = resolvePolicy(policyInput);
      } catch (err) {
        throw new CliError('BAD_REQUEST', `--policy: ${(err as Error).message}`);
      }
      const now = opts.now !== undefined ? Number(opts.now) : Math.floor(Date.now() / 1000);
      if (!Number.isFinite(now)) throw new CliError('BAD_REQUEST', '--now must be seconds since the epoch');
      const temperatureC = opts.temperature !== undefined ? Number(opts.temperature) : null;
      if (temperatureC !== null && !Number.isFinite(temperatureC)) throw new CliError('BAD_REQUEST', '--temperature must be a number');

      const cache = !opts.trustList || !opts.statusList ? new ListCache(dataDir, roots).load() : null;
      let trustList: TrustList | null = cache?.trustList ?? null;
      if (opts.trustList) {
        const r = installTrustList(readFileSync(opts.trustList, 'utf8'), roots, null);
        if (!r.accepted) throw new CliError(r.reason, `trust list ${opts.trustList}: ${r.message}`);
        trustList = r.list;
      }
      let statusList: StatusList | null = cache?.statusList ?? null;
      if (opts.statusList) {
        const r = installStatusList(readFileSync(opts.statusList, 'utf8'), roots, null);
        if (!r.accepted) throw new CliError(r.reason, `status list ${opts.statusList}: ${r.message}`);
        statusList = r.list;
      }
      const mask = (id: string) => (opts.reveal ? id : maskDocumentNumber(id));
      const card = opts.cardId ? { id: opts.cardId } : null;

      if (qrArg === undefined) {
        if (!card) throw new CliError('BAD_REQUEST', 'give the QR text, - for stdin, or --card-id for a card alone');
        const d = decideForCard({ card, statusList, policy, temperatureC, now });
        printJson(io, {
          authentic: null,
          reason: null,
          decision: d.decision,
          decisionReason: d.reason,
          trustListStale: false,
          card: { id: mask(card.id), listed: d.listed },
        });
        return;
      }
      const text = qrArg === '-' ? await readStdinRaw(io.stdin) : qrArg;
      if (text.startsWith(HC1_PREFIX)) {
        // An EU DCC, decided as the passage decides it (docs/dcc-trust.md, "At the door").
        let dscList: DscListSource;
        if (opts.dscList) {
          const r = installDscList(readFileSync(opts.dscList, 'utf8'), roots, null);
          if (!r.accepted) throw new CliError(r.reason, `DSC list ${opts.dscList}: ${r.message}`);
          const list: DscList = r.list;
          dscList = { dscs: list.dscs, state: (at, maxAgeDays) => (at - list.issued > maxAgeDays * 86400 ? 'expired' : 'ok') };
        } else {
          dscList = new DscListCache(dataDir, roots).load();
        }
        const e = evaluateDcc({ text, dscList, policy, card: opts.cardId ? { idNumber: opts.cardId, name: '', docType: '' } : null, temperatureC, thermometerFitted: false, now });
        const c = e.verification.certificate;
        const name = e.holder.name;
        printJson(io, {
          authentic: e.verification.authentic,
          reason: e.verification.reason,
          decision: e.decision,
          decisionReason: e.reason,
          decisionReasons: e.reasons,
          dscList: e.dscListState,
          detail: e.verification.detail,
          kid: e.verification.kid,
          dscCountry: e.verification.dscCountry,
          certificate: c && { type: c.type, credentialType: e.holder.docType, issuerCountry: c.issuerCountry, iat: c.iat, exp: c.exp, version: c.version, holder: name === null ? null : opts.reveal ? name : maskName(name) },
        });
        return;
      }
      const v = verifyCode(text, { trustList, now, skewSeconds: policy.clockSkewSeconds });
      const d = decideForCode({ verification: v, trustList, policy, card, temperatureC, now });
      printJson(io, {
        authentic: v.authentic,
        reason: v.reason,
        decision: d.decision,
        decisionReason: d.reason,
        trustListStale: d.trustListStale,
        detail: v.detail,
        kid: v.kid,
        claims: v.claims && { ...v.claims, hc: { ...v.claims.hc, id: mask(v.claims.hc.id) } },
      });
    });
};
