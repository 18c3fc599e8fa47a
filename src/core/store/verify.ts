// `kiosk log verify` (docs/security.md "Tamper evidence"): walks each hash chain from its anchor (genesis, or the last row a
// purge removed) and names the first row whose link or hash does not match. Reads in pages of
// rows by seq, so it runs in constant memory over millions of rows and never holds a long read.
// The links are keyed (chain.ts): the chain key of a connection is registered by the EntryStore
// that opened it, so `store.verify()` (verifyLog on its connection) needs nothing else and a bare connection is refused.
import type Database from 'better-sqlite3';
import type { KeyObject } from 'node:crypto';
import { chainColumns, chainHash, GENESIS_HASH, type ChainName, type ChainValue } from './chain.js';
import { StoreError } from './errors.js';

const chainKeys = new WeakMap<Database.Database, KeyObject>();

/** Called by EntryStore.open: the key `verifyLog` uses for this connection. */
export function registerChainKey(db: Database.Database, key: KeyObject): void {
  chainKeys.set(db, key);
}

export function chainKeyOf(db: Database.Database): KeyObject {
  const key = chainKeys.get(db);
  if (!key) throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', 'verifying the log needs its chain key: open it with EntryStore.open');
  return key;
}

export type ChainProblem =
  | 'PREV_HASH_MISMATCH' // the row does not point at the row before it: a row was removed or inserted before it
  | 'HASH_MISMATCH' // the row's contents do not match its hash: it was edited
  | 'SEQ_NOT_INCREASING'; // impossible with INTEGER PRIMARY KEY; kept as a guard

export interface ChainReport {
  chain: ChainName;
  ok: boolean;
  rowsChecked: number;
  /** The anchor the walk started from (0 = genesis). */
  anchorSeq: number;
  lastSeq: number;
  firstBroken: { seq: number; id: string; problem: ChainProblem } | null;
}

export interface VerifyReport {
  ok: boolean;
  chains: ChainReport[];
}

const PAGE = 5000;

export function verifyChain(db: Database.Database, chain: ChainName, onProgress?: (rowsChecked: number) => void): ChainReport {
  const cols = chainColumns(chain);
  const key = chainKeyOf(db);
  const anchor = db.prepare('SELECT seq, hash FROM chain_anchors WHERE chain = ?').get(chain) as { seq: number; hash: Buffer } | undefined;
  const page = db.prepare(`SELECT ${cols.join(', ')}, prev_hash, hash FROM ${chain} WHERE seq > ? ORDER BY seq LIMIT ${PAGE}`).raw(true);
  let prevSeq = anchor?.seq ?? 0;
  let prevHash: Buffer = anchor?.hash ?? GENESIS_HASH;
  let rowsChecked = 0;
  const report = (firstBroken: ChainReport['firstBroken']): ChainReport => ({
    chain,
    ok: firstBroken === null,
    rowsChecked,
    anchorSeq: anchor?.seq ?? 0,
    lastSeq: prevSeq,
    firstBroken,
  });
  for (;;) {
    const rows = page.all(prevSeq) as unknown[][];
    if (rows.length === 0) return report(null);
    for (const row of rows) {
      const values = row.slice(0, cols.length) as ChainValue[];
      const storedPrev = row[cols.length] as Buffer;
      const storedHash = row[cols.length + 1] as Buffer;
      const seq = values[0] as number;
      const id = values[1] as string;
      if (seq <= prevSeq) return report({ seq, id, problem: 'SEQ_NOT_INCREASING' });
      if (!Buffer.from(storedPrev).equals(prevHash)) return report({ seq, id, problem: 'PREV_HASH_MISMATCH' });
      if (!chainHash(key, prevHash, values).equals(storedHash)) return report({ seq, id, problem: 'HASH_MISMATCH' });
      prevSeq = seq;
      prevHash = Buffer.from(storedHash);
      rowsChecked++;
    }
    onProgress?.(rowsChecked);
  }
}

/** Verifies both chains; `onProgress` gets the rows checked so far across both. */
export function verifyLog(db: Database.Database, onProgress?: (rowsChecked: number) => void): VerifyReport {
  let before = 0;
  const chains = (['entries', 'entry_overrides'] as const).map((c) => {
    const report = verifyChain(db, c, onProgress && ((n) => onProgress(before + n)));
    before += report.rowsChecked;
    return report;
  });
  return { ok: chains.every((c) => c.ok), chains };
}
