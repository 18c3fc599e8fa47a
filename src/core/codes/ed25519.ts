// Ed25519 (RFC 8032) behind one interface with two backends:
// - `node`: Node's built-in crypto (OpenSSL), ~100× faster than tweetnacl here, so it is the default
//   wherever core runs in Node;
// - `tweetnacl`: portable pure JS, also the one used for key generation and signing.
// The conformance suite runs under both.
import { createHash, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';

export type Ed25519BackendName = 'node' | 'tweetnacl';

export interface Ed25519Verifier {
  readonly name: Ed25519BackendName;
  /** True only when `signature` (64 bytes) is valid for `message` under the raw 32-byte `publicKey`. */
  verify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean;
}

export const tweetnaclEd25519: Ed25519Verifier = {
  name: 'tweetnacl',
  verify(message, signature, publicKey) {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    try {
      return nacl.sign.detached.verify(message, signature, publicKey);
    } catch {
      return false;
    }
  },
};

/** Node backend; caches one KeyObject per public key (a trust list has a few hundred at most). */
export function createNodeEd25519(): Ed25519Verifier {
  const keys = new Map<string, KeyObject | null>();
  const keyFor = (publicKey: Uint8Array): KeyObject | null => {
    const x = Buffer.from(publicKey).toString('base64url');
    let key = keys.get(x);
    if (key === undefined) {
      try {
        key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
      } catch {
        key = null; // not a valid point encoding: every signature under it is invalid
      }
      if (keys.size > 4096) keys.clear();
      keys.set(x, key);
    }
    return key;
  };
  return {
    name: 'node',
    verify(message, signature, publicKey) {
      if (signature.length !== 64 || publicKey.length !== 32) return false;
      const key = keyFor(publicKey);
      if (!key) return false;
      try {
        return nodeVerify(null, message, key, signature);
      } catch {
        return false;
      }
    },
  };
}

let defaultVerifier: Ed25519Verifier | undefined;
export function defaultEd25519(): Ed25519Verifier {
  return (defaultVerifier ??= createNodeEd25519());
}

export function ed25519Backend(name: Ed25519BackendName): Ed25519Verifier {
  return name === 'node' ? defaultEd25519() : tweetnaclEd25519;
}

/** The key id of spec §1/§2: the first 8 bytes of SHA-256 of the raw public key. */
export function keyId(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(publicKey).digest().subarray(0, 8));
}

export interface Ed25519KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array; // tweetnacl form: seed ‖ public key, 64 bytes
}

export function generateKeyPair(seed?: Uint8Array): Ed25519KeyPair {
  return seed ? nacl.sign.keyPair.fromSeed(seed) : nacl.sign.keyPair();
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return nacl.sign.detached(message, secretKey);
}
