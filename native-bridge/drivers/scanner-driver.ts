// Serial QR scanner driver (devices spec §3): frames on CR/LF and on an idle gap, drops
// acknowledgements, and delivers each code's text byte for byte.
import { performance } from 'node:perf_hooks';
import type { ScannerConfig } from '../../src/core/devices/config.js';
import type { DeviceEvent } from '../../src/core/devices/types.js';
import { ScannerFramer } from '../scanner/framer.js';
import type { SerialLink } from '../serial/link.js';
import type { HealthTracker } from './health.js';

export function parseHexBytes(hex: string): Buffer | null {
  const compact = hex.replace(/[\s:,-]|0x/gi, '');
  if (compact.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(compact)) return null;
  return Buffer.from(compact, 'hex');
}

export class ScannerDriver {
  private readonly framer: ScannerFramer;
  private idleTimer: NodeJS.Timeout | null = null;
  private idleFlush: NodeJS.Immediate | null = null;
  private readonly unlisten: () => void;
  /** Acknowledgements seen (tests). */
  acks = 0;

  constructor(
    private readonly link: SerialLink,
    private readonly config: ScannerConfig,
    private readonly sink: { emit(event: DeviceEvent): void; health: HealthTracker },
  ) {
    this.framer = new ScannerFramer(config.maxLength, {
      onText: (text) => {
        this.sink.health.goodFrame();
        this.sink.emit({ type: 'scanner-text', at: Date.now(), text });
      },
      onAck: () => {
        this.acks++;
        this.sink.health.goodFrame();
      },
      onOverlong: () => this.sink.health.error('SCANNER_OVERLONG'),
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
    const armedAt = performance.now();
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const late = performance.now() - armedAt - this.config.idleGapMs;
      if (mayWaitAgain && late > this.config.idleGapMs) {
        this.armIdle(false);
        return;
      }
      this.idleFlush = setImmediate(() => {
        this.idleFlush = null;
        this.framer.flush();
      });
    }, this.config.idleGapMs);
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (this.idleFlush) clearImmediate(this.idleFlush);
    this.idleTimer = null;
    this.idleFlush = null;
  }

  stop(): void {
    this.clearIdle();
    this.unlisten();
  }
}
