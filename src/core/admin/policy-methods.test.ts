// previewPolicy through the hosts' dispatcher on the real kiosk service: the seven synthetic cases
// decided by the passage's own decision functions under the rules as edited (health-code spec §4),
// each rule moving exactly the row it governs, invalid rules answered as problems with their paths,
// and the method refused without a session.
import { afterEach, describe, expect, it } from 'vitest';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { kioskConfigSchema } from '../config/config.js';
import { ADMIN_PIN, makeViewsRig, T0, type ViewsRig } from './views-test-support.js';
import { previewPolicy, type PolicyCaseId } from './policy-methods.js';

const INTEGRATOR_PIN = '5678';
let rig: ViewsRig | null = null;
afterEach(() => {
  rig?.close();
  rig = null;
});

async function integratorRig(policy: Record<string, unknown> = {}): Promise<{ rig: ViewsRig; session: string }> {
  rig = await makeViewsRig({ config: { policy, admin: { pin: hashAdminPin(ADMIN_PIN), integratorPin: hashAdminPin(INTEGRATOR_PIN) } } });
  const r = await rig.call('openAdminSession', { pin: INTEGRATOR_PIN });
  if (!r.ok) throw new Error(r.message);
  expect(r.value.role).toBe('integrator');
  return { rig, session: r.value.session };
}

type Row = { decision: string; reason: string | null };
const byId = (cases: Array<{ id: PolicyCaseId } & Row>) => Object.fromEntries(cases.map((c) => [c.id, `${c.decision}${c.reason ? ` ${c.reason}` : ''}`]));

describe('previewPolicy (docs/integrator-setup.md, "Venue and policy")', () => {
  it('decides the seven cases under the defaults as spec §4 says (and the EU holders as not accepted), and under the rules in force', async () => {
    const { rig, session } = await integratorRig();
    const r = await rig.call('previewPolicy', { session, policy: {} });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.problems).toEqual([]);
    expect(byId(r.value.cases)).toEqual({
      green: 'admit',
      yellow: 'deny STATUS_YELLOW',
      red: 'deny STATUS_RED',
      stale: 'deny STATUS_STALE',
      'expired-test': 'admit',
      fever: 'deny FEVER',
      'card-alone': 'admit',
      // A venue takes no foreign credentials unless it says so (dccAccept defaults off).
      'dcc-vaccinated': 'deny DCC_NOT_ACCEPTED',
      'dcc-test-naat': 'deny DCC_NOT_ACCEPTED',
      'dcc-test-rat': 'deny DCC_NOT_ACCEPTED',
      'dcc-recovery': 'deny DCC_NOT_ACCEPTED',
    });
    // Nothing edited: as edited and in force are the same.
    for (const c of r.value.cases) expect(c.inForce).toEqual({ decision: c.decision, reason: c.reason });
    expect(r.value.cases.find((c) => c.id === 'fever')!.explanation).toContain('38.0 °C ≥ 37.3 °C');
    expect(rig.store.auditOf(['admin-action'], 1)[0]?.detail).toMatchObject({ what: 'policy-preview', role: 'integrator' });
  });

  it('moves the fever row with feverThresholdC and feverComparison: 38.0 °C denied at 37.3, admitted at 38.5, at 38.0 only with ≥', async () => {
    const { rig, session } = await integratorRig();
    const fever = async (policy: Record<string, unknown>) => {
      const r = await rig.call('previewPolicy', { session, policy });
      if (!r.ok) throw new Error(r.message);
      return byId(r.value.cases).fever;
    };
    expect(await fever({ feverThresholdC: 37.3 })).toBe('deny FEVER');
    expect(await fever({ feverThresholdC: 38.5 })).toBe('admit');
    expect(await fever({ feverThresholdC: 38.0 })).toBe('deny FEVER');
    expect(await fever({ feverThresholdC: 38.0, feverComparison: 'gt' })).toBe('admit');
  });

  it('moves the expired-test row with requireTestWithinHours, the stale row with maxStatusAgeHours, the card row with cardOnlyAllowed', async () => {
    const { rig, session } = await integratorRig();
    const rows = async (policy: Record<string, unknown>) => {
      const r = await rig.call('previewPolicy', { session, policy });
      if (!r.ok) throw new Error(r.message);
      return byId(r.value.cases);
    };
    expect((await rows({ requireTestWithinHours: null }))['expired-test']).toBe('admit');
    const test24 = await rows({ requireTestWithinHours: 24 });
    expect(test24['expired-test']).toBe('deny TEST_TOO_OLD');
    expect(test24.green).toBe('admit');
    expect((await rows({ requireTestWithinHours: 96 }))['expired-test']).toBe('admit');
    expect((await rows({ maxStatusAgeHours: 48 })).stale).toBe('admit');
    expect((await rows({ maxStatusAgeHours: 24 })).stale).toBe('deny STATUS_STALE');
    expect((await rows({ cardOnlyAllowed: false }))['card-alone']).toBe('deny CODE_REQUIRED');
  });

  it('decides the four EU certificate holders by decideForDcc under the edited rules, each moved by its own rule (docs/dcc-policy.md)', async () => {
    const { rig, session } = await integratorRig({ dccAccept: true });
    const preview = async (policy: Record<string, unknown>) => {
      const r = await rig.call('previewPolicy', { session, policy });
      if (!r.ok) throw new Error(r.message);
      return r.value.cases;
    };
    const rows = async (policy: Record<string, unknown>) => byId(await preview(policy));
    const dcc = ['dcc-vaccinated', 'dcc-test-naat', 'dcc-test-rat', 'dcc-recovery'] as const;
    const pick = (all: Record<string, string>) => Object.fromEntries(dcc.map((id) => [id, all[id]]));
    expect(pick(await rows({}))).toEqual({ 'dcc-vaccinated': 'admit', 'dcc-test-naat': 'admit', 'dcc-test-rat': 'admit', 'dcc-recovery': 'admit' });
    // Rapid tests turned off: that row alone changes, marked against the rules in force.
    const ratOff = await preview({ dccTestRatMaxHours: null });
    expect(pick(byId(ratOff))).toEqual({ 'dcc-vaccinated': 'admit', 'dcc-test-naat': 'admit', 'dcc-test-rat': 'deny DCC_TEST_TYPE_NOT_ACCEPTED', 'dcc-recovery': 'admit' });
    expect(ratOff.find((c) => c.id === 'dcc-test-rat')).toMatchObject({ inputs: { presented: 'dcc', dcc: { kind: 'rat', hoursAgo: 12 } }, inForce: { decision: 'admit', reason: null } });
    expect((await rows({ dccTestRatMaxHours: 6 }))['dcc-test-rat']).toBe('deny DCC_TEST_TOO_OLD');
    expect(pick(await rows({ dccTestNaatMaxHours: 24 }))).toMatchObject({ 'dcc-test-naat': 'deny DCC_TEST_TOO_OLD', 'dcc-test-rat': 'admit' });
    expect(pick(await rows({ dccAcceptTest: false }))).toMatchObject({ 'dcc-test-naat': 'deny DCC_NOT_ACCEPTED', 'dcc-test-rat': 'deny DCC_NOT_ACCEPTED', 'dcc-vaccinated': 'admit' });
    expect((await rows({ dccVaccinationMinDays: 90 }))['dcc-vaccinated']).toBe('deny DCC_VACCINATION_TOO_RECENT');
    expect((await rows({ dccVaccinationMinDays: 30 }))['dcc-vaccinated']).toBe('admit');
    expect((await rows({ dccRecoveryMaxDays: 30 }))['dcc-recovery']).toBe('deny DCC_RECOVERY_NOT_VALID');
    expect((await rows({ dccRecoveryMaxDays: 90 }))['dcc-recovery']).toBe('admit');
    // A fever stops an EU holder as it stops anyone (the temperature rules are PHC1's).
    expect(pick(await rows({ feverThresholdC: 36.0 }))).toEqual(Object.fromEntries(dcc.map((id) => [id, 'deny FEVER'])));
    expect(pick(await rows({ dccAccept: false }))).toEqual(Object.fromEntries(dcc.map((id) => [id, 'deny DCC_NOT_ACCEPTED'])));
    expect((await preview({ dccTestRatMaxHours: null })).find((c) => c.id === 'dcc-test-rat')!.explanation).toContain('rapid antigen test not detected, sampled 12 h ago');
  });

  it('shows the rules in force beside the edit: a kiosk saved at 38.5 °C admits the fever case now, the edit back to 37.3 would deny it', async () => {
    const { rig, session } = await integratorRig({ feverThresholdC: 38.5 });
    const r = await rig.call('previewPolicy', { session, policy: { feverThresholdC: 37.3 } });
    if (!r.ok) throw new Error(r.message);
    const fever = r.value.cases.find((c) => c.id === 'fever')!;
    expect(fever).toMatchObject({ decision: 'deny', reason: 'FEVER', inForce: { decision: 'admit', reason: null } });
    // A key left out keeps the rule in force: here the saved 38.5.
    const kept = await rig.call('previewPolicy', { session, policy: {} });
    if (!kept.ok) throw new Error(kept.message);
    expect(kept.value.cases.find((c) => c.id === 'fever')!.decision).toBe('admit');
  });

  it('answers invalid rules as problems with their paths and no cases, never a crash', async () => {
    const { rig, session } = await integratorRig();
    const r = await rig.call('previewPolicy', {
      session,
      policy: { feverThresholdC: 'hot', maxStatusAgeHours: -1, feverComparisn: 'gt' },
      checkpoint: { collectWindowMs: 50 },
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.cases).toEqual([]);
    const paths = r.value.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['policy.feverThresholdC', 'policy.maxStatusAgeHours', 'policy.feverComparisn', 'checkpoint.collectWindowMs']));
    expect(r.value.problems.find((p) => p.path === 'policy.feverComparisn')!.message).toBe('unknown key');
    // A checkpoint rule alone wrong: still no cases (the edit as a whole could not be saved).
    const cp = await rig.call('previewPolicy', { session, policy: {}, checkpoint: { resetAfterMs: 'soon' } });
    if (!cp.ok) throw new Error(cp.message);
    expect(cp.value).toMatchObject({ cases: [], problems: [{ path: 'checkpoint.resetAfterMs' }] });
    // Over the contract's caps (a huge value, too many keys): refused by the dispatcher, not parsed.
    expect(await rig.call('previewPolicy', { session, policy: { feverThresholdC: 'x'.repeat(10_000) } })).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 1]));
    expect(await rig.call('previewPolicy', { session, policy: many })).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
  });

  it('is refused without a session; the admin may look too (read-only, it changes nothing)', async () => {
    const { rig } = await integratorRig();
    expect(await rig.call('previewPolicy', { session: 'B'.repeat(32), policy: {} })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    const admin = await rig.openSession({ host: 'browser', clientId: 'ws-other' });
    expect(await rig.call('previewPolicy', { session: admin, policy: { feverThresholdC: 38.5 } }, { host: 'browser', clientId: 'ws-other' })).toMatchObject({ ok: true });
    // Previewing saved nothing: the rules in force still deny the fever case.
    const after = await rig.call('previewPolicy', { session: admin, policy: {} }, { host: 'browser', clientId: 'ws-other' });
    if (!after.ok) throw new Error(after.message);
    expect(after.value.cases.find((c) => c.id === 'fever')!.inForce).toEqual({ decision: 'deny', reason: 'FEVER' });
  });

  it('uses the clock: the same edit at another time decides the same fixed cases (they are built at now)', () => {
    const config = kioskConfigSchema.parse({});
    const a = previewPolicy(config, { requireTestWithinHours: 24 }, undefined, T0);
    const b = previewPolicy(config, { requireTestWithinHours: 24 }, undefined, T0 + 400 * 86_400_000);
    expect(byId(a.cases)).toEqual(byId(b.cases));
  });
});
