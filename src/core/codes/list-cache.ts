// The trust and status lists the kiosk has cached, on disk in the data directory, so it verifies
// offline for days (spec §2–3). A candidate list replaces the cached one only when it passes every
// check of spec §4 (including rollback); otherwise the old one stays and the reason is reported.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListUpdateReason } from '../../contract/reasons.js';
import { writeFileAtomic } from '../config/config.js';
import type { VenuePolicy } from '../policy/policy.js';
import { defaultEd25519, type Ed25519Verifier } from './ed25519.js';
import { installStatusList, installTrustList, type InstallResult, type PinnedRoot, type StatusList, type TrustList } from './lists.js';

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

export type ListLoadProblem = { kind: 'trust' | 'status'; reason: ListUpdateReason; message: string };

const FILES = { trust: 'trust-list.jws', status: 'status-list.jws' } as const;

export class ListCache {
  private trust: TrustList | null = null;
  private status: StatusList | null = null;
  /** Problems found loading the cached files (e.g. the pinned root changed). */
  readonly loadProblems: ListLoadProblem[] = [];
  private readonly dir: string;

  constructor(
    dataDir: string,
    private roots: readonly PinnedRoot[],
    private readonly ed25519: Ed25519Verifier = defaultEd25519(),
  ) {
    this.dir = join(dataDir, 'lists');
  }

  /** Loads the cached files; each is re-verified against the pinned roots (a file on disk is not trusted). */
  load(): this {
    for (const kind of ['trust', 'status'] as const) {
      const file = join(this.dir, FILES[kind]);
      if (!existsSync(file)) continue;
      const jws = readFileSync(file, 'utf8');
      const r = kind === 'trust' ? installTrustList(jws, this.roots, null, this.ed25519) : installStatusList(jws, this.roots, null, this.ed25519);
      if (!r.accepted) this.loadProblems.push({ kind, reason: r.reason, message: r.message });
      else if (r.list.kind === 'trust') this.trust = r.list;
      else this.status = r.list;
    }
    return this;
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

  installTrust(jws: string): InstallResult<TrustList> {
    const r = installTrustList(jws, this.roots, this.trust, this.ed25519);
    if (r.accepted) {
      this.persist('trust', jws);
      this.trust = r.list;
    }
    return r;
  }

  installStatus(jws: string): InstallResult<StatusList> {
    const r = installStatusList(jws, this.roots, this.status, this.ed25519);
    if (r.accepted) {
      this.persist('status', jws);
      this.status = r.list;
    }
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

  private persist(kind: 'trust' | 'status', jws: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(this.dir, FILES[kind]), jws, 0o644);
  }
}
