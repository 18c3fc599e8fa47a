// The trust list (spec §2) and the status list (spec §3): compact JWS (RFC 7515), EdDSA (RFC 8037),
// signed by a pinned national root. Installation refuses, in this order (spec §4, last paragraph):
// FORMAT_INVALID, TYPE_MISMATCH, ROOT_UNKNOWN, SIGNATURE_INVALID, ROLLBACK.
import { createHash, hash } from 'node:crypto';
import { z } from 'zod';
import type { ListUpdateReason } from '../../contract/reasons.js';
import { base64urlDecode, base64urlEncode } from '../../base/base64url.js';
import { defaultEd25519, keyId, sign, type Ed25519Verifier } from './ed25519.js';

export const TRUST_LIST_TYP = 'phc-trust-list+json';
export const STATUS_LIST_TYP = 'phc-status-list+json';
export type ListKind = 'trust' | 'status';
const TYP: Record<ListKind, string> = { trust: TRUST_LIST_TYP, status: STATUS_LIST_TYP };

/** A pinned root as configured (and as in the vectors' `roots`): b64url kid and raw public key. */
export interface PinnedRoot {
  kid: string;
  pub: string;
}

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time');
const b64 = z.string().regex(/^[A-Za-z0-9_-]*$/);

const trustKeySchema = z.object({
  kid: b64,
  iss: z.string(),
  pub: b64,
  nbf: isoDate,
  exp: isoDate,
  status: z.enum(['active', 'revoked']),
});
const trustListSchema = z.object({
  seq: z.number().int().nonnegative(),
  issued: isoDate,
  nextUpdate: isoDate,
  keys: z.array(trustKeySchema),
  revokedCodes: z.array(b64).default([]),
});
const statusListSchema = z.object({
  seq: z.number().int().nonnegative(),
  issued: isoDate,
  nextUpdate: isoDate,
  salt: b64,
  records: b64,
});

const toEpoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export interface TrustKey {
  kid: string;
  iss: string;
  pub: Uint8Array;
  nbf: number;
  exp: number;
  revoked: boolean;
}

export interface TrustList {
  kind: 'trust';
  seq: number;
  issued: number;
  nextUpdate: number;
  keys: ReadonlyMap<string, TrustKey>;
  revokedCodes: ReadonlySet<string>;
  /** The JWS exactly as installed (what the kiosk caches). */
  jws: string;
}

export const STATUS_RECORD_SIZE = 40;

export interface StatusEntry {
  st: 1 | 2;
  su: number;
}

export interface StatusList {
  kind: 'status';
  seq: number;
  issued: number;
  nextUpdate: number;
  salt: Uint8Array;
  /** The fixed 40-byte records, sorted by their first 32 bytes: one buffer, no object per record. */
  records: Buffer;
  /**
   * The first 4 bytes of each record's hash, as one Uint32Array (4 MB per million records): the
   * binary search runs over this compact array, which stays in cache where the 40 MB of records
   * would not, and touches the records only to confirm a match.
   */
  heads: Uint32Array;
  count: number;
  // No copy of the JWS is kept: for millions of records it would double the memory (spec §3).
}

/** `unchanged`: the very list in use was offered again (ListCache: answered without checking it again). */
export type InstallResult<T> = { accepted: true; list: T; unchanged?: boolean } | { accepted: false; reason: ListUpdateReason; message: string };

interface ParsedJws {
  header: { alg?: unknown; kid?: unknown; typ?: unknown };
  /** The payload part, still base64url: it is decoded and parsed only once the signature verifies. */
  payloadPart: string;
  signingInput: Buffer;
  signature: Buffer;
}

interface VerifiedJws {
  header: ParsedJws['header'];
  payloadJson: unknown;
}

/**
 * The largest trust list accepted, in characters of its JWS. A trust list holds one entry per
 * provincial signing key (spec §2): a few hundred bytes each, a few hundred keys at most. The cap
 * keeps a list server from making the kiosk hold and parse an arbitrarily large document; status
 * lists are large by design (spec §3: millions of records) and keep the download's own size limit.
 */
export const MAX_TRUST_LIST_CHARS = 4 * 1024 * 1024;

/** Strict base64url (src/base) as a Buffer view of the same bytes (no copy), for its readers and compare. */
function bufferOf(text: string): Buffer | null {
  const bytes = base64urlDecode(text);
  return bytes && Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function refuse(reason: ListUpdateReason, message: string): { accepted: false; reason: ListUpdateReason; message: string } {
  return { accepted: false, reason, message };
}

/**
 * The `kid` in a list's header, unverified: only to name which root signed a list that no pinned
 * root verifies (ROOT_UNKNOWN), so an integrator sees which root is missing. Null if unreadable.
 */
export function listSignerKid(jws: string): string | null {
  const parsed = parseJws(jws);
  return typeof parsed === 'string' || typeof parsed.header.kid !== 'string' ? null : parsed.header.kid;
}

/** The JWS form and its header; the payload is left undecoded (spec §4: FORMAT_INVALID). */
function parseJws(jws: string): ParsedJws | string {
  if (typeof jws !== 'string') return 'not a string';
  const text = jws.trim();
  const parts = text.split('.');
  if (parts.length !== 3) return 'not a compact JWS of three parts';
  const [h, p, s] = parts as [string, string, string];
  const headerBytes = bufferOf(h);
  const signature = bufferOf(s);
  if (!headerBytes || !signature || !/^[A-Za-z0-9_-]*$/.test(p)) return 'a part is not base64url';
  let header: unknown;
  try {
    header = JSON.parse(headerBytes.toString('utf8'));
  } catch {
    return 'header is not JSON';
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'header is not a JSON object';
  const hdr = header as ParsedJws['header'];
  if (hdr.alg !== 'EdDSA') return `alg ${JSON.stringify(hdr.alg)} is not EdDSA`;
  if (signature.length !== 64) return 'signature is not 64 bytes';
  // The signing input is the text before the second dot, taken as is (one copy, no concatenation).
  return { header: hdr, payloadPart: p, signingInput: Buffer.from(text.slice(0, h.length + 1 + p.length), 'latin1'), signature };
}

/**
 * Steps shared by both lists: format, typ, pinned root, signature, and only then the payload. Until
 * the signature verifies, the payload is bytes from whoever served the list: no JSON parser (nor
 * schema) sees it, so a forged list costs the kiosk one signature check and nothing more.
 */
function checkSigned(kind: ListKind, jws: string, roots: readonly PinnedRoot[], ed: Ed25519Verifier): VerifiedJws | ReturnType<typeof refuse> {
  return checkSignedTyp(TYP[kind], jws, roots, ed);
}

/**
 * The same steps for a list of another `typ` signed under the same pinned roots: the DSC list of the
 * EU DCC signer certificates (docs/dcc-trust.md) is checked exactly as the trust list is.
 */
export function checkSignedTyp(typ: string, jws: string, roots: readonly PinnedRoot[], ed: Ed25519Verifier = defaultEd25519()): VerifiedJws | ReturnType<typeof refuse> {
  const parsed = parseJws(jws);
  if (typeof parsed === 'string') return refuse('FORMAT_INVALID', parsed);
  if (parsed.header.typ !== typ) return refuse('TYPE_MISMATCH', `typ ${JSON.stringify(parsed.header.typ)} is not ${typ}`);
  const candidates = roots.filter((r) => r.kid === parsed.header.kid);
  if (candidates.length === 0) return refuse('ROOT_UNKNOWN', 'no pinned root has the header kid');
  let verified = false;
  for (const root of candidates) {
    const pub = bufferOf(root.pub);
    // The pinned root's kid must really be its key's kid: a root entry is trusted by its key, not its label.
    if (!pub || pub.length !== 32 || base64urlEncode(keyId(pub)) !== root.kid) continue;
    if (ed.verify(parsed.signingInput, parsed.signature, pub)) {
      verified = true;
      break;
    }
  }
  if (!verified) return refuse('SIGNATURE_INVALID', 'signature does not verify under the pinned root');
  const payloadBytes = bufferOf(parsed.payloadPart);
  if (!payloadBytes) return refuse('FORMAT_INVALID', 'payload is not base64url');
  try {
    return { header: parsed.header, payloadJson: JSON.parse(payloadBytes.toString('utf8')) };
  } catch {
    return refuse('FORMAT_INVALID', 'payload is not JSON');
  }
}

/**
 * Whether `jws` is a `kind` list signed by one of `roots` (spec §4 checks 1–4 of list installation:
 * format, typ, pinned root, signature), without decoding its payload: which root signs a cached list,
 * for the trust screen. Installing still runs every check (installTrustList / installStatusList).
 */
export function listSignedBy(kind: ListKind, jws: string, roots: readonly PinnedRoot[], ed: Ed25519Verifier = defaultEd25519()): boolean {
  const parsed = parseJws(jws);
  if (typeof parsed === 'string' || parsed.header.typ !== TYP[kind]) return false;
  return roots.some((root) => {
    const pub = bufferOf(root.pub);
    return root.kid === parsed.header.kid && pub !== null && pub.length === 32 && base64urlEncode(keyId(pub)) === root.kid && ed.verify(parsed.signingInput, parsed.signature, pub);
  });
}

export function installTrustList(
  jws: string,
  roots: readonly PinnedRoot[],
  current: { seq: number } | null,
  ed: Ed25519Verifier = defaultEd25519(),
): InstallResult<TrustList> {
  if (typeof jws === 'string' && jws.length > MAX_TRUST_LIST_CHARS) return refuse('FORMAT_INVALID', `trust list over ${MAX_TRUST_LIST_CHARS} characters`);
  const signed = checkSigned('trust', jws, roots, ed);
  if ('accepted' in signed) return signed;
  const body = trustListSchema.safeParse(signed.payloadJson);
  if (!body.success) return refuse('FORMAT_INVALID', `payload: ${body.error.issues[0]?.message ?? 'invalid'}`);
  if (current && body.data.seq <= current.seq) return refuse('ROLLBACK', `seq ${body.data.seq} is not newer than ${current.seq}`);
  const keys = new Map<string, TrustKey>();
  for (const k of body.data.keys) {
    const pub = bufferOf(k.pub);
    if (!pub || pub.length !== 32) return refuse('FORMAT_INVALID', `key ${k.kid}: pub is not 32 bytes`);
    // First entry for a kid wins; a duplicate kid cannot shadow an earlier (possibly revoked) entry.
    if (!keys.has(k.kid)) keys.set(k.kid, { kid: k.kid, iss: k.iss, pub: new Uint8Array(pub), nbf: toEpoch(k.nbf), exp: toEpoch(k.exp), revoked: k.status === 'revoked' });
  }
  return {
    accepted: true,
    list: {
      kind: 'trust',
      seq: body.data.seq,
      issued: toEpoch(body.data.issued),
      nextUpdate: toEpoch(body.data.nextUpdate),
      keys,
      revokedCodes: new Set(body.data.revokedCodes),
      jws,
    },
  };
}

export function installStatusList(
  jws: string,
  roots: readonly PinnedRoot[],
  current: { seq: number } | null,
  ed: Ed25519Verifier = defaultEd25519(),
): InstallResult<StatusList> {
  const signed = checkSigned('status', jws, roots, ed);
  if ('accepted' in signed) return signed;
  const body = statusListSchema.safeParse(signed.payloadJson);
  if (!body.success) return refuse('FORMAT_INVALID', `payload: ${body.error.issues[0]?.message ?? 'invalid'}`);
  if (current && body.data.seq <= current.seq) return refuse('ROLLBACK', `seq ${body.data.seq} is not newer than ${current.seq}`);
  const salt = bufferOf(body.data.salt);
  const records = bufferOf(body.data.records);
  if (!salt || !records) return refuse('FORMAT_INVALID', 'salt or records not base64url');
  if (records.length % STATUS_RECORD_SIZE !== 0) return refuse('FORMAT_INVALID', 'records are not whole 40-byte records');
  const count = records.length / STATUS_RECORD_SIZE;
  const heads = new Uint32Array(count);
  // Binary search needs ascending order (spec §3); a list out of order is malformed, not searchable.
  for (let i = 0; i < count; i++) {
    const cur = i * STATUS_RECORD_SIZE;
    // Spec §3: byte 32 is 1 (yellow) or 2 (red), bytes 33–35 are zero. Any other record is not one
    // the spec defines; reading it as "not listed" would admit a holder the issuer meant to stop.
    const colour = records[cur + 32];
    if (colour !== 1 && colour !== 2) return refuse('FORMAT_INVALID', `record ${i}: status colour ${colour} is neither 1 (yellow) nor 2 (red)`);
    if (records[cur + 33] !== 0 || records[cur + 34] !== 0 || records[cur + 35] !== 0) return refuse('FORMAT_INVALID', `record ${i}: bytes 33–35 are not zero`);
    heads[i] = records.readUInt32BE(cur);
    if (i === 0) continue;
    const prev = cur - STATUS_RECORD_SIZE;
    const a = heads[i - 1]!;
    const b = heads[i]!;
    if (a < b) continue;
    // records.compare(target=current, …, source=previous): < 0 means previous < current.
    if (a > b || records.compare(records, cur + 4, cur + 32, prev + 4, prev + 32) >= 0) {
      return refuse('FORMAT_INVALID', `records not strictly ascending at ${i}`);
    }
  }
  return {
    accepted: true,
    list: {
      kind: 'status',
      seq: body.data.seq,
      issued: toEpoch(body.data.issued),
      nextUpdate: toEpoch(body.data.nextUpdate),
      salt: new Uint8Array(salt),
      records,
      heads,
      count,
    },
  };
}

/** SHA-256(salt ‖ UTF-8(document number, upper case)), spec §3. */
export function statusRecordHash(salt: Uint8Array, documentNumber: string): Buffer {
  return createHash('sha256').update(salt).update(documentNumber.toUpperCase(), 'utf8').digest();
}

// Lookups run at the door for every card: one reusable scratch buffer for salt ‖ number and the
// one-shot hash keep a lookup to about a microsecond.
let scratch = Buffer.alloc(256);
let scratchSalt: Uint8Array | null = null;
/**
 * The record key of a document number, as a 32-character latin1 string (one char per byte): a string
 * result costs a third of a Buffer one, which dominated the lookup (spec §3 hashing, unchanged).
 */
function lookupHash(salt: Uint8Array, documentNumber: string): string {
  const upper = documentNumber.toUpperCase();
  // UTF-8 needs at most 3 bytes per UTF-16 unit: sizing by that avoids measuring the string first.
  if (salt.length + upper.length * 3 > scratch.length) {
    scratch = Buffer.alloc((salt.length + upper.length * 3) * 2);
    scratchSalt = null;
  }
  if (scratchSalt !== salt) {
    scratch.set(salt, 0);
    scratchSalt = salt;
  }
  const n = scratch.write(upper, salt.length, 'utf8');
  return hash('sha256', scratch.subarray(0, salt.length + n), 'binary'); // 'binary' is latin1
}

/** Bytes 4–31 of record `off` equal the target key's. */
function sameKeyTail(recs: Buffer, off: number, target: string): boolean {
  for (let k = 4; k < 32; k++) if (recs[off + k] !== target.charCodeAt(k)) return false;
  return true;
}

/** Binary search over the records (via their heads); null when the holder is not listed (green as of `issued`). */
export function lookupStatus(list: StatusList, documentNumber: string): StatusEntry | null {
  const target = lookupHash(list.salt, documentNumber);
  const targetHead = ((target.charCodeAt(0) << 24) | (target.charCodeAt(1) << 16) | (target.charCodeAt(2) << 8) | target.charCodeAt(3)) >>> 0;
  const heads = list.heads;
  // Lower bound: the first record whose head is ≥ the target's.
  let lo = 0;
  let hi = list.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (heads[mid]! < targetHead) lo = mid + 1;
    else hi = mid;
  }
  const recs = list.records;
  // Heads collide rarely (4 bytes of SHA-256); walk the equal run comparing the rest of the key.
  for (let i = lo; i < list.count && heads[i] === targetHead; i++) {
    const off = i * STATUS_RECORD_SIZE;
    if (!sameKeyTail(recs, off, target)) continue;
    const st = recs[off + 32];
    if (st !== 1 && st !== 2) return null;
    return { st, su: recs.readUInt32BE(off + 36) };
  }
  return null;
}

// ---- issuing (development tool: the demo PKI and test fixtures; a kiosk never signs lists) ----

export interface SignListOptions {
  rootSecretKey: Uint8Array;
  rootPublicKey: Uint8Array;
  typ?: string;
}

export function signJws(payload: unknown, kind: ListKind, opts: SignListOptions): string {
  const header = { alg: 'EdDSA', kid: base64urlEncode(keyId(opts.rootPublicKey)), typ: opts.typ ?? TYP[kind] };
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sig = sign(Buffer.from(`${h}.${p}`, 'ascii'), opts.rootSecretKey);
  return `${h}.${p}.${base64urlEncode(sig)}`;
}

/** Builds sorted status records from (document number, colour, su) entries. */
export function buildStatusRecords(salt: Uint8Array, entries: Iterable<{ id: string; st: 1 | 2; su: number }>): Buffer {
  const rows: Buffer[] = [];
  for (const e of entries) {
    const rec = Buffer.alloc(STATUS_RECORD_SIZE);
    statusRecordHash(salt, e.id).copy(rec, 0);
    rec[32] = e.st;
    rec.writeUInt32BE(e.su >>> 0, 36);
    rows.push(rec);
  }
  rows.sort((a, b) => a.compare(b, 0, 32, 0, 32));
  return Buffer.concat(rows);
}
