// Serial QR scanner framing (devices spec §3): a code ends at CR, LF or CRLF, or after an idle gap
// for modules that send no terminator. The text is delivered byte for byte as Latin-1, never
// trimmed or re-encoded (Base45 has spaces and `$ % * + - . / :`). Command acknowledgements are not
// codes: Grow GM-series `02 00 00 01 00 33 31`, Honeywell/Newland ACK 06 / NAK 15.

export const GROW_ACK = Buffer.from([0x02, 0x00, 0x00, 0x01, 0x00, 0x33, 0x31]);
const ACK = 0x06;
const NAK = 0x15;
const CR = 0x0d;
const LF = 0x0a;

export interface ScannerFramerEvents {
  onText(text: string): void;
  onAck?(kind: 'grow' | 'ack' | 'nak'): void;
  /** More than maxLength bytes without a terminator: the input is dropped up to the next terminator. */
  onOverlong?(droppedBytes: number): void;
}

/**
 * The framer holds at most `maxLength` pending bytes. Idle-gap framing is the caller's timer calling
 * `flush()`: the framer itself has no clock, so tests drive it deterministically.
 */
export class ScannerFramer {
  private pending: number[] = [];
  private overlong = false;
  peakBuffered = 0;

  constructor(
    private readonly maxLength: number,
    private readonly events: ScannerFramerEvents,
  ) {}

  get buffered(): number {
    return this.pending.length;
  }

  /** True while a code (or an overlong run being dropped) is unfinished: the idle-gap timer should run. */
  get inFrame(): boolean {
    return this.pending.length > 0 || this.overlong;
  }

  push(chunk: Uint8Array): void {
    for (const byte of chunk) this.pushByte(byte);
  }

  private pushByte(byte: number): void {
    if (byte === CR || byte === LF) {
      // CRLF gives an empty frame after CR: nothing to deliver.
      this.end();
      return;
    }
    if (this.pending.length === 0 && !this.overlong) {
      // At a frame boundary a lone ACK/NAK is an acknowledgement, never the start of a code.
      if (byte === ACK || byte === NAK) {
        this.events.onAck?.(byte === ACK ? 'ack' : 'nak');
        return;
      }
    }
    if (this.overlong) return;
    if (this.pending.length >= this.maxLength) {
      this.events.onOverlong?.(this.pending.length + 1);
      this.pending = [];
      this.overlong = true;
      return;
    }
    this.pending.push(byte);
    if (this.pending.length > this.peakBuffered) this.peakBuffered = this.pending.length;
    // The Grow acknowledgement has no terminator; take it out as soon as it is complete.
    if (this.pending.length === GROW_ACK.length && GROW_ACK.every((b, i) => this.pending[i] === b)) {
      this.pending = [];
      this.events.onAck?.('grow');
    }
  }

  /** Forgets an unfinished code without delivering it (the port went away mid-code). */
  discard(): void {
    this.pending = [];
    this.overlong = false;
  }

  /** Ends the current frame (called on a terminator, or by the idle-gap timer). */
  flush(): void {
    this.end();
  }

  private end(): void {
    if (this.overlong) {
      this.overlong = false;
      this.pending = [];
      return;
    }
    if (this.pending.length === 0) return;
    const text = Buffer.from(this.pending).toString('latin1');
    this.pending = [];
    this.events.onText(text);
  }
}

/** Frames captured bytes as if each idle gap fell at the end (the decode command). */
export function frameScannerBytes(bytes: Uint8Array, maxLength = 4096): { texts: string[]; acks: string[]; overlong: number } {
  const texts: string[] = [];
  const acks: string[] = [];
  let overlong = 0;
  const framer = new ScannerFramer(maxLength, { onText: (t) => texts.push(t), onAck: (k) => acks.push(k), onOverlong: () => overlong++ });
  framer.push(bytes);
  framer.flush();
  return { texts, acks, overlong };
}
