// Retention must erase (docs/security.md): after a purge, no byte of a purged row is left in the
// database file, its WAL, or a backup taken afterwards. The scan looks for each sampled row's id,
// its sealed name and number (their random nonces), its search hash, and its name and number in
// clear, in every file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectionOf, EntryStore } from './entry-store.js';
import { purgeExpired } from './purge.js';
import { seedEntries } from './seed.js';
import { backupDatabase } from './backup.js';
import { tempDataDir } from './test-support.js';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 20, 12);
let tmp: ReturnType<typeof tempDataDir>;
let store: EntryStore;
beforeEach(() => {
  tmp = tempDataDir('kiosk-erase-');
  store = EntryStore.open(tmp.dir);
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

interface RawRow {
  seq: number;
  id: string;
  holder_name: Buffer | null;
  doc_number_box: Buffer | null;
  doc_number_hmac: Buffer | null;
}

describe('retention purge erases', () => {
  it('leaves no trace of 3,000 purged entries in kiosk.sqlite3, its WAL, or a backup taken afterwards', async () => {
    await seedEntries(store, 3000, { fromMs: now - 60 * DAY, toMs: now - 40 * DAY, batchSize: 500, seed: 11 });
    await seedEntries(store, 300, { fromMs: now - 5 * DAY, toMs: now, batchSize: 300, seed: 12 });
    const revealed = store.readEntriesAfterSeq(0, 10_000);
    const kept = revealed.filter((e) => e.seq > 3000);
    const keptText = new Set(kept.flatMap((e) => [e.holderName, e.documentNumber]));
    // 60 purged rows spread over the range; names and numbers only where no kept row shares them.
    const sample = Array.from({ length: 60 }, (_, i) => 1 + Math.floor((i * 2999) / 59));
    const raw = connectionOf(store).prepare('SELECT seq, id, holder_name, doc_number_box, doc_number_hmac FROM entries WHERE seq = ?');
    const markers: Array<{ what: string; bytes: Buffer }> = [];
    for (const seq of sample) {
      const r = raw.get(seq) as RawRow;
      const e = revealed[seq - 1]!;
      markers.push({ what: `id of ${seq}`, bytes: Buffer.from(r.id) });
      if (r.holder_name) markers.push({ what: `sealed name of ${seq}`, bytes: r.holder_name.subarray(0, 24) });
      if (r.doc_number_box) markers.push({ what: `sealed number of ${seq}`, bytes: r.doc_number_box.subarray(0, 24) });
      // Demo people recur: a number some kept row also has keeps its (equal) search hash.
      if (r.doc_number_hmac && !keptText.has(e.documentNumber)) markers.push({ what: `search hash of ${seq}`, bytes: r.doc_number_hmac });
      for (const text of [e.holderName, e.documentNumber]) if (text && !keptText.has(text)) markers.push({ what: `clear text of ${seq}`, bytes: Buffer.from(text) });
    }
    expect(markers.length).toBeGreaterThan(250);

    const files = () => [store.file, `${store.file}-wal`].filter((f) => existsSync(f));
    // The markers are really in the files before the purge (the scan can see them).
    store.checkpoint();
    const before = files().map((f) => readFileSync(f));
    expect(markers.filter((m) => m.what.startsWith('id')).every((m) => before.some((b) => b.includes(m.bytes)))).toBe(true);

    const r = await purgeExpired(store, { retentionDays: 28, now });
    expect(r.entriesDeleted).toBe(3000);
    expect(r.walTruncated).toBe(true);
    const backup = join(tmp.dir, 'after-purge.sqlite3');
    await backupDatabase(store, backup);

    const found: string[] = [];
    for (const file of [...files(), backup]) {
      const bytes = readFileSync(file);
      for (const m of markers) if (bytes.includes(m.bytes)) found.push(`${m.what} in ${file.slice(tmp.dir.length + 1)}`);
    }
    expect(found).toEqual([]);
    // What the purge kept is all still there.
    expect(store.readEntriesAfterSeq(0, 10_000).map((e) => e.holderName)).toEqual(kept.map((e) => e.holderName));
  }, 120_000);
});
