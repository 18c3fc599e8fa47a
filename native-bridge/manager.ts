// The device manager: opens the configured ports, keeps them open across unplug and
// replug, runs one driver per device, and turns what they see into typed DeviceEvents for core.
// It implements core's DeviceHub, so core never imports this file or serialport.
import { parseDevicesConfig, type DevicesConfig, type DevicesConfigInput } from '../src/core/devices/config.js';
import type { DeviceEvent, DeviceEventListener, DeviceHealth, DeviceHub, DeviceKind, GatePulseResult, TemperatureReading } from '../src/core/devices/types.js';
import { HealthTracker } from './drivers/health.js';
import { IdCardDriver, type PhotoDecoder } from './drivers/idcard-driver.js';
import { ThermometerDriver } from './drivers/thermometer-driver.js';
import { ScannerDriver } from './drivers/scanner-driver.js';
import { LcusGateDriver, NoGateDriver, type GateDriver } from './drivers/gate-driver.js';
import { SerialLink } from './serial/link.js';

export interface DeviceManagerOptions {
  photoDecoder?: PhotoDecoder;
  /** Upper bound of the reconnect backoff (default 1000 ms: back within 2 s of a port reappearing). */
  maxBackoffMs?: number;
}

export class DeviceManager implements DeviceHub {
  readonly config: DevicesConfig;
  private readonly listeners = new Set<DeviceEventListener>();
  private readonly links = new Map<DeviceKind, SerialLink>();
  private readonly trackers = new Map<DeviceKind, HealthTracker>();
  idcard: IdCardDriver | null = null;
  thermometer: ThermometerDriver | null = null;
  scanner: ScannerDriver | null = null;
  gate: GateDriver = new NoGateDriver();
  private started = false;

  constructor(
    config: DevicesConfigInput,
    private readonly options: DeviceManagerOptions = {},
  ) {
    this.config = parseDevicesConfig(config);
    const c = this.config;
    const ports: Record<DeviceKind, string | null> = {
      idcard: c.idcard?.port ?? null,
      thermometer: c.thermometer?.port ?? null,
      scanner: c.scanner?.port ?? null,
      gate: c.gate.driver === 'lcus' ? c.gate.port : null,
    };
    for (const kind of Object.keys(ports) as DeviceKind[]) {
      this.trackers.set(kind, new HealthTracker(kind, ports[kind], (health) => this.emit({ type: 'health', at: Date.now(), health })));
    }
    // Polled devices must give a valid frame within their period or are shown faulty
    // (docs/door-passage.md, device health): two poll cycles with their reply timeouts for the
    // thermometer (one lost reply is not a fault), every retry of one command for the card reader.
    if (c.thermometer) {
      const t = c.thermometer;
      const streams = t.protocol.name === 'ascii-line' ? t.protocol.query === null : t.protocol.name === 'gy-mcu90614' && t.protocol.mode === 'continuous';
      this.trackers.get('thermometer')!.expectValidFrameWithin(streams ? t.streamTimeoutMs : 2 * (t.pollIntervalMs + t.replyTimeoutMs));
    }
    if (c.idcard) {
      // Plus the wire time of the longest reply (a read: 1295 bytes, 10 bits a byte), slow at 9600 baud.
      const readWireMs = Math.ceil((1295 * 10 * 1000) / c.idcard.baudRate);
      this.trackers.get('idcard')!.expectValidFrameWithin(Math.max(1000, (c.idcard.retries + 1) * c.idcard.commandTimeoutMs + 2 * c.idcard.pollIntervalMs + readWireMs));
    }
    const sink = (kind: DeviceKind) => ({ emit: (e: DeviceEvent) => this.emit(e), health: this.trackers.get(kind)! });
    if (c.idcard) this.idcard = new IdCardDriver(this.link('idcard', c.idcard.port, c.idcard.baudRate), c.idcard, sink('idcard'), options.photoDecoder);
    if (c.thermometer) this.thermometer = new ThermometerDriver(this.link('thermometer', c.thermometer.port, c.thermometer.baudRate), c.thermometer, sink('thermometer'));
    if (c.scanner) this.scanner = new ScannerDriver(this.link('scanner', c.scanner.port, c.scanner.baudRate), c.scanner, sink('scanner'));
    if (c.gate.driver === 'lcus') this.gate = new LcusGateDriver(this.link('gate', c.gate.port, c.gate.baudRate), c.gate, this.trackers.get('gate')!);
  }

  private link(kind: DeviceKind, path: string, baudRate: number): SerialLink {
    const link = new SerialLink({ path, baudRate, maxBackoffMs: this.options.maxBackoffMs ?? 1000 });
    this.links.set(kind, link);
    return link;
  }

  /** The link of one device (tests and `devices test`). */
  linkOf(kind: DeviceKind): SerialLink | undefined {
    return this.links.get(kind);
  }

  private emit(event: DeviceEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A listener's failure is its own; the devices keep running.
      }
    }
  }

  onEvent(listener: DeviceEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  health(): DeviceHealth[] {
    return [...this.trackers.values()].map((t) => t.snapshot());
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const link of this.links.values()) link.start();
    this.idcard?.start();
    this.thermometer?.start();
    for (const t of this.trackers.values()) t.flush();
  }

  /** Resolves when every configured port is open, or rejects after `timeoutMs`. */
  async waitConnected(timeoutMs = 5000): Promise<void> {
    await Promise.all([...this.links.values()].map((l) => l.waitOpen(timeoutMs)));
  }

  async stop(): Promise<void> {
    await this.idcard?.stop();
    await this.thermometer?.stop();
    this.scanner?.stop();
    await this.gate.stop();
    for (const link of this.links.values()) await link.stop();
    for (const t of this.trackers.values()) t.dispose();
    this.started = false;
  }

  pulseGate(options?: { relay?: number; ms?: number }): Promise<GatePulseResult> {
    return this.gate.pulse(options);
  }

  readTemperature(timeoutMs = 3000): Promise<TemperatureReading> {
    if (!this.thermometer) return Promise.resolve({ valid: false, reason: 'PORT_UNAVAILABLE', rawCelsius: null });
    return this.thermometer.nextReading(timeoutMs);
  }
}
