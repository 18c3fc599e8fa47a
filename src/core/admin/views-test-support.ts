// Real parts for the console views' tests: a demo PKI whose lists sit in a real ListCache, a real
// SQLite entry store in a temp directory, the real retention schedule (core/store/purge.ts) and the
// kiosk service built as the composition builds it; only time is a ManualClock. Calls go through the
// hosts' own dispatcher, so requests and answers are checked against the contract's schemas.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallContext, MethodName, MethodRequest, MethodResponse, Result } from '../../contract/api.js';
import { dispatchCall } from '../../contract/dispatch.js';
import { ListCache } from '../codes/list-cache.js';
import { makeDemoPki, type DemoPki } from '../codes/pki.js';
import { kioskConfigSchema } from '../config/config.js';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { ManualClock } from '../checkpoint/clock.js';
import { createCheckpointService, type CheckpointService } from '../checkpoint/service.js';
import { EntryStore } from '../store/entry-store.js';
import { schedulePurge, type PurgeSchedule } from '../store/purge.js';
import { samplePassage } from '../store/test-support.js';
import type { NewEntry } from '../store/types.js';

export const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
export const DAY_MS = 86_400_000;
export const ADMIN_PIN = '2468';
export const screen: CallContext = { host: 'browser', clientId: 'ws-admin' };

let cachedPki: DemoPki | null = null;
export const demoPki = () => (cachedPki ??= makeDemoPki({ seed: 'console-views-tests', now: Math.floor(T0 / 1000) }));

export interface ViewsRig {
  dir: string;
  pki: DemoPki;
  lists: ListCache;
  store: EntryStore;
  clock: ManualClock;
  cp: CheckpointService;
  schedule: PurgeSchedule | null;
  logs: string[];
  /** Calls a method as a screen does (validated both ways by the hosts' dispatcher). */
  call<M extends MethodName>(method: M, request: MethodRequest<M> | Record<string, unknown>, context?: CallContext): Promise<Result<MethodResponse<M>>>;
  /** Opens an admin session with the PIN; returns its token. */
  openSession(context?: CallContext): Promise<string>;
  /** Appends `n` entries at time `at` (ms), as the passage flow would. */
  append(n: number, at: number, overrides?: Partial<NewEntry>): void;
  close(): void;
}

export interface ViewsRigOptions {
  /** Install the demo lists (default true). */
  lists?: boolean;
  /** A retention schedule (default true); pass false for a kiosk without one. */
  retention?: boolean;
  /** Pretend a collector is configured, acknowledged up to these seqs. */
  uploading?: { entries: number; overrides: number };
  config?: Record<string, unknown>;
  /** Lists refused at start, as the composition reports them (src/app/compose.ts). */
  listProblems?: Array<{ list: 'trust' | 'status'; reason: 'ROOT_UNKNOWN' | 'SIGNATURE_INVALID'; detail: string }>;
}

export async function makeViewsRig(options: ViewsRigOptions = {}): Promise<ViewsRig> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-views-'));
  const pki = demoPki();
  const lists = new ListCache(dir, pki.roots).load();
  if (options.lists !== false) {
    lists.installTrust(pki.trustListJws);
    lists.installStatus(pki.statusListJws);
  }
  const store = EntryStore.open(dir);
  const clock = new ManualClock(T0);
  const logs: string[] = [];
  const config = kioskConfigSchema.parse({ kioskId: 'kiosk-views', roots: pki.roots, admin: { pin: hashAdminPin(ADMIN_PIN) }, ...options.config });
  const limits = () =>
    options.uploading ? { uploadedThroughSeq: options.uploading.entries, overridesUploadedThroughSeq: options.uploading.overrides } : { uploadedThroughSeq: null, overridesUploadedThroughSeq: null };
  let schedule: PurgeSchedule | null = null;
  if (options.retention !== false) {
    // The composition's schedule (src/app/compose.ts): a first run at start, then hourly.
    schedule = schedulePurge(store, { retentionDays: config.store.retentionDays, clock, uploadLimits: limits, intervalMs: 3_600_000 });
    // Let the start-up run (nothing to purge yet) finish before the test writes anything.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const cp = createCheckpointService({
    config,
    store,
    lists,
    devices: null,
    clock,
    retention: schedule ? { schedule, uploading: options.uploading !== undefined, limits } : null,
    listProblems: options.listProblems ?? null,
    // Days pass on the manual clock: a slow status tick keeps advancing it cheap (no test here reads the tick).
    statusTick: { everyMs: 3_600_000, clockEveryMs: 3_600_000 },
    log: (l) => logs.push(l),
  });
  const rig: ViewsRig = {
    dir,
    pki,
    lists,
    store,
    clock,
    cp,
    schedule,
    logs,
    call: (method, request, context = screen) => dispatchCall(cp.service, method, request, context) as never,
    async openSession(context = screen) {
      const r = await dispatchCall(cp.service, 'openAdminSession', { pin: ADMIN_PIN }, context);
      if (!r.ok) throw new Error(r.message);
      return (r.value as { session: string }).session;
    },
    append(n, at, overrides = {}) {
      for (let i = 0; i < n; i++) store.append({ ...samplePassage(overrides), at } as NewEntry);
    },
    close() {
      schedule?.stop();
      cp.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return rig;
}
