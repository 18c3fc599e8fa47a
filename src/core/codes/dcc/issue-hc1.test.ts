// The development issuer (issue-hc1.ts): its certificates parse in Node's X509Certificate with the
// fields asked for, and its codes carry a COSE_Sign1 whose signature checks with the DSC's public key.
import { constants, verify as cryptoVerify } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { base45Decode } from '../../../base/base45.js';
import { cborDecode, Tag } from '../cbor.js';
import { sigStructure } from '../cose.js';
import { COSE_ALG_ES256, COSE_ALG_PS256, DCC_EKU_OIDS, dscKid, issueHc1, makeDsc, PS256_SALT_LENGTH } from './issue-hc1.js';

const T0 = Date.UTC(2026, 0, 1) / 1000;
const YEAR = 365 * 86400;
/** Maps with string keys as plain objects, as the JSON form of the hcert. */
const plain = (v: unknown): unknown =>
  v instanceof Map ? Object.fromEntries([...v].map(([k, x]) => [k, plain(x)])) : Array.isArray(v) ? v.map(plain) : v;
const hcert = { ver: '1.3.0', nam: { fnt: 'MUSTER', gnt: 'ERIKA' }, dob: '1980-01-01', v: [] };

describe('makeDsc', () => {
  it.each(['ES256', 'PS256'] as const)('makes a %s DSC with country, validity, EKU and kid', (alg) => {
    const dsc = makeDsc({ alg, country: 'AT', notBefore: T0, notAfter: T0 + YEAR, eku: ['v', 't'] });
    expect(dsc.certificate.subject).toContain('C=AT');
    expect(new Date(dsc.certificate.validFrom).getTime() / 1000).toBe(T0);
    expect(new Date(dsc.certificate.validTo).getTime() / 1000).toBe(T0 + YEAR);
    expect(dsc.certificate.keyUsage).toEqual([DCC_EKU_OIDS.v[0], DCC_EKU_OIDS.t[0]]);
    expect(dsc.certificate.publicKey.asymmetricKeyType).toBe(alg === 'ES256' ? 'ec' : 'rsa');
    expect(dsc.certificate.verify(dsc.publicKey)).toBe(true); // self-signed
    expect(Buffer.from(dsc.kid, 'base64')).toHaveLength(8);
    expect(dsc.kid).toBe(dscKid(dsc.der));
    expect(dsc.entry).toEqual({ kid: dsc.kid, country: 'AT', certificate: dsc.certificate });
  });

  it('leaves the EKU out when none is asked for, and signs with a CA when given one', () => {
    const csca = makeDsc({ alg: 'ES256', country: 'DE', notBefore: T0, notAfter: T0 + 10 * YEAR, ca: true });
    expect(csca.certificate.ca).toBe(true);
    const dsc = makeDsc({ alg: 'PS256', country: 'DE', notBefore: T0, notAfter: T0 + YEAR, issuer: csca });
    expect(dsc.certificate.keyUsage).toBeUndefined();
    expect(dsc.certificate.ca).toBe(false);
    expect(dsc.certificate.checkIssued(csca.certificate)).toBe(true);
    expect(dsc.certificate.verify(csca.publicKey)).toBe(true);
    expect(dsc.certificate.verify(dsc.publicKey)).toBe(false);
  });

  it('writes GeneralizedTime past 2049', () => {
    const far = Date.UTC(2051, 5, 1) / 1000;
    const dsc = makeDsc({ alg: 'ES256', country: 'FR', notBefore: T0, notAfter: far });
    expect(new Date(dsc.certificate.validTo).getTime() / 1000).toBe(far);
  });
});

describe('issueHc1', () => {
  it.each(['ES256', 'PS256'] as const)('issues an %s code whose COSE signature checks against the DSC', (alg) => {
    const dsc = makeDsc({ alg, country: 'SE', notBefore: T0, notAfter: T0 + YEAR });
    const code = issueHc1(hcert, { signer: dsc, issuerCountry: 'SE', iat: T0 + 10, exp: T0 + 1000 });
    expect(code.startsWith('HC1:')).toBe(true);
    const item = cborDecode(inflateSync(base45Decode(code.slice(4)))) as Tag;
    expect(item).toBeInstanceOf(Tag);
    expect(item.tag).toBe(18);
    const [prot, unprot, payload, sig] = item.value as [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array];
    const header = cborDecode(prot) as Map<number, unknown>;
    expect(header.get(1)).toBe(alg === 'ES256' ? COSE_ALG_ES256 : COSE_ALG_PS256);
    expect(Buffer.from(header.get(4) as Uint8Array).toString('base64')).toBe(dsc.kid);
    expect(unprot.size).toBe(0);
    const claims = cborDecode(payload) as Map<number, unknown>;
    expect(claims.get(1)).toBe('SE');
    expect(claims.get(4)).toBe(T0 + 1000);
    expect(claims.get(6)).toBe(T0 + 10);
    expect(plain((claims.get(-260) as Map<number, unknown>).get(1))).toEqual(hcert);
    const message = sigStructure(prot, payload);
    const key = dsc.certificate.publicKey;
    const ok =
      alg === 'ES256'
        ? cryptoVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, sig)
        : cryptoVerify('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PS256_SALT_LENGTH }, sig);
    expect(ok).toBe(true);
    if (alg === 'ES256') expect(sig).toHaveLength(64);
  });

  it('places kid and alg where asked and can leave the tag out', () => {
    const dsc = makeDsc({ alg: 'ES256', country: 'SE', notBefore: T0, notAfter: T0 + YEAR });
    const code = issueHc1(hcert, { signer: dsc, issuerCountry: 'SE', iat: T0, exp: T0 + 1, kidIn: 'unprotected', algIn: 'unprotected', untagged: true });
    const item = cborDecode(inflateSync(base45Decode(code.slice(4))));
    expect(Array.isArray(item)).toBe(true);
    const [prot, unprot] = item as [Uint8Array, Map<number, unknown>];
    expect(prot).toHaveLength(0);
    expect(unprot.get(1)).toBe(COSE_ALG_ES256);
    expect(Buffer.from(unprot.get(4) as Uint8Array).toString('base64')).toBe(dsc.kid);
  });
});
