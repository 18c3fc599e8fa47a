// The statistics screen (docs/admin-console.md, "Statistics"): entries per hour and per day,
// decisions by reason, admitted / denied / review per day, temperatures, methods and provinces for
// up to 90 venue-local days, read from the entry log's hourly roll-ups (core/store/statistics.ts).
// Counts only: nothing is decrypted and no personal data leaves the store. Days are the venue's, in
// the kiosk's own time zone, as the guard screen's "today" and `kiosk log tail` count them.
import { fail, ok, MAX_STATISTICS_DAYS, type KioskService, type Statistics } from '../../contract/api.js';
import { ALL_REASONS, type Reason } from '../../contract/reasons.js';
import { StoreError } from '../store/errors.js';
import { kioskTimeZone } from '../store/local-days.js';
import type { AdminDeps } from './deps.js';

const KNOWN_REASONS = new Set<string>(ALL_REASONS);

export function statisticsMethods(deps: AdminDeps, timeZone: () => string = kioskTimeZone): Pick<KioskService, 'getStatistics'> {
  return {
    async getStatistics(request, context) {
      const held = deps.sessions.require(request.session, context, 'statistics');
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      try {
        const s = deps.store.statistics({ from: request.from, to: request.to, timeZone: timeZone() });
        const view: Statistics = {
          ...s,
          timeZone: s.timeZone.slice(0, 64),
          // A reason code a newer kiosk wrote that this one does not know is left out, not sent as garbage.
          reasons: s.reasons.filter((r): r is { reason: Reason; count: number } => KNOWN_REASONS.has(r.reason)).slice(0, 256),
          provinces: s.provinces.map((p) => ({ code: p.code === null ? null : p.code.slice(0, 16), count: p.count })).slice(0, 256),
        };
        return ok(view);
      } catch (err) {
        if (err instanceof StoreError && err.reason === 'BAD_REQUEST') {
          return fail('BAD_REQUEST', `${err.message} (a range is 1 to ${MAX_STATISTICS_DAYS} days, from ≤ to)`.slice(0, 500));
        }
        if (err instanceof StoreError) return fail(err.reason, `statistics could not be read: ${err.message}`.slice(0, 500));
        return fail('STORAGE_UNAVAILABLE', `statistics could not be read (${(err as Error).name})`);
      }
    },
  };
}
