// Tamper evidence (docs/security.md): the row chain is keyed, so someone who can write the file but
// does not hold the kiosk's key cannot rewrite a row and recompute the chain to match.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { connectionOf, EntryStore } from './entry-store.js';
import { seedEntries } from './seed.js';
import { verifyLog } from './verify.js';
import { ENTRY_CHAIN_COLUMNS, GENESIS_HASH, chainHash, legacyChainHash, type ChainValue } from './chain.js';
import { storeErrorOf, tempDataDir } from './test-support.js';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 20, 12);
let tmp: ReturnType<typeof tempDataDir>;
let store: EntryStore;
beforeEach(async () => {
  tmp = tempDataDir('kiosk-chainkey-');
  store = EntryStore.open(tmp.dir);
  await seedEntries(store, 40, { fromMs: now - DAY, toMs: now, batchSize: 40 });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

/** Rewrites row `fromSeq` (a deny turned into an admit) and relinks every row after it with `link`. */
function rewriteLog(fromSeq: number, link: (prev: Buffer, values: ChainValue[]) => Buffer): void {
  const db = connectionOf(store);
  db.prepare("UPDATE entries SET decision = 'admit', reason = NULL WHERE seq = ?").run(fromSeq);
  const rows = db.prepare(`SELECT ${ENTRY_CHAIN_COLUMNS.join(', ')} FROM entries WHERE seq >= ? ORDER BY seq`).raw(true).all(fromSeq) as ChainValue[][];
  let prev = fromSeq === 1 ? GENESIS_HASH : (db.prepare('SELECT hash FROM entries WHERE seq = ?').pluck().get(fromSeq - 1) as Buffer);
  const update = db.prepare('UPDATE entries SET prev_hash = ?, hash = ? WHERE seq = ?');
  for (const values of rows) {
    const hash = link(prev, values);
    update.run(prev, hash, values[0]);
    prev = hash;
  }
}

describe('keyed row chain', () => {
  it('catches a row rewritten and the whole chain after it recomputed with plain SHA-256', () => {
    rewriteLog(12, legacyChainHash);
    const r = store.verify();
    expect(r.ok).toBe(false);
    expect(r.chains[0]!.firstBroken).toMatchObject({ seq: 12, problem: 'HASH_MISMATCH' });
  });

  it('catches a chain recomputed with HMAC under any key but the kiosk’s', () => {
    const wrongKey = randomBytes(32);
    rewriteLog(12, (prev, values) => chainHash(wrongKey, prev, values));
    expect(store.verify().chains[0]!.firstBroken).toMatchObject({ seq: 12, problem: 'HASH_MISMATCH' });
  });

  it('verifies only with the key the log was written with: a bare connection is refused', async () => {
    const Database = (await import('better-sqlite3')).default;
    const bare = new Database(store.file, { readonly: true });
    try {
      expect(storeErrorOf(() => verifyLog(bare)).detail).toBe('KEY_INVALID');
    } finally {
      bare.close();
    }
  });
});
