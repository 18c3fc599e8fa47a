// base64url without padding (RFC 4648 §5), as every binary field of the trust and status lists uses.

const B64URL = /^[A-Za-z0-9_-]*$/;

export function b64urlEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Decodes strictly: refuses padding and characters outside the URL-safe alphabet (Node would skip
 * them silently). Status lists run to tens of megabytes, so long texts are checked without a regex
 * scan: Node skips any character outside the alphabet, which always shortens the output, so an
 * output of exactly ⌊3L/4⌋ bytes proves every character was used; `+` and `/` (standard base64,
 * which Node also accepts) are refused by a native search.
 */
export function b64urlDecode(text: string): Buffer | null {
  if (text.length % 4 === 1) return null;
  if (text.length < 4096) return B64URL.test(text) ? Buffer.from(text, 'base64url') : null;
  if (text.includes('+') || text.includes('/')) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.length === Math.floor((text.length * 3) / 4) ? bytes : null;
}
