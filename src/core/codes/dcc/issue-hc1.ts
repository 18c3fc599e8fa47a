// Issuing EU DCC `HC1:` codes and their document signer certificates (DSCs), for tests, the demo and
// the benchmark only: the kiosk never uses this to verify (docs/dcc.md, "Verification").
//
// Stable API (the demo trust list and the demo codes are built on it):
//
//   makeDsc(opts: MakeDscOptions): Dsc
//     A key pair (ES256: P-256; PS256: RSA 2048, or opts.keyPair) and an X.509 v3 certificate for it:
//     subject C=opts.country, CN=opts.commonName; validity opts.notBefore..opts.notAfter (seconds since
//     the epoch); extended key usage opts.eku (DCC OIDs 1.3.6.1.4.1.1847.2021.1.1/.2/.3 for t/v/r; the
//     extension is left out when opts.eku is absent or empty: such a DSC may sign any type); self-signed,
//     or signed by opts.issuer (a Dsc made with ca: true, which gets basicConstraints CA and keyCertSign).
//     Returns the certificate (node:crypto X509Certificate and DER), the keys, the kid (base64 of the
//     first 8 bytes of SHA-256 over the DER) and the DscEntry the verifier's list holds.
//
//   issueHc1(hcert: object, opts: IssueHc1Options): string
//     The CWT {1: iss, 4: exp, 6: iat, -260: {1: hcert}} in a COSE_Sign1 (tag 18 unless untagged)
//     signed by opts.signer with its alg (ES256: r||s, 64 bytes; PS256: RSASSA-PSS, SHA-256, MGF1
//     SHA-256, salt 32 bytes as RFC 8230 §2 and the hcert spec require), zlib-deflated, Base45, "HC1:".
//     Options place kid and alg in either header so tests can build every structural case.
//
// Certificates are written as minimal DER here rather than through a library: Node's crypto can sign
// and parse X.509 but not make it, the structure needed is small (one TBSCertificate with three
// extensions), and a library such as @peculiar/x509 would add a dependency tree (reflect-metadata,
// tsyringe, asn1 schema packages) to the product for a development-only path. Node's X509Certificate
// parses every certificate made here, which checks the encoding.
import { generateKeyPairSync, randomBytes, sign as cryptoSign, X509Certificate, constants, type KeyObject } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { base45Encode } from '../../../base/base45.js';
import { cborEncode, Tag } from '../cbor.js';
import { COSE_SIGN1_TAG, sigStructure } from '../cose.js';
import { HC1_PREFIX, type DccType, type DscEntry } from './types.js';
import { COSE_ALG_ES256, COSE_ALG_PS256, DCC_EKU_OIDS, kidOfCertificate, PS256_SALT_LENGTH, type DccAlg } from './verify-hc1.js';

// The algorithm ids, salt length and EKU OIDs are the verifier's own, so issuer and verifier cannot drift.
export { COSE_ALG_ES256, COSE_ALG_PS256, DCC_EKU_OIDS, PS256_SALT_LENGTH, type DccAlg } from './verify-hc1.js';

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface MakeDscOptions {
  alg: DccAlg;
  /** ISO 3166-1 alpha-2, written as the subject's C and returned in the DscEntry. */
  country: string;
  commonName?: string;
  /** Seconds since the epoch. */
  notBefore: number;
  notAfter: number;
  /** Certificate types this DSC may sign, written as the DCC EKU OIDs; absent or empty: no EKU extension. */
  eku?: readonly DccType[];
  /** Raw EKU OIDs instead of (or beside) `eku`, for tests of unusual certificates. */
  ekuOids?: readonly string[];
  /** A CA certificate (basicConstraints CA, keyCertSign) instead of a DSC. */
  ca?: boolean;
  /** Signs the certificate; self-signed when absent. */
  issuer?: Dsc;
  /** Reuse a key pair (e.g. one loaded from PEM) instead of generating one. */
  keyPair?: KeyPair;
}

export interface Dsc extends KeyPair {
  alg: DccAlg;
  country: string;
  subjectName: Uint8Array;
  certificate: X509Certificate;
  der: Buffer;
  /** base64 of the first 8 bytes of SHA-256 over the DER. */
  kid: string;
  entry: DscEntry;
}

// --- minimal DER (X.690) ---

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.of(0x80 | bytes.length, ...bytes);
}
function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.of(tag), derLength(body.length), body]);
}
const seq = (...c: Uint8Array[]): Buffer => tlv(0x30, ...c);
const set = (...c: Uint8Array[]): Buffer => tlv(0x31, ...c);
const explicit = (n: number, ...c: Uint8Array[]): Buffer => tlv(0xa0 | n, ...c);
const octets = (b: Uint8Array): Buffer => tlv(0x04, b);
const bitString = (b: Uint8Array): Buffer => tlv(0x03, Buffer.of(0), b);
const derBoolean = (v: boolean): Buffer => tlv(0x01, Buffer.of(v ? 0xff : 0));
const derNull = (): Buffer => Buffer.of(0x05, 0x00);
function derInteger(bytes: Uint8Array): Buffer {
  let b = Buffer.from(bytes);
  while (b.length > 1 && b[0] === 0 && (b[1]! & 0x80) === 0) b = b.subarray(1);
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.of(0), b]);
  return tlv(0x02, b);
}
function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}
function derTime(seconds: number): Buffer {
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const year = Number(iso.slice(0, 4));
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '') + 'Z';
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return year >= 1950 && year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}
function name(country: string, commonName: string): Buffer {
  return seq(
    set(seq(oid('2.5.4.6'), tlv(0x13, Buffer.from(country, 'ascii')))),
    set(seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(commonName, 'utf8')))),
  );
}
function extension(id: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? seq(oid(id), derBoolean(true), octets(value)) : seq(oid(id), octets(value));
}

function signatureAlgorithm(key: KeyObject): Buffer {
  // ecdsa-with-SHA256 (RFC 5758 §3.2, no parameters) or sha256WithRSAEncryption (RFC 4055 §5, NULL).
  return key.asymmetricKeyType === 'ec' ? seq(oid('1.2.840.10045.4.3.2')) : seq(oid('1.2.840.113549.1.1.11'), derNull());
}

function generateKeyPair(alg: DccAlg): KeyPair {
  return alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
}

export function dscKid(der: Uint8Array): string {
  return kidOfCertificate(der);
}

export function makeDsc(opts: MakeDscOptions): Dsc {
  const keys = opts.keyPair ?? generateKeyPair(opts.alg);
  const commonName = opts.commonName ?? `${opts.ca ? 'CSCA' : 'DSC'} ${opts.country} ${opts.alg}`;
  const subjectName = name(opts.country, commonName);
  const signerKey = opts.issuer ? opts.issuer.privateKey : keys.privateKey;
  const issuerName = opts.issuer ? opts.issuer.subjectName : subjectName;
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const extensions: Buffer[] = [
    extension('2.5.29.19', true, opts.ca ? seq(derBoolean(true)) : seq()),
    // keyUsage: digitalSignature (bit 0) for a DSC; keyCertSign and cRLSign (bits 5, 6) for a CA.
    extension('2.5.29.15', true, opts.ca ? tlv(0x03, Buffer.of(1, 0x06)) : tlv(0x03, Buffer.of(7, 0x80))),
  ];
  const ekuOids = [...(opts.eku ?? []).map((t) => DCC_EKU_OIDS[t][0]!), ...(opts.ekuOids ?? [])];
  if (ekuOids.length > 0) extensions.push(extension('2.5.29.37', false, seq(...ekuOids.map(oid))));
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const tbs = seq(
    explicit(0, derInteger(Buffer.of(2))),
    derInteger(serial),
    signatureAlgorithm(signerKey),
    issuerName,
    seq(derTime(opts.notBefore), derTime(opts.notAfter)),
    subjectName,
    spki,
    explicit(3, seq(...extensions)),
  );
  const signature = cryptoSign('sha256', tbs, signerKey);
  const der = seq(tbs, signatureAlgorithm(signerKey), bitString(signature));
  const certificate = new X509Certificate(der);
  const kid = dscKid(der);
  return {
    ...keys,
    alg: opts.alg,
    country: opts.country,
    subjectName,
    certificate,
    der,
    kid,
    entry: { kid, country: opts.country, certificate },
  };
}

// --- HC1 issuing ---

export interface IssueHc1Options {
  signer: Pick<Dsc, 'privateKey' | 'alg' | 'kid'>;
  /** CWT iss (claim 1). */
  issuerCountry: string;
  /** CWT iat and exp (claims 6 and 4), seconds since the epoch. */
  iat: number;
  exp: number;
  /** Where the kid goes (default protected). */
  kidIn?: 'protected' | 'unprotected' | 'none';
  /** Where the alg goes (default protected; the verifier must refuse any other place). */
  algIn?: 'protected' | 'unprotected' | 'none';
  /** Leave out CBOR tag 18 (both forms are valid COSE_Sign1). */
  untagged?: boolean;
}

const HEADER_ALG = 1;
const HEADER_KID = 4;

/** Signs `message` as COSE ES256 (r||s) or PS256 (RSASSA-PSS, salt 32). */
export function coseSign(alg: DccAlg, privateKey: KeyObject, message: Uint8Array): Buffer {
  return alg === 'ES256'
    ? cryptoSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' })
    : cryptoSign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PS256_SALT_LENGTH });
}

/** The COSE_Sign1 bytes of an HC1 code before compression (the fuzz test mutates these). */
export function issueHc1Cose(hcert: object, opts: IssueHc1Options): Uint8Array {
  const claims = new Map<number, unknown>([
    [1, opts.issuerCountry],
    [4, opts.exp],
    [6, opts.iat],
    [-260, new Map<number, unknown>([[1, hcert]])],
  ]);
  const payload = cborEncode(claims);
  const algValue = opts.signer.alg === 'ES256' ? COSE_ALG_ES256 : COSE_ALG_PS256;
  const protectedMap = new Map<number, unknown>();
  const unprotectedMap = new Map<number, unknown>();
  const kid = Buffer.from(opts.signer.kid, 'base64');
  const algIn = opts.algIn ?? 'protected';
  const kidIn = opts.kidIn ?? 'protected';
  if (algIn !== 'none') (algIn === 'protected' ? protectedMap : unprotectedMap).set(HEADER_ALG, algValue);
  if (kidIn !== 'none') (kidIn === 'protected' ? protectedMap : unprotectedMap).set(HEADER_KID, kid);
  const protectedBytes = protectedMap.size > 0 ? cborEncode(protectedMap) : new Uint8Array(0);
  const signature = coseSign(opts.signer.alg, opts.signer.privateKey, sigStructure(protectedBytes, payload));
  const body = [protectedBytes, unprotectedMap, payload, signature];
  return cborEncode(opts.untagged ? body : new Tag(body, COSE_SIGN1_TAG));
}

/** HC1: + Base45(zlib(COSE_Sign1)). */
export function hc1FromCose(cose: Uint8Array): string {
  return HC1_PREFIX + base45Encode(deflateSync(cose, { level: 9 }));
}

export function issueHc1(hcert: object, opts: IssueHc1Options): string {
  return hc1FromCose(issueHc1Cose(hcert, opts));
}
