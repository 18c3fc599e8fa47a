// The kiosk's configuration document (`<data dir>/config.json`), as one strict schema: every
// section, every key, its default and one line of meaning (`.describe`, from which the README's
// "Configuration" section is generated: scripts/config-doc.ts). It lives in the contract so the
// screens validate forms with the very schema core parses at start. Strict at every depth: a
// misspelt key is an error naming its path, never a silently ignored setting that leaves the kiosk
// on defaults the integrator did not choose (architecture.md, "Security boundaries").
import { z } from 'zod';
import { CameraConfigSchema, LanguageSchema } from './api.js';

const port = z.string().min(1).describe('serial device path, e.g. /dev/ttyUSB0');
const baudRate = z.number().int().positive();

export const pinnedRootSchema = z
  .strictObject({
    kid: z.string().min(1).describe('key id of the national root'),
    pub: z.string().min(1).describe('its public key (base64url)'),
  })
  .describe('a pinned national root key');

// ---- policy (health-code spec §4) ----
// A fever threshold is a body temperature: inside the thermometer's plausible range (devices spec §2,
// 30–43 °C) and around the spec's 37.3; outside 35–42 it is a slip (`-1` denies everyone, `3.75`).
const FEVER_RANGE = 'a body temperature from 35 to 42 °C (the spec\'s threshold is 37.3)';
export const venuePolicySchema = z.strictObject({
  maxTrustListAgeDays: z.number().positive().max(365, 'at most 365 days (a year)').default(14).describe('rule 1: a trust list older than this (from its `issued`) cannot admit'),
  maxStatusAgeHours: z.number().positive().max(8760, 'at most 8760 hours (a year)').default(24).describe('rule 3: a status assessed longer ago than this is stale'),
  requireTestWithinHours: z.number().positive().max(8760, 'at most 8760 hours (a year)').nullable().default(null).describe('rule 4: a negative test within this many hours is required; null: off'),
  feverThresholdC: z.number().min(35, FEVER_RANGE).max(42, FEVER_RANGE).default(37.3).describe('rule 6: the fever threshold in °C'),
  feverComparison: z.enum(['gte', 'gt']).default('gte').describe('rule 6: fever at ≥ (gte) or > (gt) the threshold (devices spec §2)'),
  requireTemperature: z.boolean().default(false).describe('rule 7: a passage without a temperature goes to review'),
  temperatureMissingWithThermometer: z
    .enum(['review', 'admit'])
    .default('review')
    .describe('rule 7 with a thermometer fitted: no reading goes to the guard (review) or passes (admit)'),
  cardOnlyAllowed: z.boolean().default(true).describe('card-alone table: an ID card without a code may be admitted'),
  maxStatusListAgeHours: z.number().positive().max(8760, 'at most 8760 hours (a year)').default(24).describe('a status list older than this is stale'),
  clockSkewSeconds: z.number().int().nonnegative().max(3600, 'at most 3600 seconds (an hour)').default(300).describe('verification clock skew allowance (spec §4)'),
  // Foreign credentials: EU Digital COVID Certificates, `HC1:` (docs/dcc-policy.md). Flat keys, not a
  // nested object: the policy screen, the fleet allow-list (policy.*) and the preview take one value per key.
  dccAccept: z.boolean().default(false).describe('foreign credentials (EU DCC, HC1:) may admit at all; off: every one is denied DCC_NOT_ACCEPTED (docs/dcc-policy.md)'),
  dccAcceptVaccination: z.boolean().default(true).describe('DCC: vaccination certificates are accepted (still complete and old enough)'),
  dccVaccinationMinDays: z.number().int().min(0).max(3650).default(14).describe('DCC: whole venue-local days from the dose that completed the series (dt) before it admits; a booster counts at once'),
  dccAcceptTest: z.boolean().default(true).describe('DCC: test certificates are accepted (still not detected, an accepted type and recent enough)'),
  dccTestNaatMaxHours: z.number().positive().max(8760).nullable().default(72).describe('DCC: a NAAT/PCR test (LP6464-4) admits up to this many hours after its sample (sc); null: NAAT not accepted'),
  dccTestRatMaxHours: z.number().positive().max(8760).nullable().default(24).describe('DCC: a rapid antigen test (LP217198-3) admits up to this many hours after its sample (sc); null: RAT not accepted'),
  // Coerced: `--set policy.dccTestNotDetectedCode=260415000` and the fleet page parse that as a JSON number.
  dccTestNotDetectedCode: z.coerce.string().regex(/^\d{1,18}$/, 'a SNOMED CT code (digits)').default('260415000').describe('DCC: the test result (tr) that means "not detected"; any other result is positive'),
  dccAcceptRecovery: z.boolean().default(true).describe('DCC: recovery certificates are accepted (valid from df to du, venue-local dates)'),
  dccRecoveryMaxDays: z.number().int().positive().max(3650).nullable().default(null).describe('DCC: also at most this many venue-local days since the first positive test (fr); null: the certificate\'s own df..du only'),
});

// ---- checkpoint (docs/door-passage.md) ----
export const checkpointConfigSchema = z.strictObject({
  collectWindowMs: z.number().int().min(200).max(60_000).default(2500).describe('how long a passage waits, from its first input, for the rest (card, code, temperature)'),
  resetAfterMs: z.number().int().min(500).max(120_000).default(4000).describe('how long a pass/stop result stays on screen'),
  duplicateWindowMs: z.number().int().min(0).max(600_000).default(10_000).describe('the same code or card again within this window makes no second entry'),
  antiPassbackMinutes: z.number().positive().max(7 * 24 * 60).nullable().default(null).describe('the same person admitted again within this many minutes goes to review; null: off'),
  waitForCardWithCode: z.boolean().default(false).describe('with a code, also wait (up to the window) for an ID card'),
  waitForCodeWithCard: z.boolean().default(true).describe('with a card alone, wait (up to the window) for a code'),
  reviewTimeoutMs: z.number().int().min(1000).nullable().default(30_000).describe('a review unanswered this long resets (the entry keeps review); null: waits for the guard'),
});

// ---- devices (devices spec §1–4) ----
export const IdCardConfigSchema = z
  .strictObject({
    port,
    baudRate: baudRate.default(115200).describe('devices spec §1: 115200 (57600/38400/19200/9600 selectable)'),
    pollIntervalMs: z.number().int().min(10).default(25).describe('how often the reader is asked whether a card is there'),
    commandTimeoutMs: z.number().int().min(50).default(400).describe('find/select time out after this; a read after this plus its wire time'),
    retries: z.number().int().min(0).max(5).default(2).describe('retries of one command after a timeout or a damaged reply'),
    readAttempts: z.number().int().min(1).max(5).default(3).describe('read attempts for one presentation before it is rejected'),
    removeAfterMisses: z.number().int().min(1).max(10).default(2).describe('consecutive "no card" answers before a card counts as removed'),
  })
  .describe('the ID card reader');

export const ThermometerProtocolSchema = z
  .discriminatedUnion('name', [
    z.strictObject({
      name: z.literal('modbus-rtu'),
      address: z.number().int().min(1).max(247).default(1).describe('Modbus slave address'),
      function: z.union([z.literal(3), z.literal(4)]).default(3).describe('read holding (3) or input (4) registers'),
      register: z.number().int().min(0).max(0xffff).default(0).describe('first register read'),
      count: z.number().int().min(1).max(125).default(1).describe('registers read'),
      valueIndex: z.number().int().min(0).default(0).describe('which of the returned registers holds the temperature'),
      scale: z.number().positive().default(0.1).describe('°C per register unit'),
      signed: z.boolean().default(true).describe('the register is signed'),
    }),
    z.strictObject({
      name: z.literal('gy-mcu90614'),
      mode: z.enum(['query', 'continuous']).default('query').describe('query: ask each poll; continuous: ask once and listen'),
    }),
    z.strictObject({ name: z.literal('lu90614') }),
    z.strictObject({
      name: z.literal('ascii-line'),
      query: z.string().nullable().default(null).describe('sent each poll when set (latin-1); streaming modules need none'),
    }),
  ])
  .describe('how the thermometer speaks: `name` is modbus-rtu, gy-mcu90614, lu90614 or ascii-line');

export const ThermometerConfigSchema = z
  .strictObject({
    port,
    baudRate: baudRate.default(9600).describe('line speed'),
    protocol: ThermometerProtocolSchema,
    minC: z.number().default(30).describe('devices spec §2: lowest plausible body temperature'),
    maxC: z.number().default(43).describe('devices spec §2: highest plausible body temperature'),
    offsetC: z.number().min(-5).max(5).default(0).describe('added to every reading (site calibration)'),
    gain: z
      .number()
      .min(0.5)
      .max(1.5)
      .default(1)
      .describe('two-point calibration: corrected = raw × gain + offsetC (from two reference temperatures; 1: offset only)'),
    pollIntervalMs: z.number().int().min(20).default(200).describe('how often the sensor is asked'),
    replyTimeoutMs: z.number().int().min(20).default(500).describe('a reply later than this is a timeout'),
    streamTimeoutMs: z.number().int().min(100).default(2000).describe('a streaming module silent this long is FRAME_TIMEOUT'),
    stableSamples: z.number().int().min(1).max(20).default(3).describe('a reading is the median of this many once their spread is small'),
    stableSpreadC: z.number().min(0).default(0.3).describe('the largest spread of a stable reading'),
  })
  .describe('the thermometer');

export const ScannerConfigSchema = z
  .strictObject({
    port,
    baudRate: baudRate.default(9600).describe('line speed'),
    idleGapMs: z.number().int().min(5).default(50).describe('devices spec §3: a code also ends after this much silence'),
    maxLength: z.number().int().min(16).max(65536).default(4096).describe('longest code accepted (longer is SCANNER_OVERLONG)'),
    triggerHex: z.string().nullable().default(null).describe('hex bytes sent to trigger a read, or null'),
  })
  .describe('the serial code scanner');

export const GateConfigSchema = z
  .discriminatedUnion('driver', [
    z.strictObject({
      driver: z.literal('lcus'),
      port,
      baudRate: baudRate.default(9600).describe('line speed'),
      relay: z.number().int().min(1).max(8).default(1).describe('relay channel that opens the gate'),
      pulseMs: z.number().int().min(20).max(10_000).default(500).describe('how long the relay closes'),
    }),
    z.strictObject({ driver: z.literal('none') }),
  ])
  .describe('the gate relay: `driver` lcus (USB relay) or none');

export const DevicesConfigSchema = z.strictObject({
  idcard: IdCardConfigSchema.nullable().default(null),
  thermometer: ThermometerConfigSchema.nullable().default(null),
  scanner: ScannerConfigSchema.nullable().default(null),
  gate: GateConfigSchema.default({ driver: 'none' }),
});

// ---- camera (overrides the built-in camera settings; command-line flags override these) ----
export const cameraSettingsSchema = z.strictObject({
  enabled: CameraConfigSchema.shape.enabled.optional().describe('use a camera'),
  deviceId: CameraConfigSchema.shape.deviceId.optional().describe('camera deviceId; null: the default camera'),
  width: CameraConfigSchema.shape.width.optional().describe('capture width in pixels'),
  height: CameraConfigSchema.shape.height.optional().describe('capture height in pixels'),
  frameRate: CameraConfigSchema.shape.frameRate.optional().describe('capture frames per second'),
  engine: CameraConfigSchema.shape.engine.optional().describe('decoder: zxing-wasm (default) or zxing-library'),
});

// ---- store (architecture.md "Data at rest"; docs/security.md) ----
export const DEFAULT_RETENTION_DAYS = 28;
export const storeSettingsSchema = z.strictObject({
  retentionDays: z.number().int().min(1).max(3650).default(DEFAULT_RETENTION_DAYS).describe('entries older than this many days are purged'),
  keyFile: z.string().min(1).optional().describe('absolute path of the master key on another mount; default <data dir>/entry-store.key'),
});

// ---- upload (docs/upload-protocol.md) ----
export const uploadConfigSchema = z.strictObject({
  collectorUrl: z.url().nullable().default(null).describe('the collector base URL; null: no uploading (KIOSK_COLLECTOR_URL overrides)'),
  batchSize: z.number().int().min(1).max(10_000).default(1000).describe('entries per upload request'),
  maxEntriesPerSecond: z.number().int().min(0).default(30_000).describe('drain pace limit in entries/s (0: none)'),
  requestTimeoutMs: z.number().int().min(100).default(15_000).describe('one request times out after this'),
  listSyncMinutes: z.number().min(0.01).default(15).describe('how often to ask for newer trust/status lists while online'),
  heartbeatSeconds: z.number().int().min(10).max(3600).default(60).describe('how often the kiosk reports its health to the collector (docs/upload-protocol.md §11)'),
  caFile: z.string().nullable().default(null).describe('PEM file of a private CA for an https collector'),
  allowInsecureHttp: z.boolean().default(false).describe('allow plain http to a collector beyond this machine (names in clear)'),
});

// ---- fleet configuration (docs/upload-protocol.md §12) ----
export const fleetSettingsSchema = z.strictObject({
  publicKey: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url Ed25519 public key (43 characters)')
    .nullable()
    .default(null)
    .describe('the fleet public key pinned by the integrator (`kiosk collector fleet-key init` prints it); null: no fleet configuration is applied'),
  groups: z.array(z.string().min(1).max(64)).max(16).default([]).describe('kiosk groups this kiosk belongs to: a bundle targeted at one of them applies here'),
});

// ---- admin and guards (docs/security.md, "Admin PIN", "Guard identity") ----
export const adminPinRecordSchema = z
  .strictObject({
    salt: z.string().regex(/^[0-9a-f]{32}$/).describe('hex salt'),
    hash: z.string().regex(/^[0-9a-f]{64}$/).describe('hex scrypt hash'),
  })
  .describe('scrypt hash of a PIN (`kiosk admin set-pin`, `kiosk admin set-guard-pin`)');
export const adminSettingsSchema = z.strictObject({
  pin: adminPinRecordSchema.optional(),
  integratorPin: adminPinRecordSchema
    .optional()
    .describe('the integrator\'s own PIN (`kiosk admin set-integrator-pin`): opens the setup screens (devices, camera, policy, trust, uploads, cloning), not the admin\'s'),
  sessionIdleSeconds: z.number().int().min(15).max(3600).default(120).describe('an admin session ends after this long without input'),
});
export const guardSchema = z
  .strictObject({
    id: z.string().regex(/^[\w.-]{1,32}$/).describe('the guard badge id'),
    pin: adminPinRecordSchema,
  })
  .describe('a guard (set with `kiosk admin set-guard-pin`)');

export const demoSectionSchema = z.strictObject({
  seed: z.string().min(1).describe('seed of the demo PKI (keys re-derived at every start)'),
});

/** The kiosk's own log (README, "Install on a kiosk"): JSON lines in <data dir>/logs, rotated by size. */
export const logSettingsSchema = z.strictObject({
  level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('lowest level written (debug, info, warn, error)'),
  maxFileBytes: z.number().int().min(65_536).max(1_073_741_824).default(10_485_760).describe('the log file is rotated when it would grow past this many bytes'),
  maxFiles: z.number().int().min(1).max(100).default(5).describe('rotated files kept besides the current one (kiosk.log.1 … kiosk.log.N)'),
});
export type LogSettings = z.infer<typeof logSettingsSchema>;

export const kioskConfigSchema = z.strictObject({
  revision: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe('written by the kiosk: one more with every save (console, `kiosk admin set-pin`); a change made against an older revision is refused'),
  venueId: z.string().min(1).default('demo-venue').describe('the venue this kiosk stands in'),
  venueName: z.string().max(64).optional().describe('the venue\'s name, shown in the status bar before the lane name (the same on every kiosk of the venue)'),
  kioskId: z.string().min(1).default('kiosk-1').describe('this kiosk (the demo uses its device key id)'),
  kioskName: z.string().max(64).optional().describe('site / lane name shown in the status bar; default the kioskId'),
  language: LanguageSchema.optional().describe('language of the screens at start (zh-CN or en); default zh-CN, `--language` overrides'),
  roots: z.array(pinnedRootSchema).default([]).describe('national root keys pinned by the integrator (spec §2: more than one lets the root rotate)'),
  policy: venuePolicySchema.default(venuePolicySchema.parse({})).describe('venue policy (health-code spec §4)'),
  checkpoint: checkpointConfigSchema.default(checkpointConfigSchema.parse({})).describe('one passage: windows and rules (docs/door-passage.md)'),
  devices: DevicesConfigSchema.default(DevicesConfigSchema.parse({})).describe('the peripherals: port, baudRate and protocol per device; null: not fitted'),
  camera: cameraSettingsSchema.default({}).describe('camera settings (command-line flags override them)'),
  store: storeSettingsSchema.default(storeSettingsSchema.parse({})).describe('the entry log'),
  upload: uploadConfigSchema.default(uploadConfigSchema.parse({})).describe('uploading entries to the collector'),
  fleet: fleetSettingsSchema.default(fleetSettingsSchema.parse({})).describe('signed fleet configuration from the collector: the pinned fleet key, this kiosk\'s groups'),
  admin: adminSettingsSchema.default(adminSettingsSchema.parse({})).describe('the facility admin'),
  log: logSettingsSchema.default(logSettingsSchema.parse({})).describe('the kiosk log: level, rotation (size and count)'),
  guards: z.array(guardSchema).max(200).default([]).describe('guards whose PIN a verdict needs; none: no guard PIN'),
  demo: demoSectionSchema.optional().describe('present only for the embedded demo'),
});
export type KioskConfig = z.infer<typeof kioskConfigSchema>;
export type KioskConfigInput = z.input<typeof kioskConfigSchema>;

/** One thing wrong in a configuration document: where (dotted path) and what. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** Every problem of a failed parse, each with its dotted path (`devices.thermometer.protocol`). */
export function configProblemsOf(error: z.ZodError): ConfigProblem[] {
  return error.issues.map((issue) => {
    const base = issue.path.map(String).join('.');
    // An unknown key is reported at its own path, not at the object holding it.
    if (issue.code === 'unrecognized_keys') {
      return { path: issue.keys.map((k) => (base ? `${base}.${k}` : k)).join(', '), message: `unknown key${issue.keys.length > 1 ? 's' : ''}` };
    }
    return { path: base || '(top level)', message: issue.message };
  });
}
