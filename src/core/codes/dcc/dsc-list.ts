// The signed DSC list (docs/dcc-trust.md): the EU DCC document signer certificates (DSCs) the kiosk
// checks `HC1:` codes against, delivered under our own trust model. It is a second list beside the
// trust list of health-code spec §2, signed by the same pinned national root with the same JWS
// machinery (lists.ts), under its own `typ`, so neither list can be offered as the other and the PHC1
// trust list (and its conformance vectors) stays as it is. A DSC never reaches the kiosk unsigned.
//
// Installation refuses in the order of spec §4 (FORMAT_INVALID, TYPE_MISMATCH, ROOT_UNKNOWN,
// SIGNATURE_INVALID, ROLLBACK). Inside a list that verifies, an entry whose kid is not the first
// 8 bytes of SHA-256 over its certificate's DER, whose certificate does not parse or whose country
// is not ISO 3166-1 alpha-2 is left out and reported (docs/dcc-trust.md, "Entries"): one bad entry
// of one country does not take every other country's signers off the kiosk.
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ListUpdateReason } from '../../../contract/reasons.js';
import { writeFileAtomic } from '../../config/config.js';
import { defaultEd25519, type Ed25519Verifier } from '../ed25519.js';
import { checkSignedTyp, signJws, type InstallResult, type PinnedRoot, type SignListOptions } from '../lists.js';
import type { DscEntry } from './types.js';

export const DSC_LIST_TYP = 'phc-dsc-list+json';

/** A DSC list holds one entry per signer certificate in use in the EU (a few thousand, ~1–2 KB each). */
export const MAX_DSC_LIST_CHARS = 16 * 1024 * 1024;

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not an ISO 8601 time');
const dscListSchema = z.object({
  seq: z.number().int().nonnegative(),
  issued: isoDate,
  nextUpdate: isoDate,
  certificates: z.array(
    z.object({
      kid: z.string().max(64),
      country: z.string().max(8),
      /** The DER of the X.509 certificate, base64 (standard alphabet, as the EU gateway serves it). */
      certificate: z.string().max(64 * 1024),
    }),
  ),
});

export interface DscList {
  kind: 'dsc';
  seq: number;
  issued: number;
  nextUpdate: number;
  /** By kid (base64 of the 8-byte kid): what verifyHc1 takes as `dscs`. */
  dscs: ReadonlyMap<string, DscEntry>;
  /** Entries left out of a list that verified, each with why (no certificate content, no personal data). */
  refusedEntries: readonly { index: number; kid: string; message: string }[];
}

const toEpoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The kid of a DSC (DCC technical specification, Volume 1, §3.3.1): SHA-256 over the DER, first 8 bytes, base64. */
export function dscKid(der: Uint8Array): string {
  return createHash('sha256').update(der).digest().subarray(0, 8).toString('base64');
}

const STD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function refuse(reason: ListUpdateReason, message: string): { accepted: false; reason: ListUpdateReason; message: string } {
  return { accepted: false, reason, message };
}

/** Parses and verifies a DSC list (docs/dcc-trust.md, "Checks"); `current` is the list in use, for rollback. */
export function installDscList(jws: string, roots: readonly PinnedRoot[], current: { seq: number } | null, ed: Ed25519Verifier = defaultEd25519()): InstallResult<DscList> {
  if (typeof jws !== 'string') return refuse('FORMAT_INVALID', 'not a string');
  if (jws.length > MAX_DSC_LIST_CHARS) return refuse('FORMAT_INVALID', `DSC list over ${MAX_DSC_LIST_CHARS} characters`);
  const signed = checkSignedTyp(DSC_LIST_TYP, jws, roots, ed);
  if ('accepted' in signed) return signed;
  const body = dscListSchema.safeParse(signed.payloadJson);
  if (!body.success) return refuse('FORMAT_INVALID', `payload: ${body.error.issues[0]?.message ?? 'invalid'} at ${body.error.issues[0]?.path.join('.') ?? ''}`);
  if (current && body.data.seq <= current.seq) return refuse('ROLLBACK', `seq ${body.data.seq} is not newer than ${current.seq}`);
  const dscs = new Map<string, DscEntry>();
  const refusedEntries: { index: number; kid: string; message: string }[] = [];
  body.data.certificates.forEach((e, index) => {
    const kid = e.kid.slice(0, 16);
    const leaveOut = (message: string) => refusedEntries.push({ index, kid, message });
    if (!/^[A-Z]{2}$/.test(e.country)) return leaveOut('country is not ISO 3166-1 alpha-2');
    if (!STD_BASE64.test(e.certificate) || e.certificate.length % 4 !== 0) return leaveOut('certificate is not base64');
    const der = Buffer.from(e.certificate, 'base64');
    // The kid is a hash of the certificate, not a label: an entry filed under another kid would let a
    // code name one signer and be checked against another's key.
    if (dscKid(der) !== e.kid) return leaveOut('kid is not the first 8 bytes of SHA-256 over the certificate');
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(der);
    } catch {
      return leaveOut('certificate is not an X.509 certificate');
    }
    if (dscs.has(e.kid)) return leaveOut('kid listed twice (the first entry is used)');
    dscs.set(e.kid, { kid: e.kid, country: e.country, certificate });
  });
  return {
    accepted: true,
    list: { kind: 'dsc', seq: body.data.seq, issued: toEpoch(body.data.issued), nextUpdate: toEpoch(body.data.nextUpdate), dscs, refusedEntries },
  };
}

// ---- issuing (demo PKI and tests; a kiosk never signs lists)

export interface DscListEntryInput {
  country: string;
  /** The certificate's DER. */
  der: Uint8Array;
}

export function signDscList(list: { seq: number; issued: number; nextUpdate: number; certificates: readonly DscListEntryInput[] }, opts: SignListOptions): string {
  const iso = (epoch: number) => new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
  return signJws(
    {
      seq: list.seq,
      issued: iso(list.issued),
      nextUpdate: iso(list.nextUpdate),
      certificates: list.certificates.map((c) => ({ kid: dscKid(c.der), country: c.country, certificate: Buffer.from(c.der).toString('base64') })),
    },
    'trust',
    { ...opts, typ: DSC_LIST_TYP },
  );
}

// ---- on disk, in the data directory: lists/dsc-list.jws and its own rollback floor

export const DSC_LIST_FILE = 'dsc-list.jws';
/**
 * The DSC list's rollback floor (as list-cache.ts keeps the trust and status lists'): beside, not
 * inside, list-floor.json, whose writer rewrites that file whole with its two lists only.
 */
export const DSC_LIST_FLOOR_FILE = 'dsc-list-floor.json';

export interface DscListFloor {
  seq: number;
  sha256: string;
}

/** What the DCC policy needs to know of the list: 'expired' past the maximum age from its `issued`. */
export type DscListState = 'ok' | 'missing' | 'expired';

/**
 * What an install answers: refused with the list reason, or accepted, `unchanged` when it was the
 * very list in use offered again (same seq, same bytes: nothing new, as the sync calls it).
 */
export type DscInstallResult = { accepted: true; list: DscList; unchanged: boolean } | { accepted: false; reason: ListUpdateReason; message: string };

/**
 * What is wrong with a list that passed every check and is installed all the same (docs/dcc-trust.md,
 * "Installed, refreshed, persisted"): newer and validly signed, so it is taken, but the one who
 * installs it must hear that it is past its nextUpdate, so old that every DCC is denied
 * DCC_LIST_EXPIRED (from `issued`, policy.maxTrustListAgeDays), or holds no usable certificate.
 */
export type DscListWarning =
  | { code: 'PAST_NEXT_UPDATE'; nextUpdate: number }
  | { code: 'TOO_OLD'; issued: number; maxAgeDays: number }
  | { code: 'NO_CERTIFICATES' };

export function dscListWarnings(list: DscList, now: number, maxAgeDays: number): DscListWarning[] {
  const out: DscListWarning[] = [];
  if (now - list.issued > maxAgeDays * 86400) out.push({ code: 'TOO_OLD', issued: list.issued, maxAgeDays });
  if (now > list.nextUpdate) out.push({ code: 'PAST_NEXT_UPDATE', nextUpdate: list.nextUpdate });
  if (list.dscs.size === 0) out.push({ code: 'NO_CERTIFICATES' });
  return out;
}

/** A warning in English words, for the command line and the log. */
export function dscListWarningText(w: DscListWarning): string {
  const iso = (s: number) => new Date(s * 1000).toISOString();
  switch (w.code) {
    case 'TOO_OLD':
      return `the DSC list was issued ${iso(w.issued)}, more than ${w.maxAgeDays} days ago (policy.maxTrustListAgeDays): every EU certificate is denied DCC_LIST_EXPIRED until a newer list is installed`;
    case 'PAST_NEXT_UPDATE':
      return `the DSC list is past its nextUpdate (${iso(w.nextUpdate)}): install a newer one`;
    case 'NO_CERTIFICATES':
      return 'the DSC list holds no usable signer certificate: every EU certificate is refused as signed by an unknown key';
  }
}

const digestOf = (jws: string) => createHash('sha256').update(jws.trim(), 'utf8').digest('hex');

/**
 * The installed DSC list of a kiosk: loaded (and re-verified) from the data directory at start,
 * replaced only by a list that passes every check and the rollback floor (list-cache.ts, whose rules
 * it follows: a lost or swapped file cannot bring back an older signed list).
 */
export class DscListCache {
  private current: DscList | null = null;
  private floor: DscListFloor | null = null;
  /** Why the cached file is not used (e.g. its root is no longer pinned); null when fine or absent. */
  loadProblem: { reason: ListUpdateReason; message: string } | null = null;
  private readonly file: string;
  private readonly floorFile: string;
  /** The list file's version as last loaded or written (see refreshIfChanged). */
  private stamp: string | null = null;

  constructor(
    private readonly dataDir: string,
    private roots: readonly PinnedRoot[],
    private readonly ed25519: Ed25519Verifier = defaultEd25519(),
  ) {
    this.file = join(dataDir, 'lists', DSC_LIST_FILE);
    this.floorFile = join(dataDir, DSC_LIST_FLOOR_FILE);
  }

  get list(): DscList | null {
    return this.current;
  }

  /** The DSCs by kid for verifyHc1, or null when no list is installed. */
  get dscs(): ReadonlyMap<string, DscEntry> | null {
    return this.current?.dscs ?? null;
  }

  /** The highest seq installed on this kiosk. */
  floorSeq(): number | null {
    return this.floor?.seq ?? null;
  }

  setRoots(roots: readonly PinnedRoot[]): void {
    this.roots = roots;
  }

  load(): this {
    this.current = null;
    this.loadProblem = null;
    this.floor = this.readFloor();
    this.stamp = this.fileStamp();
    if (!existsSync(this.file)) return this;
    const jws = readFileSync(this.file, 'utf8');
    const r = installDscList(jws, this.roots, null, this.ed25519);
    if (!r.accepted) {
      this.loadProblem = { reason: r.reason, message: r.message };
      return this;
    }
    const below = this.floorRefusal(r.list.seq, digestOf(jws));
    if (below) {
      this.loadProblem = { reason: below.reason, message: below.message };
      return this;
    }
    try {
      this.raiseFloor(r.list.seq, digestOf(jws));
    } catch {
      // A read-only data directory still loads its list; the next install writes the floor.
    }
    this.current = r.list;
    return this;
  }

  /**
   * Checks, writes (lists/dsc-list.jws, 0600) and uses a candidate list; the installed one stays when
   * refused. The very list in use offered again is `unchanged`, not a rollback (docs/dcc-trust.md,
   * "Rollback floor": the same seq is taken again for the very list installed under it).
   */
  install(jws: string): DscInstallResult {
    // What is on disk now decides (another process may have replaced or removed the file).
    this.refreshIfChanged();
    if (this.isInstalled(jws)) return { accepted: true, list: this.current!, unchanged: true };
    const r = installDscList(jws, this.roots, this.current ? { seq: this.current.seq } : null, this.ed25519);
    if (!r.accepted) return r;
    const sha256 = digestOf(jws);
    const below = this.floorRefusal(r.list.seq, sha256);
    if (below) return below;
    mkdirSync(join(this.dataDir, 'lists'), { recursive: true, mode: 0o700 });
    writeFileAtomic(this.file, jws.trim() + '\n', 0o600);
    this.raiseFloor(r.list.seq, sha256);
    this.current = r.list;
    this.loadProblem = null;
    this.stamp = this.fileStamp();
    return { accepted: true, list: r.list, unchanged: false };
  }

  /**
   * Loads the file again when another process replaced it (`kiosk trust import-dsc` beside a running
   * kiosk): one stat per call, so the passage asks before each `HC1:` code. The reload runs every
   * check of `load` (signature under the pinned roots, floor); a file that fails them is not used.
   */
  refreshIfChanged(): this {
    return this.fileStamp() === this.stamp ? this : this.load();
  }

  private fileStamp(): string | null {
    try {
      const st = statSync(this.file);
      return `${st.ino}|${st.mtimeMs}|${st.size}`;
    } catch {
      return null;
    }
  }

  /** Whether `jws` is the very list in use (a fetch of the same list again is nothing new). */
  isInstalled(jws: string): boolean {
    return this.current !== null && this.floor !== null && this.floor.seq === this.current.seq && this.floor.sha256 === digestOf(jws);
  }

  /** 'missing' without a list; 'expired' when older (from `issued`) than `maxAgeDays`. */
  state(now: number, maxAgeDays: number): DscListState {
    const l = this.current;
    if (!l) return 'missing';
    return now - l.issued > maxAgeDays * 86400 ? 'expired' : 'ok';
  }

  private floorRefusal(seq: number, sha256: string): { accepted: false; reason: ListUpdateReason; message: string } | null {
    const f = this.floor;
    if (!f || seq > f.seq) return null;
    // The floor outlives the list file (deleted, or refused at load): say which of the two holds.
    const where = this.current?.seq === f.seq ? 'the list installed on this kiosk' : `the newest list ever installed on this kiosk (its rollback floor, ${DSC_LIST_FLOOR_FILE}; no list of that seq is in use now)`;
    if (seq < f.seq) return refuse('ROLLBACK', `seq ${seq} is older than seq ${f.seq}, ${where}`);
    if (sha256 !== f.sha256) return refuse('ROLLBACK', `seq ${seq} is another list than the one installed under that seq on this kiosk (its rollback floor, ${DSC_LIST_FLOOR_FILE})`);
    return null;
  }

  private raiseFloor(seq: number, sha256: string): void {
    if (this.floor && this.floor.seq >= seq) return;
    this.floor = { seq, sha256 };
    writeFileAtomic(this.floorFile, JSON.stringify(this.floor) + '\n');
  }

  private readFloor(): DscListFloor | null {
    if (!existsSync(this.floorFile)) return null;
    try {
      const f = JSON.parse(readFileSync(this.floorFile, 'utf8')) as DscListFloor;
      return Number.isSafeInteger(f.seq) && f.seq >= 0 && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256) ? f : null;
    } catch {
      return null;
    }
  }
}
