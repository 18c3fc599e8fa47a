// The venue policy of health-code spec §4: what an authentic holder may do, and what a holder who
// shows only an ID card may do. The first rule that fails decides. Every default is the spec's and
// every rule is configurable.
import { z } from 'zod';
import type { Decision, PolicyReason, VerifyReason } from '../../contract/reasons.js';
import type { VerifyResult } from '../codes/verify.js';
import { lookupStatus, type StatusList, type TrustList } from '../codes/lists.js';

export const venuePolicySchema = z.object({
  /** Rule 1: trust list older than this, counted from its `issued`, cannot admit. */
  maxTrustListAgeDays: z.number().positive().default(14),
  /** Rule 3: status assessed longer ago than this is stale. */
  maxStatusAgeHours: z.number().positive().default(24),
  /** Rule 4: off (null) by default. */
  requireTestWithinHours: z.number().positive().nullable().default(null),
  /** Rule 6: the checkpoint fever threshold; devices spec §2 says ≥ by default, some regions use >. */
  feverThresholdC: z.number().default(37.3),
  feverComparison: z.enum(['gte', 'gt']).default('gte'),
  /** Rule 7. */
  requireTemperature: z.boolean().default(false),
  /** Card-alone table. */
  cardOnlyAllowed: z.boolean().default(true),
  maxStatusListAgeHours: z.number().positive().default(24),
  /** Verification clock skew allowance (spec §4: 300 s). */
  clockSkewSeconds: z.number().int().nonnegative().default(300),
});
export type VenuePolicy = z.infer<typeof venuePolicySchema>;
export type VenuePolicyInput = z.input<typeof venuePolicySchema>;

export function resolvePolicy(input: VenuePolicyInput | undefined | null): VenuePolicy {
  return venuePolicySchema.parse(input ?? {});
}

export interface DecisionResult {
  decision: Decision;
  reason: PolicyReason | VerifyReason | null;
  /** Past the trust list's nextUpdate: still used, but shown (spec §2, §4). */
  trustListStale: boolean;
}

export interface CodeDecisionInput {
  verification: VerifyResult;
  trustList: TrustList | null;
  policy: VenuePolicy;
  /** The card read in the same passage, if any. */
  card: { id: string } | null;
  temperatureC: number | null;
  now: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

function isFever(t: number, policy: VenuePolicy): boolean {
  return policy.feverComparison === 'gt' ? t > policy.feverThresholdC : t >= policy.feverThresholdC;
}

/** Rules 6 and 7, shared by both tables. */
function temperatureRules(temperatureC: number | null, policy: VenuePolicy): { decision: Decision; reason: PolicyReason } | null {
  if (temperatureC !== null && isFever(temperatureC, policy)) return { decision: 'deny', reason: 'FEVER' };
  if (temperatureC === null && policy.requireTemperature) return { decision: 'review', reason: 'TEMPERATURE_MISSING' };
  return null;
}

export function decideForCode(input: CodeDecisionInput): DecisionResult {
  const { verification: v, trustList, policy, now } = input;
  const trustListStale = trustList !== null && now > trustList.nextUpdate;
  const out = (decision: Decision, reason: DecisionResult['reason']): DecisionResult => ({ decision, reason, trustListStale });
  if (!v.authentic || !v.claims) return out('deny', v.reason ?? 'FORMAT_INVALID');
  const hc = v.claims.hc;
  // 1. Trust list too old to admit on (the kiosk has been offline past its limit).
  if (!trustList) return out('deny', 'TRUST_LIST_MISSING');
  if (now - trustList.issued > policy.maxTrustListAgeDays * DAY) return out('deny', 'TRUST_LIST_EXPIRED');
  // 2. Status colour.
  if (hc.st === 1) return out('deny', 'STATUS_YELLOW');
  if (hc.st === 2) return out('deny', 'STATUS_RED');
  // 3. Status assessed too long ago.
  if (now - hc.su > policy.maxStatusAgeHours * HOUR) return out('deny', 'STATUS_STALE');
  // 4. Nucleic-acid test, when the venue requires one.
  if (policy.requireTestWithinHours !== null) {
    if (!hc.na) return out('deny', 'TEST_REQUIRED');
    if (hc.na[0] === 1) return out('deny', 'TEST_POSITIVE');
    if (now - hc.na[1] > policy.requireTestWithinHours * HOUR) return out('deny', 'TEST_TOO_OLD');
  }
  // 5. A card read in the same passage must be the code holder's document (upper case compare).
  if (input.card && input.card.id.toUpperCase() !== hc.id.toUpperCase()) return out('deny', 'IDENTITY_MISMATCH');
  // 6–7. Temperature.
  const t = temperatureRules(input.temperatureC, policy);
  if (t) return out(t.decision, t.reason);
  return out('admit', null);
}

export interface CardDecisionInput {
  card: { id: string };
  statusList: StatusList | null;
  policy: VenuePolicy;
  temperatureC: number | null;
  now: number;
}

export interface CardDecisionResult extends DecisionResult {
  /** The listed status, when the holder is on the list. */
  listed: { st: 1 | 2; su: number } | null;
}

export function decideForCard(input: CardDecisionInput): CardDecisionResult {
  const { policy, statusList, now } = input;
  const out = (decision: Decision, reason: PolicyReason | null, listed: CardDecisionResult['listed'] = null): CardDecisionResult => ({
    decision,
    reason,
    trustListStale: false,
    listed,
  });
  if (!policy.cardOnlyAllowed) return out('deny', 'CODE_REQUIRED');
  if (!statusList) return out('review', 'STATUS_LIST_MISSING');
  if (now - statusList.issued > policy.maxStatusListAgeHours * HOUR) return out('review', 'STATUS_LIST_STALE');
  const listed = lookupStatus(statusList, input.card.id);
  if (listed?.st === 1) return out('deny', 'STATUS_YELLOW', listed);
  if (listed?.st === 2) return out('deny', 'STATUS_RED', listed);
  const t = temperatureRules(input.temperatureC, policy);
  if (t) return out(t.decision, t.reason, listed);
  return out('admit', null, listed);
}
