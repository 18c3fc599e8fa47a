// The admin's statistics, read from the hourly roll-ups (migration 004) instead of the entries, so
// any view over up to 90 days answers in milliseconds with a million entries in the log
// (docs/admin-console.md, "Statistics"). Days and hours are the venue's local ones (local-days.ts):
// a local day is the UTC hours between its two local midnights, which is why the counters are kept
// per UTC hour. Nothing here decrypts anything: the counters hold no personal data.
import type Database from 'better-sqlite3';
import { MAX_STATISTICS_DAYS } from '../../contract/api.js';
import { StoreError } from './errors.js';
import { daysInclusive, kioskTimeZone, isTimeZone, localDays, parseDate, wallClock } from './local-days.js';

const HOUR_MS = 3_600_000;
/** The longest range one call may ask for, in local days (the contract's limit). */
export { MAX_STATISTICS_DAYS };
/** The temperature histogram's bins: tenths of °C, inclusive (35.0 … 42.0 °C). */
export const TEMPERATURE_BIN_LOW = 350;
export const TEMPERATURE_BIN_HIGH = 420;

/**
 * The roll-ups' temperature key of a value (°C), the rule of migration 004's SQL: tenths rounded half
 * up, 'under' / 'over' outside the bins, '' when none was measured.
 */
export function temperatureKey(temperatureC: number | null): string {
  if (temperatureC === null) return '';
  const tenths = Math.round(temperatureC * 10);
  if (tenths < TEMPERATURE_BIN_LOW) return 'under';
  if (tenths > TEMPERATURE_BIN_HIGH) return 'over';
  return String(tenths);
}

export interface DecisionCounts {
  admit: number;
  deny: number;
  review: number;
}

export interface StatisticsRange {
  /** First and last local day, inclusive (`YYYY-MM-DD`). */
  from: string;
  to: string;
  /** IANA zone of the venue; defaults to the kiosk's own. */
  timeZone?: string;
}

export interface EntryStatistics {
  from: string;
  to: string;
  timeZone: string;
  /** Entries in the range. */
  total: number;
  /**
   * Every local hour of the range, in order, as parallel arrays (a 90-day range is ~2,200 hours: the
   * answer stays small): hour i starts at `firstAt + i` hours (UTC ms), reads `hourOfDay[i]` on the
   * venue's wall clock (a DST day repeats or skips one) and holds `total[i]` entries.
   */
  hours: { firstAt: number; hourOfDay: number[]; total: number[] };
  /** Every local day: entries by final outcome, and by the kiosk's own decision. */
  days: Array<{ date: string; total: number; final: DecisionCounts; kiosk: DecisionCounts }>;
  decisions: { final: DecisionCounts; kiosk: DecisionCounts };
  /** The kiosk's reason codes for deny and review, most frequent first. */
  reasons: Array<{ reason: string; count: number }>;
  methods: { code: number; card: number; both: number };
  /**
   * Who issued the code, most frequent first: a GB/T 2260 province (six digits), an EU certificate's
   * country (ISO 3166-1 alpha-2; `EU`: an EU certificate that did not verify), `''`: a code whose
   * issuer was not verified (a forged PHC1 code), `null`: no code, a card alone.
   */
  provinces: Array<{ code: string | null; count: number }>;
  /** Histogram in tenths of °C (every bin from 35.0 to 42.0, zeros included) and the rest. */
  temperature: { bins: Array<{ tenths: number; count: number }>; under: number; over: number; none: number };
}

function badRequest(message: string): StoreError {
  return new StoreError('BAD_REQUEST', 'INVALID_ENTRY', message);
}

const zero = (): DecisionCounts => ({ admit: 0, deny: 0, review: 0 });

function prepare(db: Database.Database) {
  return {
    // Outcomes per hour (the charts by hour and the counts per local day): one row per hour.
    outcomes: db.prepare('SELECT hour, admit, deny, review, final_admit, final_deny, final_review FROM rollup_hours WHERE hour >= ? AND hour < ?').raw(true),
    // Range totals: whole UTC days from the daily counters, the hours at both edges from the hourly ones.
    totals: db
      .prepare(
        `SELECT dim, key, sum(n) FROM (
           SELECT dim, key, n FROM entry_rollups_daily WHERE day >= ? AND day < ?
           UNION ALL SELECT dim, key, n FROM entry_rollups WHERE hour >= ? AND hour < ?
           UNION ALL SELECT dim, key, n FROM entry_rollups WHERE hour >= ? AND hour < ?
         ) GROUP BY dim, key`,
      )
      .raw(true),
  };
}

const statements = new WeakMap<Database.Database, ReturnType<typeof prepare>>();

/**
 * Statistics for local days `from`…`to` (at most MAX_STATISTICS_DAYS). Throws StoreError BAD_REQUEST
 * for a malformed or reversed range, one too long, or an unknown zone.
 */
export function readStatistics(db: Database.Database, range: StatisticsRange): EntryStatistics {
  const timeZone = range.timeZone ?? kioskTimeZone();
  if (!isTimeZone(timeZone)) throw badRequest('statistics: unknown time zone');
  const from = parseDate(range.from);
  const to = parseDate(range.to);
  if (!from || !to) throw badRequest('statistics: from and to must be calendar days, YYYY-MM-DD');
  const span = daysInclusive(from, to);
  if (span < 1) throw badRequest('statistics: to is before from');
  if (span > MAX_STATISTICS_DAYS) throw badRequest(`statistics: at most ${MAX_STATISTICS_DAYS} days at once (asked for ${span})`);

  let stmt = statements.get(db);
  if (!stmt) statements.set(db, (stmt = prepare(db)));
  const days = localDays(from, to, timeZone);
  // UTC hours covering the range; exact at both ends in zones with whole-hour offsets.
  const firstHour = Math.floor(days[0]!.startMs / HOUR_MS);
  const endHour = Math.ceil(days[days.length - 1]!.endMs / HOUR_MS);

  const out: EntryStatistics = {
    from: days[0]!.date,
    to: days[days.length - 1]!.date,
    timeZone,
    total: 0,
    hours: { firstAt: days[0]!.startMs, hourOfDay: [], total: [] },
    days: [],
    decisions: { final: zero(), kiosk: zero() },
    reasons: [],
    methods: { code: 0, card: 0, both: 0 },
    provinces: [],
    temperature: { bins: [], under: 0, over: 0, none: 0 },
  };

  // Every hour of every day, labelled with the local wall clock. A day without a DST change is
  // labelled by arithmetic from its midnight; a day with one asks the zone hour by hour.
  const hourIndex = new Map<number, number>();
  const dayOfHour: number[] = [];
  days.forEach((d, di) => {
    out.days.push({ date: d.date, total: 0, final: zero(), kiosk: zero() });
    const n = Math.round((d.endMs - d.startMs) / HOUR_MS);
    for (let i = 0; i < n; i++) {
      const at = d.startMs + i * HOUR_MS;
      hourIndex.set(Math.floor(at / HOUR_MS), out.hours.total.length);
      dayOfHour.push(di);
      out.hours.hourOfDay.push(n === 24 ? i : wallClock(at, timeZone).hour);
      out.hours.total.push(0);
    }
  });

  for (const [hour, admit, deny, review, finalAdmit, finalDeny, finalReview] of stmt.outcomes.all(firstHour, endHour) as number[][]) {
    const i = hourIndex.get(hour!);
    if (i === undefined) continue; // a part hour at the edge of a zone with a fractional offset
    const day = out.days[dayOfHour[i]!]!;
    const kiosk = { admit: admit!, deny: deny!, review: review! };
    const final = { admit: finalAdmit!, deny: finalDeny!, review: finalReview! };
    const n = final.admit + final.deny + final.review;
    out.hours.total[i]! += n;
    day.total += n;
    out.total += n;
    for (const d of ['admit', 'deny', 'review'] as const) {
      day.final[d] += final[d];
      day.kiosk[d] += kiosk[d];
      out.decisions.final[d] += final[d];
      out.decisions.kiosk[d] += kiosk[d];
    }
  }

  // Whole UTC days inside the range come from the daily counters; the edge hours from the hourly.
  const firstDay = Math.ceil(firstHour / 24);
  const endDay = Math.floor(endHour / 24);
  const totalsArgs = endDay > firstDay ? [firstDay, endDay, firstHour, firstDay * 24, endDay * 24, endHour] : [0, 0, firstHour, endHour, 0, 0];
  const bins = new Map<number, number>();
  for (const [dim, key, n] of stmt.totals.all(...totalsArgs) as Array<[string, string, number]>) {
    if (n === 0) continue;
    if (dim === 'reason') {
      if (key !== '') out.reasons.push({ reason: key, count: n });
    } else if (dim === 'method') {
      if (key === 'code' || key === 'card' || key === 'both') out.methods[key] += n;
    } else if (dim === 'province') {
      out.provinces.push({ code: key === '' ? null : key, count: n });
    } else if (key === '') out.temperature.none += n;
    else if (key === 'under') out.temperature.under += n;
    else if (key === 'over') out.temperature.over += n;
    else bins.set(Number(key), (bins.get(Number(key)) ?? 0) + n);
  }
  // The roll-ups key every entry without a verified issuer as '' (migration 004): a card alone AND a
  // code that did not verify. The card-alone ones are exactly the entries of method `card` (a card
  // alone never has an issuer), so the rest are codes, counted as codes and never as "ID card alone".
  const noIssuer = out.provinces.findIndex((p) => p.code === null);
  if (noIssuer >= 0) {
    const all = out.provinces[noIssuer]!.count;
    const unverified = all - out.methods.card;
    out.provinces.splice(noIssuer, 1);
    if (out.methods.card > 0) out.provinces.push({ code: null, count: Math.min(all, out.methods.card) });
    if (unverified > 0) out.provinces.push({ code: '', count: unverified });
  }
  for (let t = TEMPERATURE_BIN_LOW; t <= TEMPERATURE_BIN_HIGH; t++) out.temperature.bins.push({ tenths: t, count: bins.get(t) ?? 0 });
  const byCount = <T extends { count: number }>(a: T, b: T) => b.count - a.count;
  out.reasons.sort((a, b) => byCount(a, b) || a.reason.localeCompare(b.reason));
  out.provinces.sort((a, b) => byCount(a, b) || String(a.code).localeCompare(String(b.code)));
  return out;
}
