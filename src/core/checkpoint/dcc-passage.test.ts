// EU DCC (`HC1:`) codes through the real passage flow: a demo PKI's root signs a DSC list installed in a
// real DscListCache, codes minted with the demo DSCs, a real SQLite entry store (docs/dcc-trust.md,
// "At the door"). Only time (ManualClock) and the gate (a recorder) stand in.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PassageView } from '../../contract/api.js';
import { makeDemoDcc, type DemoDcc } from '../codes/dcc/demo-dcc.js';
import { DscListCache } from '../codes/dcc/dsc-list.js';
import { ListCache } from '../codes/list-cache.js';
import { makeDemoPki } from '../codes/pki.js';
import { resolvePolicy, type VenuePolicyInput } from '../policy/policy.js';
import { EntryStore } from '../store/entry-store.js';
import { ManualClock } from './clock.js';
import { resolveCheckpointSettings, type CheckpointSettingsInput } from './config.js';
import { PassageFlow } from './passage.js';
import { cardOf, T0 } from './test-support.js';

const NOW = Math.floor(T0 / 1000);
const pki = makeDemoPki({ seed: 'dcc-passage-tests', now: NOW, syntheticStatusRecords: 0 });
const dcc: DemoDcc = makeDemoDcc({ root: pki.root, now: NOW, dscListSeq: 1 });
const code = (key: string) => dcc.codes.find((c) => c.key === key)!.text;

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function rig(policy: VenuePolicyInput = { dccAccept: true }, installList = true, settings: CheckpointSettingsInput = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-dcc-passage-'));
  const lists = new ListCache(dir, pki.roots).load();
  lists.installTrust(pki.trustListJws);
  const dscList = new DscListCache(dir, pki.roots).load();
  if (installList && !dscList.install(dcc.dscListJws).accepted) throw new Error('demo DSC list refused');
  const store = EntryStore.open(dir);
  const views: PassageView[] = [];
  const pulses: number[] = [];
  const clock = new ManualClock(T0);
  const flow = new PassageFlow({
    store,
    lists,
    dscList,
    policy: resolvePolicy(policy),
    settings: resolveCheckpointSettings({ waitForCardWithCode: false, ...settings }),
    venueId: 'venue-test',
    kioskId: 'kiosk-test',
    clock,
    temperatureExpected: () => false,
    pulseGate: async () => {
      pulses.push(store.entryCount());
      return { ok: true, driver: 'none', relay: 1, ms: 500 };
    },
    onView: (v) => views.push(v),
  });
  cleanups.push(() => {
    flow.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lastShown = () => views.filter((v) => v.state === 'shown').at(-1)!;
  const entry = (seq: number) => store.readEntriesAfterSeq(seq - 1, 1)[0]!;
  return { flow, store, lastShown, entry, pulses, clock };
}

describe('EU DCC at the door (docs/dcc-trust.md, "At the door")', () => {
  it('a demo vaccination passes: the entry records the type and country, the screen the masked name, and the gate opens after the write', async () => {
    const r = rig();
    await r.flow.presentCode(code('dcc-vaccinated'), 'scanner');
    await r.flow.settled();
    const shown = r.lastShown();
    expect(shown).toMatchObject({ decision: 'admit', reason: null, maskedName: 'E**** M*********', maskedDocumentNumber: null, provinceCode: null, dcc: { type: 'v', country: 'AT' } });
    expect(r.entry(shown.entryId!)).toMatchObject({ method: 'code', decision: 'admit', holderName: 'Erika Musterfrau', documentType: 'DCC-V', codeIssuer: 'AT', documentNumber: null, statusColour: null, trustListSeq: null });
    expect(r.entry(shown.entryId!).codeId).toMatch(/^[0-9a-f]{32}$/);
    expect(r.pulses).toEqual([1]);
  });

  it('each failing demo code stops with its reason and is logged', async () => {
    for (const c of dcc.codes.filter((x) => x.expectedReason !== null)) {
      const r = rig();
      await r.flow.presentCode(c.text, 'scanner');
      await r.flow.settled();
      const shown = r.lastShown();
      expect([c.key, shown.decision, shown.reason]).toEqual([c.key, 'deny', c.expectedReason]);
      expect(r.entry(shown.entryId!)).toMatchObject({ decision: 'deny', reason: c.expectedReason });
      expect(r.pulses).toEqual([]);
    }
  });

  it('a forged code names nobody; an out-of-date one still names its holder and type', async () => {
    const r = rig();
    await r.flow.presentCode(code('dcc-forged'), 'scanner');
    await r.flow.settled();
    expect(r.entry(r.lastShown().entryId!)).toMatchObject({ reason: 'DCC_SIGNATURE_INVALID', holderName: null, documentType: null, codeIssuer: 'EU' });
    expect(r.lastShown().dcc).toBeNull();
    await r.flow.presentCode(code('dcc-test-old'), 'scanner');
    await r.flow.settled();
    expect(r.entry(r.lastShown().entryId!)).toMatchObject({ reason: 'DCC_TEST_TOO_OLD', holderName: 'Max Mustermann', documentType: 'DCC-T', codeIssuer: 'DE' });
  });

  it('a venue that takes no foreign credentials (the default) stops every DCC', async () => {
    const r = rig({});
    await r.flow.presentCode(code('dcc-vaccinated'), 'scanner');
    await r.flow.settled();
    expect(r.lastShown()).toMatchObject({ decision: 'deny', reason: 'DCC_NOT_ACCEPTED' });
  });

  it('without a DSC list installed the reason is the missing list, not an unknown signer', async () => {
    const r = rig({ dccAccept: true }, false);
    await r.flow.presentCode(code('dcc-vaccinated'), 'scanner');
    await r.flow.settled();
    expect(r.lastShown()).toMatchObject({ decision: 'deny', reason: 'DCC_LIST_MISSING' });
  });

  it('an ID card presented with a DCC goes to the guard (nothing to match them by); the entry records the card beside the certificate and the guard\'s verdict', async () => {
    const r = rig();
    await r.flow.presentCard(cardOf('lisi'));
    await r.flow.presentCode(code('dcc-vaccinated'), 'scanner');
    await r.flow.settled();
    const shown = r.lastShown();
    expect(shown).toMatchObject({ method: 'both', decision: 'review', reason: 'DCC_CARD_UNMATCHED', awaitingGuard: true, maskedName: 'E**** M*********' });
    expect(r.pulses).toEqual([]);
    expect(r.entry(shown.entryId!)).toMatchObject({ method: 'both', decision: 'review', reason: 'DCC_CARD_UNMATCHED', documentType: 'DCC-V', documentNumber: cardOf('lisi').idNumber, codeIssuer: 'AT' });
    await r.flow.guardReview(shown.passageId!, 'allow', 'guard-1');
    await r.flow.settled();
    expect(r.entry(shown.entryId!).override).toMatchObject({ decision: 'admit', guard: 'guard-1', note: 'GUARD_ALLOWED' });
    expect(r.pulses).toEqual([1]);
  });

  it('anti-passback covers a DCC: the same certificate admitted again within the window goes to the guard (docs/dcc-trust.md, "Anti-passback")', async () => {
    const r = rig({ dccAccept: true }, true, { antiPassbackMinutes: 30 });
    await r.flow.presentCode(code('dcc-tested'), 'scanner');
    await r.flow.settled();
    expect(r.lastShown()).toMatchObject({ decision: 'admit' });
    // Past the duplicate window (10 s): a second passage, not the same one seen again.
    r.clock.advance(14_000);
    await r.flow.presentCode(code('dcc-tested'), 'scanner');
    await r.flow.settled();
    const again = r.lastShown();
    expect(again).toMatchObject({ decision: 'review', reason: 'ANTI_PASSBACK', awaitingGuard: true });
    expect(r.entry(again.entryId!)).toMatchObject({ decision: 'review', reason: 'ANTI_PASSBACK', documentType: 'DCC-T' });
    expect(r.pulses).toEqual([1]);
    await r.flow.guardReview(again.passageId!, 'deny', 'guard-1');
    // Another person's certificate is not held up by it.
    r.clock.advance(1_000);
    await r.flow.presentCode(code('dcc-vaccinated'), 'scanner');
    await r.flow.settled();
    expect(r.lastShown()).toMatchObject({ decision: 'admit' });
    // After the window the same certificate admits again.
    r.clock.advance(31 * 60_000);
    await r.flow.presentCode(code('dcc-tested'), 'scanner');
    await r.flow.settled();
    expect(r.lastShown()).toMatchObject({ decision: 'admit' });
  });

  it('anti-passback counts a guard\'s allow: a DCC let in beside a card is held up when shown again alone', async () => {
    const r = rig({ dccAccept: true }, true, { antiPassbackMinutes: 30 });
    await r.flow.presentCard(cardOf('lisi'));
    await r.flow.presentCode(code('dcc-vaccinated'), 'scanner');
    await r.flow.settled();
    expect(r.lastShown()).toMatchObject({ decision: 'review', reason: 'DCC_CARD_UNMATCHED' });
    await r.flow.guardReview(r.lastShown().passageId!, 'allow', 'guard-1');
    r.clock.advance(60_000);
    await r.flow.presentCode(code('dcc-vaccinated'), 'scanner');
    await r.flow.settled();
    expect(r.lastShown()).toMatchObject({ decision: 'review', reason: 'ANTI_PASSBACK' });
  });
});
