// An ISO 8601 date and time with its zone, as an operator types it on the command line (`kiosk
// export --from`, `kiosk collector trace --from`) or sends it to `POST /v1/trace`
// (docs/upload-protocol.md §8): one parser for both, so they accept and refuse the same times.

/** Date, time (seconds and fraction optional) and zone: Z, ±hh:mm or ±hhmm. No zone, no instant. */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The instant `value` names, in ms since the epoch; null if it is not an ISO 8601 date and time with
 * its zone, or its date does not exist (Date.parse rolls 2026-11-31 over to 12-01 instead).
 */
export function parseIsoInstant(value: string): number | null {
  const iso = ISO_INSTANT.exec(value);
  if (!iso) return null;
  const [y, m, d] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  const day = new Date(Date.UTC(y, m - 1, d));
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return null;
  return ms;
}
