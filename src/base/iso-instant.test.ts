// The one reading of an ISO 8601 date and time with its zone, shared by the CLI's --from/--to and
// POST /v1/trace (docs/upload-protocol.md §8).
import { describe, expect, it } from 'vitest';
import { parseIsoInstant } from './iso-instant.js';

describe('parseIsoInstant', () => {
  it('reads a date and time with Z, ±hh:mm or ±hhmm as the instant it names', () => {
    const instant = Date.UTC(2026, 10, 1, 0, 0, 0);
    expect(['2026-11-01T00:00:00Z', '2026-11-01T08:00:00+08:00', '2026-11-01T08:00+0800', '2026-10-31T19:00:00.000-05:00'].map(parseIsoInstant)).toEqual(Array(4).fill(instant));
    expect(parseIsoInstant('2024-02-29T12:00:00.5Z')).toBe(Date.UTC(2024, 1, 29, 12, 0, 0, 500));
  });

  it('refuses a time without its zone, a bare day, and a date that does not exist (Date.parse would roll it over)', () => {
    for (const value of ['2026-11-01T08:00:00', '2026-11-01', '2026-11-31T00:00:00Z', '2026-02-29T00:00Z', '2026-13-01T00:00Z', '2026-11-01T25:00Z', '01/11/2026 08:00Z', '']) {
      expect([value, parseIsoInstant(value)]).toEqual([value, null]);
    }
  });
});
