// The HC1 verifier (docs/dcc.md, "Verification"): an authentic code of each algorithm passes, and each
// layer's failure comes back with its own reason, in the documented order.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { base45Encode } from '../../../base/base45.js';
import { cborDecode, cborEncode, Tag } from '../cbor.js';
import { hc1FromCose, issueHc1, issueHc1Cose, makeDsc, type Dsc, type IssueHc1Options } from './issue-hc1.js';
import { MAX_HC1_INFLATED_BYTES, verifyHc1 } from './verify-hc1.js';
import type { DscEntry } from './types.js';

const T0 = Date.UTC(2026, 0, 1) / 1000;
const DAY = 86400;
const NOW = T0 + 30 * DAY;
const vaccination = {
  ver: '1.3.0',
  nam: { fn: 'Musterfrau', fnt: 'MUSTERFRAU', gn: 'Erika', gnt: 'ERIKA' },
  dob: '1980-01-01',
  v: [{ tg: '840539006', vp: '1119349007', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: '2025-12-01', co: 'AT', is: 'Ministry of Health', ci: 'URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B' }],
};
const test = {
  ver: '1.3.0',
  nam: { fnt: 'MUSTERFRAU', gnt: 'ERIKA' },
  dob: '1980-01-01',
  t: [{ tg: '840539006', tt: 'LP6464-4', sc: '2026-01-30T10:00:00Z', tr: '260415000', tc: 'Test centre', co: 'AT', is: 'Ministry of Health', ci: 'URN:UVCI:01:AT:71EE2559DE38C6BF7304FB65A1A451EC#3' }],
};

const es = makeDsc({ alg: 'ES256', country: 'AT', notBefore: T0, notAfter: T0 + 365 * DAY });
const ps = makeDsc({ alg: 'PS256', country: 'DE', notBefore: T0, notAfter: T0 + 365 * DAY });
const testOnly = makeDsc({ alg: 'ES256', country: 'AT', notBefore: T0, notAfter: T0 + 365 * DAY, eku: ['t'] });
const legacyVacc = makeDsc({ alg: 'ES256', country: 'AT', notBefore: T0, notAfter: T0 + 365 * DAY, ekuOids: ['1.3.6.1.4.1.0.1847.2021.1.2'] });
const unrelatedEku = makeDsc({ alg: 'ES256', country: 'AT', notBefore: T0, notAfter: T0 + 365 * DAY, ekuOids: ['1.3.6.1.5.5.7.3.4'] });
const expiredDsc = makeDsc({ alg: 'ES256', country: 'AT', notBefore: T0 - 400 * DAY, notAfter: T0 - DAY });
const dscs = new Map<string, DscEntry>([es, ps, testOnly, legacyVacc, unrelatedEku, expiredDsc].map((d) => [d.kid, d.entry]));
const opts = (signer: Dsc, extra: Partial<IssueHc1Options> = {}): IssueHc1Options => ({ signer, issuerCountry: signer.country, iat: T0 + DAY, exp: T0 + 60 * DAY, ...extra });
const verify = (code: string, now = NOW) => verifyHc1(code, { dscs, now });

describe('verifyHc1', () => {
  it.each([['ES256', es], ['PS256', ps]] as const)('accepts an authentic %s code and returns the certificate', (_alg, dsc) => {
    const r = verify(issueHc1(vaccination, opts(dsc)));
    expect(r).toMatchObject({ authentic: true, reason: null, kid: dsc.kid, dscCountry: dsc.country });
    expect(r.certificate).toMatchObject({ type: 'v', version: '1.3.0', issuerCountry: dsc.country, iat: T0 + DAY, exp: T0 + 60 * DAY, dob: '1980-01-01', ci: vaccination.v[0]!.ci });
    expect(r.certificate!.name).toEqual(vaccination.nam);
    expect(r.certificate!.entry).toEqual(vaccination.v[0]);
  });

  it('accepts untagged COSE, a CWT tag around it, and the kid in the unprotected header', () => {
    expect(verify(issueHc1(vaccination, opts(es, { untagged: true }))).reason).toBeNull();
    expect(verify(issueHc1(vaccination, opts(es, { kidIn: 'unprotected' }))).reason).toBeNull();
    const cwtTagged = cborEncode(new Tag(new Tag(parts(issueHc1Cose(vaccination, opts(es))), 18), 61));
    expect(verify(hc1FromCose(cwtTagged)).reason).toBeNull();
  });

  it('answers FORMAT_UNKNOWN without the prefix, and a reason per layer after it', () => {
    const good = issueHc1(vaccination, opts(es));
    expect(verify(good.slice(4)).reason).toBe('FORMAT_UNKNOWN');
    expect(verify('HC2:' + good.slice(4)).reason).toBe('FORMAT_UNKNOWN');
    expect(verify('HC1:abc').reason).toBe('DCC_BASE45_INVALID');
    expect(verify('HC1:').reason).toBe('DCC_BASE45_INVALID');
    expect(verify('HC1:' + base45Encode(Buffer.from('not zlib at all'))).reason).toBe('DCC_COMPRESSION_INVALID');
    expect(verify('HC1:' + base45Encode(deflateSync(Buffer.alloc(MAX_HC1_INFLATED_BYTES + 1)))).reason).toBe('DCC_COMPRESSION_INVALID');
    expect(verify('HC1:' + base45Encode(deflateSync(cborEncode([1, 2, 3])))).reason).toBe('DCC_COSE_INVALID');
    expect(verify('HC1:' + base45Encode(deflateSync(cborEncode(new Tag([], 98))))).reason).toBe('DCC_COSE_INVALID');
  });

  it('requires alg in the protected header, ES256 or PS256', () => {
    expect(verify(issueHc1(vaccination, opts(es, { algIn: 'unprotected' }))).reason).toBe('DCC_ALG_UNSUPPORTED');
    expect(verify(issueHc1(vaccination, opts(es, { algIn: 'none' }))).reason).toBe('DCC_ALG_UNSUPPORTED');
    const eddsa = rewriteProtected(issueHc1Cose(vaccination, opts(es)), new Map<number, unknown>([[1, -8], [4, Buffer.from(es.kid, 'base64')]]));
    expect(verify(hc1FromCose(eddsa)).reason).toBe('DCC_ALG_UNSUPPORTED');
  });

  it('refuses a CWT without iss, iat, exp or hcert', () => {
    for (const drop of [1, 4, 6, -260]) {
      const cose = rewritePayload(issueHc1Cose(vaccination, opts(es)), (claims) => claims.delete(drop));
      expect(verify(hc1FromCose(cose)).reason, `claim ${drop}`).toBe('DCC_CWT_INVALID');
    }
    const textIat = rewritePayload(issueHc1Cose(vaccination, opts(es)), (claims) => claims.set(6, 'yesterday'));
    expect(verify(hc1FromCose(textIat)).reason).toBe('DCC_CWT_INVALID');
  });

  it('needs the kid in the installed list, and the list itself', () => {
    const stranger = makeDsc({ alg: 'ES256', country: 'FR', notBefore: T0, notAfter: T0 + 365 * DAY });
    const code = issueHc1(vaccination, opts(stranger));
    expect(verify(code)).toMatchObject({ reason: 'DCC_KEY_UNKNOWN', kid: stranger.kid, dscCountry: null });
    expect(verifyHc1(issueHc1(vaccination, opts(es)), { dscs: null, now: NOW }).reason).toBe('DCC_KEY_UNKNOWN');
    expect(verify(issueHc1(vaccination, opts(es, { kidIn: 'none' }))).reason).toBe('DCC_KEY_UNKNOWN');
  });

  it.each([['ES256', es], ['PS256', ps]] as const)('refuses a %s signature that does not match', (_alg, dsc) => {
    const tampered = rewritePayload(issueHc1Cose(vaccination, opts(dsc)), (claims) => claims.set(4, T0 + 999 * DAY));
    expect(verify(hc1FromCose(tampered))).toMatchObject({ reason: 'DCC_SIGNATURE_INVALID', kid: dsc.kid, dscCountry: dsc.country });
    // Signed by one key, claiming the other's kid.
    const impostor = issueHc1(vaccination, opts({ ...dsc, kid: dsc === es ? ps.kid : es.kid }));
    expect(verify(impostor).reason).toBe('DCC_SIGNATURE_INVALID');
  });

  it('refuses a DSC outside its validity at the verification time', () => {
    expect(verify(issueHc1(vaccination, opts(expiredDsc))).reason).toBe('DCC_CERT_EXPIRED');
    expect(verify(issueHc1(vaccination, opts(es)), T0 + 400 * DAY).reason).toBe('DCC_CERT_EXPIRED');
  });

  it('applies the DCC extended key usage: listed types only, any type without DCC OIDs', () => {
    expect(verify(issueHc1(vaccination, opts(testOnly))).reason).toBe('DCC_CERT_USAGE');
    expect(verify(issueHc1(test, opts(testOnly))).reason).toBeNull();
    expect(verify(issueHc1(vaccination, opts(legacyVacc))).reason).toBeNull();
    expect(verify(issueHc1(test, opts(legacyVacc))).reason).toBe('DCC_CERT_USAGE');
    expect(verify(issueHc1(test, opts(unrelatedEku))).reason).toBeNull();
  });

  it('validates the payload against the schema of its version', () => {
    expect(verify(issueHc1({ ...vaccination, dob: 'yesterday' }, opts(es))).reason).toBe('DCC_SCHEMA_INVALID');
    expect(verify(issueHc1({ ...vaccination, ver: '9.9.9' }, opts(es))).reason).toBe('DCC_SCHEMA_INVALID');
    expect(verify(issueHc1({ ...vaccination, ver: '1.0.0' }, opts(es))).reason).toBeNull();
    expect(verify(issueHc1({ ...vaccination, t: test.t }, opts(es))).reason).toBe('DCC_SCHEMA_INVALID');
    expect(verify(issueHc1({ ...vaccination, ver: '1.0.0', v: [vaccination.v[0], vaccination.v[0]] }, opts(es))).reason).toBe('DCC_SCHEMA_INVALID');
  });

  it('checks iat and exp against now with the skew allowance, after everything else', () => {
    const code = issueHc1(vaccination, opts(es));
    const early = verify(code, T0 + DAY - 301);
    expect(early.reason).toBe('DCC_NOT_YET_VALID');
    expect(early.certificate?.type).toBe('v');
    expect(verify(code, T0 + DAY - 299).reason).toBeNull();
    expect(verify(code, T0 + 60 * DAY + 299).reason).toBeNull();
    expect(verify(code, T0 + 60 * DAY + 301).reason).toBe('DCC_EXPIRED');
  });
});

/** The four COSE_Sign1 members of an issued code (tag 18 stripped). */
function parts(cose: Uint8Array): [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array] {
  return (cborDecode(cose) as Tag).value as [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array];
}
function rewriteProtected(cose: Uint8Array, header: Map<number, unknown>): Uint8Array {
  const [, u, p, s] = parts(cose);
  return cborEncode(new Tag([cborEncode(header), u, p, s], 18));
}
function rewritePayload(cose: Uint8Array, edit: (claims: Map<number, unknown>) => void): Uint8Array {
  const [ph, u, p, s] = parts(cose);
  const claims = cborDecode(p) as Map<number, unknown>;
  edit(claims);
  return cborEncode(new Tag([ph, u, cborEncode(claims), s], 18));
}
