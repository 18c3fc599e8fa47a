// What the console and the guard screen say about an admin session's end (docs/admin-console.md,
// "Session on screen"). No DOM here, so the words are unit-tested in Node.
import type { Translate } from '../i18n.js';

/** Why the console closed, for the notice on the guard screen. */
export type ConsoleEnd = 'closed' | 'idle' | 'replaced' | 'required' | 'cancelled';

/** "2 min" / "15 s" for a session's idle time. */
export function durationText(ms: number, t: Translate): string {
  const seconds = Math.round(ms / 1000);
  return seconds >= 60 && seconds % 60 === 0 ? t('duration.minutes', { n: seconds / 60 }) : t('duration.seconds', { n: seconds });
}

/** What the guard screen says when the console closed on its own; empty when the admin closed it. */
export function endNotice(why: ConsoleEnd, idleMs: number, t: Translate): string {
  switch (why) {
    case 'idle':
      return t('console.ended.idle', { duration: durationText(idleMs, t) });
    case 'replaced':
      return t('console.ended.replaced');
    case 'required':
      return t('console.ended.required');
    default:
      return '';
  }
}
