// The kiosk's device identity: an Ed25519 key pair made on first start and kept in the data
// directory, owner-read/write only (0600). It signs every upload batch (docs/upload-protocol.md);
// the collector knows the kiosk by the public key an operator registered.
//
// The key pair is generated with tweetnacl (one audited implementation for key generation and
// detached signatures). Signing large batch bodies also goes through node:crypto, which computes
// the same deterministic Ed25519 signature natively: tweetnacl's pure-JS SHA-512 would spend
// milliseconds of the event loop on every batch.
import nacl from 'tweetnacl';
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync, existsSync, unlinkSync } from 'node:fs';
import { fsyncDirectory } from '../config/atomic-write.js';
import { join } from 'node:path';
import { base64urlDecode, base64urlEncode } from '../../base/base64url.js';

export const DEVICE_KEY_FILE = 'device-key.json';

/** Why the device key could not be loaded: a reason code, never the key material. */
export class DeviceKeyError extends Error {
  constructor(
    readonly reason: 'DEVICE_KEY_INVALID' | 'DEVICE_KEY_INSECURE',
    message: string,
  ) {
    super(message);
  }
}

export interface DeviceIdentity {
  /** Stable kiosk id: hex of the first 8 bytes of SHA-256 of the public key. */
  kioskId: string;
  /** Raw 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** The public key as base64url without padding: what an operator registers with the collector. */
  publicKeyB64: string;
  /** Detached Ed25519 signature (64 bytes) over exactly these bytes. */
  sign(message: Uint8Array): Uint8Array;
}

interface KeyFile {
  v: 1;
  alg: 'Ed25519';
  /** 32-byte seed, base64url. The full tweetnacl secret key is derived from it. */
  seed: string;
  publicKey: string;
  createdAt: string;
}

/** base64url without padding (src/base), under the name the upload and collector code use. */
export const b64url = base64urlEncode;

/**
 * Strict base64url (src/base); text that is not base64url gives no bytes, so a signature or key
 * spelt in it is simply the wrong length and never verifies.
 */
export function fromB64url(text: string): Uint8Array {
  return base64urlDecode(text) ?? new Uint8Array(0);
}

export function kioskIdOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest().subarray(0, 8).toString('hex');
}

/** A node:crypto key object for a raw Ed25519 public key (fast native verification). */
export function ed25519PublicKeyObject(publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(publicKey) }, format: 'jwk' });
}

/** Verifies a detached Ed25519 signature; false (never a throw) for malformed inputs. */
export function verifyDetached(message: Uint8Array, signature: Uint8Array, publicKey: KeyObject | Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    const key = publicKey instanceof Uint8Array ? ed25519PublicKeyObject(publicKey) : publicKey;
    return cryptoVerify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** Builds an identity from a 32-byte seed (tests and the bench make throwaway kiosks this way). */
export function identityFromSeed(seed: Uint8Array): DeviceIdentity {
  if (seed.length !== 32) throw new DeviceKeyError('DEVICE_KEY_INVALID', 'device key seed must be 32 bytes');
  const pair = nacl.sign.keyPair.fromSeed(seed);
  const privateKey = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(pair.publicKey) },
    format: 'jwk',
  });
  return {
    kioskId: kioskIdOf(pair.publicKey),
    publicKey: pair.publicKey,
    publicKeyB64: b64url(pair.publicKey),
    sign: (message) => new Uint8Array(cryptoSign(null, message, privateKey)),
  };
}

export function generateIdentity(): DeviceIdentity {
  return identityFromSeed(nacl.randomBytes(32));
}

/**
 * Loads the device key from `dataDir`, creating it on first start. The file is written to a
 * temporary name with mode 0600, fsynced, then renamed, so a crash never leaves half a key.
 * A key file readable by group or others is refused (like ssh does): the key may have leaked.
 */
export function loadOrCreateDeviceKey(dataDir: string): DeviceIdentity & { created: boolean; keyFile: string } {
  const keyFile = join(dataDir, DEVICE_KEY_FILE);
  if (existsSync(keyFile)) return { ...readKeyFile(keyFile), created: false, keyFile };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const seed = nacl.randomBytes(32);
  const identity = identityFromSeed(seed);
  const body: KeyFile = { v: 1, alg: 'Ed25519', seed: b64url(seed), publicKey: identity.publicKeyB64, createdAt: new Date().toISOString() };
  const tmp = `${keyFile}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, JSON.stringify(body, null, 2) + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    // Two kiosks processes starting at once: the first rename wins and both read that key.
    if (existsSync(keyFile)) {
      unlinkSync(tmp);
      return { ...readKeyFile(keyFile), created: false, keyFile };
    }
    renameSync(tmp, keyFile);
  } catch (err) {
    if (existsSync(tmp)) unlinkSync(tmp);
    throw err;
  }
  // The rename is durable only once the directory is (atomic-write.ts): else a power cut could bring
  // back a kiosk with no key, which would make a new identity the collector does not know.
  fsyncDirectory(dataDir);
  return { ...identity, created: true, keyFile };
}

function readKeyFile(keyFile: string): DeviceIdentity {
  if (process.platform !== 'win32') {
    const mode = statSync(keyFile).mode & 0o777;
    if (mode & 0o077) {
      throw new DeviceKeyError('DEVICE_KEY_INSECURE', `${keyFile} has mode ${mode.toString(8)}; it must be 600 (chmod 600 it, or replace the key and re-register the kiosk)`);
    }
  }
  let parsed: Partial<KeyFile>;
  try {
    parsed = JSON.parse(readFileSync(keyFile, 'utf8')) as Partial<KeyFile>;
  } catch {
    throw new DeviceKeyError('DEVICE_KEY_INVALID', `${keyFile} is not valid JSON`);
  }
  if (parsed.v !== 1 || parsed.alg !== 'Ed25519' || typeof parsed.seed !== 'string') {
    throw new DeviceKeyError('DEVICE_KEY_INVALID', `${keyFile} is not a version 1 Ed25519 device key`);
  }
  const identity = identityFromSeed(fromB64url(parsed.seed));
  if (parsed.publicKey !== undefined && parsed.publicKey !== identity.publicKeyB64) {
    throw new DeviceKeyError('DEVICE_KEY_INVALID', `${keyFile}: the stored public key does not match the seed`);
  }
  return identity;
}
