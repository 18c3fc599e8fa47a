// What a driver needs from a serial line, and nothing about serialport: a path and baud rate, whether
// it is open, its bytes and open/close/error events, and a write. SerialLink (link.ts) is the real
// one; MemoryLinkPair (memory-link.ts) is an in-memory line whose far end a test plays the device on,
// driven by an injected clock, so the drivers' retry, timeout and removal rules run without a pty and
// without real waits (the pty tests stay as the integration layer: native-bridge/README.md).

/** Why a line failed: gone or refused (PORT_UNAVAILABLE), or an I/O error on an open port (PORT_ERROR). */
export type LinkErrorReason = 'PORT_UNAVAILABLE' | 'PORT_ERROR';

export interface DeviceLinkListener {
  onOpen?(): void;
  onClose?(): void;
  onData?(bytes: Buffer): void;
  onError?(reason: LinkErrorReason): void;
}

export interface DeviceLink {
  readonly path: string;
  readonly baudRate: number;
  readonly connected: boolean;
  /** How many times the line has been opened (a replug increments it). */
  readonly opens: number;
  /**
   * The last failed open's words (serialport's message, e.g. "Error: Resource temporarily
   * unavailable Cannot lock port"), or null; cleared by an open. Applying a device change reports
   * it, so an integrator sees "busy" rather than a bare PORT_UNAVAILABLE.
   */
  readonly lastOpenError: string | null;
  listen(listener: DeviceLinkListener): () => void;
  /** Starts opening (and reopening after a loss) until stop(). */
  start(): void;
  stop(): Promise<void>;
  /** Rejects with LinkUnavailableError while the line is not open. */
  write(bytes: Uint8Array): Promise<void>;
  /** Resolves once open, or rejects with LinkUnavailableError after `timeoutMs`. */
  waitOpen(timeoutMs: number): Promise<void>;
}

export class LinkUnavailableError extends Error {
  readonly reason = 'PORT_UNAVAILABLE';
  constructor(path: string) {
    super(`serial port ${path} is not connected`);
  }
}
