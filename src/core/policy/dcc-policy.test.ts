// The venue's rules for EU DCC certificates (docs/dcc-policy.md): every rule, its default, its
// boundary (exactly N days, exactly N hours) and the calendar the date rules count in.
import { describe, expect, it } from 'vitest';
import { configProblemsOf, kioskConfigSchema } from '../../contract/config.js';
import type { DccCertificate } from '../codes/dcc/types.js';
import { changesFromAssignments } from '../fleet/bundle.js';
import { kioskTimeZone } from '../store/local-days.js';
import { dayNumberOf, decideForDcc, decideForInauthenticDcc, instantOf, type DccDecisionInput } from './dcc-policy.js';
import { resolvePolicy, venuePolicySchema, type VenuePolicyInput } from './policy.js';

const HOUR = 3600;
const DAY = 24 * HOUR;
/** 2026-12-01 00:00:00 in Shanghai (UTC+8, no daylight saving) = 2026-11-30 16:00 UTC. */
const midnightShanghai = Date.parse('2026-12-01T00:00:00+08:00') / 1000;
const now = midnightShanghai + 12 * HOUR; // noon, 2026-12-01, Shanghai
const ZONE = 'Asia/Shanghai';

const cert = (type: DccCertificate['type'], entry: Record<string, unknown>): DccCertificate => ({
  type,
  version: '1.3.0',
  issuerCountry: 'DE',
  iat: now - 30 * DAY,
  exp: now + 300 * DAY,
  name: { fn: 'Mustermann', gn: 'Erika', fnt: 'MUSTERMANN', gnt: 'ERIKA' },
  dob: '1964-08-12',
  ci: 'URN:UVCI:01:DE:TEST#0',
  entry,
});
const vaccination = (e: Record<string, unknown> = {}) =>
  cert('v', { tg: '840539006', vp: '1119349007', mp: 'EU/1/20/1528', ma: 'ORG-100030215', dn: 2, sd: 2, dt: '2026-10-01', co: 'DE', is: 'RKI', ci: 'x', ...e });
const test = (e: Record<string, unknown> = {}) =>
  cert('t', { tg: '840539006', tt: 'LP6464-4', sc: '2026-12-01T02:00:00Z', tr: '260415000', tc: 'Testzentrum', co: 'DE', is: 'RKI', ci: 'x', ...e });
const recovery = (e: Record<string, unknown> = {}) =>
  cert('r', { tg: '840539006', fr: '2026-11-01', df: '2026-11-12', du: '2027-04-30', co: 'DE', is: 'RKI', ci: 'x', ...e });

/** The venue accepts foreign credentials; every other rule at its default unless given. */
const open = (p: VenuePolicyInput = {}) => resolvePolicy({ dccAccept: true, ...p });
const decide = (certificate: DccCertificate, policy = open(), extra: Partial<DccDecisionInput> = {}) =>
  decideForDcc({ certificate, policy, dscListState: 'ok', temperatureC: 36.5, now, timeZone: ZONE, ...extra });

describe('defaults (docs/dcc-policy.md)', () => {
  it('are written in the schema: off at all, every type on, 14 days, NAAT 72 h, RAT 24 h, 260415000, no extra recovery cap', () => {
    const p = resolvePolicy({});
    expect({
      dccAccept: p.dccAccept,
      dccAcceptVaccination: p.dccAcceptVaccination,
      dccVaccinationMinDays: p.dccVaccinationMinDays,
      dccAcceptTest: p.dccAcceptTest,
      dccTestNaatMaxHours: p.dccTestNaatMaxHours,
      dccTestRatMaxHours: p.dccTestRatMaxHours,
      dccTestNotDetectedCode: p.dccTestNotDetectedCode,
      dccAcceptRecovery: p.dccAcceptRecovery,
      dccRecoveryMaxDays: p.dccRecoveryMaxDays,
    }).toEqual({
      dccAccept: false,
      dccAcceptVaccination: true,
      dccVaccinationMinDays: 14,
      dccAcceptTest: true,
      dccTestNaatMaxHours: 72,
      dccTestRatMaxHours: 24,
      dccTestNotDetectedCode: '260415000',
      dccAcceptRecovery: true,
      dccRecoveryMaxDays: null,
    });
  });

  it('deny every foreign credential on an unchanged configuration, and judge nothing else about it', () => {
    const r = decide(vaccination({ dn: 1, sd: 2 }), resolvePolicy({}), { dscListState: 'missing', temperatureC: 38 });
    expect(r).toEqual({ decision: 'deny', reason: 'DCC_NOT_ACCEPTED', reasons: ['DCC_NOT_ACCEPTED', 'FEVER'], trustListStale: false });
  });

  it('admit a good certificate of every type once the venue accepts foreign credentials', () => {
    for (const c of [vaccination(), test(), recovery()]) expect(decide(c), c.type).toEqual({ decision: 'admit', reason: null, reasons: [], trustListStale: false });
  });

  it('refuse a bad value with its path, as every other key', () => {
    for (const bad of [{ dccVaccinationMinDays: -1 }, { dccVaccinationMinDays: 1.5 }, { dccTestNaatMaxHours: 0 }, { dccTestNotDetectedCode: 'negative' }, { dccRecoveryMaxDays: 0 }, { dccAccept: 'yes' }]) {
      const r = venuePolicySchema.safeParse(bad);
      expect(r.success, JSON.stringify(bad)).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(Object.keys(bad));
    }
  });
});

describe('the keys outside the policy screen', () => {
  it('are pushed by the fleet (policy.* allow-list) as `--set` writes them, the result code as a bare number too', () => {
    const pushed = changesFromAssignments(['policy.dccAccept=true', 'policy.dccTestRatMaxHours=null', 'policy.dccTestNotDetectedCode=260415000']);
    expect(pushed.ok).toBe(true);
    const policy = pushed.ok ? venuePolicySchema.parse(pushed.value.policy) : null;
    expect(policy).toMatchObject({ dccAccept: true, dccTestRatMaxHours: null, dccTestNotDetectedCode: '260415000' });
  });

  it('are checked by the configuration schema `kiosk config check` and start use', () => {
    expect(kioskConfigSchema.safeParse({ policy: { dccAccept: true, dccVaccinationMinDays: 21 } }).success).toBe(true);
    const typo = kioskConfigSchema.safeParse({ policy: { dccAcceptVaccinations: true } });
    expect(typo.success ? [] : configProblemsOf(typo.error)).toEqual([{ path: 'policy.dccAcceptVaccinations', message: 'unknown key' }]);
  });
});

describe('types accepted', () => {
  it('denies a type the venue turned off, without judging that type, and still lists the list state and temperature', () => {
    expect(decide(vaccination({ dn: 1 }), open({ dccAcceptVaccination: false })).reasons).toEqual(['DCC_NOT_ACCEPTED']);
    expect(decide(test({ tr: '260373001' }), open({ dccAcceptTest: false }), { dscListState: 'expired' }).reasons).toEqual(['DCC_NOT_ACCEPTED', 'DCC_LIST_EXPIRED']);
    expect(decide(recovery(), open({ dccAcceptRecovery: false }), { temperatureC: 39 }).reasons).toEqual(['DCC_NOT_ACCEPTED', 'FEVER']);
    // A type the EU does not issue, or an entry that is not an object, is answered, not thrown on.
    expect(decide({ ...vaccination(), type: 'x' as never }).reasons).toEqual(['DCC_NOT_ACCEPTED']);
    expect(decide({ ...recovery(), entry: null as never }).reasons).toEqual(['DCC_RECOVERY_NOT_VALID']);
    // Turning one type off leaves the others as they were.
    expect(decide(vaccination(), open({ dccAcceptTest: false, dccAcceptRecovery: false })).decision).toBe('admit');
  });
});

describe('the DSC list', () => {
  it('denies on a missing or expired list, before the type rules', () => {
    expect(decide(vaccination(), open(), { dscListState: 'missing' })).toMatchObject({ decision: 'deny', reasons: ['DCC_LIST_MISSING'] });
    expect(decide(vaccination({ dn: 1 }), open(), { dscListState: 'expired' }).reasons).toEqual(['DCC_LIST_EXPIRED', 'DCC_VACCINATION_INCOMPLETE']);
  });
});

describe('vaccination', () => {
  it('is complete at dn ≥ sd', () => {
    expect(decide(vaccination({ dn: 1, sd: 2 })).reason).toBe('DCC_VACCINATION_INCOMPLETE');
    expect(decide(vaccination({ dn: 1, sd: 1 })).decision).toBe('admit');
    // Malformed counts are not a completed series.
    for (const e of [{ dn: '2' }, { sd: 0 }, { dn: 2.5 }, { dn: undefined }]) expect(decide(vaccination(e)).reason, JSON.stringify(e)).toBe('DCC_VACCINATION_INCOMPLETE');
  });

  it('admits from the venue-local midnight exactly N days after the completing dose, not a second before', () => {
    const dose = vaccination({ dt: '2026-11-17' }); // 14 days before 2026-12-01
    expect(decide(dose, open(), { now: midnightShanghai })).toMatchObject({ decision: 'admit' });
    expect(decide(dose, open(), { now: midnightShanghai - 1 })).toMatchObject({ decision: 'deny', reason: 'DCC_VACCINATION_TOO_RECENT' });
    expect(decide(dose, open({ dccVaccinationMinDays: 15 }), { now: midnightShanghai + DAY - 1 }).reason).toBe('DCC_VACCINATION_TOO_RECENT');
    expect(decide(dose, open({ dccVaccinationMinDays: 15 }), { now: midnightShanghai + DAY }).decision).toBe('admit');
    expect(decide(vaccination({ dt: '2026-12-01' }), open({ dccVaccinationMinDays: 0 })).decision).toBe('admit');
  });

  it('counts in the venue calendar: the same instant is day 14 in Shanghai and day 13 in Berlin', () => {
    const dose = vaccination({ dt: '2026-11-17' });
    expect(decide(dose, open(), { now: midnightShanghai, timeZone: 'Asia/Shanghai' }).decision).toBe('admit');
    expect(decide(dose, open(), { now: midnightShanghai, timeZone: 'Europe/Berlin' }).reason).toBe('DCC_VACCINATION_TOO_RECENT');
    // No zone (or one that is not a zone): the kiosk's own.
    const own = decide(dose, open(), { now: midnightShanghai, timeZone: kioskTimeZone() }).decision;
    expect(decide(dose, open(), { now: midnightShanghai, timeZone: undefined }).decision).toBe(own);
    expect(decide(dose, open(), { now: midnightShanghai, timeZone: 'Mars/Olympus_Mons' }).decision).toBe(own);
  });

  it('lets a booster (dn > sd) count from its own day, but never from a day after today', () => {
    expect(decide(vaccination({ dn: 3, sd: 2, dt: '2026-12-01' })).decision).toBe('admit');
    expect(decide(vaccination({ dn: 3, sd: 2, dt: '2026-12-02' })).reason).toBe('DCC_VACCINATION_TOO_RECENT');
    expect(decide(vaccination({ dn: 2, sd: 2, dt: '2026-11-30' })).reason).toBe('DCC_VACCINATION_TOO_RECENT');
  });

  it('takes a date it cannot read as too recent (its age is not shown)', () => {
    for (const dt of ['2026-02-30', '1 Oct 2026', '', 20261001, undefined]) expect(decide(vaccination({ dt })).reason, String(dt)).toBe('DCC_VACCINATION_TOO_RECENT');
    // A date-time where a date belongs: its date counts.
    expect(decide(vaccination({ dt: '2026-10-01T00:00:00Z' })).decision).toBe('admit');
  });
});

describe('test', () => {
  it('needs the "not detected" result, configurable', () => {
    expect(decide(test({ tr: '260373001' })).reason).toBe('DCC_TEST_POSITIVE');
    expect(decide(test({ tr: undefined })).reason).toBe('DCC_TEST_POSITIVE');
    expect(decide(test({ tr: '123' }), open({ dccTestNotDetectedCode: '123' })).decision).toBe('admit');
    expect(decide(test(), open({ dccTestNotDetectedCode: '123' })).reason).toBe('DCC_TEST_POSITIVE');
  });

  it('admits NAAT exactly 72 h after the sample by default, and not a second later', () => {
    const sc = '2026-11-28T12:00:00+08:00';
    const at = Date.parse(sc) / 1000 + 72 * HOUR;
    expect(decide(test({ sc }), open(), { now: at }).decision).toBe('admit');
    expect(decide(test({ sc }), open(), { now: at + 1 }).reason).toBe('DCC_TEST_TOO_OLD');
  });

  it('admits RAT exactly 24 h after the sample by default, and not a second later', () => {
    const sc = '2026-11-30T06:00:00+01:00';
    const at = Date.parse(sc) / 1000 + 24 * HOUR;
    expect(decide(test({ tt: 'LP217198-3', sc }), open(), { now: at }).decision).toBe('admit');
    expect(decide(test({ tt: 'LP217198-3', sc }), open(), { now: at + 1 }).reason).toBe('DCC_TEST_TOO_OLD');
    expect(decide(test({ tt: 'LP217198-3', sc }), open({ dccTestRatMaxHours: 48 }), { now: at + 1 }).decision).toBe('admit');
  });

  it('reads the offset of the sample time (the same wall clock in Berlin and in UTC are an hour apart)', () => {
    const at = Date.parse('2026-11-28T12:00:00Z') / 1000 + 72 * HOUR;
    expect(decide(test({ sc: '2026-11-28T13:00:00+01:00' }), open(), { now: at }).decision).toBe('admit');
    expect(decide(test({ sc: '2026-11-28T13:00:00+0100' }), open(), { now: at }).decision).toBe('admit');
    expect(decide(test({ sc: '2026-11-28T12:59:59+01:00' }), open(), { now: at }).reason).toBe('DCC_TEST_TOO_OLD');
  });

  it('takes a sample time without an offset, unreadable, or later than now beyond the skew as outside the window', () => {
    for (const sc of ['2026-12-01T02:00:00', 'yesterday', '2026-02-30T10:00:00Z', 1_800_000_000, undefined]) expect(decide(test({ sc })).reason, String(sc)).toBe('DCC_TEST_TOO_OLD');
    const within = new Date((now + 300) * 1000).toISOString();
    const beyond = new Date((now + 301) * 1000).toISOString();
    expect(decide(test({ sc: within })).decision).toBe('admit');
    expect(decide(test({ sc: beyond })).reason).toBe('DCC_TEST_TOO_OLD');
  });

  it('denies a test type the venue does not take (null hours, or a type it does not know), and judges no age then', () => {
    expect(decide(test({ tt: 'LP217198-3' }), open({ dccTestRatMaxHours: null })).reasons).toEqual(['DCC_TEST_TYPE_NOT_ACCEPTED']);
    expect(decide(test(), open({ dccTestNaatMaxHours: null })).reasons).toEqual(['DCC_TEST_TYPE_NOT_ACCEPTED']);
    expect(decide(test({ tt: 'LP0000-0', sc: 'old' })).reasons).toEqual(['DCC_TEST_TYPE_NOT_ACCEPTED']);
  });

  it('lists a positive result first, then the type or the age', () => {
    expect(decide(test({ tr: '260373001', sc: '2026-11-01T00:00:00Z' })).reasons).toEqual(['DCC_TEST_POSITIVE', 'DCC_TEST_TOO_OLD']);
    expect(decide(test({ tr: '260373001', tt: 'x' })).reasons).toEqual(['DCC_TEST_POSITIVE', 'DCC_TEST_TYPE_NOT_ACCEPTED']);
  });
});

describe('recovery', () => {
  it('is valid on the venue-local days df to du, both included', () => {
    const r = recovery({ df: '2026-12-01', du: '2026-12-01' });
    expect(decide(r, open(), { now: midnightShanghai }).decision).toBe('admit');
    expect(decide(r, open(), { now: midnightShanghai + DAY - 1 }).decision).toBe('admit');
    expect(decide(r, open(), { now: midnightShanghai - 1 }).reason).toBe('DCC_RECOVERY_NOT_VALID');
    expect(decide(r, open(), { now: midnightShanghai + DAY }).reason).toBe('DCC_RECOVERY_NOT_VALID');
  });

  it('takes unreadable dates as not valid', () => {
    for (const e of [{ df: undefined }, { du: '2027-13-01' }, { df: 'soon' }]) expect(decide(recovery(e)).reason, JSON.stringify(e)).toBe('DCC_RECOVERY_NOT_VALID');
  });

  it('caps the days since the first positive test when the venue sets dccRecoveryMaxDays', () => {
    // fr 2026-11-01 is 30 days before 2026-12-01.
    expect(decide(recovery(), open({ dccRecoveryMaxDays: 30 })).decision).toBe('admit');
    expect(decide(recovery(), open({ dccRecoveryMaxDays: 29 })).reason).toBe('DCC_RECOVERY_NOT_VALID');
    expect(decide(recovery({ fr: undefined }), open({ dccRecoveryMaxDays: 180 })).reason).toBe('DCC_RECOVERY_NOT_VALID');
    expect(decide(recovery({ fr: undefined })).decision).toBe('admit');
  });
});

describe('temperature, shared with PHC1 (health-code spec §4 rules 6 and 7)', () => {
  it('decides an otherwise good certificate, and is listed after a certificate rule', () => {
    expect(decide(vaccination(), open(), { temperatureC: 37.3 })).toMatchObject({ decision: 'deny', reasons: ['FEVER'] });
    expect(decide(vaccination(), open({ feverComparison: 'gt' }), { temperatureC: 37.3 }).decision).toBe('admit');
    expect(decide(vaccination({ dn: 1 }), open(), { temperatureC: 38 }).reasons).toEqual(['DCC_VACCINATION_INCOMPLETE', 'FEVER']);
    expect(decide(vaccination(), open(), { temperatureC: null, thermometerFitted: true })).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING' });
    expect(decide(vaccination(), open(), { temperatureC: null })).toMatchObject({ decision: 'admit' });
  });
});

describe('an ID card read beside the certificate (docs/dcc-policy.md, "An ID card beside a DCC")', () => {
  const card = { id: '330106199001011234' };
  it('sends a certificate that would admit to the guard: nothing in a DCC matches a card', () => {
    expect(decide(vaccination(), open(), { card })).toMatchObject({ decision: 'review', reason: 'DCC_CARD_UNMATCHED', reasons: ['DCC_CARD_UNMATCHED'] });
    expect(decide(vaccination(), open(), { card: null })).toMatchObject({ decision: 'admit', reason: null });
  });
  it('never outranks a deny: a failing certificate or a fever still stops, the card listed last', () => {
    expect(decide(test({ tr: '260373001' }), open(), { card })).toMatchObject({ decision: 'deny', reasons: ['DCC_TEST_POSITIVE', 'DCC_CARD_UNMATCHED'] });
    expect(decide(vaccination(), open(), { card, temperatureC: 38 })).toMatchObject({ decision: 'deny', reasons: ['FEVER', 'DCC_CARD_UNMATCHED'] });
    // A venue that takes no foreign credentials judges nothing about the certificate.
    expect(decide(vaccination(), open({ dccAccept: false }), { card }).reasons).toEqual(['DCC_NOT_ACCEPTED']);
  });
});

describe('an inauthentic HC1 certificate', () => {
  it('is denied with its verification reason, then the temperature', () => {
    expect(decideForInauthenticDcc({ reason: 'DCC_SIGNATURE_INVALID', policy: open(), temperatureC: 38 })).toEqual({
      decision: 'deny',
      reason: 'DCC_SIGNATURE_INVALID',
      reasons: ['DCC_SIGNATURE_INVALID', 'FEVER'],
      trustListStale: false,
    });
    expect(decideForInauthenticDcc({ reason: null, policy: open(), temperatureC: null }).reasons).toEqual(['FORMAT_INVALID']);
  });

  it('is first "not accepted" at a venue that takes no foreign credentials', () => {
    expect(decideForInauthenticDcc({ reason: 'DCC_KEY_UNKNOWN', policy: resolvePolicy({}), temperatureC: null, thermometerFitted: true })).toEqual({
      decision: 'deny',
      reason: 'DCC_NOT_ACCEPTED',
      reasons: ['DCC_NOT_ACCEPTED', 'DCC_KEY_UNKNOWN', 'TEMPERATURE_MISSING'],
      trustListStale: false,
    });
  });
});

describe('dates as the DCC schema writes them', () => {
  it('reads calendar dates and instants with offsets, and nothing else', () => {
    expect(dayNumberOf('1970-01-02')).toBe(1);
    expect(dayNumberOf('2024-02-29')).not.toBeNull();
    for (const bad of ['2023-02-29', '2026-1-01', '26-01-01', null, {}]) expect(dayNumberOf(bad), String(bad)).toBeNull();
    expect(instantOf('1970-01-01T01:00:00+01:00')).toBe(0);
    expect(instantOf('1970-01-01T00:00:01.5Z')).toBe(1.5);
    for (const bad of ['1970-01-01T00:00:00', '1970-01-01', '1970-01-01T25:00:00Z', 0]) expect(instantOf(bad), String(bad)).toBeNull();
  });
});
