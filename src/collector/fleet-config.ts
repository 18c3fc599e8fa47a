// Signed fleet configuration, the collector's side (docs/upload-protocol.md §12): the fleet key (kept
// beside the database like the status token, never in it), the signed bundles (in the database, both
// backends, one SQL text), and which bundle a kiosk gets. Signing and every content check are
// src/core/fleet/bundle.ts, the very code a kiosk verifies with.
import { existsSync, mkdirSync, readFileSync, statSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { generateKeyPair } from '../core/codes/ed25519.js';
import { writeFileAtomic } from '../core/config/atomic-write.js';
import { base64urlDecode, base64urlEncode } from '../base/base64url.js';
import { describeTarget, fleetKeyId, fleetTargetSchema, signFleetBundle, type FleetBundle, type FleetTarget } from '../core/fleet/bundle.js';
import type { FleetConfigReason } from '../contract/reasons.js';
import { pgExec, sqliteExec, type SqlExec } from './console-store.js';
import type { FleetQuery, FleetThresholds } from './fleet.js';

// ---- the fleet key ----

export interface FleetKey {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  /** base64url of the raw public key: what integrators pin (config fleet.publicKey). */
  publicKeyB64: string;
  kid: string;
}

function keyOfSeed(seed: Uint8Array): FleetKey {
  const pair = generateKeyPair(seed);
  return { publicKey: pair.publicKey, secretKey: pair.secretKey, publicKeyB64: base64urlEncode(pair.publicKey), kid: fleetKeyId(pair.publicKey) };
}

/** Reads the fleet key file (0600; a looser file is tightened, as the status token's). */
export function loadFleetKey(file: string): FleetKey {
  if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { seed?: string };
  const seed = typeof doc.seed === 'string' ? base64urlDecode(doc.seed) : null;
  if (!seed || seed.length !== 32) throw new Error(`${file}: not a fleet key file (seed of 32 bytes, base64url)`);
  return keyOfSeed(seed);
}

/**
 * The fleet key as the running collector sees it: read when first needed and again whenever the
 * file's mtime changes, so a key made with `kiosk collector fleet-key init` while `serve` runs is
 * used by the next push without a restart (docs/fleet.md "The fleet key"). No file: undefined. A
 * file that does not read as a key throws (the push answers with why, instead of "no key").
 */
export function fleetKeySource(file: string): () => FleetKey | undefined {
  let cached: { mtimeMs: number; size: number; key: FleetKey } | null = null;
  return () => {
    let st;
    try {
      st = statSync(file);
    } catch {
      cached = null;
      return undefined;
    }
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.key;
    const key = loadFleetKey(file);
    cached = { mtimeMs: st.mtimeMs, size: st.size, key };
    return key;
  };
}

/** Makes the fleet key if the file does not exist (`kiosk collector fleet-key init`); `created` says which. */
export function initFleetKey(file: string): FleetKey & { created: boolean } {
  if (existsSync(file)) return { ...loadFleetKey(file), created: false };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const seed = generateKeyPair().secretKey.slice(0, 32);
  const key = keyOfSeed(seed);
  writeFileAtomic(file, JSON.stringify({ v: 1, alg: 'Ed25519', purpose: 'checkpoint fleet configuration', seed: base64urlEncode(seed), publicKey: key.publicKeyB64, createdAt: new Date().toISOString() }, null, 2) + '\n', 0o600);
  return { ...key, created: true };
}

// ---- storage ----

/** Migration text for each backend's numbered list (db.ts, pg.ts). */
export function fleetConfigMigration(backend: 'sqlite' | 'postgres'): string {
  const int = backend === 'sqlite' ? 'INTEGER' : 'bigint';
  const strict = backend === 'sqlite' ? ' STRICT' : '';
  // revision is the primary key: two collectors signing at once cannot both take the same number
  // (the loser signs the next one). Monotonic over the whole collector, not per target: a kiosk in
  // several targets (its venue, a group, itself) then never sees the newest bundle for it go back.
  return `CREATE TABLE fleet_configs (
     revision ${int} PRIMARY KEY,
     target TEXT NOT NULL,
     bundle TEXT NOT NULL,
     issued_at ${int} NOT NULL,
     pushed_by TEXT NOT NULL
   )${strict};`;
}

export interface StoredFleetConfig {
  revision: number;
  target: FleetTarget;
  jws: string;
  issuedAt: number;
  pushedBy: string;
}

export interface FleetConfigStore {
  maxRevision(): Promise<number>;
  /** False when the revision is taken (another process signed it first). */
  insert(row: StoredFleetConfig): Promise<boolean>;
  /** Newest first. */
  recent(limit: number): Promise<StoredFleetConfig[]>;
}

function store(sql: SqlExec): FleetConfigStore {
  const rowOf = (r: Record<string, unknown>): StoredFleetConfig => ({ revision: Number(r.revision), target: JSON.parse(String(r.target)) as FleetTarget, jws: String(r.bundle), issuedAt: Number(r.issued_at), pushedBy: String(r.pushed_by) });
  return {
    async maxRevision() {
      const rows = await sql.all('SELECT COALESCE(MAX(revision), 0) AS m FROM fleet_configs', {});
      return Number(rows[0]?.m ?? 0);
    },
    async insert(row) {
      const n = await sql.run('INSERT INTO fleet_configs (revision, target, bundle, issued_at, pushed_by) VALUES (:revision, :target, :bundle, :issuedAt, :pushedBy) ON CONFLICT (revision) DO NOTHING', {
        revision: row.revision,
        target: JSON.stringify(row.target),
        bundle: row.jws,
        issuedAt: row.issuedAt,
        pushedBy: row.pushedBy,
      });
      return n === 1;
    },
    async recent(limit) {
      return (await sql.all('SELECT revision, target, bundle, issued_at, pushed_by FROM fleet_configs ORDER BY revision DESC LIMIT :limit', { limit })).map(rowOf);
    },
  };
}

export function sqliteFleetConfigStore(db: Database.Database): FleetConfigStore {
  return store(sqliteExec(db));
}

export function pgFleetConfigStore(pool: pg.Pool): FleetConfigStore {
  return store(pgExec(pool));
}

// ---- pushing (the CLI, POST /v1/fleet/config, the operator console) ----

export interface FleetPushRequest {
  target: unknown;
  changes: unknown;
  /** Default now; ms since the epoch. */
  validFrom?: number;
  /** Default a year after validFrom. */
  validTo?: number;
  /** Operator name for the record (not personal data of a kiosk's visitors). */
  by: string;
}

export type FleetPushResult = { ok: true; revision: number; jws: string; bundle: FleetBundle } | { ok: false; reason: FleetConfigReason; message: string };

/**
 * Signs the next revision for a target and stores it. The function the operator console calls (after
 * its own session and CSRF checks): it refuses exactly what a kiosk would (allow-list, schema, target
 * form, window) before anything is signed, so a refused push leaves no row.
 */
export async function pushFleetConfig(db: { fleetConfig: FleetConfigStore }, key: FleetKey, request: FleetPushRequest, now: number): Promise<FleetPushResult> {
  const target = fleetTargetSchema.safeParse(request.target);
  if (!target.success) return { ok: false, reason: 'FLEET_CONFIG_FORMAT', message: 'target must be {venueId}, {kioskIds: [...]} or {group}' };
  for (let attempt = 0; attempt < 5; attempt++) {
    const revision = (await db.fleetConfig.maxRevision()) + 1;
    const signed = signFleetBundle({ revision, target: target.data, changes: request.changes, issuedAt: now, ...(request.validFrom !== undefined ? { validFrom: request.validFrom } : {}), ...(request.validTo !== undefined ? { validTo: request.validTo } : {}) }, key);
    if (!signed.ok) return signed;
    if (await db.fleetConfig.insert({ revision, target: target.data, jws: signed.value.jws, issuedAt: now, pushedBy: request.by.slice(0, 100) })) {
      return { ok: true, revision, jws: signed.value.jws, bundle: signed.value.bundle };
    }
  }
  return { ok: false, reason: 'FLEET_CONFIG_ROLLBACK', message: 'another collector process kept taking the next revision; try again' };
}

/** Who asks: the kiosk's key id, the venue the collector knows for it, the groups it declares. */
export interface FleetRequester {
  kioskId: string;
  /** Every id the kiosk is known by (key id, the kioskId its entries carry). */
  kioskIds: readonly string[];
  venueIds: readonly string[];
  groups: readonly string[];
}

/** The newest bundle whose target names this kiosk, its venue or one of its groups. */
export function bundleFor(rows: readonly StoredFleetConfig[], who: FleetRequester): StoredFleetConfig | null {
  let best: StoredFleetConfig | null = null;
  for (const r of rows) {
    const t = r.target;
    const hit = 'venueId' in t ? who.venueIds.includes(t.venueId) : 'kioskIds' in t ? t.kioskIds.some((id) => who.kioskIds.includes(id)) : who.groups.includes(t.group);
    if (hit && (!best || r.revision > best.revision)) best = r;
  }
  return best;
}

/**
 * How many kiosks the collector knows that a target names now (docs/fleet.md "Pushing"): a venue by
 * the latest heartbeat's venueId, kiosk ids by key id or the kioskId entries carry. A group is
 * declared by a kiosk only when it fetches, so the collector cannot count it: null. Zero is what a
 * typo looks like; the push is still signed, since a kiosk may report that venue later.
 */
export async function knownTargetCount(
  db: { kiosks(): Promise<readonly { kioskId: string; entryKioskId: string | null }[]>; fleet(q: FleetQuery): Promise<{ total: number }> },
  target: FleetTarget,
  now: number,
  thresholds: FleetThresholds,
): Promise<number | null> {
  if ('group' in target) return null;
  if ('venueId' in target) return (await db.fleet({ now, thresholds, venue: target.venueId, alert: null, page: 1, pageSize: 1 })).total;
  const ids = new Set(target.kioskIds);
  return (await db.kiosks()).filter((k) => ids.has(k.kioskId) || (k.entryKioskId !== null && ids.has(k.entryKioskId))).length;
}

export { describeTarget };
