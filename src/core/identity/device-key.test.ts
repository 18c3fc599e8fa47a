import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nacl from 'tweetnacl';
import { DEVICE_KEY_FILE, DeviceKeyError, identityFromSeed, kioskIdOf, loadOrCreateDeviceKey, verifyDetached } from './device-key.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'device-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('device key', () => {
  it('is made on first start with mode 0600 and is the same key on every later start', () => {
    const first = loadOrCreateDeviceKey(join(dir, 'data'));
    expect(first.created).toBe(true);
    expect(statSync(first.keyFile).mode & 0o777).toBe(0o600);
    const again = loadOrCreateDeviceKey(join(dir, 'data'));
    expect(again.created).toBe(false);
    expect(again.publicKeyB64).toBe(first.publicKeyB64);
    expect(again.kioskId).toBe(first.kioskId);
    expect(again.kioskId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('signs exactly what tweetnacl signs (Ed25519 is deterministic), verifiable with the public key', () => {
    const seed = new Uint8Array(32).fill(9);
    const id = identityFromSeed(seed);
    const msg = new TextEncoder().encode('batch body');
    const pair = nacl.sign.keyPair.fromSeed(seed);
    expect(Buffer.from(id.sign(msg))).toEqual(Buffer.from(nacl.sign.detached(msg, pair.secretKey)));
    expect(verifyDetached(msg, id.sign(msg), id.publicKey)).toBe(true);
    expect(verifyDetached(new TextEncoder().encode('other'), id.sign(msg), id.publicKey)).toBe(false);
    expect(verifyDetached(msg, new Uint8Array(12), id.publicKey)).toBe(false);
    expect(id.kioskId).toBe(kioskIdOf(pair.publicKey));
  });

  it('refuses a key file others can read, and a damaged one, with a reason', () => {
    const id = loadOrCreateDeviceKey(dir);
    chmodSync(id.keyFile, 0o644);
    expect(() => loadOrCreateDeviceKey(dir)).toThrow(expect.objectContaining({ reason: 'DEVICE_KEY_INSECURE' }));
    chmodSync(id.keyFile, 0o600);
    const body = JSON.parse(readFileSync(id.keyFile, 'utf8')) as { publicKey: string };
    writeFileSync(id.keyFile, JSON.stringify({ ...body, v: 1, alg: 'Ed25519', seed: Buffer.alloc(32, 1).toString('base64url') }));
    expect(() => loadOrCreateDeviceKey(dir)).toThrow(DeviceKeyError);
    writeFileSync(join(dir, DEVICE_KEY_FILE), '{not json');
    expect(() => loadOrCreateDeviceKey(dir)).toThrow(expect.objectContaining({ reason: 'DEVICE_KEY_INVALID' }));
  });
});
