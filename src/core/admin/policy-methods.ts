// The integrator's venue and policy screen (docs/integrator-setup.md, "Venue and policy"): "what would
// happen" under the rules as edited, before they are saved. Seven fixed synthetic people (green,
// yellow, red, a stale status, an expired test, a fever, a card alone) are decided at `clock.now()`
// by the very functions a passage calls (decideForCode / decideForCard, health-code spec §4), and
// four EU certificate holders (a vaccination, a NAAT test, a rapid antigen test, a recovery) by
// decideForDcc (docs/dcc-policy.md), as authentic certificates checked against a current DSC list, so
// the preview cannot drift from the door: there is no second copy of the rules here, only the inputs.
// Nothing is read from the entry log and no personal data is involved. Each preview is an admin
// action like any other (one audit row, docs/security.md "Admin sessions"), which is one reason the
// screen debounces its calls as the integrator types.
import { z } from 'zod';
import { fail, ok, type KioskService, type MethodResponse } from '../../contract/api.js';
import { checkpointConfigSchema, configProblemsOf, venuePolicySchema, type ConfigProblem, type KioskConfig } from '../../contract/config.js';
import type { Decision } from '../../contract/reasons.js';
import type { StatusList, TrustList } from '../codes/lists.js';
import type { HealthClaims, StatusColour } from '../codes/claims.js';
import type { VerifyResult } from '../codes/verify.js';
import { decideForCard, decideForCode, type DecisionResult, type VenuePolicy } from '../policy/policy.js';
import type { DccCertificate } from '../codes/dcc/types.js';
import { DCC_TEST_TYPE_NAAT, DCC_TEST_TYPE_RAT, decideForDcc, venueDayNumber } from '../policy/dcc-policy.js';
import { kioskTimeZone } from '../store/local-days.js';
import type { AdminDeps } from './deps.js';
import { ADMIN_OR_INTEGRATOR } from './sessions.js';

type PreviewResponse = MethodResponse<'previewPolicy'>;
export type PolicyPreviewCase = PreviewResponse['cases'][number];
export type PolicyCaseId = PolicyPreviewCase['id'];

const HOUR = 3600;
/** The body temperature of every case but the fever one. */
export const CASE_NORMAL_C = 36.5;
/** The fever case's reading: between the default threshold (37.3) and a raised one (38.5). */
export const CASE_FEVER_C = 38.0;

interface CaseSpec {
  id: PolicyCaseId;
  presented: 'code' | 'card' | 'dcc';
  status: StatusColour | null;
  /** When the status was assessed, hours before now (code cases). */
  assessedHoursAgo: number | null;
  /** A negative test sampled this many hours before now (code cases). */
  testHoursAgo: number | null;
  temperatureC: number;
  /** An EU certificate (presented `dcc`): its kind and age (days since the completing dose or the first positive test, hours since the sample). */
  dcc?: { kind: 'vaccination' | 'naat' | 'rat' | 'recovery'; daysAgo: number | null; hoursAgo: number | null };
}

/**
 * The cases, chosen so each rule an integrator is likely to move flips exactly one row with the
 * defaults (spec §4): a status 36 h old is stale under 24 h and fresh under 48 h; a test 72 h old is
 * too old under any window below 72 h and ignored when no test is required; 38.0 °C is a fever at
 * 37.3 and not at 38.5. The green person's test (6 h) passes every plausible test window.
 */
export const POLICY_CASES: readonly CaseSpec[] = [
  { id: 'green', presented: 'code', status: 0, assessedHoursAgo: 2, testHoursAgo: 6, temperatureC: CASE_NORMAL_C },
  { id: 'yellow', presented: 'code', status: 1, assessedHoursAgo: 2, testHoursAgo: 6, temperatureC: CASE_NORMAL_C },
  { id: 'red', presented: 'code', status: 2, assessedHoursAgo: 2, testHoursAgo: 6, temperatureC: CASE_NORMAL_C },
  { id: 'stale', presented: 'code', status: 0, assessedHoursAgo: 36, testHoursAgo: 6, temperatureC: CASE_NORMAL_C },
  { id: 'expired-test', presented: 'code', status: 0, assessedHoursAgo: 2, testHoursAgo: 72, temperatureC: CASE_NORMAL_C },
  { id: 'fever', presented: 'code', status: 0, assessedHoursAgo: 2, testHoursAgo: 6, temperatureC: CASE_FEVER_C },
  { id: 'card-alone', presented: 'card', status: null, assessedHoursAgo: null, testHoursAgo: null, temperatureC: CASE_NORMAL_C },
  // EU certificates (docs/dcc-policy.md), each admitted under the defaults once dccAccept is on, and
  // each moved by its own rules: the dose 60 days old by dccVaccinationMinDays above 60; the NAAT
  // sample 30 h old by dccTestNaatMaxHours below 30; the rapid test 12 h old by dccTestRatMaxHours
  // below 12 or off; the recovery (first positive 60 days ago, valid 120 days more) by
  // dccRecoveryMaxDays below 60; and every one by its type's dccAccept* switch.
  { id: 'dcc-vaccinated', presented: 'dcc', status: null, assessedHoursAgo: null, testHoursAgo: null, temperatureC: CASE_NORMAL_C, dcc: { kind: 'vaccination', daysAgo: 60, hoursAgo: null } },
  { id: 'dcc-test-naat', presented: 'dcc', status: null, assessedHoursAgo: null, testHoursAgo: null, temperatureC: CASE_NORMAL_C, dcc: { kind: 'naat', daysAgo: null, hoursAgo: 30 } },
  { id: 'dcc-test-rat', presented: 'dcc', status: null, assessedHoursAgo: null, testHoursAgo: null, temperatureC: CASE_NORMAL_C, dcc: { kind: 'rat', daysAgo: null, hoursAgo: 12 } },
  { id: 'dcc-recovery', presented: 'dcc', status: null, assessedHoursAgo: null, testHoursAgo: null, temperatureC: CASE_NORMAL_C, dcc: { kind: 'recovery', daysAgo: 60, hoursAgo: null } },
];

/** The DCC value set's "not detected" (the default dccTestNotDetectedCode). */
const NOT_DETECTED = '260415000';

/** An authentic EU certificate of the case, as verifyHc1 would return it (docs/dcc.md layers passed). */
function verifiedCertificate(spec: CaseSpec, now: number): DccCertificate {
  const d = spec.dcc!;
  // Calendar dates on the venue's calendar, as decideForDcc counts them.
  const today = venueDayNumber(now, kioskTimeZone());
  const date = (daysFromToday: number) => new Date((today + daysFromToday) * 86_400_000).toISOString().slice(0, 10);
  const base = { version: '1.3.0', issuerCountry: 'AT', iat: now - 3 * HOUR, exp: now + 30 * 24 * HOUR, name: { fn: 'Preview', fnt: 'PREVIEW', gn: 'Case', gnt: 'CASE' }, dob: '1980-01-01', ci: 'URN:UVCI:01:AT:PREVIEW#0' };
  const sampled = (hours: number) => new Date((now - hours * HOUR) * 1000).toISOString();
  if (d.kind === 'vaccination') return { ...base, type: 'v', entry: { tg: '840539006', dn: 2, sd: 2, dt: date(-(d.daysAgo ?? 0)), co: 'AT', is: 'preview', ci: base.ci } };
  if (d.kind === 'recovery') return { ...base, type: 'r', entry: { tg: '840539006', fr: date(-(d.daysAgo ?? 0)), df: date(-(d.daysAgo ?? 0) + 11), du: date(120), co: 'AT', is: 'preview', ci: base.ci } };
  const tt = d.kind === 'naat' ? DCC_TEST_TYPE_NAAT : DCC_TEST_TYPE_RAT;
  return { ...base, type: 't', entry: { tg: '840539006', tt, sc: sampled(d.hoursAgo ?? 0), tr: NOT_DETECTED, tc: 'preview', co: 'AT', is: 'preview', ci: base.ci } };
}

/** A synthetic resident ID number (valid MOD 11-2 check character); never a real person's. */
const CASE_ID_NUMBER = '11010519491231002X';

/** An authentic code of the case, as verifyCode would answer it for a valid signature (spec §4 checks 1–12 passed). */
function verifiedCode(spec: CaseSpec, now: number): VerifyResult {
  const hc: HealthClaims['hc'] = {
    v: 1,
    nm: 'preview',
    dt: 'CN',
    id: CASE_ID_NUMBER,
    st: spec.status ?? 0,
    su: now - (spec.assessedHoursAgo ?? 0) * HOUR,
    ...(spec.testHoursAgo !== null ? { na: [0, now - spec.testHoursAgo * HOUR] as [number, number] } : {}),
  };
  const claims: HealthClaims = { iss: '110000', iat: now - 3 * HOUR, exp: now + 21 * HOUR, cti: 'cHJldmlldy1jb2RlLTAx', hc };
  return { authentic: true, reason: null, claims, kid: 'preview', keyIssuer: '110000' };
}

/** A trust list issued a day ago and due again in six: fresh under any allowed maxTrustListAgeDays ≥ 1.01. */
function freshTrustList(now: number): TrustList {
  return { kind: 'trust', seq: 1, issued: now - 24 * HOUR, nextUpdate: now + 6 * 24 * HOUR, keys: new Map(), revokedCodes: new Set(), jws: '' };
}

/** A status list issued an hour ago that lists nobody: the card-alone holder is green as of its `issued` (spec §3). */
function freshStatusList(now: number): StatusList {
  return { kind: 'status', seq: 1, issued: now - HOUR, nextUpdate: now + 23 * HOUR, salt: new Uint8Array(16), records: Buffer.alloc(0), heads: new Uint32Array(0), count: 0 };
}

/** One case decided under `policy` by the passage's own decision functions. */
export function decideCase(spec: CaseSpec, policy: VenuePolicy, nowMs: number, thermometerFitted: boolean): DecisionResult {
  const now = Math.floor(nowMs / 1000);
  if (spec.presented === 'dcc') {
    return decideForDcc({ certificate: verifiedCertificate(spec, now), policy, dscListState: 'ok', temperatureC: spec.temperatureC, thermometerFitted, now });
  }
  if (spec.presented === 'card') {
    return decideForCard({ card: { id: CASE_ID_NUMBER }, statusList: freshStatusList(now), policy, temperatureC: spec.temperatureC, thermometerFitted, now });
  }
  return decideForCode({ verification: verifiedCode(spec, now), trustList: freshTrustList(now), policy, card: null, temperatureC: spec.temperatureC, thermometerFitted, now });
}

const COLOUR = ['green', 'yellow', 'red'] as const;

function explain(spec: CaseSpec, policy: VenuePolicy, d: DecisionResult): string {
  const dcc = spec.dcc;
  const shown = dcc
    ? `EU ${dcc.kind === 'vaccination' ? `vaccination, series complete ${dcc.daysAgo} days ago` : dcc.kind === 'recovery' ? `recovery, first positive ${dcc.daysAgo} days ago` : `${dcc.kind === 'naat' ? 'NAAT' : 'rapid antigen'} test not detected, sampled ${dcc.hoursAgo} h ago`}, ${spec.temperatureC.toFixed(1)} °C`
    : spec.presented === 'card'
      ? `ID card alone, not on the status list, ${spec.temperatureC.toFixed(1)} °C`
      : `${COLOUR[spec.status ?? 0]} code assessed ${spec.assessedHoursAgo} h ago, negative test ${spec.testHoursAgo} h ago, ${spec.temperatureC.toFixed(1)} °C`;
  const why: Record<string, string> = {
    STATUS_YELLOW: 'rule 2: status yellow',
    STATUS_RED: 'rule 2: status red',
    STATUS_STALE: `rule 3: assessed more than ${policy.maxStatusAgeHours} h ago`,
    TEST_TOO_OLD: `rule 4: test older than ${policy.requireTestWithinHours} h`,
    TEST_REQUIRED: 'rule 4: no test',
    FEVER: `rule 6: ${spec.temperatureC.toFixed(1)} °C ${policy.feverComparison === 'gt' ? '>' : '≥'} ${policy.feverThresholdC} °C`,
    TEMPERATURE_MISSING: 'rule 7: no temperature',
    CODE_REQUIRED: 'card alone not allowed (cardOnlyAllowed false)',
    DCC_NOT_ACCEPTED: 'DCC rule 1–2: not accepted (dccAccept or this type off)',
    DCC_VACCINATION_TOO_RECENT: `DCC: series complete less than ${policy.dccVaccinationMinDays} days ago`,
    DCC_TEST_TYPE_NOT_ACCEPTED: 'DCC: this test type is off',
    DCC_TEST_TOO_OLD: `DCC: sampled more than ${dcc?.kind === 'rat' ? policy.dccTestRatMaxHours : policy.dccTestNaatMaxHours} h ago`,
    DCC_RECOVERY_NOT_VALID: `DCC: first positive more than ${policy.dccRecoveryMaxDays} days ago`,
  };
  const decided = d.reason === null ? 'admit: no rule fails' : `${d.decision}: ${why[d.reason] ?? d.reason}`;
  return `${shown} → ${decided}`.slice(0, 300);
}

/** The dotted path of a problem inside its section (`policy.feverThresholdC`). */
function within(section: string, problems: ConfigProblem[]): ConfigProblem[] {
  return problems.map((p) => ({
    path: (p.path === '(top level)' ? section : p.path.split(', ').map((x) => `${section}.${x}`).join(', ')).slice(0, 200),
    message: p.message.slice(0, 300),
  }));
}

/** The preview: every case under the edited rules and under the rules in force, or the problems of the edit. */
export function previewPolicy(config: KioskConfig, edited: Record<string, unknown>, checkpoint: Record<string, unknown> | undefined, nowMs: number): PreviewResponse {
  const problems: ConfigProblem[] = [];
  // A key the edit leaves out keeps the rule in force (the screen may send only what it changed).
  const parsed = venuePolicySchema.safeParse({ ...config.policy, ...edited });
  if (!parsed.success) problems.push(...within('policy', configProblemsOf(parsed.error as z.ZodError)));
  if (checkpoint) {
    const cp = checkpointConfigSchema.safeParse({ ...config.checkpoint, ...checkpoint });
    if (!cp.success) problems.push(...within('checkpoint', configProblemsOf(cp.error as z.ZodError)));
  }
  if (!parsed.success || problems.length > 0) return { cases: [], problems: problems.slice(0, 64) };
  const policy = parsed.data;
  const thermometerFitted = config.devices.thermometer !== null;
  const cases = POLICY_CASES.map((spec): PolicyPreviewCase => {
    const d = decideCase(spec, policy, nowMs, thermometerFitted);
    const now = decideCase(spec, config.policy, nowMs, thermometerFitted);
    return {
      id: spec.id,
      inputs: {
        presented: spec.presented,
        ...(spec.dcc ? { dcc: spec.dcc } : {}),
        status: spec.status === null ? null : COLOUR[spec.status],
        assessedHoursAgo: spec.assessedHoursAgo,
        testHoursAgo: spec.testHoursAgo,
        temperatureC: spec.temperatureC,
      },
      decision: d.decision as Decision,
      reason: d.reason,
      reasons: d.reasons.slice(0, 16),
      inForce: { decision: now.decision, reason: now.reason },
      explanation: explain(spec, policy, d),
    };
  });
  return { cases, problems: [] };
}

export function policyMethods(deps: AdminDeps): Pick<KioskService, 'previewPolicy'> {
  return {
    async previewPolicy(request, context) {
      const held = deps.sessions.require(request.session, context, 'policy-preview', ADMIN_OR_INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      return ok(previewPolicy(deps.config, request.policy, request.checkpoint, deps.clock.now()));
    },
  };
}
