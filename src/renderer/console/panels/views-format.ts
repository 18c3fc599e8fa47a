// Small formatting helpers the trust, retention and audit panels share: times on this screen's
// clock in the kiosk's local time, sizes, and a fingerprint cut into groups of four hex digits so
// an admin can read it out over the phone against the root the province published.

const pad = (n: number) => String(n).padStart(2, '0');

/** `2026-11-21 17:00` in the screen's local time (the kiosk's own zone). */
export function localTime(ms: number | null): string {
  if (ms === null) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** `ab12 cd34 …`: 64 hex digits in 16 groups of 4. */
export function fingerprintGroups(hex: string): string {
  return (hex.match(/.{1,4}/g) ?? []).join(' ');
}

export function byteSize(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Local midnight at the start of a `YYYY-MM-DD` date input's day, or undefined when empty. */
export function dayStart(value: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() : undefined;
}

/** The last millisecond of a `YYYY-MM-DD` date input's day, or undefined when empty. */
export function dayEnd(value: string): number | undefined {
  const start = dayStart(value);
  if (start === undefined) return undefined;
  const d = new Date(start);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime() - 1;
}
