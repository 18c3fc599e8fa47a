// Time for drivers and links: core's Clock (src/core/checkpoint/clock.ts), injected so that unit tests
// drive reply timeouts, poll intervals and reconnects with a ManualClock instead of waiting.
import type { Clock } from '../../src/core/checkpoint/clock.js';

export type { Clock };

/**
 * The system clock for devices. Unlike core's systemClock its timers are not unref'd: a poll or a
 * reply timeout is the driver's work in progress (`kiosk devices test` waits on them), as the plain
 * setTimeout calls it replaces were.
 */
export const deviceClock: Clock = {
  now: () => Date.now(),
  setTimer: (ms, fn) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Runs `fn` every `ms` on `clock` until the returned function is called (setInterval on a Clock). */
export function every(clock: Clock, ms: number, fn: () => void): () => void {
  let handle: unknown = null;
  let stopped = false;
  const arm = () => {
    handle = clock.setTimer(ms, () => {
      if (stopped) return;
      arm();
      fn();
    });
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimer(handle);
  };
}
