// The venue policy of health-code spec §4: what an authentic holder may do, and what a holder who
// shows only an ID card may do. The first rule that fails decides (its decision and `reason`), and
// every other rule that also fails is listed after it in `reasons`, so a red code held by someone
// with a fever shows both (docs/door-passage.md). Every default is the spec's and every rule is
// configurable.
import type { z } from 'zod';
import { venuePolicySchema } from '../../contract/config.js';
import type { Decision, DccPolicyReason, DccVerifyReason, PolicyReason, VerifyReason } from '../../contract/reasons.js';
import type { VerifyResult } from '../codes/verify.js';
import { lookupStatus, type StatusList, type TrustList } from '../codes/lists.js';

// The `policy` section of the one configuration document (src/contract/config.ts).
export { venuePolicySchema };
export type VenuePolicy = z.infer<typeof venuePolicySchema>;
export type VenuePolicyInput = z.input<typeof venuePolicySchema>;

export function resolvePolicy(input: VenuePolicyInput | undefined | null): VenuePolicy {
  return venuePolicySchema.parse(input ?? {});
}

export type DecisionReason = PolicyReason | VerifyReason | DccPolicyReason | DccVerifyReason;

export interface DecisionResult {
  decision: Decision;
  /** The first rule that failed (it decides); null for an admit. DCC_* for an `HC1:` certificate (docs/dcc-policy.md). */
  reason: DecisionReason | null;
  /** Every rule that failed, in spec §4 order (docs/dcc-policy.md for HC1:); `reasons[0] === reason`; empty for an admit. */
  reasons: DecisionReason[];
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
  /** A thermometer is fitted at this kiosk (rule 7 then applies by `temperatureMissingWithThermometer`). */
  thermometerFitted?: boolean;
  now: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

function isFever(t: number, policy: VenuePolicy): boolean {
  return policy.feverComparison === 'gt' ? t > policy.feverThresholdC : t >= policy.feverThresholdC;
}

export type Failure = { decision: Decision; reason: DecisionReason };

/** Rules 6 and 7, shared by both tables and by foreign credentials (dcc-policy.ts). */
export function temperatureRules(temperatureC: number | null, thermometerFitted: boolean, policy: VenuePolicy): Failure[] {
  if (temperatureC !== null) return isFever(temperatureC, policy) ? [{ decision: 'deny', reason: 'FEVER' }] : [];
  const required = policy.requireTemperature || (thermometerFitted && policy.temperatureMissingWithThermometer === 'review');
  return required ? [{ decision: 'review', reason: 'TEMPERATURE_MISSING' }] : [];
}

/** The first failure decides (spec §4); the rest are listed after it. */
export function conclude(failures: Failure[], trustListStale: boolean): DecisionResult {
  const first = failures[0];
  return {
    decision: first ? first.decision : 'admit',
    reason: first ? first.reason : null,
    reasons: [...new Set(failures.map((f) => f.reason))],
    trustListStale,
  };
}

export function decideForCode(input: CodeDecisionInput): DecisionResult {
  const { verification: v, trustList, policy, now } = input;
  const trustListStale = trustList !== null && now > trustList.nextUpdate;
  const failures: Failure[] = [];
  const fail = (decision: Decision, reason: Failure['reason']) => failures.push({ decision, reason });
  const temperature = temperatureRules(input.temperatureC, input.thermometerFitted ?? false, policy);
  // An inauthentic code says nothing trustworthy about its holder: verification stops at its first
  // failure (spec §4), and only what the kiosk measured itself (the temperature) is listed after it.
  if (!v.authentic || !v.claims) return conclude([{ decision: 'deny', reason: v.reason ?? 'FORMAT_INVALID' }, ...temperature], trustListStale);
  const hc = v.claims.hc;
  // 1. Trust list too old to admit on (the kiosk has been offline past its limit).
  if (!trustList) fail('deny', 'TRUST_LIST_MISSING');
  else if (now - trustList.issued > policy.maxTrustListAgeDays * DAY) fail('deny', 'TRUST_LIST_EXPIRED');
  // 2. Status colour.
  if (hc.st === 1) fail('deny', 'STATUS_YELLOW');
  if (hc.st === 2) fail('deny', 'STATUS_RED');
  // 3. Status assessed too long ago.
  if (now - hc.su > policy.maxStatusAgeHours * HOUR) fail('deny', 'STATUS_STALE');
  // 4. Nucleic-acid test, when the venue requires one.
  if (policy.requireTestWithinHours !== null) {
    if (!hc.na) fail('deny', 'TEST_REQUIRED');
    else if (hc.na[0] === 1) fail('deny', 'TEST_POSITIVE');
    else if (now - hc.na[1] > policy.requireTestWithinHours * HOUR) fail('deny', 'TEST_TOO_OLD');
  }
  // 5. A card read in the same passage must be the code holder's document (upper case compare).
  if (input.card && input.card.id.toUpperCase() !== hc.id.toUpperCase()) fail('deny', 'IDENTITY_MISMATCH');
  // 6–7. Temperature.
  failures.push(...temperature);
  return conclude(failures, trustListStale);
}

export interface CardDecisionInput {
  card: { id: string };
  statusList: StatusList | null;
  policy: VenuePolicy;
  temperatureC: number | null;
  thermometerFitted?: boolean;
  now: number;
}

export interface CardDecisionResult extends DecisionResult {
  /** The listed status, when the holder is on the list. */
  listed: { st: 1 | 2; su: number } | null;
}

export function decideForCard(input: CardDecisionInput): CardDecisionResult {
  const { policy, statusList, now } = input;
  const failures: Failure[] = [];
  const fail = (decision: Decision, reason: PolicyReason) => failures.push({ decision, reason });
  if (!policy.cardOnlyAllowed) fail('deny', 'CODE_REQUIRED');
  let listed: CardDecisionResult['listed'] = null;
  if (!statusList) fail('review', 'STATUS_LIST_MISSING');
  else {
    if (now - statusList.issued > policy.maxStatusListAgeHours * HOUR) fail('review', 'STATUS_LIST_STALE');
    // A stale list still says what it knew: a listed red holder is listed as red after the stale rule.
    listed = lookupStatus(statusList, input.card.id);
    if (listed?.st === 1) fail('deny', 'STATUS_YELLOW');
    if (listed?.st === 2) fail('deny', 'STATUS_RED');
  }
  failures.push(...temperatureRules(input.temperatureC, input.thermometerFitted ?? false, policy));
  return { ...conclude(failures, false), listed };
}
