// The device layer as core sees it: what a card, a temperature, a scanned code and a device's health
// look like, and the interface the passage flow programs against. native-bridge/ implements it over
// serial ports (devices spec §1–4); nothing here touches a port, so core stays testable without one.
import type { DeviceReason } from '../../contract/reasons.js';
import type { GateConfig, IdCardConfig, ScannerConfig, ThermometerConfig } from './config.js';

export type DeviceKind = 'idcard' | 'thermometer' | 'scanner' | 'gate';
export const DEVICE_KINDS: readonly DeviceKind[] = ['idcard', 'thermometer', 'scanner', 'gate'];

/** A code and its names in both screen languages (GB/T 2261.1 sex, GB/T 3304 ethnic group). */
export interface CodedValue {
  code: string;
  zh: string;
  en: string;
}

/** Card type byte at text offset 248 (devices spec §1): ' ' resident, 'J' HK/Macao/Taiwan, 'I'/'Y' foreign permanent. */
export type CardType = ' ' | 'J' | 'I' | 'Y';
/** Document type as health-code spec §1 names it (`dt`). */
export type CardDocType = 'CN' | 'HMT' | 'FP';

/** The raw photo (1024 bytes, vendor WLT format, devices spec §1) and, when a decoder is installed, its bitmap. */
export interface CardPhoto {
  format: 'wlt';
  bytes: Uint8Array;
  decoded: { width: number; height: number; mimeType: string; data: Uint8Array } | null;
}

/**
 * A card read and decoded from its 256-byte text block. Personal data: never log it; mask `idNumber`
 * and `name` on screens and exports unless an admin asks (maskDocumentNumber / maskName).
 */
export interface DecodedCard {
  cardType: CardType;
  docType: CardDocType;
  /** Chinese name (resident, J, Y; I when printed), padding removed. */
  name: string;
  /** Latin name of foreign permanent residents (I: 0–119; Y: 52 continued at 220). */
  nameEn: string | null;
  sex: CodedValue;
  /** Resident cards only. */
  ethnicGroup: CodedValue | null;
  /** ISO date YYYY-MM-DD. */
  birthDate: string;
  address: string | null;
  /** Resident / J / Y: 18 characters, MOD 11-2 checked; I: 15-character permit number. */
  idNumber: string;
  authority: string | null;
  /** ISO date. */
  validFrom: string;
  /** ISO date, or null for 长期 (no expiry). */
  validTo: string | null;
  /** J: 9-character pass number. */
  passNumber: string | null;
  /** J: issue count. */
  issueCount: string | null;
  /** I: nationality; Y: country code (GB/T 2659 three letters). */
  nationality: string | null;
  /** I only. */
  cardVersion: string | null;
  /** I only. */
  authorityCode: string | null;
  photo: CardPhoto;
}

/**
 * One temperature outcome. A reading outside the plausible range is invalid, never a temperature (spec §2).
 * `rawCelsius` is the sensor's value; `celsius` the calibrated one (raw × gain + offsetC, the
 * thermometer's settings), also given for THERMO_OUT_OF_RANGE so a calibration screen shows both.
 */
export type TemperatureReading =
  | { valid: true; celsius: number; rawCelsius: number; samples: number }
  | { valid: false; reason: DeviceReason; rawCelsius: number | null; celsius?: number };

export interface DeviceHealth {
  device: DeviceKind;
  /** False when no port is configured for it (or the gate driver is `none`). */
  configured: boolean;
  connected: boolean;
  /** The port path, or null. Not personal data. */
  port: string | null;
  /** Epoch ms of the last frame that passed its checks. */
  lastGoodFrameAt: number | null;
  /** Errors since start, counted by reason. */
  errors: Partial<Record<DeviceReason, number>>;
  lastError: DeviceReason | null;
  /**
   * Why the device cannot be used now, or null when it works: PORT_UNAVAILABLE (port missing or
   * busy), or, for a device that is polled, the last error while it gave no valid frame within its
   * period (FRAME_TIMEOUT when it answered nothing). The passage does not wait for a faulty device.
   */
  fault: DeviceReason | null;
  /** Plain words for the guard and the log (port and frame facts, never personal data). */
  detail: string | null;
}

export type DeviceEvent =
  | { type: 'card-presented'; at: number; card: DecodedCard }
  /** A card was on the reader but could not be read or failed its checks. */
  | { type: 'card-rejected'; at: number; reason: DeviceReason }
  | { type: 'card-removed'; at: number }
  | { type: 'temperature'; at: number; reading: TemperatureReading }
  /** Text exactly as the scanner sent it (bytes as Latin-1), never trimmed. */
  | { type: 'scanner-text'; at: number; text: string }
  | { type: 'health'; at: number; health: DeviceHealth };

export type DeviceEventListener = (event: DeviceEvent) => void;

export type GatePulseResult =
  | { ok: true; driver: 'lcus' | 'none'; relay: number; ms: number }
  | { ok: false; reason: DeviceReason };

/**
 * One frame on a device's line, for the integrator's live frame log (native-bridge/README.md, "Frame
 * log"): each command and reply both ways, and what went wrong (a checksum, a timeout, bytes
 * skipped) as an error. Never personal data: an ID card's read reply shows its header and length
 * only, a scanned code its length and first bytes only.
 */
export interface FrameLogEntry {
  /** Epoch ms (the device clock). */
  at: number;
  device: DeviceKind;
  /** tx: the kiosk sent it; rx: the device sent it (or, for a timeout, did not). */
  dir: 'tx' | 'rx';
  /** Bytes as spaced hex, the first 96 at most then "…(N bytes)"; empty for a timeout. */
  hex: string;
  /** In protocol words: "Modbus read 1 reg @0 fn 3", "reply 36.6 °C raw 366", "checksum error". */
  meaning: string;
  /** Set when the frame failed its checks, was skipped as garbage, or never came. */
  error: DeviceReason | null;
}

export type FrameListener = (entry: FrameLogEntry) => void;

export interface SerialPortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  manufacturer?: string;
  serialNumber?: string;
}

/** Settings of one device as the configuration holds them (null: not fitted; the gate: { driver: 'none' }). */
export interface DeviceSettings {
  idcard: IdCardConfig | null;
  thermometer: ThermometerConfig | null;
  scanner: ScannerConfig | null;
  gate: GateConfig;
}

/**
 * Applying a device change: either the new settings are in use and were proven (port open and, for a
 * device that answers, a valid frame), or they were refused and the previous working settings still
 * run. CONFIG_INVALID: the settings fail the device's schema (an unknown protocol, a baud of 0).
 */
export type ApplyDeviceResult = { ok: true; proven: string } | { ok: false; reason: DeviceReason | 'CONFIG_INVALID'; message: string };

export interface TestDeviceOptions {
  /** How long to wait for a card, a reading or a scan (default 10 s; the gate ignores it). */
  timeoutMs?: number;
  /** Gate: relay and pulse length (default the configured ones). */
  relay?: number;
  ms?: number;
}

/**
 * A device test as the admin screen runs it. It observes the normal event stream: a card or code read
 * during a test is also a normal card-presented / scanner-text event, so the passage flow keeps
 * deciding while an integrator tests. The card is returned whole: core masks it before it is shown.
 */
export type DeviceTestResult =
  | { ok: true; device: 'idcard'; card: DecodedCard }
  | { ok: true; device: 'thermometer'; reading: TemperatureReading }
  | { ok: true; device: 'scanner'; text: string }
  | { ok: true; device: 'gate'; pulse: Extract<GatePulseResult, { ok: true }> }
  | { ok: false; device: DeviceKind; reason: DeviceReason; message: string };

/** What core calls. native-bridge's DeviceManager implements it. */
export interface DeviceHub {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Subscribes to every device event; returns the unsubscribe function. */
  onEvent(listener: DeviceEventListener): () => void;
  health(): DeviceHealth[];
  /** Pulses the configured gate relay (devices spec §4); `none` succeeds without doing anything. */
  pulseGate(options?: { relay?: number; ms?: number }): Promise<GatePulseResult>;
  /** Waits for the next stable temperature reading (or THERMO_NO_STABLE_READING / PORT_UNAVAILABLE). */
  readTemperature(timeoutMs?: number): Promise<TemperatureReading>;

  // ---- device setup on site (the admin console's devices screen). Optional: hubs without serial
  // ports (test doubles, a kiosk without native-bridge) leave them out, and core answers that the
  // device setup is unavailable. ----

  /** Subscribes to the live frame log; returns the unsubscribe function. */
  onFrame?(listener: FrameListener): () => void;
  /** The most recent frames, oldest first (of one device, or all), at most `limit` (default 100). */
  recentFrames?(device?: DeviceKind, limit?: number): FrameLogEntry[];
  /** The serial ports present. Never throws: no ports or no udev gives an empty list and the why. */
  listPorts?(): Promise<{ ports: SerialPortInfo[]; problem: string | null }>;
  /**
   * Replaces one device's settings (null: remove it) while the others keep running. The previous
   * working settings stay in use until the new ones are proven within `proveWithinMs` (default 3 s).
   */
  applyDevice?(kind: DeviceKind, settings: unknown, options?: { proveWithinMs?: number }): Promise<ApplyDeviceResult>;
  /** The settings each device runs with now (what applyDevice last proved). */
  deviceSettings?(): DeviceSettings;
  /** Reads a card, a temperature, a scan, or pulses the gate (see DeviceTestResult). */
  testDevice?(kind: DeviceKind, options?: TestDeviceOptions): Promise<DeviceTestResult>;
}

/** One relay pulse a gate simulator saw (devices spec §4: on, wait, off). */
export interface GatePulseRecord {
  relay: number;
  onAt: number;
  offAt: number;
  ms: number;
}

/**
 * The embedded demo: simulators on pseudo-terminal pairs, and the host-side port paths a DeviceHub
 * opens. native-bridge's startDemoDevices() returns it.
 */
export interface DemoDevices {
  /** Host-side port path per device (what the kiosk's device config points at). */
  links: Record<DeviceKind, string>;
  idcard: { present(personKey: string): void; remove(): void };
  /** null: nobody in front of the sensor (it reads the ambient temperature). */
  thermometer: {
    setTemperature(celsius: number | null): void;
    /**
     * The next person steps up: the sensor reads the room for a moment, then whatever temperature is
     * set. A reading belongs to one passage (docs/door-passage.md), so a demo person who scans
     * without stepping up would be measured by nobody. Resolves once the new reading has been sent.
     */
    nextPerson(): Promise<void>;
  };
  scanner: { send(text: string): Promise<void> };
  gate: { readonly pulses: readonly GatePulseRecord[] };
  stop(): Promise<void>;
}
