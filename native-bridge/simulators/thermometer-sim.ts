// A thermometer head on the far end of a pty (devices spec §2), speaking any configured protocol:
// answers each query with the current temperature (ambient when nobody stands in front of it), or
// streams a line every interval for ascii-line modules that are not queried.
import type { ThermometerProtocol } from '../../src/core/devices/config.js';
import { GY_CONTINUOUS, GY_QUERY, encodeModbusException, encodeThermometerReply, modbusRequest } from '../thermometer/codec.js';
import { SimulatorBase, type SimulatorOptions } from './base.js';

export const AMBIENT_C = 25;

export interface ThermometerSimulatorOptions extends SimulatorOptions {
  protocol: ThermometerProtocol;
  /** ascii-line without a query: how often a line is streamed. */
  streamIntervalMs?: number;
}

export class ThermometerSimulator extends SimulatorBase {
  /** Person's temperature, or null for nobody (the sensor sees the room). */
  temperature: number | null = null;
  /** The next reply's checksum is broken (once). */
  corruptNext = false;
  /** modbus-rtu: the next reply is an exception (once). */
  exceptionNext = false;
  /** The next N queries get no reply at all (a lost frame on the line), then it answers again. */
  unansweredNext = 0;
  /** Queries heard and deliberately left unanswered (see unansweredNext). */
  unanswered = 0;
  /** Replies sent (tests). */
  replies = 0;
  private pending: Buffer = Buffer.alloc(0);
  private streamTimer: NodeJS.Timeout | null = null;
  private readonly protocol: ThermometerProtocol;

  constructor(private readonly thermoOptions: ThermometerSimulatorOptions) {
    super(thermoOptions);
    this.protocol = thermoOptions.protocol;
  }

  override async start(): Promise<void> {
    await super.start();
    if (this.protocol.name === 'ascii-line' && this.protocol.query === null) this.startStreaming();
  }

  private startStreaming(): void {
    if (this.streamTimer) return;
    this.streamTimer = setInterval(() => void this.sendReading(), this.thermoOptions.streamIntervalMs ?? 200);
  }

  override async stop(): Promise<void> {
    if (this.streamTimer) clearInterval(this.streamTimer);
    await super.stop();
  }

  private expectedQuery(): Buffer | null {
    switch (this.protocol.name) {
      case 'modbus-rtu':
        return modbusRequest(this.protocol);
      case 'gy-mcu90614':
        return GY_QUERY;
      case 'lu90614':
        return Buffer.from([0xfa, 0xca, 0xc4]);
      case 'ascii-line':
        return this.protocol.query === null ? null : Buffer.from(this.protocol.query, 'latin1');
    }
  }

  protected onBytes(bytes: Buffer): void {
    // GY-MCU90614 continuous mode: one A5 45 EA and the module streams on its own.
    if (this.protocol.name === 'gy-mcu90614' && bytes.indexOf(GY_CONTINUOUS) >= 0) this.startStreaming();
    const query = this.expectedQuery();
    if (!query) return;
    // Keep only as much as one query needs; answer each complete query, ignore everything else
    // (lu90614's body-mode command, noise).
    this.pending = Buffer.concat([this.pending, bytes]).subarray(-64);
    for (let at = this.pending.indexOf(query); at >= 0; at = this.pending.indexOf(query)) {
      this.pending = this.pending.subarray(at + query.length);
      if (this.unansweredNext > 0) {
        this.unansweredNext--;
        this.unanswered++;
        continue;
      }
      void this.sendReading();
    }
  }

  private async sendReading(): Promise<void> {
    const celsius = this.temperature ?? AMBIENT_C;
    let frame: Buffer =
      this.exceptionNext && this.protocol.name === 'modbus-rtu' ? encodeModbusException(this.protocol) : encodeThermometerReply(this.protocol, celsius);
    this.exceptionNext = false;
    if (this.corruptNext) {
      frame = Buffer.from(frame);
      // ascii-line has no checksum: corrupt it into text that is not a number.
      if (this.protocol.name === 'ascii-line') frame = Buffer.from('E#?\r\n', 'latin1');
      else frame[frame.length - 1] = frame[frame.length - 1]! ^ 0x5a;
      this.corruptNext = false;
    }
    this.replies++;
    await this.reply(frame);
  }
}
