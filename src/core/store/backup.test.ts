// Restoring a backup never swaps in a log this kiosk cannot open (a backup sealed under another key).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EntryStore } from './entry-store.js';
import { backupDatabase, restoreDatabase } from './backup.js';
import { samplePassage, storeErrorOf, tempDataDir } from './test-support.js';

let a: ReturnType<typeof tempDataDir>;
let b: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  a = tempDataDir('kiosk-backup-a-');
  b = tempDataDir('kiosk-backup-b-');
});
afterEach(() => {
  a.cleanup();
  b.cleanup();
});

describe('restoreDatabase', () => {
  it('refuses a backup written under another store key and leaves the current log as it was', async () => {
    const backupOfA = join(a.dir, 'a.backup');
    const storeA = EntryStore.open(a.dir);
    storeA.append(samplePassage({ holderName: '甲' }));
    await backupDatabase(storeA, backupOfA);
    storeA.append(samplePassage({ holderName: '乙' }));
    storeA.close();
    const storeB = EntryStore.open(b.dir);
    storeB.append(samplePassage({ holderName: '丙' }));
    storeB.close();

    const err = storeErrorOf(() => restoreDatabase(b.dir, backupOfA));
    expect(err.detail).toBe('KEY_INVALID');
    expect(readdirSync(b.dir).some((f) => f.includes('damaged'))).toBe(false);
    const stillB = EntryStore.open(b.dir);
    expect(stillB.readEntriesAfterSeq(0, 10).map((e) => e.holderName)).toEqual(['丙']);
    stillB.close();

    expect(restoreDatabase(a.dir, backupOfA)).toMatchObject({ restoredEntries: 1 });
    const restored = EntryStore.open(a.dir);
    expect(restored.readEntriesAfterSeq(0, 10).map((e) => e.holderName)).toEqual(['甲']);
    restored.close();
  });
});
