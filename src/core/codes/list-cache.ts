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
import { Worker } from 'node:worker_threads';
import type { ListUpdateReason } from '../../contract/reasons.js';
import { base64urlDecode, base64urlEncode } from '../../base/base64url.js';
import { writeFileAtomic } from '../config/config.js';
import type { VenuePolicy } from '../policy/policy.js';
import { defaultEd25519, keyId, type Ed25519Verifier } from './ed25519.js';
import type { ListWorkerOutput } from './list-install-worker.js';
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
 * Lists at least this large (characters of the JWS, or bytes as downloaded) are checked and written
 * in a worker thread (installAsync); smaller ones on the calling thread. Checking, hashing and
 * writing cost the main thread about 45–85 ms per MB (status-list-import benchmark), so a list of
 * 256 KiB (about 4,000 records) stalls it some 11–22 ms; a worker costs the main thread a few
 * milliseconds to start and to hand back its result, and takes 30–400 ms of wall time to start: below
 * this size it would delay the list more than it saves the door.
 */
export const OFF_THREAD_MIN_CHARS = 256 * 1024;

/** A list as it arrives: the text, the downloaded bytes (UTF-8), or the bytes in parts (a file imported in parts). */
export type ListInput = string | Uint8Array | readonly Uint8Array[];

/** What checking a candidate list needs, all plain data so the same check runs in a worker thread. */
export interface ListCheckJob {
  kind: 'trust' | 'status';
  roots: readonly PinnedRoot[];
  /** The seq of the list in use (spec §4 rollback against the current list). */
  currentSeq: number | null;
  /** The rollback floor of this kind when the check started. */
  floor: ListFloor | null;
  /** The lists folder the accepted list is written to. */
  dir: string;
}

/** A checked list: refused with the list reason, or accepted, written to disk, with its SHA-256 for the floor. */
export type CheckedList<T> = { accepted: true; list: T; sha256: string } | { accepted: false; reason: ListUpdateReason; message: string };

/**
 * Every check a candidate list passes before it is used (spec §2–4: lists.ts installTrustList /
 * installStatusList, then the rollback floor), and the write of an accepted one to the lists folder.
 * The one implementation: ListCache runs it on its own thread for small lists and the worker
 * (list-install-worker.ts) runs this same function for large ones.
 */
export function checkAndPersistList(job: ListCheckJob, jws: string, ed25519: Ed25519Verifier = defaultEd25519()): CheckedList<TrustList> | CheckedList<StatusList> {
  const current = job.currentSeq === null ? null : { seq: job.currentSeq };
  const r: InstallResult<TrustList> | InstallResult<StatusList> = job.kind === 'trust' ? installTrustList(jws, job.roots, current, ed25519) : installStatusList(jws, job.roots, current, ed25519);
  if (!r.accepted) return r;
  const sha256 = digestOf(jws);
  const refused = floorRefusal(job.floor, r.list.seq, sha256);
  if (refused) return refused;
  mkdirSync(job.dir, { recursive: true, mode: 0o700 });
  // 0600: the status list's records are salted hashes of document numbers, guessable one by one.
  writeFileAtomic(join(job.dir, FILES[job.kind]), jws, 0o600);
  return { accepted: true, list: r.list, sha256 } as CheckedList<TrustList> | CheckedList<StatusList>;
}

/**
 * ROLLBACK when `seq` is under the floor, or equal to it for a different list: the same seq is
 * accepted again only for the very list installed under it (a lost file fetched anew).
 */
function floorRefusal(floor: ListFloor | null, seq: number, sha256: string): { accepted: false; reason: ListUpdateReason; message: string } | null {
  if (!floor || seq > floor.seq) return null;
  if (seq < floor.seq) return { accepted: false, reason: 'ROLLBACK', message: `seq ${seq} is older than seq ${floor.seq}, already installed on this kiosk` };
  if (sha256 !== floor.sha256) return { accepted: false, reason: 'ROLLBACK', message: `seq ${seq} is not the list installed under that seq on this kiosk` };
  return null;
}

/** cachedSignedBy's memo key: the list file's version and the roots asked about. */
function signedMemoKey(kind: 'trust' | 'status', stat: { ino: number; mtimeMs: number; size: number }, roots: readonly PinnedRoot[]): string {
  return `${kind}|${stat.ino}|${stat.mtimeMs}|${stat.size}|${roots.map((r) => `${r.kid}:${r.pub}`).join(',')}`;
}

/** Whether a root's kid is its key's kid (spec §2), as checkSigned and listSignedBy require before verifying under it. */
function kidIsKeys(root: PinnedRoot): boolean {
  const pub = base64urlDecode(root.pub);
  return pub !== null && pub.length === 32 && base64urlEncode(keyId(pub)) === root.kid;
}

/** The size that picks the thread: characters of a text, bytes otherwise. */
function inputSize(input: ListInput): number {
  if (typeof input === 'string') return input.length;
  if (input instanceof Uint8Array) return input.byteLength;
  return input.reduce((n, part) => n + part.byteLength, 0);
}

/**
 * Runs checkAndPersistList in a worker thread (list-install-worker.ts). The input's bytes are handed
 * over (an ArrayBuffer that a part covers whole is transferred, the rest copied); a text is encoded
 * first. Resolves with the checked list; rejects when the check threw (a failed write) or the worker
 * died (out of memory, a crash): the caller's thread is never taken down with it.
 */
function checkInWorker(job: ListCheckJob, input: ListInput): Promise<{ result: CheckedList<TrustList> | CheckedList<StatusList>; signerKid: string | null }> {
  const parts: Uint8Array[] = typeof input === 'string' ? [Buffer.from(input, 'utf8')] : input instanceof Uint8Array ? [input] : [...input];
  const transfer = new Set<ArrayBuffer>();
  for (const p of parts) {
    if (p.buffer instanceof ArrayBuffer && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength && p.byteLength >= 4096) transfer.add(p.buffer);
  }
  const here = new URL(import.meta.url);
  const workerData = { listWorker: true, input: { job: { ...job, roots: job.roots.map((r) => ({ kid: r.kid, pub: r.pub })) }, parts } };
  let worker: Worker;
  try {
    if (here.pathname.endsWith('.ts')) {
      // From sources (vitest, tsx): the worker needs the TypeScript loader registered first.
      const entry = new URL('./list-install-worker.ts', here).href;
      const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
      worker = new Worker(boot, { eval: true, workerData, transferList: [...transfer] });
    } else {
      worker = new Worker(new URL('./list-install-worker.js', here), { workerData, transferList: [...transfer] });
    }
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  return new Promise((resolve, reject) => {
    let answered = false;
    worker.once('message', (m: ListWorkerOutput) => {
      answered = true;
      if (!m.ok) {
        const e = new Error(m.message);
        e.name = m.name;
        reject(e);
        return;
      }
      const r = m.result;
      // Structured clone gives a plain Uint8Array back: the store reads records through Buffer methods.
      if (r.accepted && r.list.kind === 'status') r.list = { ...r.list, records: Buffer.from(r.list.records.buffer, r.list.records.byteOffset, r.list.records.byteLength) };
      resolve({ result: r, signerKid: m.signerKid });
    });
    worker.once('error', (err) => {
      if (answered) return;
      answered = true;
      reject(new Error(`the list check stopped: ${err.name}: ${err.message}`));
    });
    worker.once('exit', (code) => {
      if (answered) return;
      answered = true;
      reject(new Error(`the list check stopped (worker exit code ${code})`));
    });
  });
}

function inputText(input: ListInput): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  return Buffer.concat(input).toString('utf8');
}

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
  /** installAsync's chain: one install at a time. */
  private installQueue: Promise<unknown> = Promise.resolve();

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
      const key = signedMemoKey(kind, stat, roots);
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

  /** Checks and installs a trust list on this thread (start-up, the CLI, small lists; installAsync otherwise). */
  installTrust(jws: string): InstallResult<TrustList> {
    if (this.isInUse('trust', jws)) return { accepted: true, list: this.trust!, unchanged: true };
    const r = checkAndPersistList(this.jobFor('trust'), jws, this.ed25519) as CheckedList<TrustList>;
    return r.accepted ? this.commit('trust', r) : r;
  }

  /** Checks and installs a status list on this thread: a million records block it for seconds; the door uses installAsync. */
  installStatus(jws: string): InstallResult<StatusList> {
    if (this.isInUse('status', jws)) return { accepted: true, list: this.status!, unchanged: true };
    const r = checkAndPersistList(this.jobFor('status'), jws, this.ed25519) as CheckedList<StatusList>;
    return r.accepted ? this.commit('status', r) : r;
  }

  /**
   * Installs a list without stalling the kiosk's event loop (the brief: the kiosk never stops
   * deciding): a large list is checked, hashed and written in a worker thread running the very
   * same checkAndPersistList, and only the swap to the new list (and the small floor file) happens
   * here. Installs run one at a time, in call order, so each is checked against the list and floor
   * its predecessor left. A refused list answers its list reason as installTrust/installStatus do;
   * a failed write or a worker that dies rejects (as a throw from them would), and the list in use
   * stays.
   */
  installAsync(kind: 'trust', input: ListInput): Promise<InstallResult<TrustList>>;
  installAsync(kind: 'status', input: ListInput): Promise<InstallResult<StatusList>>;
  installAsync(kind: 'trust' | 'status', input: ListInput): Promise<InstallResult<TrustList> | InstallResult<StatusList>>;
  installAsync(kind: 'trust' | 'status', input: ListInput): Promise<InstallResult<TrustList> | InstallResult<StatusList>> {
    const run = async (): Promise<InstallResult<TrustList> | InstallResult<StatusList>> => {
      // A verifier other than Node's (tests) is a function: it cannot cross to a worker thread.
      if (inputSize(input) < OFF_THREAD_MIN_CHARS || this.ed25519 !== defaultEd25519()) {
        const text = inputText(input);
        return kind === 'trust' ? this.installTrust(text) : this.installStatus(text);
      }
      if (this.isInUse(kind, input)) return kind === 'trust' ? { accepted: true, list: this.trust!, unchanged: true } : { accepted: true, list: this.status!, unchanged: true };
      const job = this.jobFor(kind);
      const { result: r, signerKid } = await checkInWorker(job, input);
      if (!r.accepted) return r;
      const done = kind === 'trust' ? this.commit('trust', r as CheckedList<TrustList> & { accepted: true }) : this.commit('status', r as CheckedList<StatusList> & { accepted: true });
      this.rememberSigners(kind, job.roots, signerKid);
      return done;
    };
    const next = this.installQueue.then(run, run);
    this.installQueue = next.catch(() => undefined);
    return next;
  }

  /**
   * After a list checked in the worker is installed: cachedSignedBy's answers for the new file, so
   * the trust screen, which asks right after an import, does not verify a million-record list again
   * on this thread. The list verified under `roots` (every check passed); one root signs it exactly
   * when listSignedBy would say so: its kid is the header's and is its key's kid (kids are the first
   * 8 bytes of SHA-256 of the key, spec §2, so two roots with that kid hold the key that verified).
   */
  private rememberSigners(kind: 'trust' | 'status', roots: readonly PinnedRoot[], signerKid: string | null): void {
    let stat;
    try {
      stat = statSync(join(this.dir, FILES[kind]));
    } catch {
      return; // not remembered: cachedSignedBy verifies when asked
    }
    const remember = (asked: readonly PinnedRoot[], signed: boolean) => {
      if (this.signedMemo.size >= 64) this.signedMemo.clear();
      this.signedMemo.set(signedMemoKey(kind, stat, asked), signed);
    };
    remember(roots, true);
    for (const root of roots) remember([root], signerKid !== null && root.kid === signerKid && kidIsKeys(root));
  }

  /**
   * Whether `input` is the very list in use, installed under the floor (its digest is the floor's):
   * the same file imported again from a USB stick is answered `unchanged`, not ROLLBACK (the same seq
   * is taken again only for that list, spec §4). Hashed only when its size is the cached file's, so
   * another list never costs a hash of megabytes on this thread.
   */
  private isInUse(kind: 'trust' | 'status', input: ListInput): boolean {
    const inUse = kind === 'trust' ? this.trust : this.status;
    const floor = this.floors[kind];
    if (!inUse || !floor || floor.seq !== inUse.seq) return false;
    let cached: number;
    try {
      cached = statSync(join(this.dir, FILES[kind])).size;
    } catch {
      return false;
    }
    // The file holds the list as it was installed (checkAndPersistList); the same list read from
    // another file may differ by a line ending, which the digest does not see (digestOf trims).
    if (Math.abs(inputSize(input) - cached) > 2) return false;
    return digestOf(inputText(input)) === floor.sha256;
  }

  /** The check's inputs as of now: roots, the list in use and the floor. */
  private jobFor(kind: 'trust' | 'status'): ListCheckJob {
    const inUse = kind === 'trust' ? this.trust : this.status;
    return { kind, roots: this.roots, currentSeq: inUse ? inUse.seq : null, floor: this.floors[kind], dir: this.dir };
  }

  /** The swap: the floor raised (a small file), then the new list in use. */
  private commit(kind: 'trust', r: CheckedList<TrustList> & { accepted: true }): InstallResult<TrustList>;
  private commit(kind: 'status', r: CheckedList<StatusList> & { accepted: true }): InstallResult<StatusList>;
  private commit(kind: 'trust' | 'status', r: (CheckedList<TrustList> | CheckedList<StatusList>) & { accepted: true }): InstallResult<TrustList> | InstallResult<StatusList> {
    this.raiseFloorTo(kind, r.list.seq, r.sha256);
    if (r.list.kind === 'trust') this.trust = r.list;
    else this.status = r.list;
    return { accepted: true, list: r.list } as InstallResult<TrustList> | InstallResult<StatusList>;
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
    return floorRefusal(floor, seq, digestOf(jws));
  }

  private raiseFloor(kind: 'trust' | 'status', seq: number, jws: string): void {
    const floor = this.floors[kind];
    if (floor && floor.seq >= seq) return;
    this.raiseFloorTo(kind, seq, digestOf(jws));
  }

  private raiseFloorTo(kind: 'trust' | 'status', seq: number, sha256: string): void {
    const floor = this.floors[kind];
    if (floor && floor.seq >= seq) return;
    this.floors = { ...this.floors, [kind]: { seq, sha256 } };
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

}
