import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../codes/ed25519.js';
import { acceptFleetBundle, changesFromAssignments, fleetChanges, parseFleetPublicKey, signFleetBundle, verifyFleetBundle, type SignFleetBundleInput } from './bundle.js';

const fleet = generateKeyPair(new Uint8Array(32).fill(7));
const other = generateKeyPair(new Uint8Array(32).fill(9));
const T0 = Date.UTC(2026, 0, 1);
const self = { venueId: 'venue-a', kioskIds: ['k1', '0123456789abcdef'], groups: ['north'] };

function signed(over: Partial<SignFleetBundleInput> = {}, key = fleet): string {
  const r = signFleetBundle({ revision: 5, target: { venueId: 'venue-a' }, changes: { policy: { feverThresholdC: 38.5 } }, issuedAt: T0, ...over }, key);
  if (!r.ok) throw new Error(`${r.reason}: ${r.message}`);
  return r.value.jws;
}

/** A bundle signed without signFleetBundle's own content checks: what a stolen fleet key could send. */
function signedRaw(payload: Record<string, unknown>, key = fleet): string {
  const h = Buffer.from(JSON.stringify({ alg: 'EdDSA', typ: 'checkpoint-fleet-config+jws', kid: 'x' })).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${h}.${p}.${Buffer.from(nacl.sign.detached(Buffer.from(`${h}.${p}`), key.secretKey)).toString('base64url')}`;
}

const accept = (jws: string, over: Partial<Parameters<typeof acceptFleetBundle>[0]> = {}) => acceptFleetBundle({ jws, fleetPublicKey: fleet.publicKey, self, now: T0 + 1000, appliedRevision: 4, ...over });

describe('fleet configuration bundle', () => {
  it('signs and verifies a bundle; the kiosk gets its leaf changes as configuration paths', () => {
    const r = accept(signed({ changes: { policy: { feverThresholdC: 38.5, feverComparison: 'gt' }, checkpoint: { resetAfterMs: 5000 } } }));
    expect(r).toMatchObject({ ok: true, value: { unchanged: false, bundle: { revision: 5, target: { venueId: 'venue-a' } } } });
    if (r.ok) expect(r.value.changes).toEqual([{ path: 'policy.feverThresholdC', value: 38.5 }, { path: 'policy.feverComparison', value: 'gt' }, { path: 'checkpoint.resetAfterMs', value: 5000 }]);
  });

  it('refuses a bundle signed by another key (SIGNATURE_INVALID) and one altered after signing', () => {
    expect(accept(signed({}, other))).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
    const [h, p, s] = signed().split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, Record<string, Record<string, unknown>>>;
    payload.changes!.policy!.feverThresholdC = 40;
    expect(accept(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`)).toMatchObject({ ok: false, reason: 'SIGNATURE_INVALID' });
  });

  it('refuses everything when no fleet key is pinned', () => {
    expect(accept(signed(), { fleetPublicKey: null })).toMatchObject({ ok: false, reason: 'FLEET_KEY_NOT_PINNED' });
    expect(parseFleetPublicKey('not-a-key')).toBeNull();
    expect(parseFleetPublicKey(Buffer.from(fleet.publicKey).toString('base64url'))).toEqual(fleet.publicKey);
  });

  it('refuses what is not a bundle (FLEET_CONFIG_FORMAT)', () => {
    expect(verifyFleetBundle('a.b', fleet.publicKey)).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_FORMAT' });
    expect(verifyFleetBundle(signedRaw({ format: 'something-else', revision: 1 }), fleet.publicKey)).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_FORMAT' });
  });

  it('refuses a bundle for another venue, group or kiosk (FLEET_CONFIG_TARGET) and takes its own', () => {
    expect(accept(signed({ target: { venueId: 'venue-b' } }))).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_TARGET' });
    expect(accept(signed({ target: { group: 'south' } }))).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_TARGET' });
    expect(accept(signed({ target: { kioskIds: ['k9'] } }))).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_TARGET' });
    expect(accept(signed({ target: { group: 'north' } }))).toMatchObject({ ok: true });
    expect(accept(signed({ target: { kioskIds: ['0123456789abcdef'] } }))).toMatchObject({ ok: true });
  });

  it('refuses an older revision (FLEET_CONFIG_ROLLBACK); the one in force again is unchanged, not applied twice', () => {
    expect(accept(signed({ revision: 3 }))).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_ROLLBACK' });
    expect(accept(signed({ revision: 4 }))).toMatchObject({ ok: true, value: { unchanged: true } });
  });

  it('refuses a bundle outside its validity window (FLEET_CONFIG_EXPIRED)', () => {
    expect(accept(signed({ validFrom: T0, validTo: T0 + 500 }))).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_EXPIRED' });
    expect(accept(signed({ validFrom: T0 + 5000, validTo: T0 + 9000 }))).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_EXPIRED' });
  });

  it('refuses paths outside policy.* and checkpoint.* even when signed (FLEET_CONFIG_FORBIDDEN_PATH)', () => {
    for (const changes of [{ devices: { thermometer: { port: '/dev/ttyS9' } } }, { roots: [] }, { fleet: { publicKey: 'x' } }, { upload: { collectorUrl: 'http://evil' } }, { admin: {} }, { kioskId: 'x' }, { policy: { feverThresholdC: 38 }, store: { retentionDays: 1 } }]) {
      expect(signFleetBundle({ revision: 6, target: { venueId: 'venue-a' }, changes, issuedAt: T0 }, fleet)).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_FORBIDDEN_PATH' });
      const jws = signedRaw({ format: 'checkpoint-fleet-config', revision: 6, target: { venueId: 'venue-a' }, issuedAt: T0, validFrom: T0, validTo: T0 + 1e9, changes });
      expect(accept(jws)).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_FORBIDDEN_PATH' });
    }
  });

  it('refuses values and keys the configuration schema refuses (CONFIG_INVALID)', () => {
    expect(fleetChanges({ policy: { feverThresholdC: 'hot' } })).toMatchObject({ ok: false, reason: 'CONFIG_INVALID' });
    expect(fleetChanges({ policy: { feverThresholdc: 38 } })).toMatchObject({ ok: false, reason: 'CONFIG_INVALID', message: expect.stringContaining('feverThresholdc') });
    expect(fleetChanges({ checkpoint: { collectWindowMs: 5 } })).toMatchObject({ ok: false, reason: 'CONFIG_INVALID' });
    expect(fleetChanges({})).toMatchObject({ ok: false, reason: 'CONFIG_INVALID' });
    const jws = signedRaw({ format: 'checkpoint-fleet-config', revision: 6, target: { venueId: 'venue-a' }, issuedAt: T0, validFrom: T0, validTo: T0 + 1e9, changes: { policy: { feverThresholdC: 'hot' } } });
    expect(accept(jws)).toMatchObject({ ok: false, reason: 'CONFIG_INVALID' });
  });

  it('reads CLI assignments (JSON values, else text) through the same checks', () => {
    expect(changesFromAssignments(['policy.feverThresholdC=37.5', 'policy.feverComparison=gt', 'checkpoint.antiPassbackMinutes=null'])).toEqual({ ok: true, value: { policy: { feverThresholdC: 37.5, feverComparison: 'gt' }, checkpoint: { antiPassbackMinutes: null } } });
    expect(changesFromAssignments(['devices.scanner.port=/dev/x'])).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_FORBIDDEN_PATH' });
    expect(changesFromAssignments(['upload.collectorUrl=x'])).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_FORBIDDEN_PATH' });
  });
});
