// The trust and status lists the kiosk has cached, on disk in the data directory, so it verifies
// offline for days (spec §2–3). A candidate list replaces the cached one only when it passes every
// check of spec §4 (including rollback); otherwise the old one stays and the reason is reported.
//
// Rollback is checked against a floor kept apart from the cached files: the highest seq ever
// installed (and the digest of that list). Comparing only with the cached file would let a lost,
// deleted or swapped file bring back an older, validly signed list — one that still shows a
// revoked key as active or a red holder as green (spec §2–3; docs/security.md, "list rollback").
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ListUpdateReason } from '../../contract/reasons.js';
import { writeFileAtomic } from '../config/config.js';
import type { VenuePolicy } from '../policy/policy.js';
import { defaultEd25519, type Ed25519Verifier } from './ed25519.js';
import { installStatusList, installTrustList, listSignedBy, listSignerKid, type InstallResult, type PinnedRoot, type StatusList, type TrustList } from './lists.js';

export interface ListState {
  seq: number;
  issued: number;
  nextUpdate: number;
  /** Past nextUpdate: still used, shown as a warning. */
  stale: boolean;
  /** Past the policy's maximum age: codes cannot be admitted on it (trust) / card-only goes to review (status). */
  expired: boolean;
}

export interface ListsState {
  trust: ListState | null;
  status: (ListState & { records: number }) | null;
}

/** A cached list not used at start; `signerKid` (ROOT_UNKNOWN only) is the kid its header names. */
export type ListLoadProblem = { kind: 'trust' | 'status'; reason: ListUpdateReason; message: string; signerKid?: string };

const FILES = { trust: 'trust-list.jws', status: 'status-list.jws' } as const;

/**
 * The floor file, in the data directory itself rather than beside the lists: whatever replaces or
 * wipes the lists folder leaves the floor in place.
 */
export const LIST_FLOOR_FILE = 'list-floor.json';

/** The highest installed seq of one list, and the SHA-256 (hex) of that list's JWS. */
export interface ListFloor {
  seq: number;
  sha256: string;
}
type Floors = Record<'trust' | 'status', ListFloor | null>;

const digestOf = (jws: string) => createHash('sha256').update(jws.trim(), 'utf8').digest('hex');

function isFloor(v: unknown): v is ListFloor {
  const f = v as ListFloor | null;
  return typeof f === 'object' && f !== null && Number.isSafeInteger(f.seq) && f.seq >= 0 && typeof f.sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.sha256);
}

export class ListCache {
  private trust: TrustList | null = null;
  private status: StatusList | null = null;
  /** Problems found loading the cached files (e.g. the pinned root changed). */
  readonly loadProblems: ListLoadProblem[] = [];
  /** Problems with the rollback floor file (the lists themselves are still used); for the log. */
  readonly floorWarnings: string[] = [];
  private readonly dir: string;
  private readonly floorFile: string;
  private floors: Floors = { trust: null, status: null };
  /** cachedSignedBy's answers by file version and roots. */
  private readonly signedMemo = new Map<string, boolean>();

  constructor(
    dataDir: string,
    private roots: readonly PinnedRoot[],
    private readonly ed25519: Ed25519Verifier = defaultEd25519(),
  ) {
    this.dir = join(dataDir, 'lists');
    this.floorFile = join(dataDir, LIST_FLOOR_FILE);
  }

  /**
   * Loads the floor, then the cached files; each file is re-verified against the pinned roots (a
   * file on disk is not trusted) and refused (ROLLBACK) when it is older than the floor, or has the
   * floor's seq but is not the list installed under it.
   */
  load(): this {
    this.floors = this.readFloors();
    for (const kind of ['trust', 'status'] as const) {
      const file = join(this.dir, FILES[kind]);
      if (!existsSync(file)) continue;
      const jws = readFileSync(file, 'utf8');
      const r = kind === 'trust' ? installTrustList(jws, this.roots, null, this.ed25519) : installStatusList(jws, this.roots, null, this.ed25519);
      const refused = r.accepted ? this.belowFloor(kind, r.list.seq, jws) : r;
      if (refused) {
        const signerKid = refused.reason === 'ROOT_UNKNOWN' ? listSignerKid(jws) : null;
        this.loadProblems.push({ kind, reason: refused.reason, message: refused.message, ...(signerKid !== null ? { signerKid } : {}) });
        continue;
      }
      if (!r.accepted) continue;
      // A list installed before floors existed (or whose floor write was cut off) raises the floor
      // now. Best effort: a read-only data directory (`kiosk verify` on a copy) still loads its lists.
      try {
        this.raiseFloor(kind, r.list.seq, jws);
      } catch (err) {
        this.floorWarnings.push(`cannot record the ${kind} list floor: ${(err as Error).message}`);
      }
      if (r.list.kind === 'trust') this.trust = r.list;
      else this.status = r.list;
    }
    return this;
  }

  /** The floor of one list: the highest seq installed on this kiosk, whether or not its file is still there. */
  floor(kind: 'trust' | 'status'): ListFloor | null {
    return this.floors[kind];
  }

  get trustList(): TrustList | null {
    return this.trust;
  }

  get statusList(): StatusList | null {
    return this.status;
  }

  setRoots(roots: readonly PinnedRoot[]): void {
    this.roots = roots;
  }

  /** The roots the lists are checked against now. */
  get pinnedRoots(): readonly PinnedRoot[] {
    return this.roots;
  }

  /**
   * After the pinned roots changed while the kiosk runs (the integrator's trust screen,
   * docs/integrator-setup.md "Trust"): the cached files are verified again against the roots now
   * pinned, exactly as a restart would (`load`, floors included). A list refused at start because
   * its root was not pinned is in use from now on; one whose root is gone is no longer used.
   */
  recheck(): this {
    this.trust = null;
    this.status = null;
    this.loadProblems.length = 0;
    this.floorWarnings.length = 0;
    return this.load();
  }

  /**
   * Whether each cached list file is signed by one of `roots` (null: no file cached): so the trust
   * screen can say which root signs what before a root is pinned or unpinned. The signature only
   * (lists.ts listSignedBy): the payload was checked when the list was installed.
   */
  cachedSignedBy(roots: readonly PinnedRoot[]): { trust: boolean | null; status: boolean | null } {
    const out: { trust: boolean | null; status: boolean | null } = { trust: null, status: null };
    for (const kind of ['trust', 'status'] as const) {
      const file = join(this.dir, FILES[kind]);
      if (!existsSync(file)) continue;
      // Remembered per file version and roots: a status list of a million records takes about a
      // second to hash and verify on a kiosk, and the trust screen asks on every look.
      const stat = statSync(file);
      const key = `${kind}|${stat.ino}|${stat.mtimeMs}|${stat.size}|${roots.map((r) => `${r.kid}:${r.pub}`).join(',')}`;
      let signed = this.signedMemo.get(key);
      if (signed === undefined) {
        signed = listSignedBy(kind, readFileSync(file, 'utf8'), roots, this.ed25519);
        if (this.signedMemo.size >= 64) this.signedMemo.clear();
        this.signedMemo.set(key, signed);
      }
      out[kind] = signed;
    }
    return out;
  }

  installTrust(jws: string): InstallResult<TrustList> {
    const r = installTrustList(jws, this.roots, this.trust, this.ed25519);
    if (!r.accepted) return r;
    const refused = this.belowFloor('trust', r.list.seq, jws);
    if (refused) return refused;
    this.persist('trust', jws);
    this.raiseFloor('trust', r.list.seq, jws);
    this.trust = r.list;
    return r;
  }

  installStatus(jws: string): InstallResult<StatusList> {
    const r = installStatusList(jws, this.roots, this.status, this.ed25519);
    if (!r.accepted) return r;
    const refused = this.belowFloor('status', r.list.seq, jws);
    if (refused) return refused;
    this.persist('status', jws);
    this.raiseFloor('status', r.list.seq, jws);
    this.status = r.list;
    return r;
  }

  state(now: number, policy: VenuePolicy): ListsState {
    const t = this.trust;
    const s = this.status;
    return {
      trust: t && { seq: t.seq, issued: t.issued, nextUpdate: t.nextUpdate, stale: now > t.nextUpdate, expired: now - t.issued > policy.maxTrustListAgeDays * 86400 },
      status: s && {
        seq: s.seq,
        issued: s.issued,
        nextUpdate: s.nextUpdate,
        stale: now > s.nextUpdate,
        expired: now - s.issued > policy.maxStatusListAgeHours * 3600,
        records: s.count,
      },
    };
  }

  /**
   * ROLLBACK when `seq` is under the floor, or equal to it for a different list: the same seq is
   * accepted again only for the very list installed under it (a lost file fetched anew).
   */
  private belowFloor(kind: 'trust' | 'status', seq: number, jws: string): { accepted: false; reason: ListUpdateReason; message: string } | null {
    const floor = this.floors[kind];
    if (!floor || seq > floor.seq) return null;
    if (seq < floor.seq) return { accepted: false, reason: 'ROLLBACK', message: `seq ${seq} is older than seq ${floor.seq}, already installed on this kiosk` };
    if (digestOf(jws) !== floor.sha256) return { accepted: false, reason: 'ROLLBACK', message: `seq ${seq} is not the list installed under that seq on this kiosk` };
    return null;
  }

  private raiseFloor(kind: 'trust' | 'status', seq: number, jws: string): void {
    const floor = this.floors[kind];
    if (floor && floor.seq >= seq) return;
    this.floors = { ...this.floors, [kind]: { seq, sha256: digestOf(jws) } };
    // After the list file: a cut between the two writes leaves a list above the floor, which the
    // next load accepts and raises the floor to; the other order could refuse the kiosk's own list.
    writeFileAtomic(this.floorFile, JSON.stringify(this.floors) + '\n');
  }

  private readFloors(): Floors {
    if (!existsSync(this.floorFile)) return { trust: null, status: null };
    try {
      const json = JSON.parse(readFileSync(this.floorFile, 'utf8')) as Partial<Record<'trust' | 'status', unknown>>;
      return { trust: isFloor(json.trust) ? json.trust : null, status: isFloor(json.status) ? json.status : null };
    } catch (err) {
      // Unreadable: no floor can be enforced this start; it is reported, and the next install rewrites it.
      this.floorWarnings.push(`${LIST_FLOOR_FILE} unreadable, no rollback floor this start: ${(err as Error).message}`);
      return { trust: null, status: null };
    }
  }

  private persist(kind: 'trust' | 'status', jws: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // 0600: the status list's records are salted hashes of document numbers, guessable one by one.
    writeFileAtomic(join(this.dir, FILES[kind]), jws, 0o600);
  }
}
