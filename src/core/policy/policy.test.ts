// Venue policy rules beyond the shared vectors: configurable comparisons and rule order (spec §4).
import { describe, expect, it } from 'vitest';
import type { HealthClaims } from '../codes/claims.js';
import type { TrustList } from '../codes/lists.js';
import type { VerifyResult } from '../codes/verify.js';
import { decideForCard, decideForCode, resolvePolicy } from './policy.js';

const now = 1_800_000_000;
const trustList: TrustList = { kind: 'trust', seq: 1, issued: now - 3600, nextUpdate: now + 86400, keys: new Map(), revokedCodes: new Set(), jws: '' };
const claims = (hc: Partial<HealthClaims['hc']> = {}): VerifyResult => ({
  authentic: true,
  reason: null,
  kid: 'k',
  keyIssuer: '330000',
  claims: { iss: '330000', iat: now - 60, exp: now + 3600, cti: 'c', hc: { v: 1, nm: '张三', dt: 'CN', id: '33010219900307123X', st: 0, su: now - 60, ...hc } },
});
const decide = (v: VerifyResult, policy = {}, extra: { card?: { id: string } | null; temperatureC?: number | null; thermometerFitted?: boolean } = {}) =>
  decideForCode({ verification: v, trustList, policy: resolvePolicy(policy), card: extra.card ?? null, temperatureC: extra.temperatureC ?? null, thermometerFitted: extra.thermometerFitted, now });

describe('venue policy', () => {
  it('applies the fever threshold as ≥ by default and as > when configured (devices spec §2)', () => {
    expect(decide(claims(), {}, { temperatureC: 37.3 }).reason).toBe('FEVER');
    expect(decide(claims(), { feverComparison: 'gt' }, { temperatureC: 37.3 }).decision).toBe('admit');
    expect(decide(claims(), { feverComparison: 'gt' }, { temperatureC: 37.4 }).reason).toBe('FEVER');
  });
  it('checks a positive test before its age, and only when a test is required', () => {
    const positiveOld = claims({ na: [1, now - 200 * 3600] });
    expect(decide(positiveOld).decision).toBe('admit');
    expect(decide(positiveOld, { requireTestWithinHours: 48 }).reason).toBe('TEST_POSITIVE');
  });
  it('compares the card number with the code in upper case', () => {
    expect(decide(claims(), {}, { card: { id: '33010219900307123x' } }).decision).toBe('admit');
  });
  it('lets identity mismatch win over fever (rule 5 before rule 6)', () => {
    expect(decide(claims(), {}, { card: { id: '110101197809012345' }, temperatureC: 39 }).reason).toBe('IDENTITY_MISMATCH');
  });
  it('denies an inauthentic code with its verification reason', () => {
    expect(decide({ authentic: false, reason: 'CODE_EXPIRED', claims: null, kid: null, keyIssuer: null }).reason).toBe('CODE_EXPIRED');
  });
  it('reviews a card alone when no status list is cached, before looking at temperature (the fever is listed after)', () => {
    const d = decideForCard({ card: { id: 'X' }, statusList: null, policy: resolvePolicy({}), temperatureC: 39, now });
    expect(d).toMatchObject({ decision: 'review', reason: 'STATUS_LIST_MISSING', reasons: ['STATUS_LIST_MISSING', 'FEVER'] });
  });
  it('lists every reason that applies, the deciding one first: red code + 38.5 °C → STATUS_RED, FEVER', () => {
    expect(decide(claims({ st: 2 }), {}, { temperatureC: 38.5 })).toMatchObject({ decision: 'deny', reason: 'STATUS_RED', reasons: ['STATUS_RED', 'FEVER'] });
    const old = claims({ st: 1, su: now - 48 * 3600 });
    expect(decide(old, {}, { card: { id: '110101197809012345' }, temperatureC: 39 }).reasons).toEqual(['STATUS_YELLOW', 'STATUS_STALE', 'IDENTITY_MISMATCH', 'FEVER']);
    expect(decide(claims(), {}, { temperatureC: 36.5 })).toMatchObject({ decision: 'admit', reason: null, reasons: [] });
  });
  it('lists a fever measured by the kiosk after an inauthentic code\'s verification reason', () => {
    const forged: VerifyResult = { authentic: false, reason: 'SIGNATURE_INVALID', claims: null, kid: null, keyIssuer: null };
    expect(decide(forged, {}, { temperatureC: 38.5 })).toMatchObject({ decision: 'deny', reason: 'SIGNATURE_INVALID', reasons: ['SIGNATURE_INVALID', 'FEVER'] });
  });
  it('lists every failed card-alone rule with the fever', () => {
    const d = decideForCard({ card: { id: 'X' }, statusList: null, policy: resolvePolicy({ cardOnlyAllowed: false }), temperatureC: 38, now });
    expect(d).toMatchObject({ decision: 'deny', reason: 'CODE_REQUIRED', reasons: ['CODE_REQUIRED', 'STATUS_LIST_MISSING', 'FEVER'] });
  });
  it('with a thermometer fitted, no reading goes to a guard by default, never admits silently', () => {
    expect(decide(claims(), {}, { thermometerFitted: true })).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING' });
    expect(decide(claims(), { temperatureMissingWithThermometer: 'admit' }, { thermometerFitted: true })).toMatchObject({ decision: 'admit', reason: null });
    // Without a thermometer (and in `kiosk verify`), spec §4 rule 7's default stands.
    expect(decide(claims())).toMatchObject({ decision: 'admit', reason: null });
    const card = decideForCard({ card: { id: 'X' }, statusList: null, policy: resolvePolicy({}), temperatureC: null, thermometerFitted: true, now });
    expect(card.reasons).toEqual(['STATUS_LIST_MISSING', 'TEMPERATURE_MISSING']);
  });
  it('refuses a policy with wrong types', () => {
    expect(() => resolvePolicy({ feverThresholdC: 'hot' as unknown as number })).toThrow();
  });
});
