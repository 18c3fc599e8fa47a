// base64url without padding (RFC 4648 §5), as every binary field of the trust and status lists uses.

const B64URL = /^[A-Za-z0-9_-]*$/;

export function b64urlEncode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Decodes strictly: refuses padding and characters outside the URL-safe alphabet (Node would skip them). */
export function b64urlDecode(text: string): Buffer | null {
  if (!B64URL.test(text) || text.length % 4 === 1) return null;
  return Buffer.from(text, 'base64url');
}
