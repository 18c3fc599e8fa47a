// `kiosk trust import-dsc FILE` and `kiosk trust dsc-list`: the signed DSC list of EU DCC signer
// certificates (docs/dcc-trust.md), brought on a USB stick or fetched by the integrator. The file is
// installed only through the very checks a list passes at start (dsc-list.ts: format, type, pinned
// root, signature, rollback floor) and refused with the list reason otherwise; either way the
// attempt is audited in the entry log as an import from the trust screen is ("list-imported").
// A running kiosk takes the new list at its next `HC1:` code (it looks at the file before each one).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { loadConfig } from '../../core/config/config.js';
import { DscListCache, dscListWarnings, dscListWarningText, MAX_DSC_LIST_CHARS } from '../../core/codes/dcc/dsc-list.js';
import { TRUST_SETUP_AUDIT } from '../../core/admin/trust-setup-methods.js';
import { CliError, existingDataDirOf, printJson, withDataDir } from '../program.js';
import { withStore } from './store-cli.js';
import type { RegisterCommand } from './index.js';

export const register: RegisterCommand = (program, io) => {
  const trust = program.command('trust').description('signed lists the kiosk trusts beyond the trust and status lists (docs/dcc-trust.md)');

  withDataDir(trust.command('import-dsc'))
    .description('install a signed DSC list (EU DCC signer certificates) from a file; refused with its list reason unless it passes every check')
    .argument('<file>', 'the DSC list (compact JWS, typ phc-dsc-list+json)')
    .action(async (file: string, opts: { dataDir?: string }) => {
      const dataDir = existingDataDirOf(opts);
      if (!existsSync(file) || !statSync(file).isFile()) throw new CliError('BAD_REQUEST', `no file ${file}`);
      if (statSync(file).size > MAX_DSC_LIST_CHARS * 4) throw new CliError('FORMAT_INVALID', `${file} is too large to be a DSC list`);
      const jws = readFileSync(file, 'utf8');
      const config = loadConfig(dataDir);
      const cache = new DscListCache(dataDir, config.roots).load();
      const r = cache.install(jws);
      const by = `cli:${userInfo().username}`.slice(0, 64);
      // Every attempt is audited, as on the trust screen; the very list in use again as `unchanged` (the sync's word).
      await withStore(dataDir, (store) =>
        store.audit(
          TRUST_SETUP_AUDIT.listImported,
          r.accepted ? { by, kind: 'dsc', accepted: true, seq: r.list.seq, ...(r.unchanged ? { unchanged: true } : {}) } : { by, kind: 'dsc', accepted: false, reason: r.reason },
        ),
      );
      if (!r.accepted) throw new CliError(r.reason, `DSC list refused: ${r.message}; the installed list stays`);
      // Newer and validly signed, so installed; but a list past its date or without a signer leaves
      // every EU certificate refused, and whoever installs it hears so (docs/dcc-trust.md).
      const warnings = dscListWarnings(r.list, Math.floor(Date.now() / 1000), config.policy.maxTrustListAgeDays).map((w) => ({ ...w, message: dscListWarningText(w) }));
      for (const w of warnings) io.stderr.write(`kiosk: warning: ${w.message}\n`);
      printJson(io, {
        installed: true,
        ...(r.unchanged ? { unchanged: true } : {}),
        seq: r.list.seq,
        certificates: r.list.dscs.size,
        leftOut: r.list.refusedEntries,
        warnings: warnings.map(({ code, message }) => ({ code, message })),
      });
    });

  withDataDir(trust.command('dsc-list'))
    .description('the installed DSC list: seq, dates and the signer certificates by kid and country')
    .action((opts: { dataDir?: string }) => {
      const dataDir = existingDataDirOf(opts);
      const cache = new DscListCache(dataDir, loadConfig(dataDir).roots).load();
      const l = cache.list;
      if (!l) {
        printJson(io, { installed: false, problem: cache.loadProblem });
        return;
      }
      const iso = (s: number) => new Date(s * 1000).toISOString();
      printJson(io, {
        installed: true,
        seq: l.seq,
        issued: iso(l.issued),
        nextUpdate: iso(l.nextUpdate),
        certificates: [...l.dscs.values()].map((d) => ({ kid: d.kid, country: d.country, subject: d.certificate.subject.replace(/\n/g, ', '), validFrom: iso(Date.parse(d.certificate.validFrom) / 1000), validTo: iso(Date.parse(d.certificate.validTo) / 1000) })),
        leftOut: l.refusedEntries,
      });
    });
};
