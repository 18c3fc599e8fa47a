// The integrator's trust screen imports the signed DSC list (docs/dcc-trust.md) from a file, in parts,
// through the DscListCache's checks, audited as the other lists' imports are. A real kiosk service,
// config.json, DscListCache and SQLite entry log; calls go through the hosts' dispatcher (contract-checked).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallContext, MethodName, MethodRequest, MethodResponse, Result } from '../../contract/api.js';
import { dispatchCall } from '../../contract/dispatch.js';
import { makeDemoDcc } from '../codes/dcc/demo-dcc.js';
import { DscListCache, signDscList } from '../codes/dcc/dsc-list.js';
import { ListCache } from '../codes/list-cache.js';
import { makeDemoPki } from '../codes/pki.js';
import { loadConfig, saveConfig } from '../config/config.js';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { ManualClock } from '../checkpoint/clock.js';
import { createCheckpointService } from '../checkpoint/service.js';
import { EntryStore } from '../store/entry-store.js';
import { TRUST_SETUP_AUDIT } from './trust-setup-methods.js';

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const NOW = Math.floor(T0 / 1000);
const screen: CallContext = { host: 'browser', clientId: 'ws-integrator' };
const INTEGRATOR_PIN = '8642';
const pki = makeDemoPki({ seed: 'trust-setup-dsc', now: NOW, syntheticStatusRecords: 0 });
const listOf = (seq: number) => makeDemoDcc({ root: pki.root, now: NOW, dscListSeq: seq }).dscListJws;

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function rig(withDscList = true, dccAccept = false) {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-trust-dsc-'));
  saveConfig(dir, { kioskId: 'kiosk-trust', roots: pki.roots, admin: { pin: hashAdminPin('2468'), integratorPin: hashAdminPin(INTEGRATOR_PIN) }, ...(dccAccept ? { policy: { dccAccept: true } } : {}) } as never);
  const config = loadConfig(dir);
  const store = EntryStore.open(dir);
  const dscList = withDscList ? new DscListCache(dir, config.roots).load() : null;
  const cp = createCheckpointService({ config, store, lists: new ListCache(dir, config.roots).load(), dscList, devices: null, clock: new ManualClock(T0), configFile: { dataDir: dir }, statusTick: { everyMs: 3_600_000, clockEveryMs: 3_600_000 }, log: () => {} });
  cleanups.push(() => {
    cp.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = <M extends MethodName>(method: M, request: Omit<MethodRequest<M>, 'session'>, session: string) => dispatchCall(cp.service, method, { ...request, session }, screen) as Promise<Result<MethodResponse<M>>>;
  const open = async () => {
    const r = await dispatchCall(cp.service, 'openAdminSession', { pin: INTEGRATOR_PIN }, screen);
    if (!r.ok) throw new Error(r.message);
    return (r.value as { session: string }).session;
  };
  const importDsc = async (session: string, text: string, part = 4096) => {
    let last: Result<MethodResponse<'importList'>> | null = null;
    for (let offset = 0; offset < text.length; offset += part) {
      last = await call('importList', { kind: 'dsc', total: text.length, offset, text: text.slice(offset, offset + part) }, session);
      if (!last.ok) return last;
    }
    return last!;
  };
  return { store, dscList, call, open, importDsc };
}

describe('trust screen: importing the DSC list (docs/dcc-trust.md)', () => {
  it('installs a DSC list sent in parts, refuses an older one, and audits both', async () => {
    const r = rig();
    const session = await r.open();
    const setup = await r.call('getTrustSetup', {}, session);
    expect(setup.ok && setup.value.limits.dscChars).toBeGreaterThan(0);
    expect(await r.importDsc(session, listOf(2))).toMatchObject({ ok: true, value: { done: true, kind: 'dsc', seq: 2, count: 3 } });
    expect(r.dscList!.list?.seq).toBe(2);
    expect(await r.importDsc(session, listOf(1))).toMatchObject({ ok: false, reason: 'ROLLBACK' });
    expect(r.dscList!.list?.seq).toBe(2);
    const audit = r.store.auditOf([TRUST_SETUP_AUDIT.listImported], 10).map((a) => a.detail);
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'dsc', accepted: true, seq: 2 }), expect.objectContaining({ kind: 'dsc', accepted: false, reason: 'ROLLBACK' })]));
  });

  it('takes the installed list again as unchanged, and installs a list past its date or empty with warnings', async () => {
    const r = rig();
    const session = await r.open();
    const two = listOf(2);
    expect(await r.importDsc(session, two)).toMatchObject({ ok: true, value: { done: true, seq: 2 } });
    const again = await r.importDsc(session, two);
    expect(again).toMatchObject({ ok: true, value: { done: true, kind: 'dsc', seq: 2, unchanged: true } });
    expect(again.ok && again.value.done && again.value.warnings).toBeUndefined();

    // Signed by the root and newer, but dated three days back: installed, and the answer says so.
    const late = makeDemoDcc({ root: pki.root, now: NOW - 3 * 86400, dscListSeq: 3 }).dscListJws;
    const lateR = await r.importDsc(session, late);
    expect(lateR).toMatchObject({ ok: true, value: { done: true, seq: 3, warnings: [{ code: 'PAST_NEXT_UPDATE' }] } });
    expect(r.dscList!.list?.seq).toBe(3);
    const empty = signDscList({ seq: 4, issued: NOW - 60, nextUpdate: NOW + 86400, certificates: [] }, { rootSecretKey: pki.root.secretKey, rootPublicKey: pki.root.publicKey });
    expect(await r.importDsc(session, empty)).toMatchObject({ ok: true, value: { done: true, seq: 4, count: 0, warnings: [{ code: 'NO_CERTIFICATES' }] } });
    const audit = r.store.auditOf([TRUST_SETUP_AUDIT.listImported], 10).map((a) => a.detail);
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'dsc', accepted: true, seq: 2, unchanged: true })]));
    expect(audit).not.toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'ROLLBACK' })]));
  });

  it('the trust overview shows the DSC list where the venue accepts EU certificates: missing warned, then its signers by country', async () => {
    const r = rig(true, true);
    const session = await r.open();
    const before = await r.call('getTrustOverview', {}, session);
    if (!before.ok) throw new Error(before.message);
    expect(before.value.dscList).toMatchObject({ state: 'missing', seq: null, certificates: 0, countries: [] });
    expect(before.value.warnings).toContain('dscListMissing');
    await r.importDsc(session, listOf(2));
    const after = await r.call('getTrustOverview', {}, session);
    if (!after.ok) throw new Error(after.message);
    expect(after.value.dscList).toMatchObject({ state: 'fresh', seq: 2, certificates: 3, countries: [{ country: 'AT', certificates: 1 }, { country: 'DE', certificates: 1 }, { country: 'FR', certificates: 1 }] });
    expect(after.value.warnings).not.toContain('dscListMissing');
    // A venue that takes no EU certificates: nothing about the list on the overview.
    const off = rig(true, false);
    const offView = await off.call('getTrustOverview', {}, await off.open());
    expect(offView.ok && offView.value.dscList).toBeUndefined();
  });

  it('a kiosk without a DSC list offers no such import', async () => {
    const r = rig(false);
    const session = await r.open();
    const setup = await r.call('getTrustSetup', {}, session);
    expect(setup.ok && setup.value.limits.dscChars).toBeUndefined();
    expect(await r.importDsc(session, listOf(1))).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
  });
});
