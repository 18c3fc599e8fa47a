// Real parts for the passage flow's tests: a demo PKI whose lists are installed in a real ListCache,
// a real SQLite entry store in a temp directory, real verification; only time (ManualClock) and the
// gate relay (a recorder that notes what the store held when it was pulsed) are stand-ins, because
// core cannot import native-bridge (architecture.md, allowed imports). The e2e journeys use the real
// simulators on pty pairs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PassageView } from '../../contract/api.js';
import { ListCache } from '../codes/list-cache.js';
import { issueDemoCode, makeDemoPki, type DemoPki } from '../codes/pki.js';
import { demoPerson, type DemoPerson } from '../demo/people.js';
import type { GatePulseResult } from '../devices/types.js';
import { resolvePolicy, type VenuePolicyInput } from '../policy/policy.js';
import { EntryStore } from '../store/entry-store.js';
import { StoreError } from '../store/errors.js';
import { capDatabaseGrowth, samplePassage } from '../store/test-support.js';
import { ManualClock } from './clock.js';
import { resolveCheckpointSettings, type CheckpointSettingsInput } from './config.js';
import { PassageFlow, type PassageStore } from './passage.js';

export const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);

export function person(key: string): DemoPerson {
  const p = demoPerson(key);
  if (!p) throw new Error(`no demo person ${key}`);
  return p;
}

export function cardOf(key: string): { idNumber: string; name: string; docType: string } {
  const p = person(key);
  return { idNumber: p.idNumber, name: p.name, docType: p.docType };
}

export interface Rig {
  dir: string;
  pki: DemoPki;
  lists: ListCache;
  store: EntryStore;
  clock: ManualClock;
  flow: PassageFlow;
  views: PassageView[];
  /** One record per gate pulse: how many entries the SQLite file held at that moment. */
  pulses: Array<{ at: number; entriesCommitted: number }>;
  logs: string[];
  temperatureExpected: { value: boolean };
  code(key: string, overrides?: Parameters<typeof issueDemoCode>[3]): string;
  cleanup(): void;
}

export interface RigOptions {
  settings?: CheckpointSettingsInput;
  policy?: VenuePolicyInput;
  /** Wraps the store (e.g. to make it fail); defaults to the real store. */
  wrapStore?: (store: EntryStore) => PassageStore;
  thermometer?: boolean;
}

/** Shared across tests: key generation is the slow part, and the PKI is the same for every rig. */
let cachedPki: DemoPki | null = null;

export function makeRig(options: RigOptions = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-checkpoint-'));
  const pki = (cachedPki ??= makeDemoPki({ seed: 'checkpoint-tests', now: Math.floor(T0 / 1000) }));
  const lists = new ListCache(dir, pki.roots).load();
  const t = lists.installTrust(pki.trustListJws);
  const s = lists.installStatus(pki.statusListJws);
  if (!t.accepted || !s.accepted) throw new Error('demo lists refused');
  const store = EntryStore.open(dir);
  const clock = new ManualClock(T0);
  const views: PassageView[] = [];
  const pulses: Rig['pulses'] = [];
  const logs: string[] = [];
  const temperatureExpected = { value: options.thermometer ?? false };
  const flow = new PassageFlow({
    store: options.wrapStore ? options.wrapStore(store) : store,
    lists,
    policy: resolvePolicy(options.policy),
    settings: resolveCheckpointSettings(options.settings),
    venueId: 'venue-test',
    kioskId: 'kiosk-test',
    clock,
    temperatureExpected: () => temperatureExpected.value,
    pulseGate: async (): Promise<GatePulseResult> => {
      // Read straight from the SQLite file through a second statement: what is committed right now.
      const entriesCommitted = store.entryCount();
      pulses.push({ at: clock.now(), entriesCommitted });
      return { ok: true, driver: 'none', relay: 1, ms: 500 };
    },
    onView: (v) => views.push(v),
    log: (line) => logs.push(line),
  });
  return {
    dir,
    pki,
    lists,
    store,
    clock,
    flow,
    views,
    pulses,
    logs,
    temperatureExpected,
    code: (key, overrides) => issueDemoCode(pki.provinces, person(key), Math.floor(clock.now() / 1000), overrides),
    cleanup() {
      flow.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Reads an entry back from SQLite, revealed, as an admin or the uploader would. */
export function entryRow(rig: Rig, seq: number) {
  return rig.store.readEntriesAfterSeq(seq - 1, 1)[0] ?? null;
}

/**
 * Makes the real SQLite file refuse to grow (max_page_count at its current size), then fills the
 * free space left in its pages with synthetic entries until SQLite answers SQLITE_FULL, exactly as
 * on a full disk. Returns the entry count at that point.
 */
export function fillDisk(r: { store: EntryStore; clock: { now(): number } }): number {
  capDatabaseGrowth(r.store);
  for (let i = 0; i < 10_000; i++) {
    try {
      r.store.append(samplePassage({ at: r.clock.now() - 3_600_000, holderName: 'Filler', documentNumber: `FILL${i}` }));
    } catch (err) {
      if (err instanceof StoreError && err.reason === 'STORAGE_FULL') return r.store.entryCount();
      throw err;
    }
  }
  throw new Error('the database never filled up');
}
