// Thermometer driver (devices spec §2): polls the configured protocol, applies the calibration
// offset, and reports a temperature only once readings are stable (the median of the last N
// readings whose spread is within tolerance). A stable value outside the plausible body range is
// reported as invalid (THERMO_OUT_OF_RANGE), never as a temperature.
//
// A stable value is reported once and then holds while the sensor keeps confirming it (the kiosk
// keeps it as the person's reading however long they stand there). When the sensor stops answering
// (a reply timeout, a silent stream, the port going away) the driver says so with an invalid reading
// (FRAME_TIMEOUT / PORT_UNAVAILABLE), so the kiosk drops a reading nobody confirms any more, and the
// same value is reported afresh once the sensor answers again (docs/door-passage.md).
import type { DeviceReason } from '../../src/contract/reasons.js';
import type { ThermometerConfig } from '../../src/core/devices/config.js';
import type { DeviceEvent, TemperatureReading } from '../../src/core/devices/types.js';
import { createThermometerCodec, type ThermometerCodec } from '../thermometer/codec.js';
import type { SerialLink } from '../serial/link.js';
import type { HealthTracker } from './health.js';

/** Stable-reading rule: the median once the last `samples` readings lie within `spread` of each other. */
export class StableReadingFilter {
  private window: number[] = [];

  constructor(
    private readonly samples: number,
    private readonly spread: number,
  ) {}

  reset(): void {
    this.window = [];
  }

  /** Adds a reading; returns the stable value, or null while readings still move. */
  add(celsius: number): number | null {
    this.window.push(celsius);
    if (this.window.length > this.samples) this.window.shift();
    if (this.window.length < this.samples) return null;
    const sorted = [...this.window].sort((a, b) => a - b);
    if (sorted[sorted.length - 1]! - sorted[0]! > this.spread + 1e-9) return null;
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return Math.round(median * 100) / 100;
  }
}

/** Calibration and plausibility for one stable value. */
export function classifyReading(config: Pick<ThermometerConfig, 'minC' | 'maxC' | 'offsetC'>, sensorC: number, samples: number): TemperatureReading {
  const celsius = Math.round((sensorC + config.offsetC) * 100) / 100;
  if (!(celsius >= config.minC && celsius <= config.maxC)) return { valid: false, reason: 'THERMO_OUT_OF_RANGE', rawCelsius: celsius };
  return { valid: true, celsius, rawCelsius: sensorC, samples };
}

/** Replies missed in a row after which the last reading is no longer this person's (see poll). */
export const MISSED_REPLIES_STOPPED = 2;

export class ThermometerDriver {
  private readonly codec: ThermometerCodec;
  private readonly filter: StableReadingFilter;
  private running = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private replyTimer: NodeJS.Timeout | null = null;
  private streamWatch: NodeJS.Timeout | null = null;
  private lastReadingAt = 0;
  private streamSilent = false;
  private lastReported: TemperatureReading | null = null;
  /** Queries in a row that got no reply (reset by any frame that passes its checks). */
  private missedReplies = 0;
  private waiters: Array<(r: TemperatureReading) => void> = [];
  private readonly unlisten: () => void;
  /** Raw readings seen (tests). */
  readings = 0;

  constructor(
    private readonly link: SerialLink,
    private readonly config: ThermometerConfig,
    private readonly sink: { emit(event: DeviceEvent): void; health: HealthTracker },
  ) {
    this.filter = new StableReadingFilter(config.stableSamples, config.stableSpreadC);
    this.codec = createThermometerCodec(config.protocol, {
      onReading: (c) => this.onReading(c),
      onError: (reason) => this.onCodecError(reason),
    });
    this.unlisten = link.listen({
      onData: (bytes) => this.codec.push(bytes),
      onOpen: () => {
        this.sink.health.setConnected(true);
        this.lastReadingAt = Date.now();
        if (this.codec.setup) void this.link.write(this.codec.setup).catch(() => {});
      },
      onClose: () => {
        this.sink.health.setConnected(false);
        this.codec.reset();
        this.filter.reset();
        this.stoppedAnswering('PORT_UNAVAILABLE');
      },
      onError: (reason) => this.sink.health.error(reason),
    });
  }

  get peakBuffered(): number {
    return this.codec.peakBuffered;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.link.connected && this.codec.setup) void this.link.write(this.codec.setup).catch(() => {});
    this.schedulePoll(0);
    if (this.codec.query === null) {
      this.lastReadingAt = Date.now();
      this.streamWatch = setInterval(() => this.checkStream(), Math.min(this.config.streamTimeoutMs, 250));
    }
  }

  /** Streaming modules have no reply to time out: silence longer than streamTimeoutMs is the timeout. */
  private checkStream(): void {
    if (!this.link.connected || this.streamSilent) return;
    if (Date.now() - this.lastReadingAt < this.config.streamTimeoutMs) return;
    this.streamSilent = true;
    this.codec.reset();
    this.filter.reset();
    this.sink.health.error('FRAME_TIMEOUT');
    this.stoppedAnswering('FRAME_TIMEOUT');
  }

  /** The value last reported is no longer confirmed: report that once, and report the next stable value afresh. */
  private stoppedAnswering(reason: 'FRAME_TIMEOUT' | 'PORT_UNAVAILABLE'): void {
    if (this.lastReported === null) return;
    this.lastReported = null;
    this.sink.emit({ type: 'temperature', at: Date.now(), reading: { valid: false, reason, rawCelsius: null } });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.replyTimer) clearTimeout(this.replyTimer);
    if (this.streamWatch) clearInterval(this.streamWatch);
    this.unlisten();
    for (const w of this.waiters.splice(0)) w({ valid: false, reason: 'THERMO_NO_STABLE_READING', rawCelsius: null });
  }

  /** The next stable reading (even if unchanged), or why there is none within `timeoutMs`. */
  nextReading(timeoutMs = 3000): Promise<TemperatureReading> {
    if (!this.link.connected) return Promise.resolve({ valid: false, reason: 'PORT_UNAVAILABLE', rawCelsius: null });
    return new Promise((resolve) => {
      const waiter = (r: TemperatureReading) => {
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve({ valid: false, reason: this.link.connected ? 'THERMO_NO_STABLE_READING' : 'PORT_UNAVAILABLE', rawCelsius: null });
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  private schedulePoll(delay: number): void {
    if (!this.running || this.codec.query === null) return;
    this.pollTimer = setTimeout(() => this.poll(), delay);
  }

  private poll(): void {
    if (!this.running) return;
    const query = this.codec.query;
    if (!query) return;
    // One query at a time: while a reply is awaited the poll is skipped, so the reply timeout can
    // expire however short the poll interval is.
    if (this.link.connected && !this.replyTimer) {
      this.link.write(query).catch(() => {});
      this.replyTimer = setTimeout(() => {
        this.replyTimer = null;
        // No reply: a half frame must not join the next reply, and old readings are not "stable" any more.
        this.codec.reset();
        this.filter.reset();
        this.sink.health.error('FRAME_TIMEOUT');
        // One lost reply is line noise or a kiosk that stalled past the timeout; the person is still
        // there. Two in a row (a second of silence at the defaults) is a sensor that stopped answering.
        this.missedReplies++;
        if (this.missedReplies >= MISSED_REPLIES_STOPPED) this.stoppedAnswering('FRAME_TIMEOUT');
      }, this.config.replyTimeoutMs);
    }
    this.schedulePoll(this.config.pollIntervalMs);
  }

  private onCodecError(reason: DeviceReason): void {
    this.sink.health.error(reason);
    if (reason === 'THERMO_MODBUS_EXCEPTION' || reason === 'THERMO_UNPARSEABLE') {
      if (this.replyTimer) clearTimeout(this.replyTimer);
      this.replyTimer = null;
    }
  }

  private onReading(sensorC: number): void {
    this.readings++;
    this.missedReplies = 0;
    this.lastReadingAt = Date.now();
    this.streamSilent = false;
    this.sink.health.goodFrame();
    if (this.replyTimer) clearTimeout(this.replyTimer);
    this.replyTimer = null;
    const stable = this.filter.add(sensorC);
    if (stable === null) return;
    const reading = classifyReading(this.config, stable, this.config.stableSamples);
    for (const w of this.waiters.splice(0)) w(reading);
    if (this.changed(reading)) {
      this.lastReported = reading;
      this.sink.emit({ type: 'temperature', at: Date.now(), reading });
    }
  }

  /** Reports a stable value once, and again only when it moves by more than the spread or changes validity. */
  private changed(reading: TemperatureReading): boolean {
    const last = this.lastReported;
    if (!last || last.valid !== reading.valid) return true;
    const a = last.valid ? last.celsius : last.rawCelsius;
    const b = reading.valid ? reading.celsius : reading.rawCelsius;
    if (a === null || b === null) return true;
    return Math.abs(a - b) > this.config.stableSpreadC;
  }
}
