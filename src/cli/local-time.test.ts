import { describe, expect, it } from 'vitest';
import { isTimeZone, localTime } from './local-time.js';

describe('local time', () => {
  const at = Date.UTC(2026, 10, 21, 9, 0, 5);
  it('is the wall clock in the zone with its offset at that moment', () => {
    expect(localTime(at, 'Asia/Shanghai')).toBe('2026-11-21 17:00:05 +08:00');
    expect(localTime(at, 'UTC')).toBe('2026-11-21 09:00:05 +00:00');
    expect(localTime(at, 'America/New_York')).toBe('2026-11-21 04:00:05 -05:00');
    // Summer time moves the offset with the date.
    expect(localTime(Date.UTC(2026, 6, 1, 12, 0, 0), 'America/New_York')).toBe('2026-07-01 08:00:00 -04:00');
    // Midnight is 00, never 24.
    expect(localTime(Date.UTC(2026, 10, 21, 16, 0, 0), 'Asia/Shanghai')).toBe('2026-11-22 00:00:00 +08:00');
  });
  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
