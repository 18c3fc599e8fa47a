// Signed fleet configuration (docs/upload-protocol.md §12 "Fleet configuration"): the collector signs a
// bundle of venue policy and checkpoint settings with the fleet key; a kiosk that pinned the fleet
// public key verifies it and applies it through the same path as a save on its own screen. One
// module for both sides, so the collector refuses at push time exactly what a kiosk would refuse.
//
// Pure: node:crypto and the contract's schemas only (no files, no network, no clock of its own).
// Order of checks on the kiosk: form → signature (nothing of the payload is parsed before it verifies,
// as with the lists, src/core/codes/lists.ts) → format → allowed paths → schema → target → validity
// window → revision. Every refusal has a reason code (src/contract/reasons.ts FLEET_CONFIG_REASONS).
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { base64urlDecode, base64urlEncode } from '../../base/base64url.js';
import { checkpointConfigSchema, venuePolicySchema } from '../../contract/config.js';
import type { FleetConfigReason } from '../../contract/reasons.js';
import { sign as naclSign } from '../codes/ed25519.js';
import { verifyDetached } from '../identity/device-key.js';

export const FLEET_CONFIG_FORMAT = 'checkpoint-fleet-config';
export const FLEET_CONFIG_TYP = 'checkpoint-fleet-config+jws';
/** A bundle is a few hundred bytes; anything near this is not one. */
export const MAX_FLEET_BUNDLE_CHARS = 64 * 1024;

/**
 * The only sections a bundle may carry (an allow-list, never a deny-list): the venue's policy and
 * the passage settings. Ports, calibration, roots, the fleet key itself, admin PINs, upload, identity
 * and retention are each kiosk's own (the integrator's), so a stolen fleet key can at worst change
 * what the policy screen could, never where a kiosk sends data or whom it trusts.
 */
export const FLEET_ALLOWED_SECTIONS = ['policy', 'checkpoint'] as const;
export type FleetSection = (typeof FLEET_ALLOWED_SECTIONS)[number];

const idText = z.string().min(1).max(64);
export const fleetTargetSchema = z.union([
  z.strictObject({ venueId: idText }),
  z.strictObject({ kioskIds: z.array(idText).min(1).max(1000) }),
  z.strictObject({ group: idText }),
]);
export type FleetTarget = z.infer<typeof fleetTargetSchema>;

/** Each section's keys validated by the very schema config.json is parsed with; every key optional. */
const changesSchema = z.strictObject({
  policy: venuePolicySchema.partial().strict().optional(),
  checkpoint: checkpointConfigSchema.partial().strict().optional(),
});

export const fleetBundleSchema = z.strictObject({
  format: z.literal(FLEET_CONFIG_FORMAT),
  /** Monotonic over the whole collector (not per target), so a kiosk in several targets never sees one go back. */
  revision: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  target: fleetTargetSchema,
  /** ms since the epoch. */
  issuedAt: z.number().int().nonnegative(),
  validFrom: z.number().int().nonnegative(),
  validTo: z.number().int().nonnegative(),
  changes: z.record(z.string(), z.unknown()),
});
export type FleetBundle = Omit<z.infer<typeof fleetBundleSchema>, 'changes'> & { changes: { policy?: Record<string, unknown>; checkpoint?: Record<string, unknown> } };

export interface FleetChange {
  path: string;
  value: unknown;
}

export type FleetCheck<T> = { ok: true; value: T } | { ok: false; reason: FleetConfigReason; message: string; revision?: number };
const refuse = (reason: FleetConfigReason, message: string): { ok: false; reason: FleetConfigReason; message: string } => ({ ok: false, reason, message: message.slice(0, 300) });

/** The key id both sides name a fleet key by: base64url of the first 8 bytes of SHA-256 of the raw key. */
export function fleetKeyId(publicKey: Uint8Array): string {
  return base64urlEncode(new Uint8Array(createHash('sha256').update(publicKey).digest().subarray(0, 8)));
}

/** A fleet public key as pinned in config.json (`fleet.publicKey`): base64url of 32 bytes, else null. */
export function parseFleetPublicKey(text: string | null | undefined): Uint8Array | null {
  if (!text) return null;
  const bytes = base64urlDecode(text.trim());
  return bytes && bytes.length === 32 ? bytes : null;
}

/**
 * The leaf changes of a bundle as configuration paths, after the allow-list: a section not allowed
 * (even `devices`, `roots`, `fleet`, `upload`, `admin`...) is FLEET_CONFIG_FORBIDDEN_PATH; a key its
 * section's schema does not know, or a value it refuses, is CONFIG_INVALID. An empty bundle is
 * CONFIG_INVALID too: it would bump revisions while changing nothing.
 */
export function fleetChanges(changes: unknown): FleetCheck<FleetChange[]> {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) return refuse('CONFIG_INVALID', 'changes is not an object');
  const forbidden = Object.keys(changes).filter((k) => !(FLEET_ALLOWED_SECTIONS as readonly string[]).includes(k));
  if (forbidden.length > 0) return refuse('FLEET_CONFIG_FORBIDDEN_PATH', `a fleet bundle carries only ${FLEET_ALLOWED_SECTIONS.map((s) => `${s}.*`).join(' and ')}; not ${forbidden.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}`);
  const parsed = changesSchema.safeParse(changes);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const path = first ? (first.code === 'unrecognized_keys' ? [...first.path, first.keys.join(',')] : first.path).map(String).join('.') : '';
    return refuse('CONFIG_INVALID', `${path || 'changes'}: ${first?.message ?? 'invalid'}`);
  }
  // Leaf paths from what the bundle wrote (not from the parse: zod would fill no defaults here, but
  // only keys really present are changes).
  const out: FleetChange[] = [];
  for (const section of FLEET_ALLOWED_SECTIONS) {
    const values = (changes as Record<string, unknown>)[section];
    if (values === undefined) continue;
    for (const [key, value] of Object.entries(values as Record<string, unknown>)) out.push({ path: `${section}.${key}`, value });
  }
  if (out.length === 0) return refuse('CONFIG_INVALID', 'the bundle changes nothing');
  return { ok: true, value: out };
}

/** `policy.feverThresholdC=37.5` style assignments (the CLI) as a bundle's `changes`; values are JSON, else text. */
export function changesFromAssignments(assignments: readonly string[]): FleetCheck<Record<string, Record<string, unknown>>> {
  const changes: Record<string, Record<string, unknown>> = {};
  for (const a of assignments) {
    const eq = a.indexOf('=');
    const path = eq > 0 ? a.slice(0, eq).trim() : '';
    const parts = path.split('.');
    if (parts[0] && parts.length >= 2 && !(FLEET_ALLOWED_SECTIONS as readonly string[]).includes(parts[0])) return refuse('FLEET_CONFIG_FORBIDDEN_PATH', `a fleet bundle carries only ${FLEET_ALLOWED_SECTIONS.map((s) => `${s}.*`).join(' and ')}; not ${path.slice(0, 80)}`);
    if (parts.length !== 2 || !parts[0] || !parts[1]) return refuse('CONFIG_INVALID', `${JSON.stringify(a.slice(0, 80))} is not section.key=value`);
    const raw = a.slice(eq + 1).trim();
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    (changes[parts[0]] ??= {})[parts[1]] = value;
  }
  const checked = fleetChanges(changes);
  return checked.ok ? { ok: true, value: changes } : checked;
}

export interface SignFleetBundleInput {
  revision: number;
  target: FleetTarget;
  changes: unknown;
  issuedAt: number;
  validFrom?: number;
  /** Default: a year after validFrom. */
  validTo?: number;
}

/**
 * Signs a bundle with the fleet key (tweetnacl 64-byte secret key). Refuses (no signature made) what
 * a kiosk would refuse for its content: forbidden paths, values the schema does not take, a bad target
 * or window. Compact JWS form: header {alg: EdDSA, typ, kid}, payload JSON, Ed25519 over `h.p`.
 */
export function signFleetBundle(input: SignFleetBundleInput, key: { secretKey: Uint8Array; publicKey: Uint8Array }): FleetCheck<{ jws: string; bundle: FleetBundle }> {
  const validFrom = input.validFrom ?? input.issuedAt;
  const bundle = { format: FLEET_CONFIG_FORMAT, revision: input.revision, target: input.target, issuedAt: input.issuedAt, validFrom, validTo: input.validTo ?? validFrom + 365 * 24 * 3600_000, changes: input.changes };
  const shape = fleetBundleSchema.safeParse(bundle);
  if (!shape.success) return refuse('FLEET_CONFIG_FORMAT', shape.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  if (bundle.validTo <= bundle.validFrom) return refuse('FLEET_CONFIG_FORMAT', 'validTo is not after validFrom');
  const changes = fleetChanges(bundle.changes);
  if (!changes.ok) return changes;
  const header = { alg: 'EdDSA', typ: FLEET_CONFIG_TYP, kid: fleetKeyId(key.publicKey) };
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(bundle)).toString('base64url');
  const sig = naclSign(Buffer.from(`${h}.${p}`, 'ascii'), key.secretKey);
  return { ok: true, value: { jws: `${h}.${p}.${base64urlEncode(sig)}`, bundle: bundle as FleetBundle } };
}

/**
 * Form and signature under the pinned fleet key, then the payload's format. Until the signature
 * verifies nothing of the payload is parsed: a forged bundle costs one signature check.
 */
export function verifyFleetBundle(jws: string, fleetPublicKey: Uint8Array | null): FleetCheck<FleetBundle> {
  if (!fleetPublicKey) return refuse('FLEET_KEY_NOT_PINNED', 'no fleet public key is pinned on this kiosk (config fleet.publicKey): bundles are not applied');
  if (typeof jws !== 'string' || jws.length > MAX_FLEET_BUNDLE_CHARS) return refuse('FLEET_CONFIG_FORMAT', 'not a bundle (not text, or too long)');
  const parts = jws.trim().split('.');
  if (parts.length !== 3) return refuse('FLEET_CONFIG_FORMAT', 'not a compact JWS of three parts');
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = base64urlDecode(h);
  const signature = base64urlDecode(s);
  if (!headerBytes || !signature || !/^[A-Za-z0-9_-]+$/.test(p)) return refuse('FLEET_CONFIG_FORMAT', 'a part is not base64url');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(headerBytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    return refuse('FLEET_CONFIG_FORMAT', 'header is not JSON');
  }
  if (typeof header !== 'object' || header === null || header.alg !== 'EdDSA' || header.typ !== FLEET_CONFIG_TYP) return refuse('FLEET_CONFIG_FORMAT', `header is not {alg: EdDSA, typ: ${FLEET_CONFIG_TYP}}`);
  if (!verifyDetached(Buffer.from(`${h}.${p}`, 'ascii'), signature, fleetPublicKey)) {
    const kid = typeof header.kid === 'string' ? header.kid.slice(0, 16) : '?';
    return refuse('SIGNATURE_INVALID', `the signature does not verify under the pinned fleet key ${fleetKeyId(fleetPublicKey)} (bundle names key ${kid})`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(base64urlDecode(p)!).toString('utf8'));
  } catch {
    return refuse('FLEET_CONFIG_FORMAT', 'payload is not JSON');
  }
  const shape = fleetBundleSchema.safeParse(payload);
  if (!shape.success) {
    const first = shape.error.issues[0];
    return refuse('FLEET_CONFIG_FORMAT', `${first?.path.join('.') || 'bundle'}: ${first?.message ?? 'invalid'}`);
  }
  return { ok: true, value: shape.data as FleetBundle };
}

/** Who this kiosk is, for the target check. */
export interface FleetSelf {
  venueId: string;
  /** The configured kioskId and the device key's id (either may be named). */
  kioskIds: readonly string[];
  groups: readonly string[];
}

export function targetMatches(target: FleetTarget, self: FleetSelf): boolean {
  if ('venueId' in target) return target.venueId === self.venueId;
  if ('kioskIds' in target) return target.kioskIds.some((id) => self.kioskIds.includes(id));
  return self.groups.includes(target.group);
}

export function describeTarget(target: FleetTarget): string {
  if ('venueId' in target) return `venue ${target.venueId}`;
  if ('kioskIds' in target) return `kiosks ${target.kioskIds.slice(0, 5).join(', ')}${target.kioskIds.length > 5 ? ' …' : ''}`;
  return `group ${target.group}`;
}

export interface FleetAcceptInput {
  jws: string;
  fleetPublicKey: Uint8Array | null;
  self: FleetSelf;
  now: number;
  /** The last revision this kiosk applied (0: none). */
  appliedRevision: number;
}

/**
 * Every check a kiosk makes before applying (the configuration schema of the whole document is the
 * caller's last one: updateConfig validates before it writes). `unchanged` is the bundle already in
 * force arriving again (same signed revision): nothing to do, and no refusal either.
 */
export function acceptFleetBundle(input: FleetAcceptInput): FleetCheck<{ bundle: FleetBundle; changes: FleetChange[]; unchanged: boolean }> {
  const verified = verifyFleetBundle(input.jws, input.fleetPublicKey);
  if (!verified.ok) return verified;
  const bundle = verified.value;
  // Past the signature the bundle's revision is the fleet key's word: refusals name it.
  const refuse = (reason: FleetConfigReason, message: string) => ({ ok: false as const, reason, message: message.slice(0, 300), revision: bundle.revision });
  const changes = fleetChanges(bundle.changes);
  if (!changes.ok) return refuse(changes.reason, changes.message);
  if (!targetMatches(bundle.target, input.self)) return refuse('FLEET_CONFIG_TARGET', `the bundle is for ${describeTarget(bundle.target)}, not this kiosk (venue ${input.self.venueId})`);
  if (input.now < bundle.validFrom) return refuse('FLEET_CONFIG_EXPIRED', `revision ${bundle.revision} is valid only from ${new Date(bundle.validFrom).toISOString()}`);
  if (input.now > bundle.validTo) return refuse('FLEET_CONFIG_EXPIRED', `revision ${bundle.revision} expired at ${new Date(bundle.validTo).toISOString()}`);
  if (bundle.revision === input.appliedRevision) return { ok: true, value: { bundle, changes: changes.value, unchanged: true } };
  if (bundle.revision < input.appliedRevision) return refuse('FLEET_CONFIG_ROLLBACK', `revision ${bundle.revision} is older than revision ${input.appliedRevision} in force: no rollback`);
  return { ok: true, value: { bundle, changes: changes.value, unchanged: false } };
}
