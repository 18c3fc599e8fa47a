// CBOR (RFC 8949) through cbor-x, configured for COSE: maps stay Maps (COSE and CWT use integer keys),
// no cbor-x record extension, byte strings as plain bstr. Decoding refuses trailing bytes.
import { Decoder, Encoder, Tag } from 'cbor-x';

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const encoder = new Encoder({ mapsAsObjects: false, useRecords: false, tagUint8Array: false, variableMapSize: true });

export { Tag };

export function cborDecode(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

export function cborEncode(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

export function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
