// The device layer as core sees it: what a card, a temperature, a scanned code and a device's health
// look like, and the interface the passage flow programs against. native-bridge/ implements it over
// serial ports (devices spec §1–4); nothing here touches a port, so core stays testable without one.
import type { DeviceReason } from '../../contract/reasons.js';

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

/** One temperature outcome. A reading outside the plausible range is invalid, never a temperature (spec §2). */
export type TemperatureReading =
  | { valid: true; celsius: number; rawCelsius: number; samples: number }
  | { valid: false; reason: DeviceReason; rawCelsius: number | null };

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
