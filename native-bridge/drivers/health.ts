// Health of one device as the screen shows it (docs/door-passage.md "Device health"): connected, last good frame, errors by
// reason. Connection changes are reported at once; error counts at most every `throttleMs`, so a
// burst of line noise cannot flood core with events.
//
// A device is judged by what it answers, not by whether its port opens (docs/door-passage.md, device
// health): a device that polls (thermometer, ID card reader) and gives no frame that passes its
// checks within its period is faulty, with the last error it caused as the reason (a thermometer set
// to lu90614 but wired to a Modbus head times out on every query; one that answers garbage fails
// checksums). A port that is missing, or exists but cannot be opened (busy), is faulty too. Details
// are plain words about ports and frames: never personal data.
import { existsSync } from 'node:fs';
import type { DeviceReason } from '../../src/contract/reasons.js';
import type { DeviceHealth, DeviceKind } from '../../src/core/devices/types.js';
import { every, type Clock } from '../serial/clock.js';

/**
 * Errors (timeouts, bad frames) a polled device must have caused since its last valid frame before
 * its silence counts as a fault. Time alone is not evidence: a kiosk process that stalls (a busy
 * low-end box, a long start-up step) asks nothing for a while and then finds the period over, though
 * the device never failed to answer. A dead or misconfigured device fails every exchange, so it
 * reaches this count within its period anyway.
 */
export const FAILED_EXCHANGES_FOR_FAULT = 3;

export class HealthTracker {
  private state: Omit<DeviceHealth, 'fault' | 'detail'>;
  private timer: unknown = null;
  /** Period within which a polled device must give one valid frame; null: a passive device (scanner, relay). */
  private validWithinMs: number | null = null;
  private stopWatching: (() => void) | null = null;
  /** Called on every valid frame (applying a device change waits for one to prove the settings). */
  onGoodFrame: (() => void) | null = null;
  private readonly clock: Clock;
  /** Start of the current period: the port opening, or the last valid frame. */
  private periodStart = 0;
  /** The last error since the last valid frame (the reason a silent or garbled device is faulty). */
  private errorSinceValid: DeviceReason | null = null;
  private errorsSinceValid = 0;
  private silent: { reason: DeviceReason; detail: string } | null = null;
  /** Set when the device was stopped on purpose for a while (its port re-proven with new settings). */
  private pausedDetail: string | null = null;

  constructor(
    device: DeviceKind,
    port: string | null,
    private readonly publish: (health: DeviceHealth) => void,
    private readonly throttleMs = 250,
    private readonly now: () => number = Date.now,
    clock?: Clock,
  ) {
    // Without a clock: real timers, unref'd (health reporting never keeps a process alive).
    this.clock = clock ?? {
      now: this.now,
      setTimer: (ms, fn) => setTimeout(fn, ms).unref(),
      clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
    };
    if (clock) this.now = () => clock.now();
    this.state = { device, configured: port !== null, connected: false, port, lastGoodFrameAt: null, errors: {}, lastError: null };
  }

  /** Polled devices: faulty when no valid frame arrives within `ms` of the port opening or the last one. */
  expectValidFrameWithin(ms: number): void {
    this.validWithinMs = ms;
  }

  snapshot(): DeviceHealth {
    return { ...this.state, errors: { ...this.state.errors }, ...this.fault() };
  }

  private fault(): Pick<DeviceHealth, 'fault' | 'detail'> {
    const s = this.state;
    if (!s.configured || s.port === null) return { fault: null, detail: null };
    if (!s.connected) {
      if (this.pausedDetail !== null) return { fault: 'PORT_UNAVAILABLE', detail: this.pausedDetail.slice(-200) };
      // existsSync only: a stat of a device node, no open, so it never disturbs the port.
      if (!existsSync(s.port)) return { fault: 'PORT_UNAVAILABLE', detail: `port ${s.port} not found`.slice(-200) };
      if (s.errors.PORT_UNAVAILABLE) return { fault: 'PORT_UNAVAILABLE', detail: `port ${s.port} could not be opened (busy, or not a serial port)`.slice(-200) };
      // There and not refused: still opening (not a fault yet, though not usable either).
      return { fault: null, detail: `port ${s.port} opening`.slice(-200) };
    }
    if (this.silent) return { fault: this.silent.reason, detail: this.silent.detail };
    return { fault: null, detail: null };
  }

  setConnected(connected: boolean): void {
    if (this.state.connected === connected) return;
    this.state.connected = connected;
    this.silent = null;
    this.errorSinceValid = null;
    this.errorsSinceValid = 0;
    this.stopWatch();
    if (connected && this.validWithinMs !== null) {
      this.periodStart = this.now();
      const period = Math.max(20, Math.floor(this.validWithinMs / 4));
      this.stopWatching = every(this.clock, period, () => this.checkPeriod());
    }
    this.flush();
  }

  /**
   * The driver was stopped on purpose and gives nothing for a while (applying new settings on the
   * same port: one port, one user). Published at once as not working, so a passage never waits for
   * a reading it cannot get (docs/door-passage.md: a faulty device is not waited for).
   */
  pause(detail: string): void {
    this.state.connected = false;
    this.silent = null;
    this.pausedDetail = detail;
    this.stopWatch();
    this.flush();
  }

  goodFrame(): void {
    const now = this.now();
    this.state.lastGoodFrameAt = now;
    this.periodStart = now;
    this.errorSinceValid = null;
    this.errorsSinceValid = 0;
    this.onGoodFrame?.();
    if (this.silent) {
      this.silent = null;
      this.flush();
    }
  }

  error(reason: DeviceReason): void {
    this.state.errors[reason] = (this.state.errors[reason] ?? 0) + 1;
    this.state.lastError = reason;
    this.errorSinceValid = reason;
    this.errorsSinceValid++;
    if (this.timer === null) this.timer = this.clock.setTimer(this.throttleMs, () => this.flush());
  }

  /** Exposed for tests that drive time themselves; the watch calls it on its own. */
  checkPeriod(): void {
    if (!this.state.connected || this.validWithinMs === null || this.silent) return;
    const quietFor = this.now() - this.periodStart;
    if (quietFor <= this.validWithinMs) return;
    if (this.errorsSinceValid < FAILED_EXCHANGES_FOR_FAULT) return;
    const reason = this.errorSinceValid ?? 'FRAME_TIMEOUT';
    const what = this.errorSinceValid !== 'FRAME_TIMEOUT' ? `last error ${this.errorSinceValid}` : 'no reply';
    // Wrong protocol or wrong device is the usual cause; say so, since the port itself is fine.
    this.silent = { reason, detail: `no valid frame within ${this.validWithinMs} ms (${what}); check the device and its protocol setting` };
    this.flush();
  }

  flush(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.publish(this.snapshot());
  }

  private stopWatch(): void {
    this.stopWatching?.();
    this.stopWatching = null;
  }

  dispose(): void {
    if (this.timer !== null) this.clock.clearTimer(this.timer);
    this.timer = null;
    this.stopWatch();
  }
}
