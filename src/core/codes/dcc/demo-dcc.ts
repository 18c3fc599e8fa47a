// The demo's EU DCC side (docs/dcc-trust.md, "Demo"): demo document signer certificates (one ES256,
// one PS256, one whose extended key usage allows test certificates only), the signed DSC list that
// carries them (signed by the demo national root, as the demo trust list is), and demo `HC1:` codes
// for synthetic holders: some pass, each of the others fails for one reason. A development tool like
// pki.ts: a deployed kiosk never signs a list nor issues a code.
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** DSCs of an earlier start (loadDemoDscs) instead of new ones: codes printed then still verify. */
  dscs?: DemoDcc['dscs'] | null;
}

const DSC_LABELS = ['at', 'de', 'fr'] as const;

/**
 * The demo DSCs a previous start saved (saveDemoDscs), or null when there are none, they are
 * unreadable, or any of them is not valid for another 30 days (new ones are made then).
 */
export function loadDemoDscs(file: string, now: number): DemoDcc['dscs'] | null {
  if (!existsSync(file)) return null;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { alg: 'ES256' | 'PS256'; country: string; key: string; der: string }>;
    const out: Partial<DemoDcc['dscs']> = {};
    for (const label of DSC_LABELS) {
      const s = saved[label];
      if (!s || (s.alg !== 'ES256' && s.alg !== 'PS256')) return null;
      const der = Buffer.from(s.der, 'base64');
      const certificate = new X509Certificate(der);
      if (Date.parse(certificate.validFrom) / 1000 > now || Date.parse(certificate.validTo) / 1000 < now + 30 * DAY) return null;
      const privateKey = createPrivateKey(s.key);
      const kid = createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
      // subjectName is only read when a Dsc issues another certificate, which a demo DSC never does.
      out[label] = { alg: s.alg, country: s.country, privateKey, publicKey: createPublicKey(privateKey), subjectName: new Uint8Array(0), certificate, der, kid, entry: { kid, country: s.country, certificate } };
    }
    return out as DemoDcc['dscs'];
  } catch {
    return null;
  }
}

/** Keeps the demo DSCs (private keys included: demo keys only) for the next start, 0600. */
export function saveDemoDscs(file: string, dscs: DemoDcc['dscs']): void {
  const saved = Object.fromEntries(DSC_LABELS.map((l) => [l, { alg: dscs[l].alg, country: dscs[l].country, key: dscs[l].privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), der: dscs[l].der.toString('base64') }]));
  writeFileSync(file, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
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
const LUCAS: Holder = { fn: 'Martin', gn: 'Lucas', fnt: 'MARTIN', gnt: 'LUCAS', dob: '1992-11-23' };
const ANNA: Holder = { fn: 'Gruber', gn: 'Anna', fnt: 'GRUBER', gnt: 'ANNA', dob: '1959-03-08' };

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
const rapidTest = (country: string, issuer: string, sampled: number, ci: string) => ({
  tg: '840539006',
  tt: 'LP217198-3',
  ma: '1232',
  sc: isoTime(sampled),
  tr: '260415000',
  tc: 'Centre de dépistage démo',
  co: country,
  is: issuer,
  ci,
});
/** A recovery certificate: valid from 11 days after the first positive test (fr) to 180 days after it. */
const recovery = (country: string, issuer: string, firstPositive: number, ci: string) => ({
  tg: '840539006',
  fr: isoDate(firstPositive),
  co: country,
  is: issuer,
  df: isoDate(firstPositive + 11 * DAY),
  du: isoDate(firstPositive + 180 * DAY),
  ci,
});

/** Demo DSCs valid a year either side of `now`, the DSC list signed by the demo root, and the demo codes. */
export function makeDemoDcc(opts: DemoDccOptions): DemoDcc {
  const { now } = opts;
  const validity = { notBefore: now - 365 * DAY, notAfter: now + 365 * DAY };
  const dscs = opts.dscs ?? {
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
  // A rapid antigen test signed by the FR DSC whose usage allows test certificates only: the EKU
  // rule lets it through (dcc-wrong-usage is the same signer on a vaccination).
  add({ key: 'dcc-rapid-test', type: 't', country: 'FR', expectedReason: null, description: 'EU DCC rapid antigen test, not detected, sampled 6 hours ago (FR, ES256, test-only signer): passes', text: issueHc1(hcert(LUCAS, rapidTest('FR', 'CNAM', now - 6 * HOUR, uvci('FR', 'lucas t rat', now)), 't'), { signer: dscs.fr, issuerCountry: 'FR', iat: now - 5 * HOUR, exp: now + 2 * DAY }) }, LUCAS);
  add({ key: 'dcc-recovered', type: 'r', country: 'AT', expectedReason: null, description: 'EU DCC recovery, first positive test 60 days ago, valid until day 180 (AT, ES256): passes', text: issueHc1(hcert(ANNA, recovery('AT', 'Ministry of Health, Austria', now - 60 * DAY, uvci('AT', 'anna r', now)), 'r'), at) }, ANNA);
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
