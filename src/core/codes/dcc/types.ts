// The shape of a verified EU Digital COVID Certificate (`HC1:`) and of the signer certificates it is
// checked against (docs/dcc.md). The verifier (verify-hc1.ts) produces these; the passage, the venue
// policy and the entry log consume them. Types only.
import type { X509Certificate } from 'node:crypto';
import type { DccVerifyReason, VerifyReason } from '../../../contract/reasons.js';

export const HC1_PREFIX = 'HC1:';

/** A document signer certificate (DSC), keyed by kid: the first 8 bytes of SHA-256 over its DER. */
export interface DscEntry {
  /** base64 (standard alphabet, as the EU gateway and the test data write it) of the 8-byte kid. */
  kid: string;
  /** ISO 3166-1 alpha-2 of the issuing state, as the signed DSC list carries it. */
  country: string;
  certificate: X509Certificate;
}

export type DccType = 'v' | 't' | 'r';

/** The holder's name as the certificate carries it (nam: fn/gn and their ICAO 9303 transliterations). */
export interface DccName {
  fn?: string;
  gn?: string;
  fnt: string;
  gnt?: string;
}

/** One verified certificate: its one entry of v, t or r, plus what the CWT says around it. */
export interface DccCertificate {
  type: DccType;
  /** hcert `ver`, e.g. "1.3.0". */
  version: string;
  /** CWT iss (claim 1): the issuing country, ISO 3166-1 alpha-2. */
  issuerCountry: string;
  /** CWT iat and exp, seconds since the epoch. */
  iat: number;
  exp: number;
  name: DccName;
  /** Date of birth as written (YYYY, YYYY-MM or YYYY-MM-DD, or empty). */
  dob: string;
  /** The certificate identifier (ci) of the entry. */
  ci: string;
  /** The v, t or r entry exactly as decoded (field names as in the DCC schema: dn, sd, dt, tt, sc, tr, fr, df, du...). */
  entry: Record<string, unknown>;
}

export interface Hc1Options {
  /** The installed DSC list, by kid (base64); null when none is installed. */
  dscs: ReadonlyMap<string, DscEntry> | null;
  /** Seconds since the epoch. */
  now: number;
  skewSeconds?: number;
}

export interface Hc1Result {
  authentic: boolean;
  /** FORMAT_UNKNOWN when the text has no HC1: prefix; otherwise a DCC_* reason, or null when authentic. */
  reason: DccVerifyReason | Extract<VerifyReason, 'FORMAT_UNKNOWN'> | null;
  /** Set once the certificate decoded and passed its schema; null before. */
  certificate: DccCertificate | null;
  /** The kid (base64) once read from the COSE headers. */
  kid: string | null;
  /** The DSC's country once the kid was found in the list. */
  dscCountry: string | null;
  /** For integrators and the conformance runner; never shown to guards, never personal data. */
  detail?: string;
}
