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
import type { ThermometerConfig, ThermometerProtocol } from '../../src/core/devices/config.js';
import type { TemperatureReading } from '../../src/core/devices/types.js';
import { createThermometerCodec, type ThermometerCodec } from '../thermometer/codec.js';
import type { DeviceLink } from '../serial/device-link.js';
import { deviceClock, every, type Clock } from '../serial/clock.js';
import { errorWords, type DriverOptions, type DriverSink } from './sink.js';

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

/** Site calibration: corrected = raw × gain + offsetC (gain 1 when only an offset is set), to 0.01 °C. */
export function calibrate(config: Pick<ThermometerConfig, 'offsetC'> & { gain?: number }, sensorC: number): number {
  return Math.round((sensorC * (config.gain ?? 1) + config.offsetC) * 100) / 100;
}

/**
 * Calibration and plausibility for one stable value. The range applies to the corrected value; an
 * out-of-range reading still carries both (raw and corrected), so a calibration screen can show them.
 */
export function classifyReading(config: Pick<ThermometerConfig, 'minC' | 'maxC' | 'offsetC'> & { gain?: number }, sensorC: number, samples: number): TemperatureReading {
  const celsius = calibrate(config, sensorC);
  if (!(celsius >= config.minC && celsius <= config.maxC)) return { valid: false, reason: 'THERMO_OUT_OF_RANGE', rawCelsius: sensorC, celsius };
  return { valid: true, celsius, rawCelsius: sensorC, samples };
}

/** What a command to the sensor means, in the protocol's words (the frame log). */
export function describeThermometerCommand(protocol: ThermometerProtocol, kind: 'setup' | 'query'): string {
  switch (protocol.name) {
    case 'modbus-rtu':
      return `Modbus read ${protocol.count} reg @${protocol.register} fn ${protocol.function} addr ${protocol.address}`;
    case 'gy-mcu90614':
      return kind === 'setup' ? 'GY-MCU90614 start continuous output' : 'GY-MCU90614 query';
    case 'lu90614':
      return kind === 'setup' ? 'LU90614 body mode' : 'LU90614 measure';
    case 'ascii-line':
      return `query ${JSON.stringify(protocol.query ?? '')}`;
  }
}

/** Replies missed in a row after which the last reading is no longer this person's (see poll). */
export const MISSED_REPLIES_STOPPED = 2;

export class ThermometerDriver {
  private readonly codec: ThermometerCodec;
  private readonly filter: StableReadingFilter;
  private running = false;
  private pollTimer: unknown = null;
  private replyTimer: unknown = null;
  private stopStreamWatch: (() => void) | null = null;
  private readonly clock: Clock;
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
    private readonly link: DeviceLink,
    private readonly config: ThermometerConfig,
    private readonly sink: DriverSink,
    options: DriverOptions = {},
  ) {
    this.clock = options.clock ?? deviceClock;
    this.filter = new StableReadingFilter(config.stableSamples, config.stableSpreadC);
    this.codec = createThermometerCodec(config.protocol, {
      onReading: (c, frame) => this.onReading(c, frame),
      onError: (reason, discarded, bytes) => this.onCodecError(reason, discarded, bytes),
    });
    this.unlisten = link.listen({
      onData: (bytes) => this.codec.push(bytes),
      onOpen: () => {
        this.sink.health.setConnected(true);
        this.lastReadingAt = this.clock.now();
        this.sendSetup();
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

  private sendSetup(): void {
    if (!this.codec.setup) return;
    this.sink.frame?.('tx', this.codec.setup, describeThermometerCommand(this.config.protocol, 'setup'));
    void this.link.write(this.codec.setup).catch(() => {});
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.link.connected) this.sendSetup();
    this.schedulePoll(0);
    if (this.codec.query === null) {
      this.lastReadingAt = this.clock.now();
      this.stopStreamWatch = every(this.clock, Math.min(this.config.streamTimeoutMs, 250), () => this.checkStream());
    }
  }

  /** Streaming modules have no reply to time out: silence longer than streamTimeoutMs is the timeout. */
  private checkStream(): void {
    if (!this.link.connected || this.streamSilent) return;
    if (this.clock.now() - this.lastReadingAt < this.config.streamTimeoutMs) return;
    this.streamSilent = true;
    this.codec.reset();
    this.filter.reset();
    this.sink.health.error('FRAME_TIMEOUT');
    this.sink.frame?.('rx', null, `timeout: stream silent for ${this.config.streamTimeoutMs} ms`, 'FRAME_TIMEOUT');
    this.stoppedAnswering('FRAME_TIMEOUT');
  }

  /** The value last reported is no longer confirmed: report that once, and report the next stable value afresh. */
  private stoppedAnswering(reason: 'FRAME_TIMEOUT' | 'PORT_UNAVAILABLE'): void {
    if (this.lastReported === null) return;
    this.lastReported = null;
    this.sink.emit({ type: 'temperature', at: this.clock.now(), reading: { valid: false, reason, rawCelsius: null } });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.pollTimer !== null) this.clock.clearTimer(this.pollTimer);
    this.clearReplyTimer();
    this.stopStreamWatch?.();
    this.stopStreamWatch = null;
    this.unlisten();
    for (const w of this.waiters.splice(0)) w({ valid: false, reason: 'THERMO_NO_STABLE_READING', rawCelsius: null });
  }

  /** The next stable reading (even if unchanged), or why there is none within `timeoutMs`. */
  nextReading(timeoutMs = 3000): Promise<TemperatureReading> {
    if (!this.link.connected) return Promise.resolve({ valid: false, reason: 'PORT_UNAVAILABLE', rawCelsius: null });
    return new Promise((resolve) => {
      const waiter = (r: TemperatureReading) => {
        this.clock.clearTimer(timer);
        resolve(r);
      };
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve({ valid: false, reason: this.link.connected ? 'THERMO_NO_STABLE_READING' : 'PORT_UNAVAILABLE', rawCelsius: null });
      });
      this.waiters.push(waiter);
    });
  }

  private schedulePoll(delay: number): void {
    if (!this.running || this.codec.query === null) return;
    this.pollTimer = this.clock.setTimer(delay, () => this.poll());
  }

  private clearReplyTimer(): void {
    if (this.replyTimer !== null) this.clock.clearTimer(this.replyTimer);
    this.replyTimer = null;
  }

  private poll(): void {
    if (!this.running) return;
    const query = this.codec.query;
    if (!query) return;
    // One query at a time: while a reply is awaited the poll is skipped, so the reply timeout can
    // expire however short the poll interval is.
    if (this.link.connected && this.replyTimer === null) {
      this.sink.frame?.('tx', query, describeThermometerCommand(this.config.protocol, 'query'));
      this.link.write(query).catch(() => {});
      this.replyTimer = this.clock.setTimer(this.config.replyTimeoutMs, () => {
        this.replyTimer = null;
        // No reply: a half frame must not join the next reply, and old readings are not "stable" any more.
        this.codec.reset();
        this.filter.reset();
        this.sink.health.error('FRAME_TIMEOUT');
        this.sink.frame?.('rx', null, `timeout: no reply in ${this.config.replyTimeoutMs} ms`, 'FRAME_TIMEOUT');
        // One lost reply is line noise or a kiosk that stalled past the timeout; the person is still
        // there. Two in a row (a second of silence at the defaults) is a sensor that stopped answering.
        this.missedReplies++;
        if (this.missedReplies >= MISSED_REPLIES_STOPPED) this.stoppedAnswering('FRAME_TIMEOUT');
      });
    }
    this.schedulePoll(this.config.pollIntervalMs);
  }

  private onCodecError(reason: DeviceReason, discarded: number, bytes?: Buffer): void {
    this.sink.health.error(reason);
    this.sink.frame?.('rx', bytes ?? null, errorWords(reason, discarded), reason);
    if (reason === 'THERMO_MODBUS_EXCEPTION' || reason === 'THERMO_UNPARSEABLE') this.clearReplyTimer();
  }

  /** "reply 36.6 °C raw 366" (the register for Modbus), and the corrected value when calibration changes it. */
  private describeReply(sensorC: number, frame: Buffer): string {
    const p = this.config.protocol;
    let words = `reply ${sensorC} °C`;
    if (p.name === 'modbus-rtu') {
      const at = 3 + 2 * p.valueIndex;
      if (frame.length >= at + 2) words += ` raw ${p.signed ? frame.readInt16BE(at) : frame.readUInt16BE(at)}`;
    }
    const corrected = calibrate(this.config, sensorC);
    return corrected === sensorC ? words : `${words}, corrected ${corrected} °C`;
  }

  private onReading(sensorC: number, frame?: Buffer): void {
    if (this.sink.frame && frame) this.sink.frame('rx', frame, this.describeReply(sensorC, frame));
    this.readings++;
    this.missedReplies = 0;
    this.lastReadingAt = this.clock.now();
    this.streamSilent = false;
    this.sink.health.goodFrame();
    this.clearReplyTimer();
    const stable = this.filter.add(sensorC);
    if (stable === null) return;
    const reading = classifyReading(this.config, stable, this.config.stableSamples);
    for (const w of this.waiters.splice(0)) w(reading);
    if (this.changed(reading)) {
      this.lastReported = reading;
      this.sink.emit({ type: 'temperature', at: this.clock.now(), reading });
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
