// The demo's HC1 codes (docs/dcc-trust.md, "Demo") say what the kiosk answers to each: every one is
// verified against the demo DSCs (verify-hc1.ts) and decided by the venue's DCC rules under the demo
// policy (dcc-policy.ts), and the answer is the code's expectedReason. The demo carries one passing
// certificate of each kind a venue's rules tell apart: a vaccination, a NAAT test, a rapid antigen
// test and a recovery.
import { describe, expect, it } from 'vitest';
import { makeDemoPki } from '../pki.js';
import { resolvePolicy } from '../../policy/policy.js';
import { DCC_TEST_TYPE_NAAT, DCC_TEST_TYPE_RAT, decideForDcc } from '../../policy/dcc-policy.js';
import { makeDemoDcc } from './demo-dcc.js';
import { verifyHc1 } from './verify-hc1.js';

const NOW = Date.UTC(2026, 10, 20, 9) / 1000;
const pki = makeDemoPki({ seed: 'demo-dcc-tests', now: NOW, syntheticStatusRecords: 0 });
const demo = makeDemoDcc({ root: pki.root, now: NOW, dscListSeq: 1 });
const dscs = new Map(Object.values(demo.dscs).map((d) => [d.kid, d.entry]));
// The demo configuration turns foreign credentials on and keeps every other DCC rule at its default.
const policy = resolvePolicy({ dccAccept: true });

/** What the kiosk answers to a code: the verifier's reason, else the venue rules' first reason. */
function answer(text: string) {
  const v = verifyHc1(text, { dscs, now: NOW, skewSeconds: policy.clockSkewSeconds });
  if (!v.authentic || !v.certificate) return { reason: v.reason, certificate: null };
  const d = decideForDcc({ certificate: v.certificate, policy, dscListState: 'ok', temperatureC: 36.5, thermometerFitted: true, now: NOW, timeZone: 'UTC' });
  return { reason: d.reason, certificate: v.certificate };
}

describe('demo HC1 codes', () => {
  it('each gets the answer it is listed with', () => {
    for (const c of demo.codes) expect([c.key, answer(c.text).reason]).toEqual([c.key, c.expectedReason]);
  });

  it('include a passing vaccination, NAAT test, rapid antigen test and recovery, each of the type and country it says', () => {
    const passing = demo.codes.filter((c) => c.expectedReason === null).map((c) => ({ c, cert: answer(c.text).certificate! }));
    for (const { c, cert } of passing) expect([c.key, cert.type, cert.issuerCountry]).toEqual([c.key, c.type, c.country]);
    const kinds = passing.map(({ cert }) => (cert.type === 't' ? cert.entry.tt : cert.type));
    expect(kinds).toEqual(expect.arrayContaining(['v', DCC_TEST_TYPE_NAAT, DCC_TEST_TYPE_RAT, 'r']));
    expect(demo.codes.map((c) => c.key)).toEqual(expect.arrayContaining(['dcc-rapid-test', 'dcc-recovered']));
    // Rapid tests off at the venue: the rapid test alone is refused for its type.
    const ratOff = resolvePolicy({ dccAccept: true, dccTestRatMaxHours: null });
    const refused = passing.filter(({ cert }) => decideForDcc({ certificate: cert, policy: ratOff, dscListState: 'ok', temperatureC: 36.5, thermometerFitted: true, now: NOW, timeZone: 'UTC' }).reason !== null);
    expect(refused.map(({ c }) => c.key)).toEqual(['dcc-rapid-test']);
  });
});
