import { describe, expect, it, vi } from 'vitest';
import { base64urlEncode } from '../../base/base64url.js';
import { generateKeyPair, keyId } from './ed25519.js';
import { buildStatusRecords, installStatusList, installTrustList, lookupStatus, MAX_TRUST_LIST_CHARS, signJws, STATUS_RECORD_SIZE } from './lists.js';

const root = generateKeyPair(new Uint8Array(32).fill(7));
const roots = [{ kid: base64urlEncode(keyId(root.publicKey)), pub: base64urlEncode(root.publicKey) }];
const signOpts = { rootSecretKey: root.secretKey, rootPublicKey: root.publicKey };
const trustPayload = (seq: number) => ({ seq, issued: '2026-11-20T00:00:00Z', nextUpdate: '2026-11-27T00:00:00Z', keys: [], revokedCodes: [] });
const salt = new Uint8Array(16).fill(3);

describe('trust list installation (spec §2, §4)', () => {
  it('accepts a list signed by a pinned root and refuses an equal or lower seq', () => {
    const first = installTrustList(signJws(trustPayload(5), 'trust', signOpts), roots, null);
    expect(first.accepted).toBe(true);
    expect(installTrustList(signJws(trustPayload(5), 'trust', signOpts), roots, { seq: 5 })).toMatchObject({ accepted: false, reason: 'ROLLBACK' });
    expect(installTrustList(signJws(trustPayload(4), 'trust', signOpts), roots, { seq: 5 })).toMatchObject({ accepted: false, reason: 'ROLLBACK' });
    expect(installTrustList(signJws(trustPayload(6), 'trust', signOpts), roots, { seq: 5 })).toMatchObject({ accepted: true });
  });
  it('refuses a status list offered as a trust list (typ), and vice versa', () => {
    expect(installTrustList(signJws(trustPayload(1), 'status', signOpts), roots, null)).toMatchObject({ reason: 'TYPE_MISMATCH' });
    expect(installStatusList(signJws(trustPayload(1), 'trust', signOpts), roots, null)).toMatchObject({ reason: 'TYPE_MISMATCH' });
  });
  it('refuses a pinned root entry whose kid is not its own key', () => {
    const other = generateKeyPair(new Uint8Array(32).fill(9));
    const lying = [{ kid: roots[0]!.kid, pub: base64urlEncode(other.publicKey) }];
    expect(installTrustList(signJws(trustPayload(1), 'trust', signOpts), lying, null)).toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });
  it('refuses a well-signed payload that is not a trust list', () => {
    expect(installTrustList(signJws({ seq: 'x' }, 'trust', signOpts), roots, null)).toMatchObject({ reason: 'FORMAT_INVALID' });
  });
  it('checks the signature before it parses the payload: a forged payload never reaches the JSON parser', () => {
    const good = signJws(trustPayload(1), 'trust', signOpts);
    const [h, , sig] = good.split('.') as [string, string, string];
    const forgedText = '{"seq": 99, "issued": "2026-11-20T00:00:00Z", "nextUpdate": "2026-11-27T00:00:00Z", "keys": [], "forged": true}';
    const forged = `${h}.${Buffer.from(forgedText).toString('base64url')}.${sig}`;
    const parse = vi.spyOn(JSON, 'parse');
    try {
      expect(installTrustList(forged, roots, null)).toMatchObject({ accepted: false, reason: 'SIGNATURE_INVALID' });
      expect(parse.mock.calls.map((c) => c[0])).not.toContain(forgedText);
    } finally {
      parse.mockRestore();
    }
    // Not JSON and not signed: the signature is what fails, the payload is never looked at.
    expect(installTrustList(`${h}.${Buffer.from('{"seq":').toString('base64url')}.${sig}`, roots, null)).toMatchObject({ reason: 'SIGNATURE_INVALID' });
  });
  it(`refuses a validly signed trust list over ${MAX_TRUST_LIST_CHARS} characters`, () => {
    const padding = Array.from({ length: 40_000 }, (_, i) => `${'A'.repeat(100)}${i}`);
    const big = signJws({ ...trustPayload(1), revokedCodes: padding }, 'trust', signOpts);
    expect(big.length).toBeGreaterThan(MAX_TRUST_LIST_CHARS);
    expect(installTrustList(big, roots, null)).toMatchObject({ accepted: false, reason: 'FORMAT_INVALID' });
    const fits = signJws({ ...trustPayload(1), revokedCodes: padding.slice(0, 1000) }, 'trust', signOpts);
    expect(installTrustList(fits, roots, null)).toMatchObject({ accepted: true });
  });
});

describe('status list (spec §3)', () => {
  const entries = Array.from({ length: 5000 }, (_, i) => ({ id: `ID${i}`, st: ((i % 2) + 1) as 1 | 2, su: 1_700_000_000 + i }));
  const records = buildStatusRecords(salt, entries);
  const jws = signJws({ seq: 1, issued: '2026-11-20T00:00:00Z', nextUpdate: '2026-11-21T00:00:00Z', salt: base64urlEncode(salt), records: base64urlEncode(records) }, 'status', signOpts);
  const installed = installStatusList(jws, roots, null);
  if (!installed.accepted) throw new Error(installed.message);
  const list = installed.list;

  it('finds every listed holder by binary search and no one else', () => {
    expect(list.count).toBe(5000);
    for (const e of entries) expect(lookupStatus(list, e.id)).toEqual({ st: e.st, su: e.su });
    expect(lookupStatus(list, 'NOT-LISTED')).toBeNull();
  });
  it('upper-cases the document number before hashing', () => {
    expect(lookupStatus(list, 'id42')).toEqual({ st: 1, su: 1_700_000_042 });
  });
  it('refuses records that are not whole, or not in ascending order', () => {
    const torn = signJws({ seq: 1, issued: '2026-11-20T00:00:00Z', nextUpdate: '2026-11-21T00:00:00Z', salt: base64urlEncode(salt), records: base64urlEncode(records.subarray(0, STATUS_RECORD_SIZE * 3 + 1)) }, 'status', signOpts);
    expect(installStatusList(torn, roots, null)).toMatchObject({ reason: 'FORMAT_INVALID' });
    const swapped = Buffer.concat([records.subarray(STATUS_RECORD_SIZE, 2 * STATUS_RECORD_SIZE), records.subarray(0, STATUS_RECORD_SIZE)]);
    const unsorted = signJws({ seq: 1, issued: '2026-11-20T00:00:00Z', nextUpdate: '2026-11-21T00:00:00Z', salt: base64urlEncode(salt), records: base64urlEncode(swapped) }, 'status', signOpts);
    expect(installStatusList(unsorted, roots, null)).toMatchObject({ reason: 'FORMAT_INVALID' });
  });
  it('refuses a list with a record whose colour byte is neither 1 (yellow) nor 2 (red), or whose bytes 33–35 are not zero', () => {
    const withByte = (offset: number, value: number) => {
      const recs = Buffer.from(records);
      recs[7 * STATUS_RECORD_SIZE + offset] = value;
      return signJws({ seq: 1, issued: '2026-11-20T00:00:00Z', nextUpdate: '2026-11-21T00:00:00Z', salt: base64urlEncode(salt), records: base64urlEncode(recs) }, 'status', signOpts);
    };
    for (const colour of [0, 3, 255]) {
      expect(installStatusList(withByte(32, colour), roots, null), `colour ${colour}`).toMatchObject({ accepted: false, reason: 'FORMAT_INVALID' });
    }
    for (const offset of [33, 34, 35]) {
      expect(installStatusList(withByte(offset, 1), roots, null), `byte ${offset}`).toMatchObject({ accepted: false, reason: 'FORMAT_INVALID' });
    }
    expect(installStatusList(withByte(32, 2), roots, null)).toMatchObject({ accepted: true });
  });
});
