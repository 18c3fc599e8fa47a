// Verification of a scanned PHC1 code, health-code spec §4: twelve checks in order, stopping at the
// first failure, whose reason is what the kiosk logs and shows. Never throws on any input.
import { inflateSync } from 'node:zlib';
import type { VerifyReason } from '../../contract/reasons.js';
import { base45Decode } from '../../base/base45.js';
import { cborDecode, isUint } from './cbor.js';
import { CWT_IAT, CWT_ISS, validateClaims, type HealthClaims } from './claims.js';
import { COSE_ALG_EDDSA, coseAlgorithm, coseKid, decodeCoseSign1, sigStructure, type CoseSign1 } from './cose.js';
import { defaultEd25519, type Ed25519Verifier } from './ed25519.js';
import type { TrustKey, TrustList } from './lists.js';

export const PHC1_PREFIX = 'PHC1:';
/** Spec §1: a kiosk refuses to inflate more than 4096 bytes (a compressed bomb is bad input). */
export const MAX_INFLATED_BYTES = 4096;
/** Base45 expands 2 bytes into 3 characters; anything longer than this cannot inflate under the cap
 *  from a sane deflate stream, and QR symbols top out near 4,296 alphanumeric characters anyway. */
export const MAX_QR_TEXT_LENGTH = 8192;
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;

export interface VerifyOptions {
  trustList: TrustList | null;
  /** Seconds since the epoch. */
  now: number;
  skewSeconds?: number;
  ed25519?: Ed25519Verifier;
}

export interface VerifyResult {
  authentic: boolean;
  reason: VerifyReason | null;
  /** Decoded claims once the structure decoded and validated (check 9), else null. */
  claims: HealthClaims | null;
  /** The signing key's kid (b64url) and its issuer, when known. */
  kid: string | null;
  keyIssuer: string | null;
  /** Human-readable detail for integrators; never shown to guards, never personal data. */
  detail?: string;
}

const fail = (reason: VerifyReason, detail: string, extra: Partial<VerifyResult> = {}): VerifyResult => ({
  authentic: false,
  reason,
  claims: null,
  kid: null,
  keyIssuer: null,
  detail,
  ...extra,
});

function decodeStructure(text: string): { cose: CoseSign1; claimsMap: Map<unknown, unknown> } | string {
  if (text.length > MAX_QR_TEXT_LENGTH) return 'text too long for a QR code';
  let compressed: Uint8Array;
  try {
    compressed = base45Decode(text.slice(PHC1_PREFIX.length));
  } catch (err) {
    return (err as Error).message;
  }
  if (compressed.length === 0) return 'empty after prefix';
  let coseBytes: Buffer;
  try {
    coseBytes = inflateSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    return `zlib: ${(err as Error).message}`;
  }
  let cose: CoseSign1;
  try {
    cose = decodeCoseSign1(coseBytes);
  } catch (err) {
    return (err as Error).message;
  }
  // The payload must be a CBOR map to be a CWT at all (check 2 covers the CBOR decode); its
  // field-level validity is check 9, after the signature.
  let claimsMap: unknown;
  try {
    claimsMap = cborDecode(cose.payload);
  } catch (err) {
    return `payload CBOR: ${(err as Error).message}`;
  }
  if (!(claimsMap instanceof Map)) return 'payload is not a CBOR map';
  return { cose, claimsMap };
}

export function verifyCode(text: string, opts: VerifyOptions): VerifyResult {
  try {
    return verifyUnchecked(text, opts);
  } catch (err) {
    // Defence in depth: no input may crash the kiosk. Anything unforeseen is malformed input.
    return fail('FORMAT_INVALID', `unexpected: ${(err as Error).message}`);
  }
}

function verifyUnchecked(text: string, opts: VerifyOptions): VerifyResult {
  const skew = opts.skewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const ed = opts.ed25519 ?? defaultEd25519();
  // 1. Prefix, case-sensitive, on the text exactly as scanned (never trimmed: Base45 has spaces).
  if (typeof text !== 'string' || !text.startsWith(PHC1_PREFIX)) return fail('FORMAT_UNKNOWN', 'not a PHC1 code');
  // 2. Base45, zlib (capped), CBOR, COSE_Sign1 structure.
  const decoded = decodeStructure(text);
  if (typeof decoded === 'string') return fail('FORMAT_INVALID', decoded);
  const { cose, claimsMap } = decoded;
  // 3. Algorithm.
  if (coseAlgorithm(cose) !== COSE_ALG_EDDSA) return fail('ALG_UNSUPPORTED', `alg ${String(coseAlgorithm(cose))}`);
  // 4. Key known.
  const kidBytes = coseKid(cose);
  const kid = kidBytes ? Buffer.from(kidBytes).toString('base64url') : null;
  const key: TrustKey | undefined = kid && opts.trustList ? opts.trustList.keys.get(kid) : undefined;
  if (!key || !kid) return fail('KEY_UNKNOWN', opts.trustList ? 'kid not in the trust list' : 'no trust list installed', { kid });
  const known = { kid, keyIssuer: key.iss };
  // 5. Key revoked.
  if (key.revoked) return fail('KEY_REVOKED', 'key revoked in the trust list', known);
  // 6. Key valid at the code's iat. (A missing/ill-typed iat fails check 9 after the signature.)
  const iat = claimsMap.get(CWT_IAT);
  if (isUint(iat) && (iat < key.nbf || iat > key.exp)) return fail('KEY_EXPIRED', 'iat outside the key validity', known);
  // 7. Signature over Sig_structure with the exact protected and payload bytes.
  if (!ed.verify(sigStructure(cose.protectedBytes, cose.payload), cose.signature, key.pub)) {
    return fail('SIGNATURE_INVALID', 'signature does not verify', known);
  }
  // 8. Issuer matches the key's province.
  const iss = claimsMap.get(CWT_ISS);
  if (typeof iss === 'string' && iss !== key.iss) return fail('ISSUER_MISMATCH', `iss ${iss} signed by a key of ${key.iss}`, known);
  // 9. Required fields and types.
  const valid = validateClaims(claimsMap);
  if ('why' in valid) return fail('PAYLOAD_INVALID', valid.why, known);
  const claims = valid.claims;
  if (claims.iss !== key.iss) return fail('ISSUER_MISMATCH', `iss ${claims.iss} signed by a key of ${key.iss}`, known);
  const withClaims = { ...known, claims };
  // 10. Code revoked.
  if (opts.trustList!.revokedCodes.has(claims.cti)) return fail('CODE_REVOKED', 'code id revoked', withClaims);
  // 11–12. Time, with clock skew allowance.
  if (claims.iat > opts.now + skew) return fail('CODE_NOT_YET_VALID', 'iat in the future', withClaims);
  if (claims.exp < opts.now - skew) return fail('CODE_EXPIRED', 'exp in the past', withClaims);
  return { authentic: true, reason: null, claims, kid, keyIssuer: key.iss };
}
