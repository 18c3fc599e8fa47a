import { afterEach, describe, expect, it } from 'vitest';
import { uncapDatabaseGrowth } from '../store/test-support.js';
import { cardOf, entryRow, fillDisk, makeRig, person, type Rig } from './test-support.js';

let rig: Rig;
afterEach(() => rig?.cleanup());

const states = (r: Rig) => r.views.map((v) => v.state);
const last = (r: Rig) => r.views[r.views.length - 1]!;
const overrides = (r: Rig) => r.store.readOverridesAfterSeq(0, 100);

function freeDisk(r: Rig): void {
  uncapDatabaseGrowth(r.store);
}


describe('passage flow: code alone', () => {
  it('green code → admit: logged durably, then shown, then the gate pulses; resets to idle', async () => {
    rig = makeRig({ settings: { resetAfterMs: 4000 } });
    const r = await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(r).toMatchObject({ ok: true, duplicate: false });
    // decided (not yet logged, nothing final on screen) precedes shown (logged).
    expect(states(rig)).toEqual(['decided', 'shown']);
    expect(rig.views[0]!.entryId).toBeNull();
    const shown = last(rig);
    expect(shown).toMatchObject({ decision: 'admit', reason: null, method: 'code', maskedName: '张*', provinceCode: '330000', awaitingGuard: false, resetInMs: 4000 });
    expect(shown.maskedDocumentNumber).toBe('3301**********' + person('zhangsan').idNumber.slice(-4));
    expect(shown.entryId).toBe(1);
    // The pulse saw the entry already committed in the SQLite file.
    expect(rig.pulses).toEqual([{ at: rig.clock.now(), entriesCommitted: 1 }]);
    const row = entryRow(rig, 1)!;
    expect(row).toMatchObject({ decision: 'admit', reason: null, method: 'code', holderName: '张三', documentNumber: person('zhangsan').idNumber, statusColour: 'green', codeIssuer: '330000', trustListSeq: 1 });
    expect(row.codeId).toMatch(/^[0-9a-f]{32}$/);

    rig.clock.advance(3999);
    await rig.flow.settled();
    expect(last(rig).state).toBe('shown');
    rig.clock.advance(1);
    await rig.flow.settled();
    expect(last(rig)).toMatchObject({ state: 'idle', passageId: null, decision: null });
  });

  it('red code → deny STATUS_RED, logged, gate stays shut', async () => {
    rig = makeRig();
    await rig.flow.presentCode(rig.code('wangwu'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'deny', reason: 'STATUS_RED' });
    expect(entryRow(rig, 1)).toMatchObject({ decision: 'deny', reason: 'STATUS_RED', statusColour: 'red' });
    expect(rig.pulses).toEqual([]);
  });

  it('forged code → deny SIGNATURE_INVALID, logged without a holder', async () => {
    rig = makeRig();
    await rig.flow.presentCode(rig.code('zhangsan', { forge: true }), 'scanner');
    expect(last(rig)).toMatchObject({ decision: 'deny', reason: 'SIGNATURE_INVALID', maskedName: null });
    expect(entryRow(rig, 1)).toMatchObject({ decision: 'deny', reason: 'SIGNATURE_INVALID', holderName: null, documentNumber: null });
    expect(rig.pulses).toEqual([]);
  });

  it('text that is not a health code → deny FORMAT_UNKNOWN, no crash', async () => {
    rig = makeRig();
    await rig.flow.presentCode('https://example.com/menu', 'camera');
    expect(last(rig)).toMatchObject({ decision: 'deny', reason: 'FORMAT_UNKNOWN' });
    await rig.flow.presentCode('PHC1:%%%%', 'camera');
    expect(last(rig)).toMatchObject({ decision: 'deny', reason: 'FORMAT_INVALID' });
    expect(rig.store.entryCount()).toBe(2);
  });
});

describe('passage flow: card', () => {
  it('card alone collects for the window, then checks the status list: grandma (not listed) → admit', async () => {
    rig = makeRig({ settings: { collectWindowMs: 3000 } });
    await rig.flow.presentCard(cardOf('grandma'));
    expect(last(rig)).toMatchObject({ state: 'collecting', collected: { code: false, card: true, temperature: false }, collectInMs: 3000, method: 'card' });
    rig.clock.advance(2999);
    await rig.flow.settled();
    expect(last(rig).state).toBe('collecting');
    rig.clock.advance(1);
    await rig.flow.settled();
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'admit', method: 'card', maskedName: '孙**' });
    expect(entryRow(rig, 1)).toMatchObject({ method: 'card', decision: 'admit', statusColour: 'green', codeId: null });
    expect(rig.pulses).toHaveLength(1);
  });

  it('card alone on the status list: grandpa → deny STATUS_RED', async () => {
    rig = makeRig({ settings: { waitForCodeWithCard: false } });
    await rig.flow.presentCard(cardOf('grandpa'));
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'deny', reason: 'STATUS_RED' });
    expect(entryRow(rig, 1)).toMatchObject({ statusColour: 'red', decision: 'deny' });
  });

  it('card then the same person\'s code in the window → one passage, method both, admit', async () => {
    rig = makeRig();
    const a = await rig.flow.presentCard(cardOf('zhangsan'));
    const b = await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(a.ok && b.ok && a.passageId === b.passageId).toBe(true);
    expect(last(rig)).toMatchObject({ decision: 'admit', method: 'both' });
    expect(rig.store.entryCount()).toBe(1);
  });

  it('code + a different person\'s card → deny IDENTITY_MISMATCH', async () => {
    rig = makeRig();
    await rig.flow.presentCard(cardOf('lisi'));
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ decision: 'deny', reason: 'IDENTITY_MISMATCH', method: 'both' });
    expect(entryRow(rig, 1)).toMatchObject({ method: 'both', reason: 'IDENTITY_MISMATCH', holderName: '张三' });
    expect(rig.pulses).toEqual([]);
  });

  it('waitForCardWithCode: the code waits for the card, a card in the window is matched', async () => {
    rig = makeRig({ settings: { waitForCardWithCode: true } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig).state).toBe('collecting');
    await rig.flow.presentCard(cardOf('zhangsan'));
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'admit', method: 'both' });
  });
});

describe('passage flow: temperature', () => {
  it('with a thermometer, the passage waits for a reading; a fever denies', async () => {
    rig = makeRig({ thermometer: true });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'collecting', collected: { code: true, temperature: false } });
    await rig.flow.presentTemperature(38.1);
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'deny', reason: 'FEVER', temperatureC: 38.1 });
    expect(entryRow(rig, 1)).toMatchObject({ reason: 'FEVER', temperatureC: 38.1 });
    expect(rig.pulses).toEqual([]);
  });

  it.each([5_000, 10_000, 30_000])('a reading stays the person\'s while the sensor keeps reporting it: fever %i ms before the scan still denies', async (gapMs) => {
    rig = makeRig({ thermometer: true });
    await rig.flow.presentTemperature(38.2);
    expect(rig.views).toEqual([]); // a temperature alone starts nothing
    rig.clock.advance(gapMs);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'deny', reason: 'FEVER', temperatureC: 38.2 });
    expect(entryRow(rig, 1)).toMatchObject({ decision: 'deny', reason: 'FEVER', temperatureC: 38.2 });
    expect(rig.pulses).toEqual([]);
  });

  it('a reading is used by one passage only: the next person waits for their own, and without one goes to a guard', async () => {
    rig = makeRig({ thermometer: true, settings: { collectWindowMs: 2000 } });
    await rig.flow.presentTemperature(36.5);
    rig.clock.advance(1000);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ decision: 'admit', temperatureC: 36.5 });
    rig.clock.advance(20_000);
    await rig.flow.presentCode(rig.code('lisi'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'collecting', missing: ['temperature'], collectInMs: 2000 });
    rig.clock.advance(2000);
    await rig.flow.settled();
    // A thermometer is fitted: no reading never admits silently (policy temperatureMissingWithThermometer).
    expect(last(rig)).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null, awaitingGuard: true });
    expect(rig.pulses).toHaveLength(1);
  });

  it('with temperatureMissingWithThermometer: admit, a passage without a reading admits (the venue chose it)', async () => {
    rig = makeRig({ thermometer: true, policy: { temperatureMissingWithThermometer: 'admit' }, settings: { collectWindowMs: 2000 } });
    await rig.flow.presentCode(rig.code('lisi'), 'camera');
    rig.clock.advance(2000);
    await rig.flow.settled();
    expect(last(rig)).toMatchObject({ decision: 'admit', temperatureC: null });
  });

  it('the person steps away between the reading and the scan: the reading is not used', async () => {
    rig = makeRig({ thermometer: true, settings: { collectWindowMs: 2000 } });
    await rig.flow.presentTemperature(38.2);
    rig.clock.advance(5000);
    await rig.flow.temperatureGone();
    rig.clock.advance(5000);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'collecting', missing: ['temperature'], temperatureC: null });
    rig.clock.advance(2000);
    await rig.flow.settled();
    expect(last(rig)).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null });
    expect(entryRow(rig, 1)).toMatchObject({ decision: 'review', temperatureC: null });
  });

  it('a reading the sensor stops confirming while the passage collects is dropped from it', async () => {
    rig = makeRig({ thermometer: true, settings: { waitForCardWithCode: true } });
    await rig.flow.presentTemperature(36.6);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'collecting', collected: { temperature: true }, missing: ['card'] });
    await rig.flow.temperatureGone();
    expect(last(rig)).toMatchObject({ state: 'collecting', collected: { temperature: false }, missing: ['temperature', 'card'] });
  });

  it('once the sensor reads the room again, the last person\'s reading is not given to the next', async () => {
    rig = makeRig({ thermometer: true });
    await rig.flow.presentTemperature(36.5);
    await rig.flow.temperatureGone();
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'collecting', collected: { temperature: false }, temperatureC: null });
  });

  it('temperature required and missing → review; the guard\'s allow is logged with the kiosk\'s decision, then the gate opens', async () => {
    rig = makeRig({ thermometer: true, policy: { requireTemperature: true } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    rig.clock.advance(2500);
    await rig.flow.settled();
    const v = last(rig);
    expect(v).toMatchObject({ state: 'shown', decision: 'review', reason: 'TEMPERATURE_MISSING', awaitingGuard: true, resetInMs: 30_000 });
    expect(rig.pulses).toEqual([]);
    // Nobody else may take the lane while the guard looks (their presentation is held, not decided).
    expect(await rig.flow.presentCode(rig.code('lisi'), 'camera')).toMatchObject({ ok: true, held: true, passageId: v.passageId });
    expect(rig.store.entryCount()).toBe(1);
    expect(await rig.flow.guardReview('not-this-one', 'allow', 'guard-1')).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });

    const r = await rig.flow.guardReview(v.passageId!, 'allow', 'guard-1');
    expect(r).toMatchObject({ ok: true, view: { guardVerdict: 'allow', awaitingGuard: false, decision: 'review' } });
    expect(entryRow(rig, 1)).toMatchObject({ decision: 'review', reason: 'TEMPERATURE_MISSING', override: { decision: 'admit', guard: 'guard-1', note: 'GUARD_ALLOWED' } });
    expect(rig.pulses).toEqual([{ at: rig.clock.now(), entriesCommitted: 1 }]);
    expect(overrides(rig)).toHaveLength(1);
  });

  it('a guard\'s deny is logged and keeps the gate shut', async () => {
    rig = makeRig({ thermometer: true, policy: { requireTemperature: true } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    rig.clock.advance(2500);
    await rig.flow.settled();
    await rig.flow.guardReview(last(rig).passageId!, 'deny', 'guard-2');
    expect(entryRow(rig, 1)).toMatchObject({ decision: 'review', override: { decision: 'deny', note: 'GUARD_DENIED' } });
    expect(rig.pulses).toEqual([]);
    // The guard answered: now the screen resets as usual.
    rig.clock.advance(4000);
    await rig.flow.settled();
    expect(last(rig).state).toBe('idle');
  });
});

describe('passage flow: duplicates and anti-passback', () => {
  it('the same code again within 10 s makes no second entry; the window slides with every sighting', async () => {
    rig = makeRig();
    const code = rig.code('zhangsan');
    const a = await rig.flow.presentCode(code, 'camera');
    rig.clock.advance(6000);
    const b = await rig.flow.presentCode(code, 'camera');
    rig.clock.advance(9000);
    const c = await rig.flow.presentCode(code, 'scanner');
    expect(b).toMatchObject({ ok: true, duplicate: true });
    expect(c).toMatchObject({ ok: true, duplicate: true });
    expect(a.ok && b.ok && a.passageId === b.passageId).toBe(true);
    expect(rig.store.entryCount()).toBe(1);
    rig.clock.advance(10_000);
    const d = await rig.flow.presentCode(code, 'camera');
    expect(d).toMatchObject({ ok: true, duplicate: false });
    expect(rig.store.entryCount()).toBe(2);
  });

  it('the same card again within 10 s makes no second entry', async () => {
    rig = makeRig({ settings: { waitForCodeWithCard: false } });
    await rig.flow.presentCard(cardOf('grandma'));
    rig.clock.advance(5000);
    expect(await rig.flow.presentCard(cardOf('grandma'))).toMatchObject({ duplicate: true });
    expect(rig.store.entryCount()).toBe(1);
  });

  it('anti-passback: admitted again within X minutes → review ANTI_PASSBACK', async () => {
    rig = makeRig({ settings: { antiPassbackMinutes: 30 } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig).decision).toBe('admit');
    rig.clock.advance(60_000);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ decision: 'review', reason: 'ANTI_PASSBACK', awaitingGuard: true });
    expect(entryRow(rig, 2)).toMatchObject({ decision: 'review', reason: 'ANTI_PASSBACK' });
    expect(rig.pulses).toHaveLength(1);
    // After the window it admits again.
    await rig.flow.guardReview(last(rig).passageId!, 'deny', 'guard-1');
    rig.clock.advance(31 * 60_000);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ decision: 'admit' });
  });

  it('without anti-passback the same person may pass again after the duplicate window', async () => {
    rig = makeRig();
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    rig.clock.advance(60_000);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig).decision).toBe('admit');
    expect(rig.pulses).toHaveLength(2);
  });
});

describe('passage flow: storage failure', () => {
  it('STORAGE_FULL: nothing is admitted automatically; a deny stays a deny; the guard can still let a person in', async () => {
    rig = makeRig();
    await rig.flow.presentCode(rig.code('lisi'), 'camera'); // one good entry first
    expect(rig.pulses).toHaveLength(1);
    const full = fillDisk(rig);
    rig.clock.advance(1000);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    const v = last(rig);
    expect(v).toMatchObject({ state: 'shown', decision: 'review', reason: 'STORAGE_FULL', awaitingGuard: true, entryId: null });
    expect(rig.pulses).toHaveLength(1); // no automatic pulse
    expect(rig.store.entryCount()).toBe(full);
    expect(rig.logs.some((l) => l.includes('STORAGE_FULL'))).toBe(true);

    // Space returns; the guard allows: the kiosk's entry (review, STORAGE_FULL) is written, then the override.
    freeDisk(rig);
    await rig.flow.guardReview(v.passageId!, 'allow', 'guard-1');
    expect(rig.store.entryCount()).toBe(full + 1);
    expect(entryRow(rig, full + 1)).toMatchObject({ decision: 'review', reason: 'STORAGE_FULL', holderName: '张三', override: { decision: 'admit' } });
    expect(rig.pulses).toHaveLength(2);
    expect(rig.pulses[1]!.entriesCommitted).toBe(full + 1);

    fillDisk(rig);
    rig.clock.advance(20_000);
    await rig.flow.presentCode(rig.code('wangwu'), 'camera');
    expect(last(rig)).toMatchObject({ decision: 'deny', reason: 'STATUS_RED', awaitingGuard: false, entryId: null });
  });

  it('a store that throws something unexpected is treated as unavailable, never as an admit', async () => {
    rig = makeRig({
      wrapStore: (s) => ({
        append: () => {
          throw new Error('disk unplugged');
        },
        addOverride: (o) => s.addOverride(o),
        lastAdmittedSince: (d, t) => s.lastAdmittedSince(d, t),
        lastAdmittedCodeSince: (c, t) => s.lastAdmittedCodeSince(c, t),
      }),
    });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ decision: 'review', reason: 'STORAGE_UNAVAILABLE' });
    expect(rig.pulses).toEqual([]);
  });
});

describe('passage flow: transitions', () => {
  it('idle → collecting → decided → shown → idle, with the countdowns in the views', async () => {
    rig = makeRig({ settings: { collectWindowMs: 3000, resetAfterMs: 2000 } });
    expect(rig.flow.view()).toMatchObject({ state: 'idle', passageId: null });
    await rig.flow.presentCard(cardOf('grandma'));
    rig.clock.advance(1000);
    expect(rig.flow.view()).toMatchObject({ state: 'collecting', collectInMs: 2000 });
    rig.clock.advance(2000);
    await rig.flow.settled();
    rig.clock.advance(500);
    expect(rig.flow.view()).toMatchObject({ state: 'shown', resetInMs: 1500 });
    rig.clock.advance(1500);
    await rig.flow.settled();
    expect(states(rig)).toEqual(['collecting', 'decided', 'shown', 'idle']);
  });

  it('a new person\'s code while a result is shown starts the next passage at once', async () => {
    rig = makeRig();
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    rig.clock.advance(1000);
    await rig.flow.presentCode(rig.code('wangwu'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'deny', reason: 'STATUS_RED' });
    expect(rig.store.entryCount()).toBe(2);
    // The first result's reset timer was cancelled: the second one resets 4 s after it was shown.
    rig.clock.advance(3999);
    await rig.flow.settled();
    expect(last(rig).state).toBe('shown');
    rig.clock.advance(1);
    await rig.flow.settled();
    expect(last(rig).state).toBe('idle');
  });

  it('a review left unanswered resets after reviewTimeoutMs; the entry keeps `review` with no verdict', async () => {
    rig = makeRig({ thermometer: true, policy: { requireTemperature: true }, settings: { reviewTimeoutMs: 60_000 } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    rig.clock.advance(2500);
    await rig.flow.settled();
    const v = last(rig);
    expect(v).toMatchObject({ awaitingGuard: true, resetInMs: 60_000 });
    rig.clock.advance(60_000);
    await rig.flow.settled();
    expect(last(rig).state).toBe('idle');
    expect(entryRow(rig, 1)).toMatchObject({ decision: 'review', override: null });
    expect(await rig.flow.guardReview(v.passageId!, 'allow', 'late guard')).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(rig.pulses).toEqual([]);
  });
});

describe('passage flow: privacy and robustness', () => {
  it('operational log lines carry no names or document numbers', async () => {
    rig = makeRig();
    await rig.flow.presentCard(cardOf('lisi'));
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    await rig.flow.presentCode(rig.code('wangwu'), 'camera');
    expect(rig.logs.length).toBeGreaterThan(0);
    for (const p of ['zhangsan', 'lisi', 'wangwu'].map(person)) {
      for (const line of rig.logs) {
        expect(line).not.toContain(p.name);
        expect(line).not.toContain(p.idNumber);
      }
      for (const v of rig.views) expect(JSON.stringify(v)).not.toContain(p.idNumber);
    }
  });

  it('a second, different code while collecting decides the first passage and starts another', async () => {
    rig = makeRig({ settings: { waitForCardWithCode: true } });
    const a = await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    const b = await rig.flow.presentCode(rig.code('lisi'), 'camera');
    expect(a.ok && b.ok && a.passageId !== b.passageId).toBe(true);
    expect(rig.store.entryCount()).toBe(1);
    expect(last(rig)).toMatchObject({ state: 'collecting', passageId: b.ok ? b.passageId : '' });
  });
});

describe('passage flow: what is still missing', () => {
  it('names exactly what the passage waits for, with the time left, and decides the moment it is complete', async () => {
    rig = makeRig({ thermometer: true, settings: { collectWindowMs: 2500 } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'collecting', missing: ['temperature'], collectInMs: 2500 });
    rig.clock.advance(700);
    expect(rig.flow.view()).toMatchObject({ missing: ['temperature'], collectInMs: 1800 });
    await rig.flow.presentTemperature(36.4);
    // Complete: decided at once, not when the window ends.
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'admit', temperatureC: 36.4, missing: [] });
    expect(rig.clock.pending()).toBe(1); // only the screen reset; the collect timer is gone
  });

  it('a card alone waits for a code (card-then-code is one passage); with nothing expected a code decides at once', async () => {
    rig = makeRig();
    await rig.flow.presentCard(cardOf('grandma'));
    expect(last(rig)).toMatchObject({ state: 'collecting', missing: ['code'] });
    rig.cleanup();
    rig = makeRig({ settings: { waitForCardWithCode: true } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'collecting', missing: ['card'] });
    rig.cleanup();
    rig = makeRig();
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(states(rig)).toEqual(['decided', 'shown']);
  });
});

describe('passage flow: every reason', () => {
  it('red code + 38.5 °C → deny STATUS_RED with FEVER listed; the log names both, the entry the first', async () => {
    rig = makeRig({ thermometer: true });
    await rig.flow.presentTemperature(38.5);
    await rig.flow.presentCode(rig.code('wangwu'), 'camera');
    expect(last(rig)).toMatchObject({ state: 'shown', decision: 'deny', reason: 'STATUS_RED', reasons: ['STATUS_RED', 'FEVER'], temperatureC: 38.5 });
    expect(entryRow(rig, 1)).toMatchObject({ decision: 'deny', reason: 'STATUS_RED', temperatureC: 38.5 });
    expect(rig.logs.some((l) => l.includes('deny STATUS_RED+FEVER'))).toBe(true);
  });

  it('a storage failure goes first, the policy\'s reasons stay listed', async () => {
    rig = makeRig({ thermometer: true, settings: { collectWindowMs: 2000 } });
    fillDisk(rig);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    rig.clock.advance(2000);
    await rig.flow.settled();
    expect(last(rig)).toMatchObject({ decision: 'review', reason: 'STORAGE_FULL', reasons: ['STORAGE_FULL', 'TEMPERATURE_MISSING'] });
  });
});

describe('passage flow: a review never blocks the lane', () => {
  it('by default a review waits 30 s for the guard, then resets unanswered; the entry keeps `review` and the log says so', async () => {
    rig = makeRig({ settings: { antiPassbackMinutes: 30 } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    rig.clock.advance(60_000);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    expect(last(rig)).toMatchObject({ decision: 'review', reason: 'ANTI_PASSBACK', awaitingGuard: true, resetInMs: 30_000 });
    rig.clock.advance(29_999);
    await rig.flow.settled();
    expect(last(rig).awaitingGuard).toBe(true);
    rig.clock.advance(1);
    await rig.flow.settled();
    expect(last(rig).state).toBe('idle');
    expect(entryRow(rig, 2)).toMatchObject({ decision: 'review', reason: 'ANTI_PASSBACK', override: null });
    expect(rig.logs.some((l) => l.includes('review timed out unanswered'))).toBe(true);
    expect(rig.pulses).toHaveLength(1);
  });

  it('a presentation made while a review waits is held, counted, logged once and shown, then decided when presented again', async () => {
    rig = makeRig({ settings: { antiPassbackMinutes: 30 } });
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    rig.clock.advance(60_000);
    await rig.flow.presentCode(rig.code('zhangsan'), 'camera');
    const review = last(rig);
    expect(review).toMatchObject({ awaitingGuard: true, heldAttempts: 0, heldAt: null });

    rig.clock.advance(4000);
    const lisi = rig.code('lisi');
    expect(await rig.flow.presentCode(lisi, 'camera')).toEqual({ ok: true, passageId: review.passageId, duplicate: false, held: true });
    expect(last(rig)).toMatchObject({ passageId: review.passageId, awaitingGuard: true, decision: 'review', heldAttempts: 1, heldAt: rig.clock.now(), resetInMs: 26_000 });
    const viewsBefore = rig.views.length;
    // The camera sees the same code again and again: one held attempt, one log line.
    await rig.flow.presentCode(lisi, 'camera');
    await rig.flow.presentCode(lisi, 'camera');
    expect(rig.views.length).toBe(viewsBefore);
    await rig.flow.presentCard(cardOf('grandma'));
    expect(last(rig)).toMatchObject({ heldAttempts: 2 });
    expect(rig.logs.filter((l) => l.includes('held')).length).toBe(2);
    expect(rig.store.entryCount()).toBe(2);
    for (const line of rig.logs) expect(line).not.toContain(person('lisi').name);

    await rig.flow.guardReview(review.passageId!, 'deny', 'guard-1');
    // Presented again (the camera still sees it): now it is decided, not a duplicate.
    expect(await rig.flow.presentCode(lisi, 'camera')).toMatchObject({ ok: true, duplicate: false });
    expect(last(rig)).toMatchObject({ decision: 'admit', heldAttempts: 0, heldAt: null });
    expect(rig.store.entryCount()).toBe(3);
  });
});
