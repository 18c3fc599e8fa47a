import { afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../store/seed.js';
import { purgeExpired } from '../store/purge.js';
import { samplePassage } from '../store/test-support.js';
import { makeViewsRig, T0, DAY_MS, type ViewsRig } from './views-test-support.js';

let rig: ViewsRig | null = null;
afterEach(() => {
  rig?.close();
  rig = null;
});

async function retention(r: ViewsRig) {
  const v = await r.call('getRetention', { session: await r.openSession() });
  if (!v.ok) throw new Error(v.message);
  return v.value;
}

describe('retention view and purge now (architecture.md "Data at rest")', () => {
  it('is refused without an admin session; without an entry log it says there is none', async () => {
    rig = await makeViewsRig();
    expect(await rig.call('getRetention', { session: 'B'.repeat(32) })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(await rig.call('purgeNow', { session: 'B'.repeat(32) })).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(await rig.call('purgeNow', {})).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    rig.close();
    rig = await makeViewsRig({ retention: false });
    expect(await rig.call('purgeNow', { session: await rig.openSession() })).toMatchObject({ ok: false, reason: 'STORAGE_UNAVAILABLE' });
  });

  it('shows the oldest entry and what the next purge removes; purge now removes exactly that and audits who', async () => {
    rig = await makeViewsRig();
    rig.append(5, T0);
    rig.append(3, T0 + 10 * DAY_MS);
    rig.clock.advance(30 * DAY_MS);
    const before = await retention(rig);
    expect(before).toMatchObject({
      retentionDays: 28,
      at: T0 + 30 * DAY_MS,
      cutoffAt: T0 + 2 * DAY_MS,
      oldestEntryAt: T0,
      entries: 8,
      uploading: false,
      acknowledgedThroughSeq: null,
      next: { entriesRemoved: 5, overridesRemoved: 0, entriesKeptUnacknowledged: 0, entriesKeptOutOfOrder: 0 },
    });
    // The hourly run's time on the kiosk's clock, even after that clock moved on (here by 30 days).
    expect(before.nextPurgeAt).toBeGreaterThan(before.at);
    expect(before.nextPurgeAt).toBeLessThanOrEqual(before.at + 3_600_000);

    const session = await rig.openSession();
    const purged = await rig.call('purgeNow', { session });
    if (!purged.ok) throw new Error(purged.message);
    expect(purged.value).toMatchObject({ entriesDeleted: 5, overridesDeleted: 0, cutoffAt: T0 + 2 * DAY_MS, oldestEntryAt: T0 + 10 * DAY_MS, kept: { entriesKeptUnacknowledged: 0 } });
    expect(rig.store.entryCount()).toBe(3);
    // The purge's own audit row names who asked; the session audited the action too.
    expect(rig.store.auditOf(['purge'], 1)[0]).toMatchObject({ detail: { by: 'browser:ws-admin', entriesDeleted: 5, retentionDays: 28 } });
    expect(rig.store.auditOf(['admin-action'], 5).map((r) => r.detail.what)).toContain('purge-now');

    const after = await retention(rig);
    expect(after).toMatchObject({ oldestEntryAt: T0 + 10 * DAY_MS, entries: 3, next: { entriesRemoved: 0 }, lastPurge: { at: T0 + 30 * DAY_MS, entriesDeleted: 5 } });
    // Nothing due: purge now still runs and is audited (it deleted nothing).
    const again = await rig.call('purgeNow', { session: await rig.openSession() });
    expect(again).toMatchObject({ ok: true, value: { entriesDeleted: 0 } });
    expect(rig.store.auditOf(['purge'], 1)[0]).toMatchObject({ detail: { by: 'browser:ws-admin', entriesDeleted: 0 } });
  });

  it('keeps what the collector has not acknowledged, and says how much', async () => {
    rig = await makeViewsRig({ uploading: { entries: 3, overrides: 0 } });
    rig.append(5, T0);
    rig.clock.advance(30 * DAY_MS);
    expect(await retention(rig)).toMatchObject({ uploading: true, acknowledgedThroughSeq: 3, next: { entriesRemoved: 3, entriesKeptUnacknowledged: 2 } });
    const purged = await rig.call('purgeNow', { session: await rig.openSession() });
    expect(purged).toMatchObject({ ok: true, value: { entriesDeleted: 3, kept: { entriesKeptUnacknowledged: 2 } } });
    expect(rig.store.entryCount()).toBe(2);
  });

  it('the plan equals what the purge then deletes, over random logs, overrides, acknowledgements and a clock set back', async () => {
    const rand = mulberry32(20261121);
    const seen = { entries: 0, overrides: 0, unacknowledged: 0, outOfOrder: 0 };
    for (let round = 0; round < 12; round++) {
      rig?.close();
      const entries = 5 + Math.floor(rand() * 40);
      const ackEntries = Math.floor(rand() * (entries + 2));
      rig = await makeViewsRig({ retention: false });
      const ids: string[] = [];
      for (let i = 0; i < entries; i++) {
        // Mostly in time order, sometimes a row from a clock set back (older than the one before it).
        const at = T0 + i * DAY_MS * 2 - (rand() < 0.15 ? 40 * DAY_MS : 0);
        ids.push(rig.store.append({ ...samplePassage(), at }).id);
        if (rand() < 0.3) rig.store.addOverride({ entry: { id: ids.at(-1)! }, decision: 'admit', guard: 'G-1', note: 'GUARD_ALLOWED', at: at + (rand() < 0.5 ? 1000 : 30 * DAY_MS) });
      }
      const ackOverrides = Math.floor(rand() * 6);
      const uploading = rand() < 0.5;
      const now = T0 + Math.floor(rand() * 120) * DAY_MS;
      const limits = uploading ? { uploadedThroughSeq: ackEntries, overridesUploadedThroughSeq: ackOverrides } : { uploadedThroughSeq: null, overridesUploadedThroughSeq: null };
      const plan = rig.store.purgePlan({ cutoffMs: now - 28 * DAY_MS, ...limits });
      const before = rig.store.entryCount();
      const r = await purgeExpired(rig.store, { retentionDays: 28, now, batchSize: 1 + Math.floor(rand() * 4), ...limits });
      expect({ round, e: plan.entriesRemoved, o: plan.overridesRemoved }).toEqual({ round, e: r.entriesDeleted, o: r.overridesDeleted });
      expect(rig.store.entryCount()).toBe(before - plan.entriesRemoved);
      seen.entries += plan.entriesRemoved;
      seen.overrides += plan.overridesRemoved;
      seen.unacknowledged += plan.entriesKeptUnacknowledged;
      seen.outOfOrder += plan.entriesKeptOutOfOrder;
      // After the purge nothing more is due, and what stays old is all accounted as kept.
      const afterPlan = rig.store.purgePlan({ cutoffMs: now - 28 * DAY_MS, ...limits });
      expect(afterPlan.entriesRemoved + afterPlan.overridesRemoved).toBe(0);
      expect(afterPlan.entriesKeptUnacknowledged + afterPlan.entriesKeptOutOfOrder).toBe(plan.entriesKeptUnacknowledged + plan.entriesKeptOutOfOrder);
    }
    // The rounds did exercise every rule (a plan of all zeros would agree with anything).
    expect(seen.entries * seen.overrides * seen.unacknowledged * seen.outOfOrder).toBeGreaterThan(0);
  });
});
