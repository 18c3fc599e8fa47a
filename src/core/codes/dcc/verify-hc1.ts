// Verification of an EU Digital COVID Certificate (`HC1:`), docs/dcc.md "Verification": the layers
// below in this order, stopping at the first failure, each with a reason code of its own
// (src/contract/reasons.ts DCC_VERIFY_REASONS). Never throws on any input.
//
//   1. prefix "HC1:"                                   FORMAT_UNKNOWN
//   2. Base45 (text length capped)                     DCC_BASE45_INVALID
//   3. zlib, inflated size capped                      DCC_COMPRESSION_INVALID
//   4. COSE_Sign1 structure (tag 18 or untagged;
//      a CWT tag 61 around it is allowed)              DCC_COSE_INVALID
//   5. alg in the protected header, ES256 or PS256     DCC_ALG_UNSUPPORTED
//   6. CWT: iss, iat, exp, hcert v1 (-260 / 1)         DCC_CWT_INVALID
//   7. kid (protected, else unprotected) in the list   DCC_KEY_UNKNOWN
//   8. signature with the DSC's public key             DCC_SIGNATURE_INVALID
//   9. DSC valid at now                                DCC_CERT_EXPIRED
//  10. DSC extended key usage covers the type          DCC_CERT_USAGE
//  11. hcert against the JSON schema of its `ver`      DCC_SCHEMA_INVALID
//  12. iat not after now, exp not before now           DCC_NOT_YET_VALID, DCC_EXPIRED
//
// Each layer is exported on its own: the conformance runner (conformance-dcc.ts) checks the public
// test data's expectations one layer at a time.
import { constants, createHash, verify as cryptoVerify, type KeyObject, type X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import { base45Decode } from '../../../base/base45.js';
import type { DccVerifyReason } from '../../../contract/reasons.js';
import { cborDecode, isBytes, Tag } from '../cbor.js';
import { sigStructure } from '../cose.js';
import { DEFAULT_CLOCK_SKEW_SECONDS, MAX_QR_TEXT_LENGTH } from '../verify.js';
import { HC1_PREFIX, type DccCertificate, type DccName, type DccType, type DscEntry, type Hc1Options, type Hc1Result } from './types.js';
import type { CoseSign1 } from '../cose.js';

/**
 * The cap on the inflated COSE_Sign1 (docs/dcc.md, "Compression cap"). The largest COSE in the public
 * test data is 715 bytes (an RSA-3072 PS256 code) and no code there deflates better than 1.43:1
 * (signatures, UVCIs and keys do not compress); the largest QR symbol (version 40-L, 4,296
 * alphanumeric characters) carries 2,864 compressed bytes, about 4.1 KB inflated at that ratio.
 * 8 KiB leaves twice that and refuses a compressed bomb before it costs memory. PHC1 keeps its own
 * 4096 (health-code spec §1).
 */
export const MAX_HC1_INFLATED_BYTES = 8192;

export const COSE_SIGN1_TAG = 18;
/** RFC 8392 §6: the CWT tag, which some issuers put around the COSE_Sign1. */
export const CWT_TAG = 61;
export const COSE_ALG_ES256 = -7;
export const COSE_ALG_PS256 = -37;
/** RFC 8230 §2: RSASSA-PSS salt as long as the SHA-256 hash. */
export const PS256_SALT_LENGTH = 32;
const HEADER_ALG = 1;
const HEADER_KID = 4;
const CWT_ISS = 1;
const CWT_EXP = 4;
const CWT_IAT = 6;
const CWT_HCERT = -260;
const HCERT_EU_DCC_V1 = 1;

/** DCC extended key usage OIDs (hcert spec §5.1.1), both the registered and the earlier ".0." forms. */
export const DCC_EKU_OIDS: Readonly<Record<DccType, readonly string[]>> = {
  t: ['1.3.6.1.4.1.1847.2021.1.1', '1.3.6.1.4.1.0.1847.2021.1.1'],
  v: ['1.3.6.1.4.1.1847.2021.1.2', '1.3.6.1.4.1.0.1847.2021.1.2'],
  r: ['1.3.6.1.4.1.1847.2021.1.3', '1.3.6.1.4.1.0.1847.2021.1.3'],
};
const ALL_DCC_EKU = new Set(Object.values(DCC_EKU_OIDS).flat());

/** A layer's refusal: the reason the verifier returns and a detail for integrators (no personal data). */
export class Hc1LayerError extends Error {
  constructor(
    readonly reason: DccVerifyReason,
    detail: string,
  ) {
    super(detail);
  }
}
const refuse = (reason: DccVerifyReason, detail: string): never => {
  throw new Hc1LayerError(reason, detail);
};

// --- layers 1–3: text to COSE bytes ---

/** Layer 1: the Base45 text after the prefix, or null when the text is not an HC1 code. */
export function unprefixHc1(text: string): string | null {
  return typeof text === 'string' && text.startsWith(HC1_PREFIX) ? text.slice(HC1_PREFIX.length) : null;
}

/** Layer 2. */
export function decodeHc1Base45(base45: string): Uint8Array {
  if (base45.length > MAX_QR_TEXT_LENGTH) refuse('DCC_BASE45_INVALID', 'text too long for a QR code');
  let bytes: Uint8Array;
  try {
    bytes = base45Decode(base45);
  } catch (err) {
    return refuse('DCC_BASE45_INVALID', (err as Error).message);
  }
  if (bytes.length === 0) refuse('DCC_BASE45_INVALID', 'empty after prefix');
  return bytes;
}

/** Layer 3: zlib (RFC 1950) only; raw COSE without compression is refused, as the hcert spec requires. */
export function inflateHc1(compressed: Uint8Array): Uint8Array {
  try {
    return inflateSync(compressed, { maxOutputLength: MAX_HC1_INFLATED_BYTES });
  } catch (err) {
    return refuse('DCC_COMPRESSION_INVALID', `zlib: ${(err as Error).message}`);
  }
}

// --- layers 4–5: COSE_Sign1 ---

/** The same four parts as PHC1's COSE_Sign1; only the decoder's rules differ (any signature length, tag 61). */
export type DccCose = CoseSign1;

/** Layer 4: COSE_Sign1 (RFC 9052 §4.2), tagged 18 or untagged, optionally inside CWT tag 61. */
export function decodeDccCose(bytes: Uint8Array): DccCose {
  let item: unknown;
  try {
    item = cborDecode(bytes);
  } catch (err) {
    return refuse('DCC_COSE_INVALID', `CBOR: ${(err as Error).message}`);
  }
  if (item instanceof Tag && item.tag === CWT_TAG) item = item.value;
  if (item instanceof Tag) {
    if (item.tag !== COSE_SIGN1_TAG) refuse('DCC_COSE_INVALID', `unexpected CBOR tag ${String(item.tag)}`);
    item = item.value;
  }
  if (!Array.isArray(item) || item.length !== 4) return refuse('DCC_COSE_INVALID', 'COSE_Sign1 must be an array of four');
  const [protectedBytes, unprotectedHeader, payload, signature] = item as unknown[];
  if (!isBytes(protectedBytes)) return refuse('DCC_COSE_INVALID', 'protected header is not a byte string');
  if (!(unprotectedHeader instanceof Map)) return refuse('DCC_COSE_INVALID', 'unprotected header is not a map');
  if (!isBytes(payload)) return refuse('DCC_COSE_INVALID', 'payload is not a byte string');
  if (!isBytes(signature)) return refuse('DCC_COSE_INVALID', 'signature is not a byte string');
  let protectedHeader: unknown = new Map();
  if (protectedBytes.length > 0) {
    try {
      protectedHeader = cborDecode(protectedBytes);
    } catch (err) {
      return refuse('DCC_COSE_INVALID', `protected header CBOR: ${(err as Error).message}`);
    }
  }
  if (!(protectedHeader instanceof Map)) return refuse('DCC_COSE_INVALID', 'protected header is not a map');
  return { protectedBytes, protectedHeader, unprotectedHeader, payload, signature };
}

export type DccAlg = 'ES256' | 'PS256';

/** Layer 5: the algorithm, from the protected header only (RFC 9052 §3.1: alg must be integrity protected). */
export function dccCoseAlg(cose: DccCose): DccAlg {
  const alg = cose.protectedHeader.get(HEADER_ALG);
  if (alg === COSE_ALG_ES256) return 'ES256';
  if (alg === COSE_ALG_PS256) return 'PS256';
  if (alg === undefined && cose.unprotectedHeader.has(HEADER_ALG)) return refuse('DCC_ALG_UNSUPPORTED', 'alg only in the unprotected header');
  return refuse('DCC_ALG_UNSUPPORTED', `alg ${String(alg)}`);
}

/** The kid (base64): the protected header's when it has one (even a wrong one), else the unprotected's. */
export function dccCoseKid(cose: DccCose): string | null {
  const p = cose.protectedHeader.get(HEADER_KID);
  const k = p !== undefined ? p : cose.unprotectedHeader.get(HEADER_KID);
  return isBytes(k) && k.length > 0 ? Buffer.from(k).toString('base64') : null;
}

// --- layer 6: CWT and hcert ---

export interface DccCwt {
  iss: string;
  iat: number;
  exp: number;
  /** The hcert v1 payload as JSON values (CBOR maps as objects), as the JSON schema sees it. */
  hcert: Record<string, unknown>;
}

class NotJson extends Error {}

/** CBOR to the JSON data model: maps with text keys, arrays, text, numbers, booleans, null. */
export function cborToJson(v: unknown, depth = 0): unknown {
  if (depth > 32) throw new NotJson('nested too deep');
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new NotJson('non-finite number');
    return v;
  }
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new NotJson('integer too large');
    return Number(v);
  }
  // cbor-x reads tag 0 (date-time text) and tag 1 (epoch) as Dates. Some issuers tag the test's sample
  // time `sc` with tag 0 (the Swedish test data does): it is read as the same instant, RFC 3339 in UTC.
  if (v instanceof Date) {
    if (!Number.isFinite(v.getTime())) throw new NotJson('invalid date');
    return v.toISOString().replace('.000Z', 'Z');
  }
  if (Array.isArray(v)) return v.map((x) => cborToJson(x, depth + 1));
  if (v instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of v) {
      if (typeof k !== 'string') throw new NotJson('map key is not text');
      if (Object.prototype.hasOwnProperty.call(out, k)) throw new NotJson('duplicate map key');
      Object.defineProperty(out, k, { value: cborToJson(x, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  throw new NotJson(`${v === undefined ? 'undefined' : (v as object).constructor?.name ?? typeof v} is not JSON`);
}

function numericDate(v: unknown): number | null {
  // RFC 8392 §2: NumericDate, an integer or a float; only whole seconds in the safe range are taken.
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER) return Math.floor(v);
  return null;
}

/** Layer 6: the CWT claims map (RFC 8392) with iss, iat, exp and the hcert (claim -260, key 1). */
export function decodeDccCwt(payload: Uint8Array): DccCwt {
  let claims: unknown;
  try {
    claims = cborDecode(payload);
  } catch (err) {
    return refuse('DCC_CWT_INVALID', `payload CBOR: ${(err as Error).message}`);
  }
  if (!(claims instanceof Map)) return refuse('DCC_CWT_INVALID', 'payload is not a CBOR map');
  const iss = claims.get(CWT_ISS);
  if (typeof iss !== 'string' || iss.length === 0) refuse('DCC_CWT_INVALID', 'iss missing or not text');
  const iat = numericDate(claims.get(CWT_IAT));
  const exp = numericDate(claims.get(CWT_EXP));
  if (iat === null) return refuse('DCC_CWT_INVALID', 'iat missing or not a NumericDate');
  if (exp === null) return refuse('DCC_CWT_INVALID', 'exp missing or not a NumericDate');
  const hcertClaim = claims.get(CWT_HCERT);
  if (!(hcertClaim instanceof Map)) return refuse('DCC_CWT_INVALID', 'hcert claim (-260) missing or not a map');
  const dcc = hcertClaim.get(HCERT_EU_DCC_V1);
  if (!(dcc instanceof Map)) return refuse('DCC_CWT_INVALID', 'hcert EU DCC v1 (key 1) missing or not a map');
  let hcert: unknown;
  try {
    hcert = cborToJson(dcc);
  } catch (err) {
    return refuse('DCC_CWT_INVALID', `hcert: ${(err as Error).message}`);
  }
  return { iss: iss as string, iat, exp, hcert: hcert as Record<string, unknown> };
}

// --- layers 7–10: key, signature, certificate ---

/** A DSC's kid as the EU gateway computes it: base64 of the first 8 bytes of SHA-256 over the DER. */
export function kidOfCertificate(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
}

/** Layer 7. */
export function findDsc(kid: string | null, dscs: ReadonlyMap<string, DscEntry> | null): DscEntry {
  if (!dscs) return refuse('DCC_KEY_UNKNOWN', 'no DSC list installed');
  if (!kid) return refuse('DCC_KEY_UNKNOWN', 'no kid in the COSE headers');
  const dsc = dscs.get(kid);
  if (!dsc) return refuse('DCC_KEY_UNKNOWN', 'kid not in the DSC list');
  return dsc;
}

interface CertFacts {
  publicKey: KeyObject;
  notBefore: number;
  notAfter: number;
  eku: readonly string[] | undefined;
}
// X509Certificate builds a new KeyObject and re-parses dates on each access: keep them per certificate.
const certFacts = new WeakMap<X509Certificate, CertFacts>();
function facts(cert: X509Certificate): CertFacts {
  let f = certFacts.get(cert);
  if (!f) {
    f = {
      publicKey: cert.publicKey,
      notBefore: Math.floor(Date.parse(cert.validFrom) / 1000),
      notAfter: Math.floor(Date.parse(cert.validTo) / 1000),
      eku: cert.keyUsage,
    };
    certFacts.set(cert, f);
  }
  return f;
}

/** Layer 8: ES256 (P-256, r||s of 64 bytes) or PS256 (RSASSA-PSS, SHA-256, MGF1-SHA-256, salt 32). */
export function verifyDccSignature(cose: DccCose, alg: DccAlg, cert: X509Certificate): boolean {
  const key = facts(cert).publicKey;
  const message = sigStructure(cose.protectedBytes, cose.payload);
  try {
    if (alg === 'ES256') {
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return false;
      if (cose.signature.length !== 64) return false;
      return cryptoVerify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, cose.signature);
    }
    if (key.asymmetricKeyType !== 'rsa') return false;
    return cryptoVerify('sha256', message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: PS256_SALT_LENGTH }, cose.signature);
  } catch {
    return false;
  }
}

/** Layer 9: notBefore ≤ now ≤ notAfter, each with the clock skew allowance. */
export function certValidAt(cert: X509Certificate, now: number, skewSeconds = 0): boolean {
  const f = facts(cert);
  return Number.isFinite(f.notBefore) && Number.isFinite(f.notAfter) && f.notBefore <= now + skewSeconds && now - skewSeconds <= f.notAfter;
}

/** Layer 10 (hcert spec §5.1.1): a DSC with none of the DCC OIDs may sign every type; one with some, only those. */
export function ekuAllows(cert: X509Certificate, type: DccType): boolean {
  const eku = facts(cert).eku;
  if (!eku || !eku.some((o) => ALL_DCC_EKU.has(o))) return true;
  return DCC_EKU_OIDS[type].some((o) => eku.includes(o));
}

/** The certificate type: the one of v, t, r present, with one entry (null when none, several, or more entries). */
export function dccType(hcert: Record<string, unknown>): DccType | null {
  const present = (['v', 't', 'r'] as const).filter((k) => Array.isArray(hcert[k]) && (hcert[k] as unknown[]).length > 0);
  // hcert spec §2.6.3: one certificate carries exactly one entry of exactly one type.
  if (present.length !== 1) return null;
  const entries = hcert[present[0]!] as unknown[];
  return entries.length === 1 && typeof entries[0] === 'object' && entries[0] !== null && !Array.isArray(entries[0]) ? present[0]! : null;
}

// --- layer 11: JSON schema ---

type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsImport as unknown as { default?: AddFormats }).default ?? addFormatsImport) as unknown as AddFormats;
// A plain path (not a URL), so Electron's asar-aware fs reads it inside a packaged app too.
const SCHEMA_DIR = fileURLToPath(new URL('./schemas/', import.meta.url));
const validators = new Map<string, ValidateFunction | null>();

/** The schema versions shipped (src/core/codes/dcc/schemas, one file per release). */
export const DCC_SCHEMA_VERSIONS = ['1.0.0', '1.0.1', '1.1.0', '1.2.0', '1.2.1', '1.3.0', '1.3.1', '1.3.2', '1.3.3'] as const;

function validatorFor(version: string): ValidateFunction | null {
  if (validators.has(version)) return validators.get(version)!;
  let v: ValidateFunction | null = null;
  if ((DCC_SCHEMA_VERSIONS as readonly string[]).includes(version)) {
    // strict off: the DCC schemas carry their own annotation keyword "valueset-uri". Each schema is
    // compiled once in a fresh Ajv because every release has the same $id.
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats(ajv);
    const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, `${version}.json`), 'utf8')) as object;
    v = ajv.compile(schema);
  }
  validators.set(version, v);
  return v;
}

/**
 * Compiles the schemas ahead of the first code (each takes 100–200 ms on the 2-core box, once), so
 * the first HC1 at the door does not pay for it; the kiosk calls it when idle after start.
 */
export function prepareDccSchemas(versions: readonly string[] = DCC_SCHEMA_VERSIONS): void {
  for (const v of versions) validatorFor(v);
}

/** Layer 11: the hcert against the schema named by its `ver`; an unknown version is refused. */
export function validateDccSchema(hcert: Record<string, unknown>, version?: string): { ok: true } | { ok: false; detail: string } {
  const ver = version ?? hcert.ver;
  if (typeof ver !== 'string') return { ok: false, detail: 'ver missing' };
  const validate = validatorFor(ver);
  if (!validate) return { ok: false, detail: `no schema for ver ${ver}` };
  if (validate(hcert)) return { ok: true };
  const e = validate.errors?.[0];
  // The path and keyword only: values would be personal data.
  return { ok: false, detail: e ? `schema ${ver}: ${e.instancePath || '/'} ${e.keyword}` : `schema ${ver}` };
}

// --- the whole chain ---

function textField(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function certificateOf(cwt: DccCwt, type: DccType): DccCertificate {
  const h = cwt.hcert;
  const nam = (h.nam ?? {}) as Record<string, unknown>;
  const name: DccName = { fnt: textField(nam.fnt) ?? '' };
  for (const k of ['fn', 'gn', 'gnt'] as const) {
    const v = textField(nam[k]);
    if (v !== undefined) name[k] = v;
  }
  const entry = (h[type] as Record<string, unknown>[])[0]!;
  return {
    type,
    version: textField(h.ver) ?? '',
    issuerCountry: cwt.iss,
    iat: cwt.iat,
    exp: cwt.exp,
    name,
    dob: textField(h.dob) ?? '',
    ci: textField(entry.ci) ?? '',
    entry,
  };
}

/** Layers 1–6: the structure only, no trust (the conformance runner and the layers above use it). */
export function decodeHc1(text: string): { cose: DccCose; alg: DccAlg; cwt: DccCwt } {
  const b45 = unprefixHc1(text);
  if (b45 === null) throw new Error('not an HC1 code');
  const cose = decodeDccCose(inflateHc1(decodeHc1Base45(b45)));
  const alg = dccCoseAlg(cose);
  return { cose, alg, cwt: decodeDccCwt(cose.payload) };
}

export function verifyHc1(text: string, opts: Hc1Options): Hc1Result {
  const state: Pick<Hc1Result, 'certificate' | 'kid' | 'dscCountry'> = { certificate: null, kid: null, dscCountry: null };
  try {
    return verifyUnchecked(text, opts, state);
  } catch (err) {
    if (err instanceof Hc1LayerError) return { authentic: false, reason: err.reason, ...state, detail: err.message };
    // Defence in depth: nothing unforeseen may crash the passage; it is malformed input at the COSE level.
    return { authentic: false, reason: 'DCC_COSE_INVALID', ...state, detail: `unexpected: ${(err as Error)?.message}` };
  }
}

function verifyUnchecked(text: string, opts: Hc1Options, state: Pick<Hc1Result, 'certificate' | 'kid' | 'dscCountry'>): Hc1Result {
  const skew = opts.skewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const b45 = unprefixHc1(text);
  if (b45 === null) return { authentic: false, reason: 'FORMAT_UNKNOWN', ...state, detail: 'not an HC1 code' };
  const cose = decodeDccCose(inflateHc1(decodeHc1Base45(b45)));
  const alg = dccCoseAlg(cose);
  const cwt = decodeDccCwt(cose.payload);
  state.kid = dccCoseKid(cose);
  const dsc = findDsc(state.kid, opts.dscs);
  state.dscCountry = dsc.country;
  if (!verifyDccSignature(cose, alg, dsc.certificate)) refuse('DCC_SIGNATURE_INVALID', `${alg} signature does not verify`);
  if (!certValidAt(dsc.certificate, opts.now, skew)) refuse('DCC_CERT_EXPIRED', 'DSC not valid at the verification time');
  const type = dccType(cwt.hcert);
  if (type && !ekuAllows(dsc.certificate, type)) refuse('DCC_CERT_USAGE', `DSC extended key usage does not cover type ${type}`);
  const schema = validateDccSchema(cwt.hcert);
  if (!schema.ok) refuse('DCC_SCHEMA_INVALID', schema.detail);
  // The schemas of 1.3.0 on require exactly one of v, t, r; older ones allow several, which the kiosk refuses.
  if (!type) refuse('DCC_SCHEMA_INVALID', 'not exactly one entry of exactly one of v, t, r');
  state.certificate = certificateOf(cwt, type!);
  if (cwt.iat > opts.now + skew) refuse('DCC_NOT_YET_VALID', 'iat in the future');
  if (cwt.exp < opts.now - skew) refuse('DCC_EXPIRED', 'exp in the past');
  return { authentic: true, reason: null, ...state };
}
