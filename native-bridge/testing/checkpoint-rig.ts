// The kiosk's checkpoint service over a real DeviceManager (pty pair + simulator, see ./rig.ts):
// real demo PKI and lists, a real SQLite entry log in a temp directory, real verification. Only the
// passage's clock is injected (ManualClock), so a test can put 30 s between a reading and a scan
// without sleeping; the devices run in real time on their pty.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KioskEvent, PassageView } from '../../src/contract/api.js';
import { ListCache } from '../../src/core/codes/list-cache.js';
import { issueDemoCode, makeDemoPki, type DemoPki } from '../../src/core/codes/pki.js';
import { ManualClock } from '../../src/core/checkpoint/clock.js';
import { createCheckpointService, type CheckpointService } from '../../src/core/checkpoint/service.js';
import { kioskConfigSchema } from '../../src/core/config/config.js';
import { demoPerson } from '../../src/core/demo/people.js';
import type { DeviceHub } from '../../src/core/devices/types.js';
import { EntryStore } from '../../src/core/store/entry-store.js';

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
let cachedPki: DemoPki | null = null;

export interface CheckpointRig {
  cp: CheckpointService;
  clock: ManualClock;
  store: EntryStore;
  events: KioskEvent[];
  logs: string[];
  code(key: string): string;
  passages(): PassageView[];
  lastPassage(): PassageView;
  /** Resolves once every device event delivered so far has gone through the passage flow. */
  settled(): Promise<void>;
  close(): void;
}

export function startCheckpoint(devices: DeviceHub, config: Record<string, unknown> = {}): CheckpointRig {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-door-'));
  const pki = (cachedPki ??= makeDemoPki({ seed: 'door-pty-tests', now: Math.floor(T0 / 1000) }));
  const lists = new ListCache(dir, pki.roots).load();
  lists.installTrust(pki.trustListJws);
  lists.installStatus(pki.statusListJws);
  const store = EntryStore.open(dir);
  const clock = new ManualClock(T0);
  const events: KioskEvent[] = [];
  const logs: string[] = [];
  const cp = createCheckpointService({
    config: kioskConfigSchema.parse({ kioskId: 'kiosk-door', roots: pki.roots, ...config }),
    store,
    lists,
    devices,
    simulatedDevices: true,
    clock,
    log: (l) => logs.push(l),
  });
  cp.service.subscribe((e) => events.push(e));
  const passages = () => events.flatMap((e) => (e.type === 'passage' ? [e.passage] : []));
  return {
    cp,
    clock,
    store,
    events,
    logs,
    code: (key) => issueDemoCode(pki.provinces, demoPerson(key)!, Math.floor(clock.now() / 1000)),
    passages,
    lastPassage: () => passages()[passages().length - 1]!,
    settled: async () => {
      // Device events enqueue into the flow synchronously; one macrotask lets any in flight arrive.
      await new Promise((r) => setImmediate(r));
      await cp.flow.settled();
    },
    close() {
      cp.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
