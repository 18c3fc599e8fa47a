// Health of one device as the screen shows it (issue 4 §6): connected, last good frame, errors by
// reason. Connection changes are reported at once; error counts at most every `throttleMs`, so a
// burst of line noise cannot flood core with events.
import type { DeviceReason } from '../../src/contract/reasons.js';
import type { DeviceHealth, DeviceKind } from '../../src/core/devices/types.js';

export class HealthTracker {
  private state: DeviceHealth;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    device: DeviceKind,
    port: string | null,
    private readonly publish: (health: DeviceHealth) => void,
    private readonly throttleMs = 250,
  ) {
    this.state = { device, configured: port !== null, connected: false, port, lastGoodFrameAt: null, errors: {}, lastError: null };
  }

  snapshot(): DeviceHealth {
    return { ...this.state, errors: { ...this.state.errors } };
  }

  setConnected(connected: boolean): void {
    if (this.state.connected === connected) return;
    this.state.connected = connected;
    this.flush();
  }

  goodFrame(): void {
    this.state.lastGoodFrameAt = Date.now();
  }

  error(reason: DeviceReason): void {
    this.state.errors[reason] = (this.state.errors[reason] ?? 0) + 1;
    this.state.lastError = reason;
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.throttleMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.publish(this.snapshot());
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
