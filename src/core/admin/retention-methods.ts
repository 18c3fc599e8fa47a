// The retention screen (architecture.md "Data at rest"; docs/upload-protocol.md §2 "Kiosk
// bookkeeping"): the configured days, the oldest entry, what the next purge removes and what it keeps
// because the collector has not acknowledged it yet, and when the scheduled purge runs. "Purge now"
// runs the scheduled purge's own code path (core/store/purge.ts `schedulePurge().runNow`), with the
// limits the scheduled run reads, and its audit row names who asked.
import { fail, ok, type KioskService, type PurgeOutcome, type RetentionView } from '../../contract/api.js';
import type { Reason } from '../../contract/reasons.js';
import { StoreError } from '../store/errors.js';
import type { AdminDeps } from './deps.js';

const DAY_MS = 86_400_000;

function storeFailure(err: unknown, what: string): { reason: Reason; message: string } {
  if (err instanceof StoreError) return { reason: err.reason === 'BAD_REQUEST' ? 'INTERNAL' : err.reason, message: `${what}: ${err.message}` };
  return { reason: 'STORAGE_UNAVAILABLE', message: `${what} (${(err as Error).name})` };
}

const numberOr0 = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);

export function retentionMethods(deps: AdminDeps): Pick<KioskService, 'getRetention' | 'purgeNow'> {
  const retentionDays = () => Math.floor(deps.config.store.retentionDays);
  const noLog = () => fail('STORAGE_UNAVAILABLE', 'there is no entry log to purge: it could not be opened');

  return {
    async getRetention(request, context) {
      const held = deps.sessions.require(request.session, context, 'retention');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const retention = deps.retention;
      if (!retention) return noLog();
      try {
        // The purge counts age from the schedule's clock: the preview must use the same one.
        const at = retention.schedule.now();
        const days = retentionDays();
        const cutoffAt = at - days * DAY_MS;
        const limits = retention.limits();
        const plan = deps.store.purgePlan({ cutoffMs: cutoffAt, ...limits });
        const last = deps.store.auditOf(['purge'], 1)[0];
        const view: RetentionView = {
          at,
          retentionDays: days,
          cutoffAt: Math.max(0, cutoffAt),
          oldestEntryAt: plan.oldestEntryAtMs,
          entries: plan.entries,
          overrides: plan.overrides,
          uploading: retention.uploading,
          acknowledgedThroughSeq: limits.uploadedThroughSeq,
          next: {
            entriesRemoved: plan.entriesRemoved,
            overridesRemoved: plan.overridesRemoved,
            entriesKeptUnacknowledged: plan.entriesKeptUnacknowledged,
            overridesKeptUnacknowledged: plan.overridesKeptUnacknowledged,
            entriesKeptOutOfOrder: plan.entriesKeptOutOfOrder,
          },
          nextPurgeAt: retention.schedule.nextRunAt(),
          lastPurge: last ? { at: last.atMs, entriesDeleted: numberOr0(last.detail.entriesDeleted), overridesDeleted: numberOr0(last.detail.overridesDeleted) } : null,
        };
        return ok(view);
      } catch (err) {
        const f = storeFailure(err, 'the retention figures could not be read');
        return fail(f.reason, f.message);
      }
    },

    async purgeNow(request, context) {
      const held = deps.sessions.require(request.session, context, 'purge-now');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const retention = deps.retention;
      if (!retention) return noLog();
      try {
        const result = await retention.schedule.runNow(held.session.by);
        const cutoffAt = Date.parse(result.cutoff);
        // What it kept, by the same rules, right after it ran.
        const after = deps.store.purgePlan({ cutoffMs: cutoffAt, ...retention.limits() });
        deps.log(`retention: purge now by ${held.session.by}: ${result.entriesDeleted} entries, ${result.overridesDeleted} overrides removed`);
        const outcome: PurgeOutcome = {
          at: retention.schedule.now(),
          cutoffAt: Math.max(0, cutoffAt),
          entriesDeleted: result.entriesDeleted,
          overridesDeleted: result.overridesDeleted,
          kept: {
            entriesKeptUnacknowledged: after.entriesKeptUnacknowledged,
            overridesKeptUnacknowledged: after.overridesKeptUnacknowledged,
            entriesKeptOutOfOrder: after.entriesKeptOutOfOrder,
          },
          oldestEntryAt: after.oldestEntryAtMs,
        };
        return ok(outcome);
      } catch (err) {
        const f = storeFailure(err, 'the purge failed');
        deps.log(`retention: purge now failed: ${f.message}`);
        return fail(f.reason, f.message);
      }
    },
  };
}
