// What every simulator shares: the device end of a pty pair opened as a serial port (reopened on its
// own after the pair vanishes and comes back), output paced to the baud rate, and the faults an
// integrator or a test injects: noise, going silent, vanishing for a while.
import { randomBytes } from 'node:crypto';
import { SerialLink } from '../serial/link.js';
import { PacedWriter } from '../serial/paced-writer.js';
import { PtyPair } from '../serial/pty.js';

export interface SimulatorOptions {
  /** The device end of the pair (PtyPair.devicePath). */
  devicePath: string;
  baudRate: number;
  /** When given, `vanish()` stops and restarts this pair (unplug and replug). */
  pair?: PtyPair;
}

export abstract class SimulatorBase {
  protected readonly link: SerialLink;
  protected readonly writer: PacedWriter;
  /** While silent the device hears commands but never answers (a hung module). */
  silent = false;
  private stopOff: () => void;

  constructor(protected readonly options: SimulatorOptions) {
    this.link = new SerialLink({ path: options.devicePath, baudRate: options.baudRate, minBackoffMs: 20, maxBackoffMs: 200, watchIntervalMs: 100 });
    this.writer = new PacedWriter((bytes) => this.link.write(bytes).catch(() => {}), options.baudRate);
    this.stopOff = this.link.listen({ onData: (bytes) => this.onBytes(bytes) });
  }

  /** Largest single write (1: every byte on its own, for split-frame tests). */
  set maxChunk(bytes: number) {
    this.writer.maxChunk = bytes;
  }

  get connected(): boolean {
    return this.link.connected;
  }

  async start(): Promise<void> {
    this.link.start();
    await this.link.waitOpen(5000);
  }

  async stop(): Promise<void> {
    this.stopOff();
    await this.link.stop();
  }

  /** Bytes the host sent. */
  protected abstract onBytes(bytes: Buffer): void;

  /** Sends bytes paced to the baud rate (dropped while silent). */
  protected reply(bytes: Uint8Array): Promise<void> {
    if (this.silent) return Promise.resolve();
    return this.writer.send(bytes);
  }

  /** Writes bytes nobody asked for (a stray or late frame), paced like everything else. */
  inject(bytes: Uint8Array): Promise<void> {
    return this.writer.send(bytes);
  }

  /** Writes `count` random bytes, as line noise would. */
  noise(count = 64): Promise<void> {
    return this.writer.send(randomBytes(count));
  }

  /** Unplugs the device for `ms`, then plugs it back in (needs the pair). */
  async vanish(ms: number): Promise<void> {
    const pair = this.options.pair;
    if (!pair) throw new Error('this simulator does not own its pty pair, so it cannot vanish');
    await pair.stop();
    await new Promise((r) => setTimeout(r, ms));
    await pair.start();
  }
}
