// COSE_Sign1 (RFC 9052 §4.2) as health-code spec §1 profiles it: CBOR tag 18 optional,
// [protected: bstr, unprotected: map, payload: bstr, signature: bstr(64)], EdDSA (-8), 8-byte kid.
import { cborDecode, cborEncode, isBytes, Tag } from './cbor.js';

export const COSE_SIGN1_TAG = 18;
export const COSE_ALG_EDDSA = -8;
const HEADER_ALG = 1;
const HEADER_KID = 4;

export interface CoseSign1 {
  /** The protected header exactly as received (what the signature covers). */
  protectedBytes: Uint8Array;
  protectedHeader: Map<unknown, unknown>;
  unprotectedHeader: Map<unknown, unknown>;
  /** The payload exactly as received. */
  payload: Uint8Array;
  signature: Uint8Array;
}

export class CoseFormatError extends Error {}

/** Decodes the structure only (spec §4 check 2); algorithm and key checks come after. */
export function decodeCoseSign1(bytes: Uint8Array): CoseSign1 {
  let item: unknown;
  try {
    item = cborDecode(bytes);
  } catch (err) {
    throw new CoseFormatError(`CBOR: ${(err as Error).message}`);
  }
  if (item instanceof Tag) {
    if (item.tag !== COSE_SIGN1_TAG) throw new CoseFormatError(`unexpected CBOR tag ${item.tag}`);
    item = item.value;
  }
  if (!Array.isArray(item) || item.length !== 4) throw new CoseFormatError('COSE_Sign1 must be an array of four');
  const [protectedBytes, unprotectedHeader, payload, signature] = item as unknown[];
  if (!isBytes(protectedBytes)) throw new CoseFormatError('protected header is not a byte string');
  if (!(unprotectedHeader instanceof Map)) throw new CoseFormatError('unprotected header is not a map');
  if (!isBytes(payload)) throw new CoseFormatError('payload is not a byte string');
  if (!isBytes(signature) || signature.length !== 64) throw new CoseFormatError('signature is not a 64-byte string');
  let protectedHeader: unknown = new Map();
  if (protectedBytes.length > 0) {
    try {
      protectedHeader = cborDecode(protectedBytes);
    } catch (err) {
      throw new CoseFormatError(`protected header CBOR: ${(err as Error).message}`);
    }
  }
  if (!(protectedHeader instanceof Map)) throw new CoseFormatError('protected header is not a map');
  return { protectedBytes, protectedHeader, unprotectedHeader, payload, signature };
}

/** The algorithm: protected header wins (RFC 9052 §3: alg belongs in protected). */
export function coseAlgorithm(cose: CoseSign1): unknown {
  return cose.protectedHeader.has(HEADER_ALG) ? cose.protectedHeader.get(HEADER_ALG) : undefined;
}

/** The kid: protected preferred, unprotected accepted (spec §1). */
export function coseKid(cose: CoseSign1): Uint8Array | null {
  const p = cose.protectedHeader.get(HEADER_KID);
  if (p !== undefined) return isBytes(p) ? p : null;
  const u = cose.unprotectedHeader.get(HEADER_KID);
  return isBytes(u) ? u : null;
}

function bstrHeader(length: number): Uint8Array {
  if (length < 24) return Uint8Array.of(0x40 | length);
  if (length < 0x100) return Uint8Array.of(0x58, length);
  if (length < 0x10000) return Uint8Array.of(0x59, length >> 8, length & 0xff);
  return Uint8Array.of(0x5a, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}

/**
 * Sig_structure (RFC 9052 §4.4) for COSE_Sign1: ["Signature1", protected, h'', payload], with the
 * protected and payload bytes exactly as received. Built by hand so no re-encoding can alter them.
 */
export function sigStructure(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  const context = Buffer.from('Signature1', 'ascii');
  return Buffer.concat([
    Uint8Array.of(0x84, 0x60 | context.length),
    context,
    bstrHeader(protectedBytes.length),
    protectedBytes,
    Uint8Array.of(0x40),
    bstrHeader(payload.length),
    payload,
  ]);
}

export interface EncodeCoseOptions {
  alg?: number;
  kid: Uint8Array;
  kidInUnprotected?: boolean;
  untagged?: boolean;
}

/** Encodes a COSE_Sign1 with a signature computed by `signFn` (development issuing and tests). */
export function encodeCoseSign1(payload: Uint8Array, opts: EncodeCoseOptions, signFn: (msg: Uint8Array) => Uint8Array): Uint8Array {
  const protectedMap = new Map<number, unknown>([[HEADER_ALG, opts.alg ?? COSE_ALG_EDDSA]]);
  const unprotectedMap = new Map<number, unknown>();
  if (opts.kidInUnprotected) unprotectedMap.set(HEADER_KID, opts.kid);
  else protectedMap.set(HEADER_KID, opts.kid);
  const protectedBytes = cborEncode(protectedMap);
  const signature = signFn(sigStructure(protectedBytes, payload));
  const body = [protectedBytes, unprotectedMap, payload, signature];
  return cborEncode(opts.untagged ? body : new Tag(body, COSE_SIGN1_TAG));
}
