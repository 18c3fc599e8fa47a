// Device configuration: which port each peripheral is on and how it speaks. Protocol settings that
// vary by vendor are configurable because devices spec §2 says sources disagree (register, scale,
// signedness, function code). The kiosk configuration embeds `DevicesConfigSchema` as its `devices`.
import { z } from 'zod';

const port = z.string().min(1);
const baudRate = z.number().int().positive();

export const IdCardConfigSchema = z.object({
  port,
  /** Devices spec §1: 115200 by default (57600/38400/19200/9600 selectable). */
  baudRate: baudRate.default(115200),
  /**
   * How often the reader is asked "is a card there?" (find, 20 01). A find and its "no card" reply
   * are 21 bytes, about 1.8 ms of wire at 115200 baud, so polling every 25 ms keeps the line under
   * 10% busy while a placed card waits at most one interval before its read starts (the devices benchmark's target, bench/devices.bench.ts:
   * card presented → decoded card within wire time + 30 ms).
   */
  pollIntervalMs: z.number().int().min(10).default(25),
  /** Find/select time out after this; a read after this plus the wire time of its reply. */
  commandTimeoutMs: z.number().int().min(50).default(400),
  /** Bounded retries of one command after a timeout or a damaged reply. */
  retries: z.number().int().min(0).max(5).default(2),
  /** Read attempts for one presentation before it is reported as rejected. */
  readAttempts: z.number().int().min(1).max(5).default(3),
  /** Consecutive "no card" answers before a card counts as removed (one RF miss is not a removal). */
  removeAfterMisses: z.number().int().min(1).max(10).default(2),
});

export const ThermometerProtocolSchema = z.discriminatedUnion('name', [
  z.object({
    name: z.literal('modbus-rtu'),
    address: z.number().int().min(1).max(247).default(1),
    function: z.union([z.literal(3), z.literal(4)]).default(3),
    register: z.number().int().min(0).max(0xffff).default(0),
    count: z.number().int().min(1).max(125).default(1),
    /** Which of the returned registers holds the temperature. */
    valueIndex: z.number().int().min(0).default(0),
    scale: z.number().positive().default(0.1),
    signed: z.boolean().default(true),
  }),
  z.object({
    name: z.literal('gy-mcu90614'),
    /** query: ask each poll (A5 15 BA); continuous: ask once (A5 45 EA) and listen. */
    mode: z.enum(['query', 'continuous']).default('query'),
  }),
  z.object({ name: z.literal('lu90614') }),
  z.object({
    name: z.literal('ascii-line'),
    /** Sent each poll when set (latin-1); modules that stream need none. */
    query: z.string().nullable().default(null),
  }),
]);

export const ThermometerConfigSchema = z.object({
  port,
  baudRate: baudRate.default(9600),
  protocol: ThermometerProtocolSchema,
  /** Devices spec §2: plausible body range, default 30.0–43.0 °C. */
  minC: z.number().default(30),
  maxC: z.number().default(43),
  /** Added to every reading (site calibration against a reference thermometer). */
  offsetC: z.number().min(-5).max(5).default(0),
  pollIntervalMs: z.number().int().min(20).default(200),
  replyTimeoutMs: z.number().int().min(20).default(500),
  /** A module that streams (no query) and stays silent this long counts as FRAME_TIMEOUT. */
  streamTimeoutMs: z.number().int().min(100).default(2000),
  /** Stable-reading rule: the median of the last `stableSamples` readings once their spread ≤ `stableSpreadC`. */
  stableSamples: z.number().int().min(1).max(20).default(3),
  stableSpreadC: z.number().min(0).default(0.3),
});

export const ScannerConfigSchema = z.object({
  port,
  baudRate: baudRate.default(9600),
  /** Devices spec §3: a code also ends after this much silence (modules that send no terminator). */
  idleGapMs: z.number().int().min(5).default(50),
  /** Longest code accepted; longer input is dropped as SCANNER_OVERLONG (bounds the buffer). */
  maxLength: z.number().int().min(16).max(65536).default(4096),
  /** Hex bytes sent to trigger a read (e.g. Grow GM `7E 00 08 01 00 02 01 AB CD`), or null. */
  triggerHex: z.string().nullable().default(null),
});

export const GateConfigSchema = z.discriminatedUnion('driver', [
  z.object({
    driver: z.literal('lcus'),
    port,
    baudRate: baudRate.default(9600),
    relay: z.number().int().min(1).max(8).default(1),
    pulseMs: z.number().int().min(20).max(10_000).default(500),
  }),
  z.object({ driver: z.literal('none') }),
]);

export const DevicesConfigSchema = z.object({
  idcard: IdCardConfigSchema.nullable().default(null),
  thermometer: ThermometerConfigSchema.nullable().default(null),
  scanner: ScannerConfigSchema.nullable().default(null),
  gate: GateConfigSchema.default({ driver: 'none' }),
});

export type IdCardConfig = z.infer<typeof IdCardConfigSchema>;
export type ThermometerProtocol = z.infer<typeof ThermometerProtocolSchema>;
export type ThermometerConfig = z.infer<typeof ThermometerConfigSchema>;
export type ScannerConfig = z.infer<typeof ScannerConfigSchema>;
export type GateConfig = z.infer<typeof GateConfigSchema>;
export type DevicesConfig = z.infer<typeof DevicesConfigSchema>;
/** What a caller writes: defaults may be left out. */
export type DevicesConfigInput = z.input<typeof DevicesConfigSchema>;

export function parseDevicesConfig(input: unknown): DevicesConfig {
  return DevicesConfigSchema.parse(input);
}
