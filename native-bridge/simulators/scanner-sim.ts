// A serial QR scanner module on the far end of a pty (devices spec §3): sends a code's text followed
// by the configured terminator, and answers a trigger command with its acknowledgement.
import { GROW_ACK } from '../scanner/framer.js';
import { SimulatorBase, type SimulatorOptions } from './base.js';

export type ScannerTerminator = '\r\n' | '\r' | '\n' | '';

export interface ScannerSimulatorOptions extends SimulatorOptions {
  terminator?: ScannerTerminator;
  /** What the module sends after a trigger command (`7E 00 08 …`): Grow's ack, ACK, or nothing. */
  ack?: 'grow' | 'ack' | 'none';
  /** Sent after a trigger, when set. */
  codeOnTrigger?: string;
}

const TRIGGER_PREFIX = Buffer.from([0x7e, 0x00, 0x08]);

export class ScannerSimulator extends SimulatorBase {
  terminator: ScannerTerminator;
  constructor(private readonly scanOptions: ScannerSimulatorOptions) {
    super(scanOptions);
    this.terminator = scanOptions.terminator ?? '\r\n';
  }

  /** Sends a decoded code, byte for byte (Latin-1), then the terminator. */
  send(text: string, terminator: ScannerTerminator = this.terminator): Promise<void> {
    return this.reply(Buffer.from(text + terminator, 'latin1'));
  }

  sendRaw(bytes: Uint8Array): Promise<void> {
    return this.reply(bytes);
  }

  protected onBytes(bytes: Buffer): void {
    if (bytes.indexOf(TRIGGER_PREFIX) < 0) return;
    const ack = this.scanOptions.ack ?? 'grow';
    if (ack === 'grow') void this.reply(GROW_ACK);
    if (ack === 'ack') void this.reply(Buffer.from([0x06]));
    if (this.scanOptions.codeOnTrigger !== undefined) void this.send(this.scanOptions.codeOnTrigger);
  }
}
