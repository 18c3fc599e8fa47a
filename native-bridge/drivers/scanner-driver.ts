// Serial QR scanner driver (devices spec §3): frames on CR/LF and on an idle gap, drops
// acknowledgements, and delivers each code's text byte for byte.
import { performance } from 'node:perf_hooks';
import type { ScannerConfig } from '../../src/core/devices/config.js';
import { ScannerFramer } from '../scanner/framer.js';
import type { DeviceLink } from '../serial/device-link.js';
import { deviceClock, type Clock } from '../serial/clock.js';
import type { DriverOptions, DriverSink } from './sink.js';

export function parseHexBytes(hex: string): Buffer | null {
  const compact = hex.replace(/[\s:,-]|0x/gi, '');
  if (compact.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(compact)) return null;
  return Buffer.from(compact, 'hex');
}

/**
 * A scanned code in the frame log: its length and, when it is a plain ASCII prefix such as "PHC1:",
 * its first 5 characters; never the rest (a health code carries personal data).
 */
export function describeScannedCode(text: string): { bytes: Buffer; meaning: string } {
  const head = text.slice(0, 5);
  const plain = /^[\x20-\x7e]*$/.test(head);
  return { bytes: Buffer.from(head, 'latin1'), meaning: `code, ${text.length} bytes${plain && head ? `, starts ${JSON.stringify(head)}` : ''} (content not shown)` };
}

export class ScannerDriver {
  private readonly framer: ScannerFramer;
  private readonly clock: Clock;
  /**
   * Times the idle gap: the injected clock, or by default a monotonic one (performance.now), since
   * telling a stall of the kiosk from silence on the line compares two instants a few ms apart.
   */
  private readonly gapClock: Clock;
  private idleTimer: unknown = null;
  private idleFlush: NodeJS.Immediate | null = null;
  private readonly unlisten: () => void;
  /** Acknowledgements seen (tests). */
  acks = 0;

  constructor(
    private readonly link: DeviceLink,
    private readonly config: ScannerConfig,
    private readonly sink: DriverSink,
    options: DriverOptions = {},
  ) {
    this.clock = options.clock ?? deviceClock;
    this.gapClock = options.clock ?? { now: () => performance.now(), setTimer: (ms, fn) => setTimeout(fn, ms), clearTimer: (h) => clearTimeout(h as NodeJS.Timeout) };
    this.framer = new ScannerFramer(config.maxLength, {
      onText: (text) => {
        this.sink.health.goodFrame();
        if (this.sink.frame) {
          const shown = describeScannedCode(text);
          this.sink.frame('rx', shown.bytes, shown.meaning, null, text.length);
        }
        this.sink.emit({ type: 'scanner-text', at: this.clock.now(), text });
      },
      onAck: (kind) => {
        this.acks++;
        this.sink.health.goodFrame();
        this.sink.frame?.('rx', null, kind === 'grow' ? 'acknowledgement (Grow 02 00 00 01 00 33 31)' : kind === 'ack' ? 'ACK (06)' : 'NAK (15)');
      },
      onOverlong: (dropped) => {
        this.sink.health.error('SCANNER_OVERLONG');
        this.sink.frame?.('rx', null, `code longer than ${this.config.maxLength} bytes: dropped (${dropped} bytes)`, 'SCANNER_OVERLONG');
      },
    });
    this.unlisten = link.listen({
      onData: (bytes) => {
        this.framer.push(bytes);
        // Modules that send no terminator end a code with silence (default 50 ms).
        this.clearIdle();
        if (this.framer.inFrame) this.armIdle(true);
      },
      onOpen: () => this.sink.health.setConnected(true),
      onClose: () => {
        this.sink.health.setConnected(false);
        // A code cut off by an unplug is not a code: drop it.
        this.clearIdle();
        this.framer.discard();
      },
      onError: (reason) => this.sink.health.error(reason),
    });
  }

  get peakBuffered(): number {
    return this.framer.peakBuffered;
  }

  /** Sends the configured trigger command (command-trigger mode modules read once on it). */
  async trigger(): Promise<boolean> {
    const bytes = this.config.triggerHex ? parseHexBytes(this.config.triggerHex) : null;
    if (!bytes) return false;
    this.sink.frame?.('tx', bytes, 'trigger a read');
    await this.link.write(bytes);
    return true;
  }

  /**
   * Ends a code after `idleGapMs` of silence. The silence must have been observed: timers run before
   * I/O in Node's event loop, so after a stall bytes already waiting in the port would look like
   * silence (pending I/O goes first, through setImmediate; new data cancels the flush); and a timer
   * that fired far past its time means the kiosk was not running to watch the line, so the gap is
   * not evidence that the code ended: it waits one more gap, this time awake.
   */
  private armIdle(mayWaitAgain: boolean): void {
    const armedAt = this.gapClock.now();
    this.idleTimer = this.gapClock.setTimer(this.config.idleGapMs, () => {
      this.idleTimer = null;
      const late = this.gapClock.now() - armedAt - this.config.idleGapMs;
      if (mayWaitAgain && late > this.config.idleGapMs) {
        this.armIdle(false);
        return;
      }
      this.idleFlush = setImmediate(() => {
        this.idleFlush = null;
        this.framer.flush();
      });
    });
  }

  private clearIdle(): void {
    if (this.idleTimer !== null) this.gapClock.clearTimer(this.idleTimer);
    if (this.idleFlush) clearImmediate(this.idleFlush);
    this.idleTimer = null;
    this.idleFlush = null;
  }

  stop(): void {
    this.clearIdle();
    this.unlisten();
  }
}
