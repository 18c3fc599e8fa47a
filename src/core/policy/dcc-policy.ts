// The venue's rules for foreign credentials: EU Digital COVID Certificates (`HC1:`), once the HC1
// verifier (src/core/codes/dcc/verify-hc1.ts) has found one authentic (docs/dcc-policy.md). Same
// shape as the PHC1 table (policy.ts): the first rule that fails decides, every rule that fails is
// listed after it, and the temperature rules are the very ones PHC1 uses. The rules, in order:
//   1. the venue accepts foreign credentials at all (dccAccept) — if not, nothing about the
//      certificate is judged, only the temperature is listed after it;
//   2. the venue accepts this type (v, t, r);
//   3. the signed DSC list is installed and current;
//   4. the type's own rules (vaccination: complete, old enough; test: result, type, age;
//      recovery: valid today);
//   5. temperature (rules 6 and 7 of health-code spec §4);
//   6. an ID card read beside the certificate goes to the guard (DCC_CARD_UNMATCHED, a review).
// Dates without a time (dt, df, du, fr) are calendar dates and are compared with the venue's
// calendar date today (the kiosk's time zone unless given); the sample time (sc) is an instant and
// is compared in hours (docs/dcc-policy.md, "Counting days and hours").
import type { DccVerifyReason, VerifyReason } from '../../contract/reasons.js';
import type { DccCertificate } from '../codes/dcc/types.js';
import { isTimeZone, kioskTimeZone, wallClock } from '../store/local-days.js';
import { conclude, temperatureRules, type DecisionResult, type Failure, type VenuePolicy } from './policy.js';

/** The installed signed DSC list (docs/dcc-trust.md): current, none, or past its nextUpdate. */
export type DscListState = 'ok' | 'missing' | 'expired';

export interface DccDecisionInput {
  /** An authentic certificate, as verifyHc1 returned it. */
  certificate: DccCertificate;
  policy: VenuePolicy;
  dscListState: DscListState;
  temperatureC: number | null;
  /** A thermometer is fitted at this kiosk (rule 7 then applies by `temperatureMissingWithThermometer`). */
  thermometerFitted?: boolean;
  /** Seconds since the epoch. */
  now: number;
  /** An ID card read in the same passage: nothing in a DCC matches it (rule 6, docs/dcc-policy.md). */
  card?: { id: string } | null;
  /** IANA zone whose calendar the date rules count in; default the kiosk's own (the venue's). */
  timeZone?: string;
}

/** DCC value sets (eHealth network value sets, test-type): the two test types the rules know. */
export const DCC_TEST_TYPE_NAAT = 'LP6464-4';
export const DCC_TEST_TYPE_RAT = 'LP217198-3';

const HOUR = 3600;
const DAY_MS = 86_400_000;

/** A calendar date (`YYYY-MM-DD`, optionally followed by a time, which is ignored) as a day number; null if not a real date. */
export function dayNumberOf(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|T)/.exec(value);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // 2021-02-30 is not a date: Date.UTC would roll it over to March.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

/** The venue's calendar date at `now` (seconds), as a day number comparable with dayNumberOf. */
export function venueDayNumber(now: number, timeZone: string): number {
  const w = wallClock(now * 1000, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day) / DAY_MS;
}

/**
 * An RFC 3339 date-time with its offset (the DCC schema's `sc`), as seconds since the epoch; null
 * without an offset (a local time of an unknown zone cannot be placed) or when not a real instant.
 */
export function instantOf(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)([Zz]|[+-]\d{2}:?\d{2})$/.exec(value);
  if (!m || dayNumberOf(m[1]) === null) return null;
  const offset = m[3]!.length === 5 ? `${m[3]!.slice(0, 3)}:${m[3]!.slice(3)}` : m[3]!.toUpperCase();
  const ms = Date.parse(`${m[1]}T${m[2]}${offset}`);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

function positiveInteger(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function vaccinationRules(entry: Record<string, unknown>, policy: VenuePolicy, today: number): Failure[] {
  const dn = positiveInteger(entry.dn);
  const sd = positiveInteger(entry.sd);
  if (dn === null || sd === null || dn < sd) return [{ decision: 'deny', reason: 'DCC_VACCINATION_INCOMPLETE' }];
  const dose = dayNumberOf(entry.dt);
  // The wait is for the dose that completes the series; a dose beyond it (a booster, dn > sd) counts
  // from its own day, as the EU's acceptance rules have it (docs/dcc-policy.md, "Vaccination").
  // A dose dated after today never counts.
  const wait = dn > sd ? 0 : policy.dccVaccinationMinDays;
  if (dose === null || today - dose < wait) return [{ decision: 'deny', reason: 'DCC_VACCINATION_TOO_RECENT' }];
  return [];
}

function testRules(entry: Record<string, unknown>, policy: VenuePolicy, now: number): Failure[] {
  const failures: Failure[] = [];
  if (entry.tr !== policy.dccTestNotDetectedCode) failures.push({ decision: 'deny', reason: 'DCC_TEST_POSITIVE' });
  const maxHours = entry.tt === DCC_TEST_TYPE_NAAT ? policy.dccTestNaatMaxHours : entry.tt === DCC_TEST_TYPE_RAT ? policy.dccTestRatMaxHours : null;
  if (maxHours === null) return [...failures, { decision: 'deny', reason: 'DCC_TEST_TYPE_NOT_ACCEPTED' }];
  const sampled = instantOf(entry.sc);
  // Exactly maxHours after the sample still admits. A sample time later than now (beyond the clock
  // skew allowance) or one that cannot be read is outside the window as well.
  if (sampled === null || now - sampled > maxHours * HOUR || sampled - now > policy.clockSkewSeconds) {
    failures.push({ decision: 'deny', reason: 'DCC_TEST_TOO_OLD' });
  }
  return failures;
}

function recoveryRules(entry: Record<string, unknown>, policy: VenuePolicy, today: number): Failure[] {
  const from = dayNumberOf(entry.df);
  const until = dayNumberOf(entry.du);
  // Both ends are valid days (df and du are "valid from" and "valid until", inclusive).
  let valid = from !== null && until !== null && from <= today && today <= until;
  if (valid && policy.dccRecoveryMaxDays !== null) {
    const firstPositive = dayNumberOf(entry.fr);
    valid = firstPositive !== null && today - firstPositive <= policy.dccRecoveryMaxDays;
  }
  return valid ? [] : [{ decision: 'deny', reason: 'DCC_RECOVERY_NOT_VALID' }];
}

const TYPE_ACCEPTED: Record<DccCertificate['type'], (p: VenuePolicy) => boolean> = {
  v: (p) => p.dccAcceptVaccination,
  t: (p) => p.dccAcceptTest,
  r: (p) => p.dccAcceptRecovery,
};

/** The venue's decision on an authentic `HC1:` certificate (docs/dcc-policy.md, "Order"). */
export function decideForDcc(input: DccDecisionInput): DecisionResult {
  const { certificate: c, policy, now } = input;
  const temperature = temperatureRules(input.temperatureC, input.thermometerFitted ?? false, policy);
  // 1. A venue that takes no foreign credentials judges none: the temperature it measured is listed.
  if (!policy.dccAccept) return conclude([{ decision: 'deny', reason: 'DCC_NOT_ACCEPTED' }, ...temperature], false);
  const failures: Failure[] = [];
  // 2. This type of certificate.
  const typeAccepted = TYPE_ACCEPTED[c.type]?.(policy) ?? false;
  if (!typeAccepted) failures.push({ decision: 'deny', reason: 'DCC_NOT_ACCEPTED' });
  // 3. The signed DSC list the certificate was verified against.
  if (input.dscListState === 'missing') failures.push({ decision: 'deny', reason: 'DCC_LIST_MISSING' });
  else if (input.dscListState === 'expired') failures.push({ decision: 'deny', reason: 'DCC_LIST_EXPIRED' });
  // 4. The type's own rules, only for a type the venue takes (a test's age means nothing where tests are not accepted).
  if (typeAccepted) {
    const zone = input.timeZone !== undefined && isTimeZone(input.timeZone) ? input.timeZone : kioskTimeZone();
    const entry = typeof c.entry === 'object' && c.entry !== null ? c.entry : {};
    if (c.type === 'v') failures.push(...vaccinationRules(entry, policy, venueDayNumber(now, zone)));
    else if (c.type === 't') failures.push(...testRules(entry, policy, now));
    else failures.push(...recoveryRules(entry, policy, venueDayNumber(now, zone)));
  }
  // 5. Temperature, as for PHC1.
  failures.push(...temperature);
  // 6. A DCC has a name and a date of birth but no document number, so a card read with it cannot
  // be matched by the kiosk: a guard compares them (docs/dcc-policy.md, "An ID card beside a DCC").
  // Last, so a review never outranks a deny (a fever still stops).
  if (input.card) failures.push({ decision: 'review', reason: 'DCC_CARD_UNMATCHED' });
  return conclude(failures, false);
}

export interface InauthenticDccInput {
  /** What verifyHc1 said (its reason; FORMAT_INVALID stands in if it gave none). */
  reason: DccVerifyReason | Extract<VerifyReason, 'FORMAT_UNKNOWN'> | null;
  policy: VenuePolicy;
  temperatureC: number | null;
  thermometerFitted?: boolean;
}

/**
 * An `HC1:` text that failed verification. As for PHC1, an inauthentic certificate says nothing
 * trustworthy about its holder: its verification reason, then only what the kiosk measured itself
 * (the temperature). At a venue that takes no foreign credentials DCC_NOT_ACCEPTED comes first: such
 * a kiosk usually has no DSC list, so "issuer unknown" would send the guard after a forgery that is
 * only a certificate the door does not take.
 */
export function decideForInauthenticDcc(input: InauthenticDccInput): DecisionResult {
  const failures: Failure[] = [];
  if (!input.policy.dccAccept) failures.push({ decision: 'deny', reason: 'DCC_NOT_ACCEPTED' });
  failures.push({ decision: 'deny', reason: input.reason ?? 'FORMAT_INVALID' });
  failures.push(...temperatureRules(input.temperatureC, input.thermometerFitted ?? false, input.policy));
  return conclude(failures, false);
}
