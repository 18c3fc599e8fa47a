// The demo's EU DCC side (docs/dcc-trust.md, "Demo"): demo document signer certificates (one ES256,
// one PS256, one whose extended key usage allows test certificates only), the signed DSC list that
// carries them (signed by the demo national root, as the demo trust list is), and demo `HC1:` codes
// for synthetic holders: some pass, each of the others fails for one reason. A development tool like
// pki.ts: a deployed kiosk never signs a list nor issues a code.
import { createHash } from 'node:crypto';
import type { Reason } from '../../../contract/reasons.js';
import type { Ed25519KeyPair } from '../ed25519.js';
import { hc1FromCose, issueHc1, issueHc1Cose, makeDsc, type Dsc } from './issue-hc1.js';
import { signDscList } from './dsc-list.js';
import type { DccType } from './types.js';

const DAY = 86400;
const HOUR = 3600;

export interface DemoDcc {
  /** By label: `at` (ES256, any type), `de` (PS256, any type), `fr` (ES256, test certificates only). */
  dscs: Record<'at' | 'de' | 'fr', Dsc>;
  dscListJws: string;
  codes: DemoDccCode[];
}

export interface DemoDccCode {
  /** File name and console handle: `scan dcc-vaccinated`. */
  key: string;
  text: string;
  type: DccType;
  /** The issuing country (CWT iss). */
  country: string;
  /** The holder as the certificate names them (given name, family name). */
  holder: string;
  /** What the kiosk answers under the demo policy: null when it passes. */
  expectedReason: Reason | null;
  description: string;
}

export interface DemoDccOptions {
  root: Ed25519KeyPair;
  now: number;
  /** Seq of the DSC list (one past what the kiosk has installed, as the demo's other lists). */
  dscListSeq: number;
}

const isoDate = (epoch: number) => new Date(epoch * 1000).toISOString().slice(0, 10);
const isoTime = (epoch: number) => new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** A UVCI of the form the DCC spec gives (URN:UVCI:01:CC:…#check), stable for a holder and day. */
const uvci = (country: string, label: string, now: number) =>
  `URN:UVCI:01:${country}:${createHash('sha256').update(`${label}|${Math.floor(now / DAY)}`).digest('hex').slice(0, 24).toUpperCase()}#${label.length % 10}`;

interface Holder {
  fn: string;
  gn: string;
  fnt: string;
  gnt: string;
  dob: string;
}
const ERIKA: Holder = { fn: 'Musterfrau', gn: 'Erika', fnt: 'MUSTERFRAU', gnt: 'ERIKA', dob: '1964-08-12' };
const MAX: Holder = { fn: 'Mustermann', gn: 'Max', fnt: 'MUSTERMANN', gnt: 'MAX', dob: '1988-02-29' };
const MARIANNE: Holder = { fn: 'Dupont', gn: 'Marianne', fnt: 'DUPONT', gnt: 'MARIANNE', dob: '1975-05-01' };

const hcert = (h: Holder, entry: Record<string, unknown>, type: DccType) => ({
  ver: '1.3.0',
  nam: { fn: h.fn, gn: h.gn, fnt: h.fnt, gnt: h.gnt },
  dob: h.dob,
  [type]: [entry],
});

const vaccination = (country: string, issuer: string, dt: number, ci: string) => ({
  tg: '840539006',
  vp: '1119349007',
  mp: 'EU/1/20/1528',
  ma: 'ORG-100030215',
  dn: 2,
  sd: 2,
  dt: isoDate(dt),
  co: country,
  is: issuer,
  ci,
});
const naatTest = (country: string, issuer: string, sampled: number, ci: string) => ({
  tg: '840539006',
  tt: 'LP6464-4',
  nm: 'Roche LightCycler qPCR',
  sc: isoTime(sampled),
  tr: '260415000',
  tc: 'Testzentrum Demo',
  co: country,
  is: issuer,
  ci,
});

/** Demo DSCs valid a year either side of `now`, the DSC list signed by the demo root, and the demo codes. */
export function makeDemoDcc(opts: DemoDccOptions): DemoDcc {
  const { now } = opts;
  const validity = { notBefore: now - 365 * DAY, notAfter: now + 365 * DAY };
  const dscs = {
    at: makeDsc({ alg: 'ES256', country: 'AT', commonName: 'Demo DSC AT ES256', ...validity }),
    de: makeDsc({ alg: 'PS256', country: 'DE', commonName: 'Demo DSC DE PS256', ...validity }),
    fr: makeDsc({ alg: 'ES256', country: 'FR', commonName: 'Demo DSC FR tests only', eku: ['t'], ...validity }),
  };
  const dscListJws = signDscList(
    {
      seq: opts.dscListSeq,
      issued: now - HOUR,
      nextUpdate: now - HOUR + DAY,
      certificates: Object.values(dscs).map((d) => ({ country: d.country, der: d.der })),
    },
    { rootSecretKey: opts.root.secretKey, rootPublicKey: opts.root.publicKey },
  );
  const at = { signer: dscs.at, issuerCountry: 'AT', iat: now - 30 * DAY, exp: now + 300 * DAY };
  const de = { signer: dscs.de, issuerCountry: 'DE', iat: now - 2 * HOUR, exp: now + 3 * DAY };
  const codes: DemoDccCode[] = [];
  const add = (code: Omit<DemoDccCode, 'holder'>, h: Holder) => codes.push({ ...code, holder: `${h.gn} ${h.fn}` });

  add({ key: 'dcc-vaccinated', type: 'v', country: 'AT', expectedReason: null, description: 'EU DCC vaccination, complete 60 days ago (AT, ES256): passes', text: issueHc1(hcert(ERIKA, vaccination('AT', 'Ministry of Health, Austria', now - 60 * DAY, uvci('AT', 'erika v', now)), 'v'), at) }, ERIKA);
  add({ key: 'dcc-tested', type: 't', country: 'DE', expectedReason: null, description: 'EU DCC NAAT test, not detected, sampled 12 hours ago (DE, PS256): passes', text: issueHc1(hcert(MAX, naatTest('DE', 'Robert Koch-Institut', now - 12 * HOUR, uvci('DE', 'max t', now)), 't'), de) }, MAX);
  add({ key: 'dcc-test-old', type: 't', country: 'DE', expectedReason: 'DCC_TEST_TOO_OLD', description: 'EU DCC NAAT test sampled 96 hours ago (DE, PS256): stops, test too old', text: issueHc1(hcert(MAX, naatTest('DE', 'Robert Koch-Institut', now - 96 * HOUR, uvci('DE', 'max t old', now)), 't'), { ...de, iat: now - 95 * HOUR }) }, MAX);
  add({ key: 'dcc-expired', type: 'v', country: 'AT', expectedReason: 'DCC_EXPIRED', description: 'EU DCC vaccination whose certificate expired yesterday (AT, ES256): stops, expired', text: issueHc1(hcert(ERIKA, vaccination('AT', 'Ministry of Health, Austria', now - 400 * DAY, uvci('AT', 'erika old', now)), 'v'), { ...at, iat: now - 380 * DAY, exp: now - DAY }) }, ERIKA);
  add({ key: 'dcc-wrong-usage', type: 'v', country: 'FR', expectedReason: 'DCC_CERT_USAGE', description: 'EU DCC vaccination signed by a DSC for test certificates only (FR): stops, signer not allowed', text: issueHc1(hcert(MARIANNE, vaccination('FR', 'CNAM', now - 90 * DAY, uvci('FR', 'marianne v', now)), 'v'), { signer: dscs.fr, issuerCountry: 'FR', iat: now - DAY, exp: now + 300 * DAY }) }, MARIANNE);
  // Forged: a genuine code whose signature has one bit changed, as a tampered or made-up code fails.
  const genuine = issueHc1Cose(hcert(ERIKA, vaccination('AT', 'Ministry of Health, Austria', now - 60 * DAY, uvci('AT', 'erika forged', now)), 'v'), at);
  add({ key: 'dcc-forged', type: 'v', country: 'AT', expectedReason: 'DCC_SIGNATURE_INVALID', description: 'EU DCC vaccination with a broken signature (AT): stops, signature invalid', text: hc1FromCose(forge(genuine)) }, ERIKA);
  return { dscs, dscListJws, codes };
}

/** Flips one bit of the COSE_Sign1's last byte: the signature's, so the code no longer verifies. */
function forge(cose: Uint8Array): Uint8Array {
  const out = new Uint8Array(cose);
  out[out.length - 1] = out[out.length - 1]! ^ 0x01;
  return out;
}
