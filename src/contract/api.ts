// The one contract between the screens (renderer) and the kiosk core: every method a screen may call
// and every event the core pushes, each with a zod schema. Both hosts expose exactly this: Electron
// through ipcMain.handle + preload verbs, the browser host through a WebSocket (see ./wire.ts). The
// core implements `KioskService`; neither host adds or removes anything, so a screen cannot tell them
// apart. Imports only zod and ./reasons.js because the renderer bundles this file.
import { z } from 'zod';
import type { MethodNameFromList } from './method-names.js';
import { ALL_REASONS, DEVICE_REASONS, LIST_UPDATE_REASONS, UPLOAD_REASONS, type Decision, type DeviceReason, type Reason } from './reasons.js';

// ---------------------------------------------------------------------------------------------
// Shared value schemas

export const ReasonSchema = z.enum(ALL_REASONS as [Reason, ...Reason[]]);
/** A device's health may name a passage reason or a peripheral one (devices spec). */
export const DeviceHealthReasonSchema = z.enum([...new Set<Reason | DeviceReason>([...ALL_REASONS, ...DEVICE_REASONS])] as [
  Reason | DeviceReason,
  ...(Reason | DeviceReason)[],
]);
export const DecisionSchema = z.enum(['admit', 'deny', 'review']) satisfies z.ZodType<Decision>;
export const LanguageSchema = z.enum(['zh-CN', 'en']);
export type Language = z.infer<typeof LanguageSchema>;
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

/** Epoch milliseconds: every time on the contract is one, so the renderer never parses dates. */
const EpochMs = z.number().int().nonnegative();

/**
 * The passage state machine the guard screen follows (architecture.md "One passage, end to end"):
 * idle → collecting (code and/or card and/or temperature within a window) → decided → shown → idle.
 * `decided` is the short moment between the decision and its durable log write: the screen shows
 * nothing final until `shown`, because a decision that could not be logged must not be displayed.
 */
export const PassageStateSchema = z.enum(['idle', 'collecting', 'decided', 'shown']);
export type PassageState = z.infer<typeof PassageStateSchema>;

export const PassageMethodSchema = z.enum(['code', 'card', 'both']);
export const GuardVerdictSchema = z.enum(['allow', 'deny']);
export type GuardVerdict = z.infer<typeof GuardVerdictSchema>;

/**
 * What the screen shows for the current passage. Personal data arrives already masked: the core
 * masks the name (张*) so the full name never crosses into the renderer, its logs or its DOM.
 */
export const PassageViewSchema = z.object({
  /** Stable id of this passage; null only when idle. A review verdict names it. */
  passageId: z.string().min(1).max(64).nullable(),
  state: PassageStateSchema,
  /** What has been presented so far (drives the "waiting for card / temperature" hints). */
  collected: z.object({ code: z.boolean(), card: z.boolean(), temperature: z.boolean() }),
  /**
   * While `collecting`: exactly what the passage still waits for ("face the thermometer", "tap your
   * ID card", "show your health code"), with `collectInMs` left; empty in every other state. The core
   * decides the moment nothing is missing (docs/door-passage.md).
   */
  missing: z.array(z.enum(['code', 'card', 'temperature'])).max(3),
  method: PassageMethodSchema.nullable(),
  /** The kiosk's decision; null until decided. */
  decision: DecisionSchema.nullable(),
  /** Why: the first failed check or rule (spec §4), or a kiosk reason; null for a plain admit. */
  reason: ReasonSchema.nullable(),
  /** Every reason that applies, `reason` first (red code + fever: STATUS_RED, FEVER); empty for a plain admit. */
  reasons: z.array(ReasonSchema).max(16),
  /** For `review`: the guard's verdict once given; the entry logs both. */
  guardVerdict: GuardVerdictSchema.nullable(),
  /** True while a `review` waits for the guard (the allow/deny panel is shown only then). */
  awaitingGuard: z.boolean(),
  /** Masked holder name, e.g. `张*`; never the full name. */
  maskedName: z.string().max(64).nullable(),
  /** Masked document number, e.g. `3301**********1234`. */
  maskedDocumentNumber: z.string().max(64).nullable(),
  /** Issuing province, GB/T 2260 six-digit code (`330000`); the renderer names it per language. */
  provinceCode: z.string().regex(/^\d{6}$/).nullable(),
  /**
   * An EU DCC (`HC1:`) whose signature verified: its type (`v` vaccination, `t` test, `r` recovery)
   * and issuing country (ISO 3166-1 alpha-2, null when it names none); shown where a PHC1 code's
   * province is (docs/guard-screen.md). Null for anything else.
   */
  dcc: z.object({ type: z.enum(['v', 't', 'r']), country: z.string().regex(/^[A-Z]{2}$/).nullable() }).nullable(),
  temperatureC: z.number().min(20).max(50).nullable(),
  /** Spec §4: decided on a trust list past its nextUpdate; the screen says so. */
  trustListStale: z.boolean(),
  /** Milliseconds until the screen returns to idle, counted from `at`; null when no reset is due. */
  resetInMs: z.number().int().nonnegative().nullable(),
  /** Milliseconds left in the collecting window, counted from `at`; null outside `collecting`. */
  collectInMs: z.number().int().nonnegative().nullable(),
  /** The durable entry this passage wrote (present from `shown` on); tests find it in SQLite. */
  entryId: z.number().int().positive().nullable(),
  /**
   * While a review waits for the guard: how many other presentations (codes or cards) were made
   * meanwhile. Each is held and logged, never dropped; the screen asks that person to wait for the
   * guard. 0 otherwise.
   */
  heldAttempts: z.number().int().nonnegative(),
  /** Core time of the latest held presentation, or null. */
  heldAt: EpochMs.nullable(),
  /** Core time of this view, so countdowns stay right however late the event is delivered. */
  at: EpochMs,
});
export type PassageView = z.infer<typeof PassageViewSchema>;

export const IDLE_PASSAGE: PassageView = {
  passageId: null,
  state: 'idle',
  collected: { code: false, card: false, temperature: false },
  missing: [],
  method: null,
  decision: null,
  reason: null,
  reasons: [],
  guardVerdict: null,
  awaitingGuard: false,
  maskedName: null,
  maskedDocumentNumber: null,
  provinceCode: null,
  dcc: null,
  temperatureC: null,
  trustListStale: false,
  resetInMs: null,
  collectInMs: null,
  entryId: null,
  heldAttempts: 0,
  heldAt: null,
  at: 0,
};

export const DeviceKindSchema = z.enum(['camera', 'scanner', 'cardReader', 'thermometer', 'gate', 'storage']);
export type DeviceKind = z.infer<typeof DeviceKindSchema>;
/** `absent`: not configured (not an error); `offline`: configured but not answering. */
export const DeviceStateSchema = z.enum(['ok', 'degraded', 'offline', 'absent']);
export type DeviceState = z.infer<typeof DeviceStateSchema>;

export const DeviceHealthSchema = z.object({
  id: z.string().min(1).max(64),
  kind: DeviceKindSchema,
  state: DeviceStateSchema,
  /** Why it is not ok, when there is a reason code for it. */
  reason: DeviceHealthReasonSchema.nullable(),
  /** Short technical detail for the guard/integrator (port name, last error); no personal data. */
  detail: z.string().max(200).nullable(),
  /** Whether this is a simulator (demo): the status bar marks it. */
  simulated: z.boolean(),
});
export type DeviceHealth = z.infer<typeof DeviceHealthSchema>;

/** Trust list or status list freshness (spec §2, §3): missing, fresh, stale (past nextUpdate), expired. */
export const ListFreshnessSchema = z.enum(['missing', 'fresh', 'stale', 'expired']);
export type ListFreshness = z.infer<typeof ListFreshnessSchema>;
export const ListStatusSchema = z.object({
  state: ListFreshnessSchema,
  seq: z.number().int().nonnegative().nullable(),
  issuedAt: EpochMs.nullable(),
  nextUpdateAt: EpochMs.nullable(),
});
export type ListStatus = z.infer<typeof ListStatusSchema>;

export const ConnectivitySchema = z.object({
  online: z.boolean(),
  uploadsPending: z.number().int().nonnegative(),
  lastUploadAt: EpochMs.nullable(),
});
export type Connectivity = z.infer<typeof ConnectivitySchema>;

/** The system clock went backwards past the newest time the kiosk has seen (a set-back clock would accept expired codes). */
export const ClockStatusSchema = z.object({
  warning: z.boolean(),
  now: EpochMs,
  newestSeenAt: EpochMs.nullable(),
});
export type ClockStatus = z.infer<typeof ClockStatusSchema>;

export const StorageStatusSchema = z.object({
  /** False when entries cannot be written: nothing is admitted automatically then. */
  writable: z.boolean(),
  reason: ReasonSchema.nullable(),
});
export type StorageStatus = z.infer<typeof StorageStatusSchema>;

export const KioskStatusSchema = z.object({
  kioskId: z.string().min(1).max(64),
  version: z.string().max(32),
  /** Running the embedded demo (demo PKI, simulated devices): the screen shows a DEMO badge. */
  demo: z.boolean(),
  language: LanguageSchema,
  passage: PassageViewSchema,
  devices: z.array(DeviceHealthSchema).max(32),
  connectivity: ConnectivitySchema,
  trustList: ListStatusSchema,
  statusList: ListStatusSchema,
  /**
   * The signed DSC list of EU DCC signer certificates (docs/dcc-trust.md), only where the venue
   * accepts foreign credentials (policy.dccAccept): fresh, stale past its nextUpdate, expired past
   * policy.maxTrustListAgeDays (every DCC denied DCC_LIST_EXPIRED), missing (DCC_LIST_MISSING).
   */
  dscList: ListStatusSchema.optional(),
  clock: ClockStatusSchema,
  storage: StorageStatusSchema,
  /** Venue policy: an ID card alone may be presented (absent means true). The idle screen asks for a card only then. */
  cardOnlyAllowed: z.boolean().optional(),
  /**
   * config.json is invalid and the kiosk runs on its last good configuration (src/contract/config.ts):
   * the paths in the file that are wrong and what is wrong, for the configuration chip. Absent when valid.
   */
  configProblem: z
    .object({
      paths: z.array(z.string().max(200)).min(1).max(16),
      message: z.string().max(1000),
    })
    .optional(),
  /**
   * A cached list the kiosk did not use at start because it failed the checks of health-code spec
   * §4, with the reason and what to fix: ROOT_UNKNOWN names the root that signed the installed list
   * and the pinned roots, since every code is then refused as issuer unknown. Absent when both loaded.
   * `detail` is core's English (the log's words); for ROOT_UNKNOWN `signerKid` (null: unreadable)
   * and `pinnedRoots` (kid, SHA-256 of the key or null) let a screen word it in its own language.
   */
  listProblems: z
    .array(
      z.object({
        list: z.enum(['trust', 'status']),
        reason: z.enum(LIST_UPDATE_REASONS),
        detail: z.string().max(1000),
        signerKid: z.string().max(100).nullable().optional(),
        pinnedRoots: z.array(z.object({ kid: z.string().max(100), sha256: z.string().max(64).nullable() })).max(16).optional(),
      }),
    )
    .max(2)
    .optional(),
});
export type KioskStatus = z.infer<typeof KioskStatusSchema>;

export const CameraConfigSchema = z.object({
  enabled: z.boolean(),
  /** MediaDeviceInfo.deviceId to open; null = the default camera. */
  deviceId: z.string().max(256).nullable(),
  width: z.number().int().min(160).max(3840),
  height: z.number().int().min(120).max(2160),
  frameRate: z.number().int().min(1).max(60),
  /**
   * Which decoder the worker runs (src/scan ENGINE_NAMES). zxing-wasm (ZXing-C++, its .wasm served
   * from our own origin) is the default: on the hard-frame corpus (the decoder benchmark, bench/decode.bench.ts) @zxing/library decoded
   * 196 of the 218 frames zxing-wasm decoded, at ~5× its cost on hard frames; @zxing/library stays as
   * the fallback the worker switches to if the wasm cannot load.
   */
  engine: z.enum(['zxing-library', 'zxing-wasm']),
});
export type CameraConfig = z.infer<typeof CameraConfigSchema>;

export const RendererConfigSchema = z.object({
  camera: CameraConfigSchema,
  language: LanguageSchema,
  sounds: z.boolean(),
  /** Shown in the status bar (site / lane name); not personal data. */
  kioskName: z.string().max(64),
  /** The venue's name, shown in the status bar before the lane name; unset: only the lane. */
  venueName: z.string().max(64).optional(),
  /** Guards are configured: a verdict needs the guard's PIN (`guardReview.guardPin`). */
  guardPinRequired: z.boolean().optional(),
});
export type RendererConfig = z.infer<typeof RendererConfigSchema>;

export const DEFAULT_CAMERA_CONFIG: CameraConfig = {
  enabled: true,
  deviceId: null,
  width: 640,
  height: 480,
  frameRate: 30,
  engine: 'zxing-wasm',
};

export const TodayFiguresSchema = z.object({
  /** Local calendar day the figures cover, YYYY-MM-DD. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  total: z.number().int().nonnegative(),
  admitted: z.number().int().nonnegative(),
  denied: z.number().int().nonnegative(),
  reviewed: z.number().int().nonnegative(),
  /** Denials and reviews counted by reason, most frequent first. */
  byReason: z.array(z.object({ reason: ReasonSchema, count: z.number().int().positive() })).max(64),
  uploadsPending: z.number().int().nonnegative(),
});
export type TodayFigures = z.infer<typeof TodayFiguresSchema>;

// ---------------------------------------------------------------------------------------------
// Methods: name → request and response schemas. The response schema is the `value` of an ok result.

/**
 * Scanned text goes to core exactly as decoded: Base45 contains spaces, so it is never trimmed or
 * normalised (spec §1). The length cap keeps a hostile payload from costing memory; a real PHC1
 * text is far shorter (zlib output is capped at 4096 bytes, Base45 makes 3 chars per 2 bytes).
 */
export const MAX_SCAN_TEXT_CHARS = 8192;

/** An admin or guard PIN as typed: 4 to 12 digits. */
export const PinSchema = z.string().regex(/^\d{4,12}$/);
/** Whose PIN opened a console session: the facility admin's or the integrator's. */
export const ConsoleRoleSchema = z.enum(['admin', 'integrator']);
export type ConsoleRole = z.infer<typeof ConsoleRoleSchema>;
/** An admin session token (openAdminSession): opaque, random, base64url. */
export const AdminSessionTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
/**
 * The base of every admin method's request: extend it (`AdminRequest.extend({...}).strict()`). A
 * method that shows personal data unmasked also takes `pin` (the PIN asked again).
 */
export const AdminRequest = z.object({ session: AdminSessionTokenSchema });

// ---------------------------------------------------------------------------------------------
// Admin console views: trust lists, retention, audit trail (docs/security.md, "Admin sessions").

/** A warning the trust screen shows; the same conditions the guard screen's status bar shows (health-code spec §2–3). */
export const TrustWarningSchema = z.enum([
  'trustListMissing',
  'trustListStale',
  'trustListExpired',
  'statusListMissing',
  'statusListStale',
  'statusListExpired',
  'clockBackwards',
  'noPinnedRoot',
  /** A cached list refused at start (status `listProblems`): the pinned root did not sign it, or it fails the checks. */
  'trustListRefused',
  'statusListRefused',
  /** The signed DSC list of EU DCC signers (docs/dcc-trust.md), only where the venue accepts them (policy.dccAccept). */
  'dscListMissing',
  'dscListStale',
  'dscListExpired',
]);
export type TrustWarning = z.infer<typeof TrustWarningSchema>;

export const TrustOverviewSchema = z.object({
  /** Core time the overview was taken at (ages are counted from it). */
  at: EpochMs,
  /** The installed trust list, with the very freshness the status bar shows. */
  trustList: ListStatusSchema.extend({ ageMs: z.number().int().nullable(), keyCount: z.number().int().nonnegative(), revokedCodes: z.number().int().nonnegative() }),
  /** The trust list's keys by issuing province (`iss`, GB/T 2260 code), kids in list order. */
  provinces: z
    .array(
      z.object({
        province: z.string().max(32),
        active: z.number().int().nonnegative(),
        revoked: z.number().int().nonnegative(),
        kids: z.array(z.string().max(64)).max(64),
      }),
    )
    .max(128),
  statusList: ListStatusSchema.extend({
    ageMs: z.number().int().nullable(),
    records: z.number().int().nonnegative().nullable(),
    /** Bytes of records (spec §3: 40 per record). */
    sizeBytes: z.number().int().nonnegative().nullable(),
  }),
  /**
   * The DSC list of EU DCC signer certificates (docs/dcc-trust.md), only where the venue accepts
   * foreign credentials (policy.dccAccept), as the status bar's chip: its signers counted by issuing
   * country (ISO 3166-1 alpha-2).
   */
  dscList: ListStatusSchema.extend({
    ageMs: z.number().int().nullable(),
    certificates: z.number().int().nonnegative(),
    countries: z.array(z.object({ country: z.string().max(8), certificates: z.number().int().nonnegative() })).max(300),
  }).optional(),
  /** The pinned national roots (config `roots`): kid and the SHA-256 of the raw public key, hex. */
  roots: z.array(z.object({ kid: z.string().max(64), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(16),
  clock: ClockStatusSchema,
  warnings: z.array(TrustWarningSchema).max(16),
  /** The refused lists with reason and detail, exactly as the status bar gets them (the signer and the pinned roots for ROOT_UNKNOWN). */
  listProblems: KioskStatusSchema.shape.listProblems,
});
export type TrustOverview = z.infer<typeof TrustOverviewSchema>;

// The integrator's trust setup (docs/integrator-setup.md "Trust"): pinned roots and list imports.
/** SHA-256, lower-case hex: a root's fingerprint (of its raw 32-byte public key). */
export const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/);
/** A root as given: its two fields, or the text of a root file / paste (parsed in core). */
export const PinnedRootInputSchema = z.union([
  z.object({ kid: z.string().min(1).max(64), pub: z.string().min(1).max(200) }).strict(),
  z.object({ text: z.string().min(1).max(16 * 1024) }).strict(),
]);
/** Whether a cached list's file verifies under the root(s) in question; null: no such file cached. */
const ListsSignedSchema = z.object({ trust: z.boolean().nullable(), status: z.boolean().nullable() });
export const PinnedRootPreviewSchema = z.object({
  kid: z.string().max(64),
  pub: z.string().max(64),
  sha256: Sha256HexSchema,
  alreadyPinned: z.boolean(),
  signs: ListsSignedSchema,
});
export type PinnedRootPreview = z.infer<typeof PinnedRootPreviewSchema>;
export const ListSyncOutcomeSchema = z.object({
  kind: z.enum(['trust', 'status']),
  outcome: z.enum(['installed', 'unchanged', 'refused', 'unavailable', 'failed']),
  reason: z.string().max(40).nullable(),
  message: z.string().max(300),
  seq: z.number().int().nonnegative().nullable(),
});
export type ListSyncOutcomeView = z.infer<typeof ListSyncOutcomeSchema>;
/** The fleet configuration fetched alongside the lists by Sync now (docs/upload-protocol.md §12): revisions and reasons, no values. */
export const FleetSyncOutcomeSchema = z.object({
  outcome: z.enum(['applied', 'unchanged', 'not-modified', 'none', 'refused', 'failed']),
  revision: z.number().int().nonnegative().nullable(),
  reason: z.string().max(40).nullable(),
  message: z.string().max(500),
});
export type FleetSyncOutcomeView = z.infer<typeof FleetSyncOutcomeSchema>;
const PinnedRootRowSchema = z.object({ kid: z.string().max(64), sha256: Sha256HexSchema.nullable(), signs: ListsSignedSchema });
export const TrustSetupSchema = z.object({
  roots: z.array(PinnedRootRowSchema).max(16),
  /** A collector is configured and in use: "sync now" can run. */
  syncAvailable: z.boolean(),
  /**
   * A collector URL is saved (upload.collectorUrl, e.g. on the Uploads screen) but the kiosk runs
   * without it until it restarts: sync works after the restart (docs/integrator-setup.md, "Uploads").
   */
  collectorPendingRestart: z.boolean().optional(),
  /** What the last sync did (empty until one ran). */
  lastSync: z.array(ListSyncOutcomeSchema).max(2),
  limits: z.object({ partChars: z.number().int(), trustChars: z.number().int(), statusChars: z.number().int(), maxRoots: z.number().int(), dscChars: z.number().int().optional() }),
});
export type TrustSetup = z.infer<typeof TrustSetupSchema>;
export const PinnedRootsChangedSchema = z.object({
  revision: z.number().int().nonnegative(),
  roots: z.array(PinnedRootRowSchema).max(16),
  /** The cached lists were checked again against the new roots (no restart needed). */
  appliedLive: z.boolean(),
});
/** One frame's worth of a list file (the browser host's wire cap is 64 KiB a frame: src/contract/wire.ts). */
export const LIST_IMPORT_PART_CHARS = 48 * 1024;
/** The biggest list file imported from the screen: a status list of about 1.7 million records (spec §3). */
export const LIST_IMPORT_MAX_CHARS = 128 * 1024 * 1024;
/**
 * What is wrong with a DSC list that was installed all the same (newer and validly signed): past its
 * nextUpdate, older than policy.maxTrustListAgeDays (every DCC denied DCC_LIST_EXPIRED), or without
 * a usable signer certificate (docs/dcc-trust.md).
 */
export const DscListWarningSchema = z.discriminatedUnion('code', [
  z.object({ code: z.literal('PAST_NEXT_UPDATE'), nextUpdateAt: EpochMs }),
  z.object({ code: z.literal('TOO_OLD'), issuedAt: EpochMs, maxAgeDays: z.number().positive() }),
  z.object({ code: z.literal('NO_CERTIFICATES') }),
]);
export type DscListWarningView = z.infer<typeof DscListWarningSchema>;

export const ListImportResultSchema = z.discriminatedUnion('done', [
  z.object({ done: z.literal(false), received: z.number().int().nonnegative() }),
  z.object({
    done: z.literal(true),
    /** `dsc`: the signed DSC list of EU DCC signer certificates (docs/dcc-trust.md). */
    kind: z.enum(['trust', 'status', 'dsc']),
    seq: z.number().int().nonnegative(),
    issuedAt: EpochMs,
    nextUpdateAt: EpochMs,
    /** Trust list: its keys; status list: its records; DSC list: its signer certificates. */
    count: z.number().int().nonnegative(),
    /** DSC list: the very list in use offered again (same seq, same bytes): nothing new, not a rollback. */
    unchanged: z.boolean().optional(),
    /** DSC list: installed, but every EU certificate will be refused or it is due (docs/dcc-trust.md): shown as a warning. */
    warnings: z.array(DscListWarningSchema).max(3).optional(),
  }),
]);
export type ListImportResult = z.infer<typeof ListImportResultSchema>;

/** What a purge removes and what it keeps (docs/upload-protocol.md §2 "Kiosk bookkeeping"). */
export const PurgePlanSchema = z.object({
  entriesRemoved: z.number().int().nonnegative(),
  overridesRemoved: z.number().int().nonnegative(),
  /** Older than the cutoff, kept because the collector has not acknowledged them yet. */
  entriesKeptUnacknowledged: z.number().int().nonnegative(),
  overridesKeptUnacknowledged: z.number().int().nonnegative(),
  /** Older than the cutoff but behind a newer row in log order (a clock set back): they go when the prefix reaches them. */
  entriesKeptOutOfOrder: z.number().int().nonnegative(),
});
export type PurgePlan = z.infer<typeof PurgePlanSchema>;

export const RetentionViewSchema = z.object({
  at: EpochMs,
  /** config `store.retentionDays`. */
  retentionDays: z.number().int().positive(),
  /** Entries logged before this time are due for the purge. */
  cutoffAt: EpochMs,
  oldestEntryAt: EpochMs.nullable(),
  entries: z.number().int().nonnegative(),
  overrides: z.number().int().nonnegative(),
  /** A collector is configured: only what it acknowledged may be purged. */
  uploading: z.boolean(),
  acknowledgedThroughSeq: z.number().int().nonnegative().nullable(),
  next: PurgePlanSchema,
  /** When the scheduled purge runs next; null when none is scheduled (no entry log). */
  nextPurgeAt: EpochMs.nullable(),
  lastPurge: z.object({ at: EpochMs, entriesDeleted: z.number().int().nonnegative(), overridesDeleted: z.number().int().nonnegative() }).nullable(),
});
export type RetentionView = z.infer<typeof RetentionViewSchema>;

export const PurgeOutcomeSchema = z.object({
  at: EpochMs,
  cutoffAt: EpochMs,
  entriesDeleted: z.number().int().nonnegative(),
  overridesDeleted: z.number().int().nonnegative(),
  /** What it kept: the plan as it stands after the purge. */
  kept: PurgePlanSchema.pick({ entriesKeptUnacknowledged: true, overridesKeptUnacknowledged: true, entriesKeptOutOfOrder: true }),
  oldestEntryAt: EpochMs.nullable(),
});
export type PurgeOutcome = z.infer<typeof PurgeOutcomeSchema>;

/** An audit action name as stored (`admin-pin-failed`, `export`), or `guard-override` for the overrides table. */
export const AuditActionSchema = z.string().regex(/^[a-z][a-z0-9-]{0,47}$/);
/** Paging cursor: the audit trail and the guard overrides are two logs, each paged by its own seq. */
export const AuditCursorSchema = z.object({ audit: z.number().int().nonnegative(), overrides: z.number().int().nonnegative() }).strict();
export type AuditCursor = z.infer<typeof AuditCursorSchema>;
export const AuditFilterSchema = z.object({
  actions: z.array(AuditActionSchema).min(1).max(32).optional(),
  from: EpochMs.optional(),
  to: EpochMs.optional(),
});
export const AuditRowSchema = z.object({
  source: z.enum(['audit', 'override']),
  seq: z.number().int().positive(),
  at: EpochMs,
  action: z.string().max(48),
  /** Who: the screen, admin or guard the row names; null when it names none. */
  who: z.string().max(120).nullable(),
  /** Long actions (exports): started, completed, failed, cancelled. */
  outcome: z.string().max(16).nullable(),
  /** The row's detail as `key: value` pairs (nested keys dotted); personal data never, by construction and redaction. */
  detail: z.array(z.tuple([z.string().max(64), z.string().max(200)])).max(24),
});
export type AuditRow = z.infer<typeof AuditRowSchema>;
/** The most audit rows one page may ask for: a page stays far under the wire's 64 KB. */
export const MAX_AUDIT_PAGE = 100;

// Statistics for the admin console (docs/admin-console.md, "Statistics"): counts only, never a row.

/** A venue-local calendar day, `YYYY-MM-DD`. */
export const LocalDaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
/** The longest range one statistics call may ask for, in venue-local days. */
export const MAX_STATISTICS_DAYS = 90;
const Count = z.number().int().nonnegative();
const DecisionCountsSchema = z.object({ admit: Count, deny: Count, review: Count });
export const StatisticsSchema = z.object({
  from: LocalDaySchema,
  to: LocalDaySchema,
  /** The venue's IANA zone the days and hours are counted in (the kiosk's own). */
  timeZone: z.string().max(64),
  /** Entries logged in the range. */
  total: Count,
  /**
   * Every local hour of the range as parallel arrays: hour i starts `firstAt + i` hours (UTC ms),
   * reads `hourOfDay[i]` on the venue's clock (a daylight-saving day repeats or skips one) and holds
   * `total[i]` entries.
   */
  hours: z.object({ firstAt: EpochMs, hourOfDay: z.array(z.number().int().min(0).max(23)).max(MAX_STATISTICS_DAYS * 25 + 1), total: z.array(Count).max(MAX_STATISTICS_DAYS * 25 + 1) }),
  /**
   * Per local day: `final` counts what happened at the door (the guard's latest override where there
   * is one, else the kiosk's decision); `kiosk` the kiosk's own decision.
   */
  days: z.array(z.object({ date: LocalDaySchema, total: Count, final: DecisionCountsSchema, kiosk: DecisionCountsSchema })).max(MAX_STATISTICS_DAYS),
  decisions: z.object({ final: DecisionCountsSchema, kiosk: DecisionCountsSchema }),
  /** The kiosk's reasons for deny and review, most frequent first. */
  reasons: z.array(z.object({ reason: ReasonSchema, count: Count })).max(256),
  methods: z.object({ code: Count, card: Count, both: Count }),
  /**
   * Who issued the code, most frequent first: a province (GB/T 2260), an EU certificate's country
   * (ISO 3166-1 alpha-2; `EU`: one that did not verify), `''`: a code whose issuer did not verify;
   * `null`: a card alone, no code (docs/admin-console.md, "Statistics").
   */
  provinces: z.array(z.object({ code: z.string().max(16).nullable(), count: Count })).max(256),
  /** Temperatures: 0.1 °C bins from 35.0 to 42.0 (`tenths` 350…420, zeros included), and the rest. */
  temperature: z.object({ bins: z.array(z.object({ tenths: z.number().int(), count: Count })).max(128), under: Count, over: Count, none: Count }),
});
export type Statistics = z.infer<typeof StatisticsSchema>;

// Export of the entry log from the screen (docs/security.md "Exports"): a job in core, one at a time.

/** An export job's id: opaque, random, base64url. */
export const ExportJobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
/** A venue-local day (`2026-11-21`: that whole day in the kiosk's time zone) or an ISO date-time with its offset. */
export const ExportBoundSchema = z.union([
  z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  z.string().datetime({ offset: true }),
]);
export const ExportJobStateSchema = z.enum(['running', 'done', 'cancelled', 'failed']);
export type ExportJobState = z.infer<typeof ExportJobStateSchema>;
/** What the screen shows of an export job (counts and states only, never a row). */
export const ExportJobSchema = z.object({
  jobId: ExportJobIdSchema,
  state: ExportJobStateSchema,
  rowsDone: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  format: z.enum(['csv', 'xlsx']),
  revealed: z.boolean(),
  /** Why it failed (or was refused on the way); null otherwise. */
  reason: ReasonSchema.nullable(),
  message: z.string().max(500).nullable(),
  /** The name the file is offered under (`entries-2026-11-01_2026-11-21-masked.csv`); null until done. */
  fileName: z.string().max(120).nullable(),
  /**
   * The finished file: `ready` to download or save, then `delivered` (removed from the kiosk) or
   * `expired` (removed unfetched after a few minutes); `none` while running or when nothing was made.
   */
  file: z.enum(['none', 'ready', 'delivered', 'expired']),
  /** Browser host: the one-time same-origin URL of the file (bound to this screen and admin session). */
  downloadUrl: z.string().max(200).nullable(),
  /** Electron: the file can go through a save dialog (saveExport), e.g. to a USB stick. */
  saveable: z.boolean(),
});
export type ExportJob = z.infer<typeof ExportJobSchema>;
/** Where the browser host serves a finished export's one-time download: this path plus the token. */
export const EXPORT_DOWNLOAD_PATH = '/export-download/';

// ---------------------------------------------------------------------------------------------
// Integrator: the devices screen (docs/integrator-setup.md, "Devices" and "Thermometer calibration"):
// serial ports, each device's settings and health, a test that does the real thing, the live frame
// log. Device settings travel as plain records: core checks them with the device's own schema
// (src/contract/config.ts `devices`), which this file cannot import (config.ts imports it).

export const SetupDeviceSchema = z.enum(['idcard', 'thermometer', 'scanner', 'gate']);
export type SetupDevice = z.infer<typeof SetupDeviceSchema>;
/** A peripheral's reason (devices spec §1–4): what a refused device change or a failed test names. */
export const DeviceReasonSchema = z.enum(DEVICE_REASONS as unknown as [DeviceReason, ...DeviceReason[]]);
/** One device's settings as config.json holds them (`devices.<kind>`); null: not fitted (the gate: `{driver:'none'}`). */
const DeviceSettingsRecord = z.record(z.string().max(64), z.unknown()).refine((o) => Object.keys(o).length <= 32, 'at most 32 settings');

/** One frame on a device's line (native-bridge/README.md, "Frame log"): never personal data. */
export const FrameLogEntrySchema = z.object({
  /** Core's running number: the screen asks for the frames after the last one it has. */
  seq: z.number().int().nonnegative(),
  at: EpochMs,
  device: SetupDeviceSchema,
  dir: z.enum(['tx', 'rx']),
  /** Spaced hex, capped (the bridge shows 96 bytes at most, then the count). */
  hex: z.string().max(400),
  meaning: z.string().max(200),
  /** Set when the frame failed its checks, was skipped as garbage, or never came: the screen shows it red. */
  error: DeviceReasonSchema.nullable(),
});
export type FrameLogEntryView = z.infer<typeof FrameLogEntrySchema>;

/** The last temperature the thermometer reported, raw and calibrated (raw × gain + offsetC): the calibration box shows both live. */
export const LastReadingSchema = z.object({
  at: EpochMs,
  valid: z.boolean(),
  rawCelsius: z.number().nullable(),
  celsius: z.number().nullable(),
  reason: DeviceReasonSchema.nullable(),
});

export const SerialPortSchema = z.object({
  path: z.string().max(200),
  vendorId: z.string().max(16).optional(),
  productId: z.string().max(16).optional(),
  manufacturer: z.string().max(100).optional(),
  serialNumber: z.string().max(100).optional(),
});

export const DeviceSetupEntrySchema = z.object({
  device: SetupDeviceSchema,
  /** What the device runs with now (the last proven settings); null: not fitted. */
  running: DeviceSettingsRecord.nullable(),
  /** What config.json holds for it (a restart runs these); null: not fitted there. */
  saved: DeviceSettingsRecord.nullable(),
  health: z.object({
    configured: z.boolean(),
    connected: z.boolean(),
    port: z.string().max(200).nullable(),
    lastGoodFrameAt: EpochMs.nullable(),
    lastError: DeviceReasonSchema.nullable(),
    fault: DeviceReasonSchema.nullable(),
    detail: z.string().max(200).nullable(),
  }),
});

export const DeviceSetupSchema = z.object({
  /** False when this kiosk has no device manager that can be set up (the reason in `unavailableWhy`). */
  available: z.boolean(),
  unavailableWhy: z.string().max(300).nullable(),
  ports: z.array(SerialPortSchema).max(64),
  /** Why the list is empty or partial ("no ports found (…)"); null when the system listed them. */
  portsProblem: z.string().max(300).nullable(),
  devices: z.array(DeviceSetupEntrySchema).max(4),
  /** config.json's revision: a change is made against it (applyDeviceSettings `baseRevision`). */
  revision: z.number().int().nonnegative(),
  /** The devices are simulators (the demo). */
  simulated: z.boolean(),
});
export type DeviceSetup = z.infer<typeof DeviceSetupSchema>;

/** A device test's outcome (the card masked, the temperature raw and corrected, a scan by length and first characters only). */
export const DeviceTestOutcomeSchema = z.discriminatedUnion('passed', [
  z.object({
    passed: z.literal(true),
    device: SetupDeviceSchema,
    /** One line in English of what happened (the screen shows the fields below in its language). */
    summary: z.string().max(300),
    card: z.object({ maskedName: z.string().max(64), maskedDocumentNumber: z.string().max(64), docType: z.string().max(8) }).optional(),
    reading: LastReadingSchema.omit({ at: true }).optional(),
    scan: z.object({ length: z.number().int().nonnegative(), preview: z.string().max(16) }).optional(),
    pulse: z.object({ driver: z.enum(['lcus', 'none']), relay: z.number().int().nonnegative(), ms: z.number().int().nonnegative() }).optional(),
  }),
  z.object({ passed: z.literal(false), device: SetupDeviceSchema, reason: DeviceReasonSchema, message: z.string().max(300) }),
]);
export type DeviceTestOutcome = z.infer<typeof DeviceTestOutcomeSchema>;

/** The most frames one getFrameLog answers. */
export const MAX_FRAME_PAGE = 200;

// The integrator's uploads setup (docs/integrator-setup.md "Uploads", docs/upload-protocol.md §1):
// the collector URL, the device key an operator registers, and the connection test.
/** A QR symbol as its modules, row by row ('1' dark), for the screen to draw; version 40 at most. */
export const QrMatrixSchema = z.object({ size: z.number().int().min(21).max(177), modules: z.string().regex(/^[01]+$/).max(177 * 177) });
export type QrMatrix = z.infer<typeof QrMatrixSchema>;
export const UploadSetupSchema = z.object({
  /** The collector URL in force: KIOSK_COLLECTOR_URL when set (it overrides config.json), else `upload.collectorUrl`. */
  collectorUrl: z.string().max(2048).nullable(),
  source: z.enum(['config', 'env', 'none']),
  /** `upload.collectorUrl` as saved in config.json (what the URL field edits). */
  configuredUrl: z.string().max(2048).nullable(),
  /** The URL the running uploader started with (upload settings take effect at the next start). */
  runningUrl: z.string().max(2048).nullable(),
  caFile: z.string().max(1024).nullable(),
  allowInsecureHttp: z.boolean(),
  /** config.json `kioskId`: what every entry carries. */
  kioskId: z.string().max(64),
  /** The device key's id: what the collector registers and files batches under. */
  deviceKioskId: z.string().regex(/^[0-9a-f]{16}$/),
  kioskName: z.string().max(64).nullable(),
  /** The public key as the operator registers it (base64url, 43 characters). */
  publicKey: z.string().max(64),
  /** SHA-256 of the public key in groups of four hex digits (the first four groups are the kiosk id). */
  fingerprint: z.string().max(80),
  /** The registration request: the command the operator's `kiosk collector register` takes, and its QR. */
  registration: z.object({ text: z.string().max(400), qr: QrMatrixSchema }),
  /** kioskId ≠ deviceKioskId: the collector lists the kiosk under one id, its entries carry another. */
  mismatch: z.object({ warning: z.string().max(400) }).nullable(),
  /** config.json's revision, for saveConfigChange's `baseRevision`. */
  revision: z.number().int().nonnegative(),
});
export type UploadSetup = z.infer<typeof UploadSetupSchema>;
export const ConnectionStepSchema = z.object({
  step: z.enum(['address', 'tls', 'collector', 'registered']),
  state: z.enum(['ok', 'failed', 'skipped']),
  reason: z.enum(UPLOAD_REASONS).nullable(),
  detail: z.string().max(300),
});
export type ConnectionStepView = z.infer<typeof ConnectionStepSchema>;

/**
 * The largest setup file (docs/integrator-setup.md, "Cloning a setup"): a setup is a few kilobytes;
 * this keeps a request within one 64 KiB frame of the browser host (src/contract/wire.ts) even in
 * three-byte characters, and bounds what a garbage file makes core parse.
 */
export const SETUP_TEXT_MAX_CHARS = 20 * 1024;
/** What importing a setup file would do (src/core/config/clone.ts `planImport`). */
export const SetupImportPlanSchema = z.object({
  /** The configuration revision the plan was made on: the base an apply uses. */
  revision: z.number().int().nonnegative(),
  /** Where the file came from, as it says (null when it could not be read). */
  source: z.object({ venueId: z.string().max(100), kioskId: z.string().max(100), exportedAt: z.string().max(40) }).nullable(),
  /** Each difference: this kiosk's value (`from`; absent: not set) and the file's (`to`; absent: the default). */
  changes: z.array(z.object({ path: z.string().max(200), from: z.unknown(), to: z.unknown() })).max(512),
  /** This kiosk's own values the import keeps (ports, calibration, PINs, its id). */
  keptLocal: z.array(z.string().max(200)).max(64),
  /** Why it cannot be applied: each with its path in the file; empty when it can. */
  problems: z.array(z.object({ path: z.string().max(500), message: z.string().max(500) })).max(100),
  /** The changed paths that apply at once; the others after a restart. */
  appliesLive: z.array(z.string().max(200)).max(512),
});
export type SetupImportPlan = z.infer<typeof SetupImportPlanSchema>;
export const METHODS = {
  /** Everything the screen needs to draw itself after (re)connecting. */
  getStatus: {
    request: z.object({}).strict(),
    response: KioskStatusSchema,
  },
  /** Decoded QR text from the camera (or pasted by an integrator); verification happens in core. */
  submitScan: {
    request: z
      .object({
        text: z.string().min(1).max(MAX_SCAN_TEXT_CHARS),
        source: z.enum(['camera', 'manual']),
        /** Renderer's performance.timeOrigin + now() when the frame was grabbed, for latency benchmarks. */
        frameAt: z.number().nonnegative().optional(),
      })
      .strict(),
    /** `duplicate`: the same code within 10 s makes no second entry; the screen keeps the last result. */
    response: z.object({
      passageId: z.string().min(1).max(64),
      duplicate: z.boolean(),
      /** Made while a review waits for the guard: held and logged, not decided; passageId is the review's. */
      held: z.boolean().optional(),
    }),
  },
  /** The guard's allow/deny for a passage the kiosk decided `review`. */
  guardReview: {
    request: z
      .object({
        passageId: z.string().min(1).max(64),
        verdict: GuardVerdictSchema,
        /** The guard's own PIN, required when the kiosk has guards configured (renderer config `guardPinRequired`). */
        guardPin: z.string().regex(/^\d{4,12}$/).optional(),
      })
      .strict(),
    response: PassageViewSchema,
  },
  /**
   * The admin PIN opens an admin session (docs/security.md, "Admin sessions"): an opaque token bound
   * to this connection, ended by closeAdminSession, by `idleMs` without an admin call, or a restart.
   * Every admin method carries it; core checks it (and audits the call) before anything else.
   */
  openAdminSession: {
    request: z.object({ pin: PinSchema }).strict(),
    /** `role`: whose PIN it was; the console shows that role's screens (docs/security.md, "Admin sessions"). */
    response: z.object({ session: AdminSessionTokenSchema, idleMs: z.number().int().positive(), role: ConsoleRoleSchema }),
  },
  closeAdminSession: {
    request: z.object({ session: AdminSessionTokenSchema }).strict(),
    response: z.object({}),
  },
  /**
   * Input on the console (a tap, a key, a scroll) keeps the session open: it ends after `idleMs`
   * without input, not without a call (docs/security.md, "Admin sessions"). Not an admin action, so
   * no audit row; refused with SESSION_REQUIRED like any admin call once the session has ended.
   * Answers the idle time in force now, so the console's hint follows a changed configuration.
   */
  touchAdminSession: {
    request: z.object({ session: AdminSessionTokenSchema }).strict(),
    response: z.object({ idleMs: z.number().int().positive() }),
  },
  /** Admin: today's figures. */
  getTodayFigures: {
    request: AdminRequest.strict(),
    response: TodayFiguresSchema,
  },
  setLanguage: {
    request: z.object({ language: LanguageSchema }).strict(),
    response: z.object({ language: LanguageSchema }),
  },
  getRendererConfig: {
    request: z.object({}).strict(),
    response: RendererConfigSchema,
  },
  /** The camera is the renderer's device: it reports its health so the status bar and logs agree. */
  reportCamera: {
    request: z
      .object({
        state: DeviceStateSchema,
        /** DOMException name or similar (`NotAllowedError`, `NotFoundError`); no personal data. */
        detail: z.string().max(200).nullable(),
      })
      .strict(),
    response: z.object({}),
  },
  /** Admin: the trust screen: trust and status lists, keys per province, pinned roots, warnings (health-code spec §2–4). */
  getTrustOverview: {
    request: AdminRequest.strict(),
    response: TrustOverviewSchema,
  },
  /** Admin: the retention screen: configured days, the oldest entry, what the next purge removes and keeps. */
  getRetention: {
    request: AdminRequest.strict(),
    response: RetentionViewSchema,
  },
  /** Admin: runs the retention purge now (the scheduled purge's own code path), audited with who asked. */
  purgeNow: {
    request: AdminRequest.strict(),
    response: PurgeOutcomeSchema,
  },
  /** Admin: the audit trail and guard overrides, newest first, filtered by action and time, paged by `before`. */
  getAudit: {
    request: AdminRequest.extend({ ...AuditFilterSchema.shape, limit: z.number().int().min(1).max(MAX_AUDIT_PAGE), before: AuditCursorSchema.optional() }).strict(),
    response: z.object({ rows: z.array(AuditRowSchema).max(MAX_AUDIT_PAGE), next: AuditCursorSchema.nullable(), matched: z.number().int().nonnegative() }),
  },
  /**
   * Admin: the same rows as CSV, one chunk per call (each under the wire's 64 KB, the header in the
   * first); the screen calls again with `next` until it is null and offers the whole as a download.
   */
  exportAudit: {
    request: AdminRequest.extend({ ...AuditFilterSchema.shape, before: AuditCursorSchema.optional() }).strict(),
    response: z.object({ csv: z.string().max(56 * 1024), rows: z.number().int().nonnegative(), next: AuditCursorSchema.nullable() }),
  },
  /**
   * Admin: statistics for venue-local days `from`…`to` (both included, at most MAX_STATISTICS_DAYS,
   * else BAD_REQUEST), read from the store's hourly roll-ups: counts only, nothing decrypted.
   */
  getStatistics: {
    request: AdminRequest.extend({ from: LocalDaySchema, to: LocalDaySchema }).strict(),
    response: StatisticsSchema,
  },
  /**
   * Admin: export the entry log for a range as CSV or XLSX, as a job in core (the export runs in its
   * own process so the door keeps deciding). `from`/`to`: venue-local days (both whole days included)
   * or ISO date-times (`to` excluded). Revealed names and document numbers need the admin PIN again
   * (`pin`). One export at a time (EXPORT_RUNNING). Every export is audited, failed and cancelled too.
   * Progress arrives as `exportProgress` events.
   */
  startExport: {
    request: AdminRequest.extend({
      from: ExportBoundSchema,
      to: ExportBoundSchema,
      decision: z.enum(['any', 'admit', 'deny', 'review']),
      format: z.enum(['csv', 'xlsx']),
      reveal: z.boolean(),
      pin: PinSchema.optional(),
      language: LanguageSchema,
    }).strict(),
    response: z.object({ jobId: ExportJobIdSchema, total: z.number().int().nonnegative() }),
  },
  /** Admin: an export job's state (and, when done, how to fetch its file from this screen). */
  getExportJob: {
    request: AdminRequest.extend({ jobId: ExportJobIdSchema }).strict(),
    response: ExportJobSchema,
  },
  /** Admin: stop a running export; it leaves no file, and its audit row says `cancelled`. */
  cancelExport: {
    request: AdminRequest.extend({ jobId: ExportJobIdSchema }).strict(),
    response: ExportJobSchema,
  },
  /** Admin, Electron: offer the finished file in a save dialog; `saved` false when the dialog was dismissed. */
  saveExport: {
    request: AdminRequest.extend({ jobId: ExportJobIdSchema }).strict(),
    response: z.object({ saved: z.boolean(), job: ExportJobSchema }),
  },
  /**
   * Admin: the configuration in force (src/contract/config.ts, every default filled in) and its
   * revision. Secrets never leave core: PIN hashes and key file paths read "set" / "not set".
   * `appliesLive`: the path prefixes a save puts in force without a restart.
   */
  getConfig: {
    request: AdminRequest.strict(),
    response: z.object({
      revision: z.number().int().nonnegative(),
      config: z.record(z.string(), z.unknown()),
      appliesLive: z.array(z.string().max(200)).max(64),
    }),
  },
  /**
   * Admin: changes to config.json made on `baseRevision` (refused, BAD_REQUEST, when someone else
   * saved since). Validated with the contract's kioskConfigSchema (CONFIG_INVALID naming each path
   * as `path: what; ...`), saved atomically with the next revision, audited (`config-changed`: who,
   * revision, paths; never values), and applied at once wherever the part allows; the rest is
   * reported in `restartNeeded`.
   */
  saveConfigChange: {
    request: AdminRequest.extend({
      baseRevision: z.number().int().nonnegative(),
      changes: z
        .array(z.object({ path: z.string().min(1).max(200), value: z.unknown() }).strict())
        .min(1)
        .max(64),
    }).strict(),
    response: z.object({
      revision: z.number().int().nonnegative(),
      applied: z.array(z.string().max(200)).max(256),
      restartNeeded: z.array(z.string().max(200)).max(256),
    }),
  },
  /**
   * Integrator (or admin, read-only): what the venue rules as edited would decide for seven fixed
   * synthetic cases and four EU certificate holders (docs/integrator-setup.md, "Venue and policy"),
   * computed in core by the same decision code a passage runs (health-code spec §4, docs/dcc-policy.md). `policy` holds the edited rules (a key left
   * out keeps the rule in force); `checkpoint`, when given, is only validated. Values are loosely
   * typed here on purpose: core judges them with the configuration schema and answers each wrong one
   * in `problems` (path and what), with no cases, rather than refusing the call.
   */
  previewPolicy: {
    request: AdminRequest.extend({
      policy: z
        .record(z.string().max(64), z.union([z.number(), z.boolean(), z.string().max(64), z.null()]))
        .refine((o) => Object.keys(o).length <= 32, 'at most 32 rules'),
      checkpoint: z
        .record(z.string().max(64), z.union([z.number(), z.boolean(), z.string().max(64), z.null()]))
        .refine((o) => Object.keys(o).length <= 32, 'at most 32 rules')
        .optional(),
    }).strict(),
    response: z.object({
      cases: z
        .array(
          z.object({
            id: z.enum(['green', 'yellow', 'red', 'stale', 'expired-test', 'fever', 'card-alone', 'dcc-vaccinated', 'dcc-test-naat', 'dcc-test-rat', 'dcc-recovery']),
            /** What the synthetic person presents (the screen words it in its language). */
            inputs: z.object({
              presented: z.enum(['code', 'card', 'dcc']),
              /** An EU certificate (docs/dcc-policy.md): its kind; days since the completing dose or the first positive test, hours since the sample. */
              dcc: z
                .object({ kind: z.enum(['vaccination', 'naat', 'rat', 'recovery']), daysAgo: z.number().nullable(), hoursAgo: z.number().nullable() })
                .optional(),
              status: z.enum(['green', 'yellow', 'red']).nullable(),
              assessedHoursAgo: z.number().nullable(),
              testHoursAgo: z.number().nullable(),
              temperatureC: z.number(),
            }),
            decision: DecisionSchema,
            reason: ReasonSchema.nullable(),
            reasons: z.array(ReasonSchema).max(16),
            /** The same case under the rules in force now. */
            inForce: z.object({ decision: DecisionSchema, reason: ReasonSchema.nullable() }),
            /** One line in English: the inputs and the rule that decided. */
            explanation: z.string().max(300),
          }),
        )
        .max(16),
      problems: z.array(z.object({ path: z.string().max(200), message: z.string().max(300) })).max(64),
    }),
  },
  /**
   * Integrator: the devices screen (docs/integrator-setup.md, "Devices"): the serial ports present,
   * each device's running and saved settings and its health. A kiosk without a device manager
   * answers `available: false` and why.
   */
  getDeviceSetup: {
    request: AdminRequest.strict(),
    response: DeviceSetupSchema,
  },
  /**
   * Integrator: one device's new settings (null: remove it). Proven first (the port opens and, for a
   * device that answers, a valid reply comes) while the other devices keep running; only then saved
   * as `devices.<device>` in config.json on `baseRevision` and audited. A device that refuses them
   * answers `applied: false` with its reason (PORT_UNAVAILABLE, FRAME_TIMEOUT, …) and the previous
   * settings keep running and stay saved. Settings that fail the schema: CONFIG_INVALID naming the
   * path. `purpose` 'calibration' audits the thermometer's offset and gain as a calibration.
   */
  applyDeviceSettings: {
    request: AdminRequest.extend({
      device: SetupDeviceSchema,
      settings: DeviceSettingsRecord.nullable(),
      baseRevision: z.number().int().nonnegative(),
      purpose: z.enum(['setup', 'calibration']).optional(),
    }).strict(),
    response: z.discriminatedUnion('applied', [
      z.object({ applied: z.literal(true), proven: z.string().max(300), revision: z.number().int().nonnegative() }),
      z.object({ applied: z.literal(false), reason: z.union([DeviceReasonSchema, z.literal('CONFIG_INVALID')]), message: z.string().max(300), running: DeviceSettingsRecord.nullable() }),
    ]),
  },
  /**
   * Integrator: does the real thing with one device: waits for a card (answered masked), a stable
   * temperature (raw and corrected), a scan (length and first characters), or pulses the gate. A card
   * or code read during a test is also a normal passage: the door keeps deciding.
   */
  testDevice: {
    request: AdminRequest.extend({
      device: SetupDeviceSchema,
      timeoutMs: z.number().int().min(500).max(30_000),
      relay: z.number().int().min(1).max(8).optional(),
      ms: z.number().int().min(20).max(10_000).optional(),
    }).strict(),
    response: DeviceTestOutcomeSchema,
  },
  /**
   * Integrator: the live frame log after `after` (a `seq`; -1 from the oldest kept), optionally of one
   * device, and the thermometer's last reading (the calibration box). The screen polls it while the
   * devices panel is open; not an action, so it writes no audit row and does not keep the session
   * from ending when the integrator walks away.
   */
  getFrameLog: {
    request: AdminRequest.extend({ after: z.number().int().min(-1), device: SetupDeviceSchema.optional() }).strict(),
    response: z.object({
      frames: z.array(FrameLogEntrySchema).max(MAX_FRAME_PAGE),
      /** The newest seq core holds (ask after it next time); -1 when none yet. */
      last: z.number().int().min(-1),
      /** Frames after `after` no longer kept or beyond this page: the screen says some were skipped. */
      skipped: z.number().int().nonnegative(),
      lastReading: LastReadingSchema.nullable(),
    }),
  },
  /** Integrator: the uploads screen: collector URL, device key fingerprint, registration text and QR, kioskId vs the key's id. */
  getUploadSetup: {
    request: AdminRequest.strict(),
    response: UploadSetupSchema,
  },
  /**
   * Integrator: tests the way to a collector (`url`, else the one in force): address (DNS, TCP), TLS,
   * the collector's answer, this kiosk's key registered; 5 s per step, later steps skipped after a failure.
   */
  testCollector: {
    request: AdminRequest.extend({ url: z.string().min(1).max(2048).optional() }).strict(),
    response: z.object({ url: z.string().max(2048), steps: z.array(ConnectionStepSchema).length(4) }),
  },
  // ---- Trust setup (integrator; docs/integrator-setup.md "Trust", health-code spec §2–4) ----
  /** Integrator: the pinned roots with fingerprints and which cached list each signs, and whether "sync now" can run. */
  getTrustSetup: {
    request: AdminRequest.strict(),
    response: TrustSetupSchema,
  },
  /**
   * Integrator: a root as pasted or read from a file (`{kid,pub}` JSON, the `roots.json` that
   * `kiosk pki demo` writes, a bare base64url key or an Ed25519 PEM): its SHA-256 fingerprint to read
   * out, and whether it signs the cached lists. Changes nothing.
   */
  previewPinnedRoot: {
    request: AdminRequest.extend({ root: PinnedRootInputSchema }).strict(),
    response: PinnedRootPreviewSchema,
  },
  /** Integrator: pins the root once its fingerprint, read out and confirmed, is echoed back (`sha256`); saved in config `roots`, in force at once. */
  addPinnedRoot: {
    request: AdminRequest.extend({ root: PinnedRootInputSchema, sha256: Sha256HexSchema }).strict(),
    response: PinnedRootsChangedSchema,
  },
  /** Integrator: unpins a root; refused for the last one and for the only root that signs a list in use. */
  removePinnedRoot: {
    request: AdminRequest.extend({ kid: z.string().min(1).max(64) }).strict(),
    response: PinnedRootsChangedSchema,
  },
  /**
   * Integrator: a trust or status list from a file (a USB stick), sent in parts of at most
   * LIST_IMPORT_PART_CHARS (one wire frame); the last part has the list checked exactly as a synced
   * one (spec §4: format, type, pinned root, signature, rollback) and installed atomically, or
   * refused with the list reason while the installed one stays.
   */
  importList: {
    request: AdminRequest.extend({
      kind: z.enum(['trust', 'status', 'dsc']),
      /** Characters of the whole file. */
      total: z.number().int().min(1).max(LIST_IMPORT_MAX_CHARS),
      /** Where this part starts; 0 begins a new import. */
      offset: z.number().int().nonnegative().max(LIST_IMPORT_MAX_CHARS),
      text: z.string().min(1).max(LIST_IMPORT_PART_CHARS),
    }).strict(),
    response: ListImportResultSchema,
  },
  /** Integrator: asks the collector for newer lists now (the uploader's own list sync); refused when no collector is configured. */
  syncListsNow: {
    request: AdminRequest.strict(),
    // `fleet`: the signed fleet configuration fetched at the same time, when this kiosk fetches one.
    response: z.object({ outcomes: z.array(ListSyncOutcomeSchema).max(2), fleet: FleetSyncOutcomeSchema.optional() }),
  },
  // ---- cloning a setup (docs/integrator-setup.md, "Cloning a setup"; src/core/config/clone.ts) ----
  /**
   * Integrator: this kiosk's setup as a file for the next kiosk: no PINs, guards, key file, demo
   * seed, ports, calibration, camera device, CA path or kiosk id. Audited (the action only).
   */
  exportSetup: {
    request: AdminRequest.strict(),
    response: z.object({ fileName: z.string().max(100), text: z.string().max(SETUP_TEXT_MAX_CHARS) }),
  },
  /**
   * Integrator: what importing a setup file would change here (each path: this kiosk's value, the
   * file's), this kiosk's own values it keeps, and why it cannot be applied (problems with their
   * paths: not a setup file, a typo, a bad value). Writes nothing; `revision` is the base an apply uses.
   */
  previewSetupImport: {
    request: AdminRequest.extend({ text: z.string().min(1).max(SETUP_TEXT_MAX_CHARS) }).strict(),
    response: SetupImportPlanSchema,
  },
  /**
   * Integrator: applies a setup file on `baseRevision` (BAD_REQUEST when config.json moved on;
   * CONFIG_INVALID with `path: what` when the file has problems): planned again in core, only the
   * changed paths written, this kiosk's own values kept, applied at once where the part allows;
   * audited (`config-changed`: who, revision, paths; never values).
   */
  applySetupImport: {
    request: AdminRequest.extend({ text: z.string().min(1).max(SETUP_TEXT_MAX_CHARS), baseRevision: z.number().int().nonnegative() }).strict(),
    response: z.object({
      revision: z.number().int().nonnegative(),
      applied: z.array(z.string().max(200)).max(512),
      restartNeeded: z.array(z.string().max(200)).max(512),
      keptLocal: z.array(z.string().max(200)).max(64),
    }),
  },
} as const;

export type MethodName = keyof typeof METHODS;
// Compile-time check that the zod-free name list (used by the preload) matches METHODS exactly.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _namesMatch: Same<MethodName, MethodNameFromList> = true;
void _namesMatch;
export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];
export type MethodRequest<M extends MethodName> = z.infer<(typeof METHODS)[M]['request']>;
export type MethodResponse<M extends MethodName> = z.infer<(typeof METHODS)[M]['response']>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(METHODS, name);
}

// ---------------------------------------------------------------------------------------------
// Results: every call answers ok with a value, or a reason code and a message in plain words.

export type Ok<T> = { ok: true; value: T };
/** `retryInMs`: how long until the call may succeed (PIN_LOCKED: until the PIN is checked again). */
export type Failure = { ok: false; reason: Reason; message: string; retryInMs?: number };
export type Result<T> = Ok<T> | Failure;

export const FailureSchema = z.object({ ok: z.literal(false), reason: ReasonSchema, message: z.string().max(500), retryInMs: z.number().int().nonnegative().optional() });

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}
export function fail(reason: Reason, message: string, retryInMs?: number): Failure {
  return retryInMs === undefined ? { ok: false, reason, message } : { ok: false, reason, message, retryInMs };
}

export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), value }), FailureSchema]);
}

// ---------------------------------------------------------------------------------------------
// Events: pushed by core to every connected screen.

export const KioskEventSchema = z.discriminatedUnion('type', [
  /** Every passage state change, including the review request (`awaitingGuard`) and the reset to idle. */
  z.object({ type: z.literal('passage'), passage: PassageViewSchema }),
  z.object({ type: z.literal('devices'), devices: z.array(DeviceHealthSchema).max(32) }),
  z.object({ type: z.literal('connectivity'), connectivity: ConnectivitySchema }),
  z.object({ type: z.literal('lists'), trustList: ListStatusSchema, statusList: ListStatusSchema, dscList: ListStatusSchema.optional() }),
  z.object({ type: z.literal('clock'), clock: ClockStatusSchema }),
  z.object({ type: z.literal('storage'), storage: StorageStatusSchema }),
  z.object({ type: z.literal('language'), language: LanguageSchema }),
  /** An admin session ended without the screen asking (idle) or was closed: the console closes. */
  z.object({ type: z.literal('adminSession'), open: z.literal(false), why: z.enum(['closed', 'idle', 'replaced']) }),
  /**
   * Sign of life, sent by both hosts every HEARTBEAT_INTERVAL_MS (and once on connecting). A screen
   * that hears nothing for CORE_LOST_AFTER_MS treats the core as gone even if its socket looks open
   * (a stopped or hung process never closes it) and shows out of service: a dead core must never
   * invite people in (docs/guard-screen.md).
   */
  z.object({ type: z.literal('heartbeat'), at: EpochMs }),
  /**
   * The configuration in force changed (a save, or config.json reloaded), or config.json cannot be
   * used and the kiosk keeps running on what it has: `configProblem` names the paths (the red chip).
   */
  z.object({ type: z.literal('config'), revision: z.number().int().nonnegative(), configProblem: KioskStatusSchema.shape.configProblem }),
  /** A running export's progress and its end (counts only); the console draws its bar from these. */
  z.object({
    type: z.literal('exportProgress'),
    jobId: ExportJobIdSchema,
    state: ExportJobStateSchema,
    rowsDone: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
  }),
]);
export type KioskEvent = z.infer<typeof KioskEventSchema>;

/** How often the hosts send a heartbeat event. */
export const HEARTBEAT_INTERVAL_MS = 300;
/**
 * Silence after which a screen shows out of service: over three beat intervals, so one late timer on
 * a busy box does not flicker the screen, yet with the screen's 250 ms check it notices the loss
 * within 1.25 s, leaving room under the 2 s the door needs (docs/guard-screen.md) for a loaded box.
 */
export const CORE_LOST_AFTER_MS = 1000;
export type KioskEventType = KioskEvent['type'];

// ---------------------------------------------------------------------------------------------
// Both sides' interfaces.

/** Who is calling: the host fills this in after it has checked the sender; the core may log `host`. */
export interface CallContext {
  host: 'electron' | 'browser';
  /** Per-connection id (browser host) or webContents id (Electron); for audit, not authority. */
  clientId: string;
}

/**
 * What the core implements (src/core/checkpoint's service) and both hosts expose. Requests arrive
 * already validated against METHODS; implementations answer with a Result rather than throwing,
 * so a refusal always carries a reason code. A throw is still caught by the host (reason INTERNAL).
 */
export type KioskService = {
  [M in MethodName]: (request: MethodRequest<M>, context: CallContext) => Promise<Result<MethodResponse<M>>>;
} & {
  /** Registers a listener for every event; returns the unsubscribe function. */
  subscribe(listener: (event: KioskEvent) => void): () => void;
};

/** What a screen holds: the same methods without the context, plus event subscription. */
export type KioskClient = {
  [M in MethodName]: (request: MethodRequest<M>) => Promise<Result<MethodResponse<M>>>;
} & {
  onEvent(listener: (event: KioskEvent) => void): () => void;
};
