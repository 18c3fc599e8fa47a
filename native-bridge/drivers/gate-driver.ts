// Gate relay driver (devices spec §4): "pulse relay N for T ms" is the one operation. LCUS boards
// never reply, so the driver cannot confirm the gate moved; it reports the gate unavailable when its
// port is gone. The `none` driver serves venues without a gate.
import type { GateConfig } from '../../src/core/devices/config.js';
import type { GatePulseResult } from '../../src/core/devices/types.js';
import { encodeRelayCommand } from '../gate/codec.js';
import type { DeviceLink } from '../serial/device-link.js';
import { deviceClock, type Clock } from '../serial/clock.js';
import type { DriverOptions, DriverSink } from './sink.js';

export interface GateDriver {
  pulse(options?: { relay?: number; ms?: number }): Promise<GatePulseResult>;
  stop(): Promise<void>;
}

export class NoGateDriver implements GateDriver {
  async pulse(options: { relay?: number; ms?: number } = {}): Promise<GatePulseResult> {
    return { ok: true, driver: 'none', relay: options.relay ?? 0, ms: 0 };
  }
  async stop(): Promise<void> {}
}

export class LcusGateDriver implements GateDriver {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unlisten: () => void;
  private pulseTimer: { timer: unknown; done: () => void } | null = null;
  private readonly clock: Clock;
  private readonly health: DriverSink['health'];

  constructor(
    private readonly link: DeviceLink,
    private readonly config: Extract<GateConfig, { driver: 'lcus' }>,
    private readonly sink: Pick<DriverSink, 'health' | 'frame'>,
    options: DriverOptions = {},
  ) {
    this.clock = options.clock ?? deviceClock;
    const health = (this.health = sink.health);
    this.unlisten = link.listen({
      onOpen: () => health.setConnected(true),
      onClose: () => health.setConnected(false),
      onError: (reason) => health.error(reason),
    });
  }

  /** Closes the relay, waits, opens it. Pulses queue: one gate, one pulse at a time. */
  pulse(options: { relay?: number; ms?: number } = {}): Promise<GatePulseResult> {
    const relay = options.relay ?? this.config.relay;
    const ms = options.ms ?? this.config.pulseMs;
    const run = async (): Promise<GatePulseResult> => {
      if (!this.link.connected) {
        this.health.error('GATE_UNAVAILABLE');
        return { ok: false, reason: 'GATE_UNAVAILABLE' };
      }
      try {
        this.sink.frame?.('tx', encodeRelayCommand(relay, true), `relay ${relay} on (close contact for ${ms} ms)`);
        await this.link.write(encodeRelayCommand(relay, true));
        await new Promise<void>((resolve) => {
          const done = () => {
            this.pulseTimer = null;
            resolve();
          };
          this.pulseTimer = { timer: this.clock.setTimer(ms, done), done };
        });
      } catch {
        this.health.error('GATE_UNAVAILABLE');
        return { ok: false, reason: 'GATE_UNAVAILABLE' };
      } finally {
        // Always try to open the contact again, even if the wait was cut short: a stuck-closed relay
        // would leave the door open.
        this.sink.frame?.('tx', encodeRelayCommand(relay, false), `relay ${relay} off (open contact)`);
        await this.link.write(encodeRelayCommand(relay, false)).catch(() => {});
      }
      this.health.goodFrame();
      return { ok: true, driver: 'lcus', relay, ms };
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  async stop(): Promise<void> {
    if (this.pulseTimer) {
      this.clock.clearTimer(this.pulseTimer.timer);
      this.pulseTimer.done();
    }
    await this.queue;
    this.unlisten();
  }
}
