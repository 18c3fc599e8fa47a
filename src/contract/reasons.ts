// Every reason code the kiosk can log, show or return. One list, imported by both sides of the
// contract, so a reason shown on screen is always one the core can produce.

/** Code verification, health-code spec §4, checks 1–12, in check order. */
export const VERIFY_REASONS = [
  'FORMAT_UNKNOWN',
  'FORMAT_INVALID',
  'ALG_UNSUPPORTED',
  'KEY_UNKNOWN',
  'KEY_REVOKED',
  'KEY_EXPIRED',
  'SIGNATURE_INVALID',
  'ISSUER_MISMATCH',
  'PAYLOAD_INVALID',
  'CODE_REVOKED',
  'CODE_NOT_YET_VALID',
  'CODE_EXPIRED',
] as const;
export type VerifyReason = (typeof VERIFY_REASONS)[number];

/** Venue policy, spec §4, both tables (code; card alone). */
export const POLICY_REASONS = [
  'TRUST_LIST_EXPIRED',
  'TRUST_LIST_MISSING',
  'STATUS_YELLOW',
  'STATUS_RED',
  'STATUS_STALE',
  'TEST_POSITIVE',
  'TEST_REQUIRED',
  'TEST_TOO_OLD',
  'IDENTITY_MISMATCH',
  'FEVER',
  'TEMPERATURE_MISSING',
  'CODE_REQUIRED',
  'STATUS_LIST_MISSING',
  'STATUS_LIST_STALE',
] as const;
export type PolicyReason = (typeof POLICY_REASONS)[number];

/**
 * EU Digital COVID Certificates (`HC1:`), docs/dcc.md "Verification": one reason per layer that can
 * fail, in check order. A text with neither prefix stays FORMAT_UNKNOWN.
 */
export const DCC_VERIFY_REASONS = [
  // Base45 after the HC1: prefix does not decode.
  'DCC_BASE45_INVALID',
  // zlib does not inflate, or inflates past the cap (a compressed bomb).
  'DCC_COMPRESSION_INVALID',
  // Not a COSE_Sign1 (tagged or untagged), or its headers are not maps.
  'DCC_COSE_INVALID',
  // alg missing from the protected header, or not ES256 / PS256.
  'DCC_ALG_UNSUPPORTED',
  // The payload is not a CWT with iss, iat, exp and hcert v1.
  'DCC_CWT_INVALID',
  // No signer certificate (DSC) with this kid in the installed, signed DSC list (or no list at all).
  'DCC_KEY_UNKNOWN',
  'DCC_SIGNATURE_INVALID',
  // The signer certificate is not valid at the verification time.
  'DCC_CERT_EXPIRED',
  // The signer certificate's extended key usage does not cover this certificate type.
  'DCC_CERT_USAGE',
  // The hcert payload breaks the DCC JSON schema of its declared version (or names none known).
  'DCC_SCHEMA_INVALID',
  // iat after now (beyond the clock skew allowance).
  'DCC_NOT_YET_VALID',
  // exp before now.
  'DCC_EXPIRED',
] as const;
export type DccVerifyReason = (typeof DCC_VERIFY_REASONS)[number];

/** Venue rules for foreign credentials (docs/dcc-policy.md); the signed DSC list (docs/dcc-trust.md). */
export const DCC_POLICY_REASONS = [
  // The venue does not accept foreign credentials (policy.dccAccept false) or this type (policy.dccAcceptVaccination, dccAcceptTest or dccAcceptRecovery false).
  'DCC_NOT_ACCEPTED',
  // Fewer doses than the series needs (dn < sd).
  'DCC_VACCINATION_INCOMPLETE',
  // The last dose is younger than the venue's minimum days.
  'DCC_VACCINATION_TOO_RECENT',
  // A test result other than "not detected".
  'DCC_TEST_POSITIVE',
  // A test type the venue does not accept (e.g. rapid antigen where only NAAT counts).
  'DCC_TEST_TYPE_NOT_ACCEPTED',
  // Sample taken longer ago than the venue's maximum hours.
  'DCC_TEST_TOO_OLD',
  // Today outside the recovery certificate's df..du window.
  'DCC_RECOVERY_NOT_VALID',
  // An ID card read in the same passage as an EU certificate: a DCC carries no document number, so the
  // kiosk cannot match the two; the guard compares the names (review), and nothing links them unchecked.
  'DCC_CARD_UNMATCHED',
  // No signed DSC list installed, or the one installed is past its nextUpdate.
  'DCC_LIST_MISSING',
  'DCC_LIST_EXPIRED',
] as const;
export type DccPolicyReason = (typeof DCC_POLICY_REASONS)[number];

/** Trust list / status list installation, spec §4 last paragraph. */
export const LIST_UPDATE_REASONS = ['FORMAT_INVALID', 'TYPE_MISMATCH', 'ROOT_UNKNOWN', 'SIGNATURE_INVALID', 'ROLLBACK'] as const;
export type ListUpdateReason = (typeof LIST_UPDATE_REASONS)[number];

/**
 * Signed fleet configuration (docs/upload-protocol.md §12): why a kiosk refused a bundle (none changes
 * the kiosk; each is audited, logged and reported in the next heartbeat) or why the collector refused
 * to sign one. SIGNATURE_INVALID: not signed by the pinned fleet key; CONFIG_INVALID: a value the
 * configuration schema refuses.
 */
export const FLEET_CONFIG_REASONS = [
  // No fleet public key pinned on this kiosk (config fleet.publicKey): nothing from the fleet is applied.
  'FLEET_KEY_NOT_PINNED',
  // Not a bundle: not a compact JWS, wrong header, a payload that is not a v1 bundle.
  'FLEET_CONFIG_FORMAT',
  'SIGNATURE_INVALID',
  // For another venue, group or kiosk.
  'FLEET_CONFIG_TARGET',
  // Outside its validity window (expired, or not yet valid).
  'FLEET_CONFIG_EXPIRED',
  // An older revision than the one in force: no rollback.
  'FLEET_CONFIG_ROLLBACK',
  // A path outside the allow-list (policy.*, checkpoint.*): ports, roots, the fleet key, admin, upload...
  'FLEET_CONFIG_FORBIDDEN_PATH',
  'CONFIG_INVALID',
] as const;
export type FleetConfigReason = (typeof FLEET_CONFIG_REASONS)[number];

/** The kiosk's own conditions that change a decision or refuse an operation. */
export const KIOSK_REASONS = [
  'STORAGE_FULL',
  'STORAGE_UNAVAILABLE',
  'DUPLICATE_SCAN',
  'ANTI_PASSBACK',
  'GUARD_ALLOWED',
  'GUARD_DENIED',
  'CARD_INVALID',
  'TEMPERATURE_INVALID',
  'DEVICE_UNAVAILABLE',
  'BAD_REQUEST',
  'UNAUTHORIZED',
  // Too many wrong PINs: the PIN is not even checked until the wait is over (the failure carries retryInMs).
  'PIN_LOCKED',
  // An admin method without an open admin session (none, ended after inactivity, or another screen's).
  'SESSION_REQUIRED',
  // The configuration document (or a change to it) breaks the schema; the message names the path.
  'CONFIG_INVALID',
  // An export is already running: one at a time (its own process shares the disk with the entry log).
  'EXPORT_RUNNING',
  // A fault in the kiosk itself (a bug, an unexpected throw): refused rather than crashing.
  'INTERNAL',
] as const;
export type KioskReason = (typeof KIOSK_REASONS)[number];

/**
 * Peripheral conditions (devices spec §1–4): what a driver reports in device health and in a rejected
 * card or temperature. Kept apart from `Reason` (which a passage decision carries): a passage maps
 * these to CARD_INVALID / TEMPERATURE_INVALID / DEVICE_UNAVAILABLE.
 */
export const DEVICE_REASONS = [
  // link and framing, any device
  'PORT_UNAVAILABLE',
  'PORT_ERROR',
  'FRAME_TIMEOUT',
  'FRAME_CHECKSUM',
  'FRAME_LENGTH',
  'FRAME_NOISE',
  'FRAME_UNEXPECTED',
  'HEX_INVALID',
  // ID card reader module status SW3 (devices spec §1, "Status byte SW3"), one name per value
  'CARD_SW_NO_CONTENT',
  'CARD_SW_NO_CARD',
  'CARD_SW_SELECT_FAILED',
  'CARD_SW_HOST_CHECKSUM',
  'CARD_SW_HOST_LENGTH',
  'CARD_SW_COMMAND',
  'CARD_SW_NOT_PERMITTED',
  'CARD_SW_UNRECOGNISED',
  'CARD_SW_AUTH_CARD_TO_MODULE',
  'CARD_SW_AUTH_MODULE_TO_CARD',
  'CARD_SW_VERIFY_FAILED',
  'CARD_SW_UNKNOWN_CARD_TYPE',
  'CARD_SW_READ_FAILED',
  'CARD_SW_RANDOM_FAILED',
  'CARD_SW_SELF_TEST_FAILED',
  'CARD_SW_NOT_AUTHORISED',
  'CARD_SW_UNKNOWN_STATUS',
  // ID card text block (devices spec §1, "Text block")
  'CARD_TYPE_UNKNOWN',
  'CARD_FIELD_INVALID',
  'CARD_DATE_INVALID',
  'CARD_ID_CHECKSUM',
  // thermometers (devices spec §2)
  'THERMO_OUT_OF_RANGE',
  'THERMO_UNPARSEABLE',
  'THERMO_MODBUS_EXCEPTION',
  'THERMO_NO_STABLE_READING',
  // serial scanner (devices spec §3)
  'SCANNER_OVERLONG',
  // gate relay (devices spec §4)
  'GATE_UNAVAILABLE',
] as const;
export type DeviceReason = (typeof DEVICE_REASONS)[number];

/**
 * Upload to the collector, list sync and the device key (docs/upload-protocol.md): what the uploader
 * reports in its status and the collector answers with. Kept apart from `Reason`: no passage carries these.
 */
export const UPLOAD_REASONS = [
  'COLLECTOR_UNREACHABLE',
  'COLLECTOR_TIMEOUT',
  'COLLECTOR_ERROR',
  'COLLECTOR_INSECURE',
  'KIOSK_UNKNOWN',
  'BATCH_SIGNATURE_INVALID',
  'BATCH_TOO_LARGE',
  'BATCH_INVALID',
  'BATCH_CONFLICT',
  'RATE_LIMITED',
  'LIST_UNAVAILABLE',
  'DEVICE_KEY_INVALID',
  'DEVICE_KEY_INSECURE',
  // The integrator's connection test (docs/integrator-setup.md "Uploads"): the collector URL is not an
  // http(s) URL; the collector's certificate is not valid for its name under the configured CA.
  'COLLECTOR_URL_INVALID',
  'COLLECTOR_TLS_INVALID',
  // Heartbeats (docs/upload-protocol.md §11): the body is not a v1 heartbeat; the same signed
  // heartbeat (same kiosk and sentAt) arrived before, a replay.
  'HEARTBEAT_INVALID',
  'HEARTBEAT_DUPLICATE',
] as const;
export type UploadReason = (typeof UPLOAD_REASONS)[number];

/**
 * The platform side (src/collector; docs/upload-protocol.md §7-§8): what the collector's tracing
 * endpoint and `kiosk collector` answer with. No kiosk or passage carries these.
 */
export const COLLECTOR_REASONS = [
  'TRACE_UNAUTHORIZED',
  'TRACE_REASON_REQUIRED',
  'TRACE_INVALID',
  'TRACE_KEY_MISMATCH',
  // The fleet view's query (docs/upload-protocol.md §11): an unknown alert, a page out of range.
  'FLEET_QUERY_INVALID',
  // The fleet console (docs/fleet.md): a wrong name or password; too many failures (the answer says
  // for how long); no session, or one past its idle or absolute limit; a POST without the session's
  // CSRF token or from another origin; an account the operator disabled; a request that is not JSON.
  'CONSOLE_LOGIN_FAILED',
  'CONSOLE_LOCKED',
  'CONSOLE_SESSION_REQUIRED',
  'CONSOLE_SESSION_EXPIRED',
  'CONSOLE_CSRF_INVALID',
  'CONSOLE_ORIGIN_REFUSED',
  'CONSOLE_ACCOUNT_DISABLED',
  'CONSOLE_REQUEST_INVALID',
] as const;
export type CollectorReason = (typeof COLLECTOR_REASONS)[number];

export type Reason = VerifyReason | PolicyReason | DccVerifyReason | DccPolicyReason | ListUpdateReason | KioskReason;
export const ALL_REASONS: readonly Reason[] = [
  ...new Set<Reason>([...VERIFY_REASONS, ...POLICY_REASONS, ...DCC_VERIFY_REASONS, ...DCC_POLICY_REASONS, ...LIST_UPDATE_REASONS, ...KIOSK_REASONS]),
];

export type Decision = 'admit' | 'deny' | 'review';
