// getStatistics through the hosts' dispatcher on a real store: refused without an admin session,
// audited inside one, a range of 1 to 90 venue-local days (BAD_REQUEST otherwise), and answering
// with the roll-ups' counts, the guard's override counted as the final outcome.
import { afterEach, describe, expect, it } from 'vitest';
import { localDate } from '../store/local-days.js';
import { makeViewsRig, T0, DAY_MS, type ViewsRig } from './views-test-support.js';

let rig: ViewsRig | null = null;
afterEach(() => {
  rig?.close();
  rig = null;
});

describe('getStatistics (docs/admin-console.md, "Statistics")', () => {
  it('is refused without a session and for a range that is not 1 to 90 days', async () => {
    rig = await makeViewsRig();
    expect(await rig.call('getStatistics', { session: 'B'.repeat(32), from: '2026-11-01', to: '2026-11-02' })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    const session = await rig.openSession();
    for (const [from, to] of [
      ['2026-08-01', '2026-11-01'],
      ['2026-11-02', '2026-11-01'],
      ['2026-02-30', '2026-03-01'],
      ['2026-11-1', '2026-11-02'],
    ]) {
      expect(await rig.call('getStatistics', { session, from, to })).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    }
    expect(await rig.call('getStatistics', { session, from: '2026-08-04', to: '2026-11-01' })).toMatchObject({ ok: true });
  });

  it('counts the range from the roll-ups, final outcome after a guard override, and audits the look', async () => {
    rig = await makeViewsRig();
    rig.append(4, T0);
    rig.append(2, T0 + 2 * DAY_MS, { decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null, method: 'card', codeIssuer: null, codeId: null });
    rig.store.addOverride({ entry: { seq: 5 }, decision: 'admit', guard: 'G-1', note: 'measured by hand' });
    const day = localDate(T0, Intl.DateTimeFormat().resolvedOptions().timeZone);
    const last = localDate(T0 + 2 * DAY_MS, Intl.DateTimeFormat().resolvedOptions().timeZone);
    const session = await rig.openSession();
    const r = await rig.call('getStatistics', { session, from: day, to: last });
    if (!r.ok) throw new Error(r.message);
    expect(r.value.total).toBe(6);
    expect(r.value.decisions).toEqual({ final: { admit: 5, deny: 0, review: 1 }, kiosk: { admit: 4, deny: 0, review: 2 } });
    expect(r.value.reasons).toEqual([{ reason: 'TEMPERATURE_MISSING', count: 2 }]);
    expect(r.value.methods).toEqual({ code: 4, card: 2, both: 0 });
    expect(r.value.temperature.none).toBe(2);
    expect(r.value.days.map((d) => d.total)).toEqual([4, 0, 2]);
    expect(rig.store.auditOf(['admin-action'], 1)[0]?.detail).toMatchObject({ what: 'statistics' });
  });
});
