// One serial port that survives unplug and replug. The link keeps trying to open its path with
// exponential backoff (capped at 1 s, so a port that reappears is back within 2 s) and
// notices a vanished port both from the driver's close event and from a watchdog that checks the
// path still resolves to the device it opened (a USB adapter or socat pty that comes back usually
// gets a new /dev node).
import { SerialPort } from 'serialport';
import { existsSync, realpathSync } from 'node:fs';
import { LinkUnavailableError, type DeviceLink, type DeviceLinkListener } from './device-link.js';

export { LinkUnavailableError };

export interface SerialLinkOptions {
  path: string;
  baudRate: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  watchIntervalMs?: number;
}

export type SerialLinkListener = DeviceLinkListener;

function resolved(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null;
  }
}

export class SerialLink implements DeviceLink {
  private port: SerialPort | null = null;
  private openedTarget: string | null = null;
  private running = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchTimer: NodeJS.Timeout | null = null;
  private backoffMs: number;
  private readonly listeners = new Set<SerialLinkListener>();
  /** How many times the port has been opened (tests and health: a replug increments it). */
  opens = 0;
  /** The last failed open's message (serialport's, e.g. "Cannot lock port" when busy); null once open. */
  lastOpenError: string | null = null;

  constructor(private readonly options: SerialLinkOptions) {
    this.backoffMs = options.minBackoffMs ?? 100;
  }

  get path(): string {
    return this.options.path;
  }

  get baudRate(): number {
    return this.options.baudRate;
  }

  get connected(): boolean {
    return this.port !== null && this.port.isOpen;
  }

  listen(listener: SerialLinkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.tryOpen();
  }

  /** Resolves once the port is open, or rejects after `timeoutMs`. */
  waitOpen(timeoutMs: number): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new LinkUnavailableError(this.options.path));
      }, timeoutMs);
      const off = this.listen({
        onOpen: () => {
          clearTimeout(timer);
          off();
          resolve();
        },
      });
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.closePort(false);
  }

  write(bytes: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port || !port.isOpen) return Promise.reject(new LinkUnavailableError(this.options.path));
    return new Promise((resolve, reject) => {
      port.write(Buffer.from(bytes), (err) => (err ? reject(new LinkUnavailableError(this.options.path)) : resolve()));
    });
  }

  private emit<K extends keyof SerialLinkListener>(key: K, ...args: Parameters<NonNullable<SerialLinkListener[K]>>): void {
    for (const l of [...this.listeners]) {
      try {
        (l[key] as ((...a: unknown[]) => void) | undefined)?.(...args);
      } catch {
        // A listener's bug must not become an uncaught exception inside the port's event: the
        // kiosk keeps running and the other listeners still hear the port.
        if (key !== 'onError') this.emit('onError', 'PORT_ERROR');
      }
    }
  }

  private scheduleRetry(): void {
    if (!this.running || this.retryTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 1000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.tryOpen();
    }, delay);
  }

  private tryOpen(): void {
    if (!this.running || this.port) return;
    const target = existsSync(this.options.path) ? resolved(this.options.path) : null;
    if (!target) {
      this.lastOpenError = `no such port ${this.options.path}`;
      this.scheduleRetry();
      return;
    }
    const port = new SerialPort({ path: this.options.path, baudRate: this.options.baudRate, autoOpen: false });
    this.port = port;
    port.open((err) => {
      if (this.port !== port || !this.running) {
        // Stopped while opening: close what just opened rather than leak its descriptor.
        if (!err && port.isOpen) port.close(() => {});
        return;
      }
      if (err) {
        this.port = null;
        this.lastOpenError = err.message;
        this.emit('onError', 'PORT_UNAVAILABLE');
        this.scheduleRetry();
        return;
      }
      this.openedTarget = target;
      this.lastOpenError = null;
      this.backoffMs = this.options.minBackoffMs ?? 100;
      this.opens++;
      port.on('data', (bytes: Buffer) => this.emit('onData', bytes));
      port.on('close', () => void this.lost());
      port.on('error', () => {
        this.emit('onError', 'PORT_ERROR');
        void this.lost();
      });
      this.watchTimer = setInterval(() => {
        if (resolved(this.options.path) !== this.openedTarget) void this.lost();
      }, this.options.watchIntervalMs ?? 250);
      this.emit('onOpen');
    });
  }

  private async lost(): Promise<void> {
    if (!this.port) return;
    await this.closePort(true);
    this.emit('onError', 'PORT_UNAVAILABLE');
    this.scheduleRetry();
  }

  private async closePort(notify: boolean): Promise<void> {
    if (this.watchTimer) clearInterval(this.watchTimer);
    this.watchTimer = null;
    const port = this.port;
    if (!port) return;
    this.port = null;
    this.openedTarget = null;
    port.removeAllListeners('data');
    port.removeAllListeners('close');
    port.removeAllListeners('error');
    // A vanished port may fail to close cleanly; either way it is gone for us.
    port.on('error', () => {});
    if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    if (notify) this.emit('onClose');
  }
}
