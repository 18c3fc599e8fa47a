// The CWT claims map and the `hc` health-code map of health-code spec §1, and their validation
// (spec §4 check 9). Unknown `hc` keys are ignored for forward compatibility.
import { isBytes, isUint } from './cbor.js';
import { isValidResidentIdNumber } from './id-number.js';

export const CWT_ISS = 1;
export const CWT_EXP = 4;
export const CWT_IAT = 6;
export const CWT_CTI = 7;
export const CWT_HC = -270;

export const DOCUMENT_TYPES = ['CN', 'HMT', 'FP', 'PP'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];
export type StatusColour = 0 | 1 | 2;

export interface HealthCode {
  v: number;
  nm: string;
  dt: DocumentType;
  id: string;
  st: StatusColour;
  su: number;
  /** Latest nucleic-acid test: [result 0 negative / 1 positive, sampledAt]. */
  na?: [number, number];
  /** Vaccination: [doses, lastDoseAt]. */
  vx?: [number, number];
  gd?: string;
}

export interface HealthClaims {
  iss: string;
  iat: number;
  exp: number;
  /** Code id, 16 bytes, as base64url (what `revokedCodes` lists). */
  cti: string;
  hc: HealthCode;
}

function uintPair(v: unknown): [number, number] | null {
  return Array.isArray(v) && v.length === 2 && isUint(v[0]) && isUint(v[1]) ? [v[0], v[1]] : null;
}

/** Returns the validated claims, or null with the failure described in `why` (never thrown). */
export function validateClaims(claims: Map<unknown, unknown>): { claims: HealthClaims } | { why: string } {
  const iss = claims.get(CWT_ISS);
  const iat = claims.get(CWT_IAT);
  const exp = claims.get(CWT_EXP);
  const cti = claims.get(CWT_CTI);
  const hcRaw = claims.get(CWT_HC);
  if (typeof iss !== 'string' || !/^\d{6}$/.test(iss)) return { why: 'iss is not a 6-digit division code' };
  if (!isUint(iat)) return { why: 'iat is not an unsigned integer' };
  if (!isUint(exp)) return { why: 'exp is not an unsigned integer' };
  if (!isBytes(cti) || cti.length !== 16) return { why: 'cti is not 16 bytes' };
  if (!(hcRaw instanceof Map)) return { why: 'hc is not a map' };
  const hc = hcRaw as Map<unknown, unknown>;
  const v = hc.get('v');
  const nm = hc.get('nm');
  const dt = hc.get('dt');
  const id = hc.get('id');
  const st = hc.get('st');
  const su = hc.get('su');
  if (v !== 1) return { why: 'hc.v is not profile version 1' };
  if (typeof nm !== 'string' || nm.trim().length === 0) return { why: 'hc.nm missing' };
  if (typeof dt !== 'string' || !(DOCUMENT_TYPES as readonly string[]).includes(dt)) return { why: 'hc.dt unknown' };
  if (typeof id !== 'string' || id.length === 0) return { why: 'hc.id missing' };
  if (dt === 'CN' && !isValidResidentIdNumber(id)) return { why: 'hc.id fails the CN number checksum' };
  if (!isUint(st) || st > 2) return { why: 'hc.st not 0..2' };
  if (!isUint(su)) return { why: 'hc.su is not an unsigned integer' };
  const health: HealthCode = { v, nm, dt: dt as DocumentType, id, st: st as StatusColour, su };
  if (hc.has('na')) {
    const na = uintPair(hc.get('na'));
    if (!na || na[0] > 1) return { why: 'hc.na malformed' };
    health.na = na;
  }
  if (hc.has('vx')) {
    const vx = uintPair(hc.get('vx'));
    if (!vx) return { why: 'hc.vx malformed' };
    health.vx = vx;
  }
  if (hc.has('gd')) {
    const gd = hc.get('gd');
    if (typeof gd !== 'string') return { why: 'hc.gd malformed' };
    health.gd = gd;
  }
  return { claims: { iss, iat, exp, cti: Buffer.from(cti).toString('base64url'), hc: health } };
}
