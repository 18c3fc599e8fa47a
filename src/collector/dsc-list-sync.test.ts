// The DSC list (docs/dcc-trust.md) served by the real collector and fetched by the kiosk's sync:
// conditional requests, installation only through the DscListCache's checks, the installed list
// kept on refusal with the reason said. Lists are files the collector serves from its lists folder,
// whatever its storage backend: SQLite only here.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { makeDemoDcc } from '../core/codes/dcc/demo-dcc.js';
import { DscListCache } from '../core/codes/dcc/dsc-list.js';
import { makeDemoPki } from '../core/codes/pki.js';
import { tempDataDir } from '../core/store/test-support.js';
import { dscListSync } from '../core/upload/dsc-list-sync.js';

let data: { dir: string; cleanup(): void };
let collector: RunningCollector;
const listsDir = () => join(data.dir, 'published');
const publish = (jws: string) => writeFileSync(join(listsDir(), 'dsc-list.jws'), jws);
const NOW = Math.floor(Date.now() / 1000);
const pki = makeDemoPki({ seed: 'dsc-sync', now: NOW, syntheticStatusRecords: 0 });
const v1 = makeDemoDcc({ root: pki.root, now: NOW, dscListSeq: 1 }).dscListJws;
const v2 = makeDemoDcc({ root: pki.root, now: NOW, dscListSeq: 2 }).dscListJws;

beforeEach(async () => {
  data = tempDataDir('dsc-sync-');
  mkdirSync(listsDir(), { recursive: true });
  collector = await startCollector({ database: join(data.dir, 'collector.sqlite3'), listsDir: listsDir() });
});
afterEach(async () => {
  await collector.close();
  data.cleanup();
});

describe('DSC list sync from the collector', () => {
  it('is unavailable until published, installs a newer list, then asks conditionally; refuses a rollback and keeps the list in use', async () => {
    const cache = new DscListCache(join(data.dir, 'kiosk'), pki.roots).load();
    const sync = dscListSync(cache);
    expect(await sync.syncNow(collector.url, { timeoutMs: 2000 })).toMatchObject({ outcome: 'unavailable', reason: 'LIST_UNAVAILABLE' });

    publish(v2);
    expect(await sync.syncNow(collector.url, { timeoutMs: 2000 })).toMatchObject({ outcome: 'installed', seq: 2 });
    expect(cache.dscs?.size).toBe(3);
    expect(await sync.syncNow(collector.url, { timeoutMs: 2000 })).toMatchObject({ outcome: 'unchanged', seq: 2 });
    // After a restart (no validator kept) the same list fetched in full is still nothing new.
    const restarted = dscListSync(new DscListCache(join(data.dir, 'kiosk'), pki.roots).load());
    expect(await restarted.syncNow(collector.url, { timeoutMs: 2000 })).toMatchObject({ outcome: 'unchanged', seq: 2 });

    publish(v1);
    expect(await sync.syncNow(collector.url, { timeoutMs: 2000 })).toMatchObject({ outcome: 'refused', reason: 'ROLLBACK', seq: 2 });
    expect(await sync.syncNow(collector.url, { timeoutMs: 2000 })).toMatchObject({ outcome: 'refused', reason: 'ROLLBACK' });
    expect(cache.list?.seq).toBe(2);
  });

  it('refuses a list not signed by a pinned root', async () => {
    const other = makeDemoPki({ seed: 'dsc-sync-other', now: NOW, syntheticStatusRecords: 0 });
    publish(makeDemoDcc({ root: other.root, now: NOW, dscListSeq: 9 }).dscListJws);
    const cache = new DscListCache(join(data.dir, 'kiosk'), pki.roots).load();
    expect(await dscListSync(cache).syncNow(collector.url, { timeoutMs: 2000 })).toMatchObject({ outcome: 'refused', reason: 'ROOT_UNKNOWN', seq: null });
    expect(cache.list).toBeNull();
  });
});
