// List sync against the real collector: conditional requests, installation only through the
// spec's checks (ListCache), the old list kept on refusal with the reason reported.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { makeDemoPki } from '../core/codes/pki.js';
import { ListCache } from '../core/codes/list-cache.js';
import { EntryStore } from '../core/store/index.js';
import { tempDataDir } from '../core/store/test-support.js';
import { listCacheInstaller, syncLists } from '../core/upload/list-sync.js';

let data: { dir: string; cleanup(): void };
let collector: RunningCollector;
let store: EntryStore;
const BACKENDS = collectorBackends();
const listsDir = () => join(data.dir, 'published');
const publish = (file: string, jws: string) => writeFileSync(join(listsDir(), file), jws);

describe.each(BACKENDS)('on $name', (backend) => {
  beforeEach(async () => {
    data = tempDataDir('list-sync-');
    mkdirSync(listsDir(), { recursive: true });
    store = EntryStore.open(data.dir);
    collector = await startCollector({ database: await backend.database(data.dir), listsDir: listsDir() });
  });
  afterEach(async () => {
    await collector.close();
    store.close();
    data.cleanup();
  });

  describe('list sync', () => {
    it('installs a newer list, then asks conditionally; refuses a rollback and keeps the old list, saying why', async () => {
      const v1 = makeDemoPki({ seed: 'sync', trustListSeq: 1, statusListSeq: 1, syntheticStatusRecords: 10 });
      const v2 = makeDemoPki({ seed: 'sync', trustListSeq: 2, statusListSeq: 2, syntheticStatusRecords: 10 });
      const cache = new ListCache(data.dir, v1.roots).load();
      cache.installTrust(v1.trustListJws);
      const state = store.listSyncTable();
      const sync = () => syncLists({ collectorUrl: collector.url, install: listCacheInstaller(cache), state, timeoutMs: 2000 });

      publish('trust-list.jws', v2.trustListJws);
      let r = await sync();
      expect(r.map((x) => [x.kind, x.outcome, x.seq])).toEqual([
        ['trust', 'installed', 2],
        ['status', 'unavailable', null],
      ]);
      expect(cache.trustList!.seq).toBe(2);
      // Installed lists survive a restart: the ListCache wrote them to the data directory.
      expect(new ListCache(data.dir, v1.roots).load().trustList!.seq).toBe(2);

      r = await sync();
      expect(r[0]).toMatchObject({ outcome: 'unchanged', reason: null });
      expect(state.get('trust').etag).toMatch(/^".+"$/);

      // An operator drops an older list: downloaded, refused (rollback), the seq 2 list stays.
      publish('trust-list.jws', v1.trustListJws);
      r = await sync();
      expect(r[0]).toMatchObject({ kind: 'trust', outcome: 'refused', reason: 'ROLLBACK', seq: 2 });
      expect(cache.trustList!.seq).toBe(2);
      // Asked again, the collector answers 304 and the kiosk still reports the refusal and its reason.
      r = await sync();
      expect(r[0]).toMatchObject({ outcome: 'refused', reason: 'ROLLBACK' });
      expect(state.get('trust')).toMatchObject({ outcome: 'refused', reason: 'ROLLBACK', installedSeq: 2 });

      publish('status-list.jws', v2.statusListJws);
      r = await sync();
      expect(r[1]).toMatchObject({ kind: 'status', outcome: 'installed', seq: 2 });
      expect(cache.statusList!.seq).toBe(2);
    });

    it('refuses a list signed by an unknown root or of the wrong type, keeping the old one', async () => {
      const mine = makeDemoPki({ seed: 'mine', trustListSeq: 1, syntheticStatusRecords: 1 });
      const other = makeDemoPki({ seed: 'someone-else', trustListSeq: 9, syntheticStatusRecords: 1 });
      const cache = new ListCache(data.dir, mine.roots).load();
      cache.installTrust(mine.trustListJws);
      const state = store.listSyncTable();
      publish('trust-list.jws', other.trustListJws);
      publish('status-list.jws', mine.trustListJws); // a trust list where the status list belongs
      const r = await syncLists({ collectorUrl: collector.url, install: listCacheInstaller(cache), state, timeoutMs: 2000 });
      expect(r.map((x) => [x.outcome, x.reason])).toEqual([
        ['refused', 'ROOT_UNKNOWN'],
        ['refused', 'TYPE_MISMATCH'],
      ]);
      expect(cache.trustList!.seq).toBe(1);
      expect(cache.statusList).toBeNull();
    });

    it('reports COLLECTOR_UNREACHABLE when offline and leaves what it knew untouched', async () => {
      const state = store.listSyncTable();
      state.put('trust', { etag: '"x"', lastModified: null, checkedAt: 1, outcome: 'installed', reason: null, installedSeq: 4 });
      await collector.close();
      const r = await syncLists({ collectorUrl: collector.url, install: () => ({ accepted: true, seq: 0 }), state, timeoutMs: 2000, kinds: ['trust'] });
      expect(r).toEqual([{ kind: 'trust', outcome: 'failed', reason: 'COLLECTOR_UNREACHABLE', message: expect.any(String), seq: null }]);
      expect(state.get('trust')).toMatchObject({ etag: '"x"', outcome: 'installed', installedSeq: 4 });
      collector = await startCollector({ database: await backend.database(data.dir) });
    });
  });
});
