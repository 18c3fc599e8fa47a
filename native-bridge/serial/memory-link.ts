// An in-memory serial line for unit tests of the drivers (native-bridge/README.md, "Links"): `host`
// is the DeviceLink a driver gets, `device` is the far end a test plays the device on (it hears what
// the driver wrote and writes replies back). unplug()/plug() and refuse() stand for a USB adapter
// pulled out and put back and a port someone else holds. Reconnect attempts and waitOpen's timeout
// run on the injected clock, so with a ManualClock nothing waits in real time; bytes move in
// microtasks (await a turn of the event loop after advancing the clock).
import { LinkUnavailableError, type DeviceLink, type DeviceLinkListener } from './device-link.js';
import type { Clock } from './clock.js';

export interface MemoryLinkPairOptions {
  clock: Clock;
  path?: string;
  baudRate?: number;
  /** Whether the device is plugged in at first (default true). */
  plugged?: boolean;
  /** How often a running link tries again while the port is missing or refused (default 100 ms). */
  retryMs?: number;
  /**
   * The device's own line speed, when a test wants a baud mismatch: bytes between a host end opened at
   * another rate arrive as garbage (each byte 0xFF), as on a real line. Default: whatever the host uses.
   */
  deviceBaudRate?: number;
}

export class MemoryLink implements DeviceLink {
  private open = false;
  private running = false;
  private retryTimer: unknown = null;
  private opening = false;
  private readonly listeners = new Set<DeviceLinkListener>();
  opens = 0;
  lastOpenError: string | null = null;

  constructor(
    private readonly pair: MemoryLinkPair,
    readonly path: string,
    /** Settable before start (MemoryLinkPair.hostAt): a driver reopening the port at another rate. */
    public baudRate: number,
    private readonly clock: Clock,
    private readonly retryMs: number,
  ) {}

  get connected(): boolean {
    return this.open;
  }

  listen(listener: DeviceLinkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tryOpen();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer !== null) this.clock.clearTimer(this.retryTimer);
    this.retryTimer = null;
    this.open = false;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (!this.open) return Promise.reject(new LinkUnavailableError(this.path));
    this.pair.fromHost(this.pair.overTheLine(Buffer.from(bytes)));
    return Promise.resolve();
  }

  waitOpen(timeoutMs: number): Promise<void> {
    if (this.open) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        off();
        reject(new LinkUnavailableError(this.path));
      });
      const off = this.listen({
        onOpen: () => {
          this.clock.clearTimer(timer);
          off();
          resolve();
        },
      });
    });
  }

  /** Like a port's open: asynchronous (a microtask), and retried on the clock while it fails. */
  tryOpen(): void {
    if (!this.running || this.open || this.opening) return;
    this.opening = true;
    queueMicrotask(() => {
      this.opening = false;
      if (!this.running || this.open) return;
      const refusal = this.pair.openRefusal();
      if (refusal !== null) {
        this.lastOpenError = refusal;
        if (this.pair.plugged) this.emit('onError', 'PORT_UNAVAILABLE');
        this.scheduleRetry();
        return;
      }
      this.open = true;
      this.opens++;
      this.lastOpenError = null;
      this.emit('onOpen');
    });
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer !== null) return;
    this.retryTimer = this.clock.setTimer(this.retryMs, () => {
      this.retryTimer = null;
      this.tryOpen();
    });
  }

  /** The device went away under an open link: closed, reported, retried (as SerialLink does). */
  lost(): void {
    if (!this.open) return;
    this.open = false;
    this.emit('onClose');
    this.emit('onError', 'PORT_UNAVAILABLE');
    this.scheduleRetry();
  }

  deliver(bytes: Buffer): boolean {
    if (!this.open) return false;
    this.emit('onData', bytes);
    return true;
  }

  private emit<K extends keyof DeviceLinkListener>(key: K, ...args: Parameters<NonNullable<DeviceLinkListener[K]>>): void {
    for (const l of [...this.listeners]) {
      try {
        (l[key] as ((...a: unknown[]) => void) | undefined)?.(...args);
      } catch {
        // As SerialLink: a listener's bug is reported as a port error, never thrown into the line.
        if (key !== 'onError') this.emit('onError', 'PORT_ERROR');
      }
    }
  }
}

/** The device's end: what the driver wrote, and a write back to the driver. */
export class MemoryDeviceEnd {
  /** Every write the driver made, in order. */
  readonly received: Buffer[] = [];
  private readonly handlers = new Set<(bytes: Buffer) => void>();

  constructor(private readonly pair: MemoryLinkPair) {}

  /** Calls `handler` with each write of the driver (a microtask after it). */
  onData(handler: (bytes: Buffer) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Sends bytes to the driver now; false (bytes lost) when the line is not open. */
  write(bytes: Uint8Array): boolean {
    return this.pair.host.deliver(this.pair.overTheLine(Buffer.from(bytes)));
  }

  hear(bytes: Buffer): void {
    this.received.push(bytes);
    for (const h of [...this.handlers]) h(bytes);
  }
}

export class MemoryLinkPair {
  readonly host: MemoryLink;
  readonly device: MemoryDeviceEnd;
  private isPlugged: boolean;
  private refusal: string | null = null;
  private readonly deviceBaudRate: number | null;

  constructor(options: MemoryLinkPairOptions) {
    this.isPlugged = options.plugged ?? true;
    this.deviceBaudRate = options.deviceBaudRate ?? null;
    this.host = new MemoryLink(this, options.path ?? '/dev/memory0', options.baudRate ?? 9600, options.clock, options.retryMs ?? 100);
    this.device = new MemoryDeviceEnd(this);
  }

  /** The host end, opened at `baudRate` (a driver built for other settings uses the same port). */
  hostAt(baudRate: number): MemoryLink {
    this.host.baudRate = baudRate;
    return this.host;
  }

  /** Bytes as the other end receives them: garbage when the two ends disagree on the baud rate. */
  overTheLine(bytes: Buffer): Buffer {
    if (this.deviceBaudRate === null || this.deviceBaudRate === this.host.baudRate) return bytes;
    return Buffer.alloc(bytes.length, 0xff);
  }

  get plugged(): boolean {
    return this.isPlugged;
  }

  /** Pulls the adapter out: an open link closes and keeps retrying. */
  unplug(): void {
    this.isPlugged = false;
    this.host.lost();
  }

  /** Puts it back: the link opens on its next retry. */
  plug(): void {
    this.isPlugged = true;
  }

  /** While set, opening fails with this message (a port another process holds); null lifts it. */
  refuse(message: string | null): void {
    this.refusal = message;
  }

  openRefusal(): string | null {
    if (!this.isPlugged) return `no such port ${this.host.path}`;
    return this.refusal;
  }

  fromHost(bytes: Buffer): void {
    queueMicrotask(() => this.device.hear(bytes));
  }
}
