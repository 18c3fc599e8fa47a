// Paces a simulator's output to its baud rate. A pty passes bytes as fast as the kernel can, but a
// UART at 115200 8N1 moves 11.5 bytes a millisecond (10 bits a byte); the simulator releases each
// byte no earlier than the moment its last bit would have left the wire, so drivers and the
// benchmark see hardware timing.
import { performance } from 'node:perf_hooks';

export class PacedWriter {
  /** When the last queued byte finishes on the wire (performance.now() ms). */
  private busyUntil = 0;
  private chain: Promise<void> = Promise.resolve();

  /** Largest write handed to the port; 1 sends every byte on its own (split-frame tests). */
  maxChunk = Infinity;

  constructor(
    private readonly write: (bytes: Buffer) => Promise<void> | void,
    private readonly baudRate: number,
  ) {}

  get msPerByte(): number {
    return 10_000 / this.baudRate;
  }

  /**
   * Holds the next transmission until `bytes` more bytes could have arrived from the other side: a
   * device answers a command only after the command itself has crossed the wire.
   */
  receive(bytes: number): void {
    this.busyUntil = Math.max(this.busyUntil, performance.now() + bytes * this.msPerByte);
  }

  /** Queues `bytes`; resolves when the last one has been handed to the port. */
  send(bytes: Uint8Array): Promise<void> {
    const data = Buffer.from(bytes);
    const next = this.chain.then(() => this.transmit(data));
    this.chain = next.catch(() => {});
    return next;
  }

  private async transmit(data: Buffer): Promise<void> {
    const start = Math.max(performance.now(), this.busyUntil);
    const perByte = this.msPerByte;
    this.busyUntil = start + data.length * perByte;
    let sent = 0;
    while (sent < data.length) {
      const now = performance.now();
      // Every byte whose last bit has left the wire by now.
      const due = Math.min(data.length, Math.floor((now - start) / perByte), sent + this.maxChunk);
      if (due > sent) {
        await this.write(data.subarray(sent, due));
        sent = due;
        // Single-byte writes get their own turn of the event loop, so the pty delivers them apart.
        if (this.maxChunk <= 1) await new Promise((r) => setImmediate(r));
        continue;
      }
      const wait = start + (sent + 1) * perByte - now;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.ceil(wait))));
    }
  }
}
