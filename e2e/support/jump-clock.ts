// A clock for end-to-end runs of the real composed kiosk where time must pass faster than it does:
// core's injected clock (src/core/checkpoint/clock.ts) reads the system clock moved forward by
// `offsetMs`, while its timers stay real, so the kiosk's ticks run as they would on a kiosk and a
// test can still make days go by (retention, list freshness) without waiting for them.
import { systemClock, type Clock } from '../../src/core/checkpoint/clock.js';

/** The system clock moved forward by `offsetMs`: timers stay real, so the kiosk runs as it would. */
export class JumpClock implements Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  setTimer(ms: number, fn: () => void): unknown {
    return systemClock.setTimer(ms, fn);
  }
  clearTimer(handle: unknown): void {
    systemClock.clearTimer(handle);
  }
}
