// Times for people reading the log at the venue: the venue's wall clock with its UTC offset, and
// UTC beside it, so a line can be matched with a guard's memory ("about ten past five") and with
// the collector's records (UTC) alike. The venue's time zone is the kiosk's own (it stands in the
// venue) unless the reader names another with --time-zone.

/** The kiosk's own IANA time zone (TZ, else the system's). */
export function kioskTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC';
}

/** Whether `zone` is an IANA time zone this Node knows (`Asia/Shanghai`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** `2026-11-21 17:00:05 +08:00`: the wall clock in `timeZone` and its offset from UTC at that moment. */
export function localTime(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(ms));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  // longOffset names the offset `GMT+08:00`, or plain `GMT` for UTC itself.
  const offset = part('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${offset}`;
}
