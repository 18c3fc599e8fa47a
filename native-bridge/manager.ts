// The device manager: opens the configured ports, keeps them open across unplug and
// replug, runs one driver per device, and turns what they see into typed DeviceEvents for core.
// It implements core's DeviceHub, so core never imports this file or serialport.
//
// On site an integrator changes one device at a time (applyDevice): only that device's link and
// driver are replaced, the others keep running, and the previous working settings stay in use until
// the new ones are proven (native-bridge/README.md, "Applying a device change"). Every frame both
// ways goes to a small ring per device and to whoever listens (the live frame log).
import { existsSync } from 'node:fs';
import type { DeviceReason } from '../src/contract/reasons.js';
import { GateConfigSchema, IdCardConfigSchema, ScannerConfigSchema, ThermometerConfigSchema, parseDevicesConfig, type DevicesConfig, type DevicesConfigInput } from '../src/core/devices/config.js';
import type {
  ApplyDeviceResult,
  DeviceEvent,
  DeviceEventListener,
  DeviceHealth,
  DeviceHub,
  DeviceKind,
  DeviceSettings,
  DeviceTestResult,
  FrameListener,
  FrameLogEntry,
  GatePulseResult,
  SerialPortInfo,
  TemperatureReading,
  TestDeviceOptions,
} from '../src/core/devices/types.js';
import { HealthTracker } from './drivers/health.js';
import { IdCardDriver, type PhotoDecoder } from './drivers/idcard-driver.js';
import { ThermometerDriver } from './drivers/thermometer-driver.js';
import { ScannerDriver } from './drivers/scanner-driver.js';
import { LcusGateDriver, NoGateDriver, type GateDriver } from './drivers/gate-driver.js';
import { hexOf, type DriverSink, type FrameRecorder } from './drivers/sink.js';
import { listPorts } from './ports.js';
import { deviceClock, type Clock } from './serial/clock.js';
import type { DeviceLink } from './serial/device-link.js';
import { SerialLink } from './serial/link.js';

export interface DeviceManagerOptions {
  photoDecoder?: PhotoDecoder;
  /** Upper bound of the reconnect backoff (default 1000 ms: back within 2 s of a port reappearing). */
  maxBackoffMs?: number;
  /** Timers and timestamps of the drivers (default the system clock); unit tests pass a ManualClock. */
  clock?: Clock;
  /** Makes a device's link (default a SerialLink); unit tests hand out MemoryLinkPair ends. */
  openLink?: (kind: DeviceKind, path: string, baudRate: number) => DeviceLink;
  /** Frames kept per device for recentFrames() (default 250). */
  framesPerDevice?: number;
}

/** One device as it runs: its link (null when not fitted), driver, and health tracker. */
interface Unit {
  kind: DeviceKind;
  link: DeviceLink | null;
  tracker: HealthTracker;
  idcard: IdCardDriver | null;
  thermometer: ThermometerDriver | null;
  scanner: ScannerDriver | null;
  gate: GateDriver;
  /** False while a candidate is being proven: its health is not published yet. */
  live: boolean;
}

const DEFAULT_PROVE_MS = 3000;

function portOf(kind: DeviceKind, c: DevicesConfig): string | null {
  if (kind === 'gate') return c.gate.driver === 'lcus' ? c.gate.port : null;
  return c[kind]?.port ?? null;
}

function baudOf(kind: DeviceKind, c: DevicesConfig): number | null {
  if (kind === 'gate') return c.gate.driver === 'lcus' ? c.gate.baudRate : null;
  return c[kind]?.baudRate ?? null;
}

/** The device's settings checked with its contract schema (null removes it; the gate's null is `none`). */
function parseSettings(kind: DeviceKind, settings: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const schema = kind === 'idcard' ? IdCardConfigSchema : kind === 'thermometer' ? ThermometerConfigSchema : kind === 'scanner' ? ScannerConfigSchema : GateConfigSchema;
  if (settings === null || settings === undefined) return { ok: true, value: kind === 'gate' ? { driver: 'none' } : null };
  const parsed = schema.safeParse(settings);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0]!;
  const path = [`devices.${kind}`, ...issue.path.map(String)].join('.');
  return { ok: false, message: `${path}: ${issue.message}` };
}

/** A fixed-size ring of the latest frames of one device. */
class FrameRing {
  private readonly items: Array<{ seq: number; entry: FrameLogEntry }> = [];
  private next = 0;

  constructor(private readonly size: number) {}

  push(seq: number, entry: FrameLogEntry): void {
    if (this.items.length < this.size) this.items.push({ seq, entry });
    else this.items[this.next] = { seq, entry };
    this.next = (this.next + 1) % this.size;
  }

  /** Oldest first. */
  all(): Array<{ seq: number; entry: FrameLogEntry }> {
    return this.items.length < this.size ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

export class DeviceManager implements DeviceHub {
  /** The settings each device runs with (applyDevice replaces one device's part once proven). */
  config: DevicesConfig;
  private readonly listeners = new Set<DeviceEventListener>();
  private readonly frameListeners = new Set<FrameListener>();
  private readonly frameRings = new Map<DeviceKind, FrameRing>();
  private frameSeq = 0;
  private readonly units = new Map<DeviceKind, Unit>();
  private readonly clock: Clock;
  idcard: IdCardDriver | null = null;
  thermometer: ThermometerDriver | null = null;
  scanner: ScannerDriver | null = null;
  gate: GateDriver = new NoGateDriver();
  private started = false;
  /** Device changes apply one at a time. */
  private applyQueue: Promise<unknown> = Promise.resolve();

  constructor(
    config: DevicesConfigInput,
    private readonly options: DeviceManagerOptions = {},
  ) {
    this.config = parseDevicesConfig(config);
    this.clock = options.clock ?? deviceClock;
    for (const kind of ['idcard', 'thermometer', 'scanner', 'gate'] as const) {
      this.frameRings.set(kind, new FrameRing(options.framesPerDevice ?? 250));
      this.install(this.build(kind, this.config, true));
    }
  }

  /** A device's link, driver and tracker for the settings in `c` (nothing is started). */
  private build(kind: DeviceKind, c: DevicesConfig, live: boolean): Unit {
    const port = portOf(kind, c);
    // The tracker publishes through the unit, so a candidate's health stays quiet until it is swapped in.
    const unit: Unit = { kind, link: null, tracker: null as unknown as HealthTracker, idcard: null, thermometer: null, scanner: null, gate: new NoGateDriver(), live };
    unit.tracker = new HealthTracker(kind, port, (health) => unit.live && this.emit({ type: 'health', at: this.clock.now(), health }), 250, () => this.clock.now(), this.options.clock);
    // Polled devices must give a valid frame within their period or are shown faulty
    // (docs/door-passage.md, device health): two poll cycles with their reply timeouts for the
    // thermometer (one lost reply is not a fault), every retry of one command for the card reader.
    if (kind === 'thermometer' && c.thermometer) {
      const t = c.thermometer;
      const streams = t.protocol.name === 'ascii-line' ? t.protocol.query === null : t.protocol.name === 'gy-mcu90614' && t.protocol.mode === 'continuous';
      unit.tracker.expectValidFrameWithin(streams ? t.streamTimeoutMs : 2 * (t.pollIntervalMs + t.replyTimeoutMs));
    }
    if (kind === 'idcard' && c.idcard) {
      // Plus the wire time of the longest reply (a read: 1295 bytes, 10 bits a byte), slow at 9600 baud.
      const readWireMs = Math.ceil((1295 * 10 * 1000) / c.idcard.baudRate);
      unit.tracker.expectValidFrameWithin(Math.max(1000, (c.idcard.retries + 1) * c.idcard.commandTimeoutMs + 2 * c.idcard.pollIntervalMs + readWireMs));
    }
    if (port === null) return unit;
    const link = this.openLink(kind, port, baudOf(kind, c)!);
    unit.link = link;
    const frame: FrameRecorder = (dir, bytes, meaning, error, totalBytes) => this.recordFrame(kind, dir, bytes, meaning, error ?? null, totalBytes);
    const sink: DriverSink = { emit: (e: DeviceEvent) => this.emit(e), health: unit.tracker, frame };
    const driverOptions = { clock: this.clock };
    if (kind === 'idcard' && c.idcard) unit.idcard = new IdCardDriver(link, c.idcard, sink, this.options.photoDecoder, driverOptions);
    if (kind === 'thermometer' && c.thermometer) unit.thermometer = new ThermometerDriver(link, c.thermometer, sink, driverOptions);
    if (kind === 'scanner' && c.scanner) unit.scanner = new ScannerDriver(link, c.scanner, sink, driverOptions);
    if (kind === 'gate' && c.gate.driver === 'lcus') unit.gate = new LcusGateDriver(link, c.gate, sink, driverOptions);
    return unit;
  }

  private openLink(kind: DeviceKind, path: string, baudRate: number): DeviceLink {
    if (this.options.openLink) return this.options.openLink(kind, path, baudRate);
    return new SerialLink({ path, baudRate, maxBackoffMs: this.options.maxBackoffMs ?? 1000 });
  }

  /** Makes `unit` the one in use for its device. */
  private install(unit: Unit): void {
    this.units.set(unit.kind, unit);
    if (unit.kind === 'idcard') this.idcard = unit.idcard;
    if (unit.kind === 'thermometer') this.thermometer = unit.thermometer;
    if (unit.kind === 'scanner') this.scanner = unit.scanner;
    if (unit.kind === 'gate') this.gate = unit.gate;
  }

  private startUnit(unit: Unit): void {
    unit.link?.start();
    unit.idcard?.start();
    unit.thermometer?.start();
  }

  private async stopUnit(unit: Unit): Promise<void> {
    await unit.idcard?.stop();
    await unit.thermometer?.stop();
    unit.scanner?.stop();
    await unit.gate.stop();
    await unit.link?.stop();
    unit.tracker.dispose();
  }

  /** The link of one device (tests and `devices test`). */
  linkOf(kind: DeviceKind): DeviceLink | undefined {
    return this.units.get(kind)?.link ?? undefined;
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
    return [...this.units.values()].map((u) => u.tracker.snapshot());
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const unit of this.units.values()) unit.link?.start();
    this.idcard?.start();
    this.thermometer?.start();
    for (const unit of this.units.values()) unit.tracker.flush();
  }

  /** Resolves when every configured port is open, or rejects after `timeoutMs`. */
  async waitConnected(timeoutMs = 5000): Promise<void> {
    await Promise.all([...this.units.values()].flatMap((u) => (u.link ? [u.link.waitOpen(timeoutMs)] : [])));
  }

  async stop(): Promise<void> {
    await this.applyQueue;
    for (const unit of this.units.values()) await this.stopUnit(unit);
    this.started = false;
  }

  pulseGate(options?: { relay?: number; ms?: number }): Promise<GatePulseResult> {
    return this.gate.pulse(options);
  }

  readTemperature(timeoutMs = 3000): Promise<TemperatureReading> {
    if (!this.thermometer) return Promise.resolve({ valid: false, reason: 'PORT_UNAVAILABLE', rawCelsius: null });
    return this.thermometer.nextReading(timeoutMs);
  }

  // ---- the frame log ----

  /**
   * One frame into the device's ring and to the listeners. The cost is bounded per frame whether or
   * not anyone listens: at most 96 bytes become hex, the meaning is a short template string.
   */
  private recordFrame(device: DeviceKind, dir: 'tx' | 'rx', bytes: Uint8Array | null, meaning: string, error: DeviceReason | null, totalBytes?: number): void {
    const entry: FrameLogEntry = { at: this.clock.now(), device, dir, hex: hexOf(bytes, totalBytes ?? bytes?.length ?? 0), meaning, error };
    this.frameRings.get(device)!.push(this.frameSeq++, entry);
    if (this.frameListeners.size === 0) return;
    for (const l of [...this.frameListeners]) {
      try {
        l(entry);
      } catch {
        // A log viewer's failure never reaches a driver.
      }
    }
  }

  onFrame(listener: FrameListener): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  recentFrames(device?: DeviceKind, limit = 100): FrameLogEntry[] {
    const rings = device ? [this.frameRings.get(device)!] : [...this.frameRings.values()];
    const all = rings.flatMap((r) => r.all());
    if (!device) all.sort((a, b) => a.seq - b.seq);
    return all.slice(Math.max(0, all.length - limit)).map((x) => x.entry);
  }

  // ---- device setup on site ----

  async listPorts(): Promise<{ ports: SerialPortInfo[]; problem: string | null }> {
    try {
      const list = await listPorts();
      const ports = list.ports.map((p) => {
        const info: SerialPortInfo = { path: p.path };
        if (p.vendorId) info.vendorId = p.vendorId;
        if (p.productId) info.productId = p.productId;
        if (p.manufacturer) info.manufacturer = p.manufacturer;
        if (p.serialNumber) info.serialNumber = p.serialNumber;
        return info;
      });
      return { ports, problem: list.note };
    } catch (err) {
      return { ports: [], problem: `no ports found (${err instanceof Error ? err.message : String(err)})` };
    }
  }

  deviceSettings(): DeviceSettings {
    const c = this.config;
    return { idcard: c.idcard, thermometer: c.thermometer, scanner: c.scanner, gate: c.gate };
  }

  applyDevice(kind: DeviceKind, settings: unknown, options: { proveWithinMs?: number } = {}): Promise<ApplyDeviceResult> {
    const run = () => this.applyNow(kind, settings, options.proveWithinMs ?? DEFAULT_PROVE_MS);
    const result = this.applyQueue.then(run, run);
    this.applyQueue = result.catch(() => {});
    return result;
  }

  private async applyNow(kind: DeviceKind, settings: unknown, proveMs: number): Promise<ApplyDeviceResult> {
    const parsed = parseSettings(kind, settings);
    if (!parsed.ok) return { ok: false, reason: 'CONFIG_INVALID', message: parsed.message };
    const next = { ...this.config, [kind]: parsed.value } as DevicesConfig;
    const old = this.units.get(kind)!;
    const oldPort = portOf(kind, this.config);
    const newPort = portOf(kind, next);
    if (!this.started || newPort === null) {
      // Nothing to prove: the devices are not running yet, or the device is being removed.
      await this.stopUnit(old);
      const unit = this.build(kind, next, true);
      this.install(unit);
      this.config = next;
      if (this.started) unit.tracker.flush();
      return { ok: true, proven: newPort === null ? `${kind} removed` : `${kind} settings stored (devices not running)` };
    }
    // One port, one user: the old driver lets go before the new one opens the same path.
    const samePort = oldPort === newPort;
    if (samePort) {
      await this.stopUnit(old);
      // The stopped driver no longer reports its link closing: say so, or the passage would wait for
      // a reading from a thermometer that is not running (docs/door-passage.md, device health).
      old.tracker.pause(`port ${oldPort} paused while new settings are tried (up to ${Math.round(proveMs / 100) / 10} s)`);
    }
    const candidate = this.build(kind, next, false);
    const proof = await this.prove(candidate, next, proveMs);
    if (!proof.ok) {
      await this.stopUnit(candidate);
      if (samePort) {
        // The old settings worked on this port: run them again.
        const restored = this.build(kind, this.config, true);
        this.install(restored);
        this.startUnit(restored);
        restored.tracker.flush();
      }
      return proof;
    }
    if (!samePort) await this.stopUnit(old);
    candidate.live = true;
    this.install(candidate);
    this.config = next;
    candidate.tracker.flush();
    return proof;
  }

  /**
   * Opens the candidate and proves it: the port opens, and a device that answers (the thermometer and
   * the card reader, both polled) gives a frame that passes its checks. The scanner only talks when
   * it scans and an LCUS relay never answers (devices spec §4), so for them an open port is the proof.
   */
  private async prove(unit: Unit, c: DevicesConfig, proveMs: number): Promise<ApplyDeviceResult> {
    const link = unit.link!;
    const startedAt = this.clock.now();
    const seconds = `${Math.round(proveMs / 100) / 10} s`;
    let framed = false;
    unit.tracker.onGoodFrame = () => {
      framed = true;
    };
    this.startUnit(unit);
    try {
      await link.waitOpen(proveMs);
    } catch {
      unit.tracker.onGoodFrame = null;
      return { ok: false, reason: 'PORT_UNAVAILABLE', message: this.openProblem(link, seconds) };
    }
    const opened = `port ${link.path} opened at ${link.baudRate} baud`;
    if (unit.kind === 'scanner' || unit.kind === 'gate') {
      unit.tracker.onGoodFrame = null;
      return { ok: true, proven: opened };
    }
    const what = unit.kind === 'thermometer' ? `with ${c.thermometer!.protocol.name}` : 'from the card reader';
    if (!framed) {
      const remaining = Math.max(0, proveMs - (this.clock.now() - startedAt));
      framed = await new Promise<boolean>((resolve) => {
        const timer = this.clock.setTimer(remaining, () => resolve(false));
        unit.tracker.onGoodFrame = () => {
          this.clock.clearTimer(timer);
          resolve(true);
        };
      });
    }
    unit.tracker.onGoodFrame = null;
    if (framed) return { ok: true, proven: `${opened}; valid reply ${what}` };
    const lastError = unit.tracker.snapshot().lastError;
    const why = lastError && lastError !== 'FRAME_TIMEOUT' ? ` (last error ${lastError})` : '';
    return { ok: false, reason: 'FRAME_TIMEOUT', message: `no valid reply at ${link.baudRate} baud ${what} in ${seconds}${why}` };
  }

  /** Why a port did not open: missing, busy (serialport: "Resource busy", EBUSY, "Cannot lock port"), or its own words. */
  private openProblem(link: DeviceLink, seconds: string): string {
    const err = link.lastOpenError;
    if (err && /busy|lock/i.test(err)) return `port ${link.path} is busy: another program holds it (${err})`;
    if ((err && err.startsWith('no such port')) || (!err && !existsSync(link.path))) return `no such port ${link.path}`;
    if (err) return `cannot open ${link.path}: ${err}`;
    return `port ${link.path} did not open in ${seconds}`;
  }

  testDevice(kind: DeviceKind, options: TestDeviceOptions = {}): Promise<DeviceTestResult> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const unit = this.units.get(kind)!;
    const fail = (reason: DeviceReason, message: string): DeviceTestResult => ({ ok: false, device: kind, reason, message });
    if (kind === 'gate') {
      return this.gate.pulse({ ...(options.relay !== undefined ? { relay: options.relay } : {}), ...(options.ms !== undefined ? { ms: options.ms } : {}) }).then((r) =>
        r.ok ? { ok: true, device: 'gate', pulse: r } : fail(r.reason, `relay not pulsed: ${unit.link ? `port ${unit.link.path} is not open` : 'no relay'}`),
      );
    }
    if (!unit.link) return Promise.resolve(fail('PORT_UNAVAILABLE', `no ${kind} configured`));
    if (!unit.link.connected) return Promise.resolve(fail('PORT_UNAVAILABLE', `port ${unit.link.path} is not open`));
    const seconds = `${Math.round(timeoutMs / 100) / 10} s`;
    if (kind === 'thermometer') {
      return this.readTemperature(timeoutMs).then((reading) =>
        reading.valid || reading.reason === 'THERMO_OUT_OF_RANGE'
          ? { ok: true, device: 'thermometer', reading }
          : fail(reading.reason, reading.reason === 'THERMO_NO_STABLE_READING' ? `no stable reading in ${seconds}` : `no reading (${reading.reason})`),
      );
    }
    // The card reader and the scanner: the test watches the normal event stream (DeviceTestResult),
    // so the passage flow sees the same card or code.
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        off();
        resolve(
          fail(
            'FRAME_TIMEOUT',
            kind === 'idcard' ? `no card presented in ${seconds} (a card left on the reader is read once: lift it and present it again)` : `no code scanned in ${seconds}`,
          ),
        );
      });
      const off = this.onEvent((e) => {
        let result: DeviceTestResult | null = null;
        if (kind === 'idcard' && e.type === 'card-presented') result = { ok: true, device: 'idcard', card: e.card };
        if (kind === 'idcard' && e.type === 'card-rejected') result = fail(e.reason, `card could not be read (${e.reason})`);
        if (kind === 'scanner' && e.type === 'scanner-text') result = { ok: true, device: 'scanner', text: e.text };
        if (!result) return;
        this.clock.clearTimer(timer);
        off();
        resolve(result);
      });
    });
  }
}
