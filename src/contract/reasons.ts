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

/** Trust list / status list installation, spec §4 last paragraph. */
export const LIST_UPDATE_REASONS = ['FORMAT_INVALID', 'TYPE_MISMATCH', 'ROOT_UNKNOWN', 'SIGNATURE_INVALID', 'ROLLBACK'] as const;
export type ListUpdateReason = (typeof LIST_UPDATE_REASONS)[number];

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
] as const;
export type KioskReason = (typeof KIOSK_REASONS)[number];

export type Reason = VerifyReason | PolicyReason | ListUpdateReason | KioskReason;
export const ALL_REASONS: readonly Reason[] = [
  ...new Set<Reason>([...VERIFY_REASONS, ...POLICY_REASONS, ...LIST_UPDATE_REASONS, ...KIOSK_REASONS]),
];

export type Decision = 'admit' | 'deny' | 'review';
