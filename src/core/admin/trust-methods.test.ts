import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlDecode } from '../../base/base64url.js';
import { makeViewsRig, T0, DAY_MS, type ViewsRig } from './views-test-support.js';

let rig: ViewsRig | null = null;
afterEach(() => {
  rig?.close();
  rig = null;
});

describe('trust overview (health-code spec §2–4)', () => {
  it('is refused without an admin session, and audited with one', async () => {
    rig = await makeViewsRig();
    expect(await rig.call('getTrustOverview', {})).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(await rig.call('getTrustOverview', { session: 'A'.repeat(32) })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    const session = await rig.openSession();
    expect(await rig.call('getTrustOverview', { session }, { host: 'browser', clientId: 'another-screen' })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(await rig.call('getTrustOverview', { session })).toMatchObject({ ok: true });
    expect(rig.store.auditOf(['admin-action'], 10).map((r) => r.detail.what)).toContain('trust-overview');
  });

  it('shows the installed lists, keys per province, revoked codes and the pinned root fingerprint', async () => {
    rig = await makeViewsRig();
    const session = await rig.openSession();
    const r = await rig.call('getTrustOverview', { session });
    if (!r.ok) throw new Error(r.message);
    const v = r.value;
    const trust = rig.lists.trustList!;
    expect(v.trustList).toMatchObject({ state: 'fresh', seq: trust.seq, issuedAt: trust.issued * 1000, nextUpdateAt: trust.nextUpdate * 1000, keyCount: 6, revokedCodes: 0 });
    // The demo PKI issued its lists an hour before T0.
    expect(v.trustList.ageMs).toBe(3_600_000);
    expect(v.provinces.map((p) => p.province)).toEqual(['110000', '310000', '330000', '440000', '460000', '510000']);
    for (const p of v.provinces) {
      const key = rig.pki.provinces.find((k) => k.iss === p.province)!;
      expect(p).toEqual({ province: p.province, active: 1, revoked: 0, kids: [key.kid] });
    }
    const status = rig.lists.statusList!;
    expect(v.statusList).toMatchObject({ state: 'fresh', seq: status.seq, records: status.count, sizeBytes: status.count * 40 });
    expect(status.count).toBeGreaterThan(1000);
    // The fingerprint is SHA-256 over the raw root public key (what a province publishes to compare).
    const root = rig.pki.roots[0]!;
    expect(v.roots).toEqual([{ kid: root.kid, sha256: createHash('sha256').update(base64urlDecode(root.pub)!).digest('hex') }]);
    expect(Buffer.from(v.roots[0]!.sha256, 'hex').equals(createHash('sha256').update(rig.pki.root.publicKey).digest())).toBe(true);
    expect(v.warnings).toEqual([]);
  });

  it('warns exactly as the status bar does: stale past nextUpdate, expired past the policy age, clock set back', async () => {
    rig = await makeViewsRig();
    // Days pass between looks: each look opens its own session (an idle one ends after 2 minutes).
    const overview = async () => {
      const r = await rig!.call('getTrustOverview', { session: await rig!.openSession() });
      if (!r.ok) throw new Error(r.message);
      return r.value;
    };
    const status = async () => {
      const r = await rig!.call('getStatus', {});
      if (!r.ok) throw new Error(r.message);
      return r.value;
    };
    // The status list's nextUpdate is a day after issue: one day on it is stale (and past 24 h, expired).
    rig.clock.advance(DAY_MS);
    let v = await overview();
    let s = await status();
    expect(v.trustList.state).toBe(s.trustList.state);
    expect(v.statusList.state).toBe(s.statusList.state);
    expect(v.warnings).toEqual(['statusListExpired']);
    // Seven days on, the trust list is past nextUpdate: stale, not yet expired (14 days).
    rig.clock.advance(6 * DAY_MS);
    v = await overview();
    s = await status();
    expect(s.trustList.state).toBe('stale');
    expect(v.trustList.state).toBe('stale');
    expect(v.warnings).toContain('trustListStale');
    rig.clock.advance(8 * DAY_MS);
    v = await overview();
    expect(v.trustList.state).toBe((await status()).trustList.state);
    expect(v.warnings).toContain('trustListExpired');
    // A clock set back past the newest time the kiosk has seen.
    rig.append(1, T0 + 15 * DAY_MS);
    const later = rig.clock.now();
    // ManualClock only moves forward; the kiosk's clock being set back is this field moving back.
    (rig.clock as unknown as { t: number }).t = later - 10 * 60_000;
    v = await overview();
    expect(v.clock.warning).toBe(true);
    expect(v.warnings).toContain('clockBackwards');
  });

  it('says so when no list is installed and no root is pinned', async () => {
    rig = await makeViewsRig({ lists: false, config: { roots: [] } });
    const session = await rig.openSession();
    const r = await rig.call('getTrustOverview', { session });
    if (!r.ok) throw new Error(r.message);
    expect(r.value).toMatchObject({ trustList: { state: 'missing', seq: null, keyCount: 0 }, statusList: { state: 'missing', records: null }, provinces: [], roots: [] });
    expect(r.value.warnings).toEqual(['trustListMissing', 'statusListMissing', 'noPinnedRoot']);
  });
  it('names a trust list the pinned root did not sign (refused at start), with the detail the status bar shows', async () => {
    const detail = 'the installed trust list is signed by root other-root; pinned: demo-root (sha256 1a2b…)';
    rig = await makeViewsRig({ lists: false, listProblems: [{ list: 'trust', reason: 'ROOT_UNKNOWN', detail }] });
    const session = await rig.openSession();
    const r = await rig.call('getTrustOverview', { session });
    if (!r.ok) throw new Error(r.message);
    // Refused, not merely missing; the status list has no problem, so it is just missing.
    expect(r.value.warnings).toEqual(['trustListRefused', 'statusListMissing']);
    expect(r.value.listProblems).toEqual([{ list: 'trust', reason: 'ROOT_UNKNOWN', detail }]);
    const status = await rig.call('getStatus', {});
    expect(status.ok && status.value.listProblems).toEqual(r.value.listProblems);
    // Once a list the pinned roots verify is installed, the problem and the warning are gone.
    rig.lists.installTrust(rig.pki.trustListJws);
    const again = await rig.call('getTrustOverview', { session });
    if (!again.ok) throw new Error(again.message);
    expect(again.value.warnings).not.toContain('trustListRefused');
    expect(again.value.listProblems).toBeUndefined();
  });
});
