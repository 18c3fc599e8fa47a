// Venue-local calendar days and hours, for statistics counted in the venue's wall clock
// (docs/admin-console.md, "Statistics"). The venue's zone is the kiosk's own, as for the guard
// screen's "today" (EntryStore.countsToday) and `kiosk log tail`. A local day runs from one local
// midnight to the next: 24 hours, or 23 / 25 on a daylight-saving change, which these functions get
// from the zone's rules (Intl) rather than by assuming 24.

const HOUR_MS = 3_600_000;
const formats = new Map<string, Intl.DateTimeFormat>();

function formatOf(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(timeZone, f);
  }
  return f;
}

/** The kiosk's own IANA zone (TZ, else the system's). */
export function kioskTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

export function isTimeZone(zone: string): boolean {
  try {
    formatOf(zone);
    return true;
  } catch {
    return false;
  }
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock in `timeZone` at instant `ms`. */
export function wallClock(ms: number, timeZone: string): WallClock {
  const p: Record<string, number> = {};
  for (const part of formatOf(timeZone).formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute!, second: p.second! };
}

/** The zone's offset from UTC at instant `ms` (ms; +8 h in Asia/Shanghai). */
export function offsetAt(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** `YYYY-MM-DD` of a wall clock. */
export function dateText(w: Pick<WallClock, 'year' | 'month' | 'day'>): string {
  return `${String(w.year).padStart(4, '0')}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** The local date (`YYYY-MM-DD`) of instant `ms`. */
export function localDate(ms: number, timeZone: string): string {
  return dateText(wallClock(ms, timeZone));
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a `YYYY-MM-DD` that names a real calendar day; null otherwise. */
export function parseDate(text: string): { year: number; month: number; day: number } | null {
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { year, month, day };
}

/**
 * The first instant of local day `date` in `timeZone` (its local midnight). Two passes find the
 * offset in force at that midnight even when the day before had another (DST); a zone that skips
 * midnight itself starts the day at the first instant that exists.
 */
export function localMidnight(date: { year: number; month: number; day: number }, timeZone: string): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day);
  let t = wall - offsetAt(wall, timeZone);
  t = wall - offsetAt(t, timeZone);
  const w = wallClock(t, timeZone);
  // Landed on the previous day (midnight does not exist that day): the gap is an hour.
  if (w.day !== date.day) t += HOUR_MS;
  return t;
}

/** The day after `date` (calendar arithmetic, no zone involved). */
export function nextDate(date: { year: number; month: number; day: number }): { year: number; month: number; day: number } {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + 1));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** Days from `from` to `to` inclusive (calendar arithmetic); 1 when equal, ≤ 0 when `to` is before. */
export function daysInclusive(from: { year: number; month: number; day: number }, to: { year: number; month: number; day: number }): number {
  return Math.round((Date.UTC(to.year, to.month - 1, to.day) - Date.UTC(from.year, from.month - 1, from.day)) / 86_400_000) + 1;
}

export interface LocalDay {
  date: string;
  /** Local midnight that starts it and the one that ends it (UTC ms). */
  startMs: number;
  endMs: number;
}

/** The local days from `from` to `to` inclusive, each with its bounds. */
export function localDays(from: { year: number; month: number; day: number }, to: { year: number; month: number; day: number }, timeZone: string): LocalDay[] {
  const out: LocalDay[] = [];
  let d = from;
  let start = localMidnight(d, timeZone);
  for (let i = 0, n = daysInclusive(from, to); i < n; i++) {
    const next = nextDate(d);
    const end = localMidnight(next, timeZone);
    out.push({ date: dateText(d), startMs: start, endMs: end });
    d = next;
    start = end;
  }
  return out;
}
