// A refused PIN in words, for the guard's review PIN (main.ts) and the admin console's PIN form.
// While the gate is closed after too many wrong PINs even the right PIN is refused, so the screen
// says "locked, try again in N s" rather than "not authorised" (docs/security.md, "Admin PIN").
import type { Failure } from '../contract/api.js';
import type { Translate } from './i18n.js';

/** Whole seconds left of `retryInMs` counted from `receivedAt` on the screen's clock, at least 1 while any is left. */
export function secondsToWait(failure: Failure, receivedAt: number, now: number): number | null {
  if (failure.retryInMs === undefined) return null;
  const left = receivedAt + failure.retryInMs - now;
  return left <= 0 ? 0 : Math.ceil(left / 1000);
}

export function pinFailureText(failure: Failure, t: Translate, receivedAt = 0, now = 0): string {
  const waited = secondsToWait(failure, receivedAt, now);
  const seconds = waited === null ? null : Math.max(1, waited);
  if (failure.reason === 'PIN_LOCKED' && seconds !== null) return t('pin.locked', { seconds });
  if (failure.reason === 'UNAUTHORIZED' && seconds !== null) return t('pin.wrongLocked', { seconds });
  return `${t(`reason.${failure.reason}`)} (${failure.reason})`;
}

/**
 * The admin PIN form's wording: a plain wrong PIN is "wrong PIN"; a lock says for how long, counted
 * down live from `retryInMs` (receivedAt/now on the screen's clock); once the wait is over, the lock
 * line is gone. Other refusals in words with their code.
 */
export function adminPinText(failure: Failure, t: Translate, receivedAt: number, now: number): string {
  const waited = secondsToWait(failure, receivedAt, now);
  if (failure.reason === 'UNAUTHORIZED' && (waited === null || waited === 0)) return t('console.wrongPin');
  if (failure.reason === 'PIN_LOCKED' && waited === 0) return '';
  return pinFailureText(failure, t, receivedAt, now);
}
