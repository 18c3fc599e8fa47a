// Migrating a schema-2 log (names in clear, old masks, document-number key files, unkeyed chain) to
// schema 3. The old log is written here the way schema 2 wrote it, with its own key files.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { DEMO_PEOPLE } from '../demo/people.js';
import { openDatabase, schemaVersion } from './db.js';
import { MIGRATIONS } from './migrations/index.js';
import { LEGACY_ENTRY_CHAIN_COLUMNS, OVERRIDE_CHAIN_COLUMNS, GENESIS_HASH, legacyChainHash, type ChainValue } from './chain.js';
import { DOCUMENT_KEY_FILE, SEARCH_KEY_FILE } from './keys.js';
import { connectionOf, EntryStore } from './entry-store.js';
import { samplePassage, tempDataDir } from './test-support.js';

const zhang = DEMO_PEOPLE[0]!;
const PASSPORT = 'E12345678';
let tmp: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  tmp = tempDataDir('kiosk-migrate3-');
});
afterEach(() => tmp.cleanup());

/** Writes a schema-2 log as the old code did; returns nothing (its contents are the constants above). */
function writeSchema2Log(dir: string, options: { tamperSeq?: number; purgedThroughSeq?: number } = {}): void {
  const documentKey = randomBytes(32);
  const searchKey = randomBytes(32);
  writeFileSync(join(dir, DOCUMENT_KEY_FILE), documentKey, { mode: 0o600 });
  writeFileSync(join(dir, SEARCH_KEY_FILE), searchKey, { mode: 0o600 });
  const db = openDatabase(join(dir, 'kiosk.sqlite3'), { migrations: MIGRATIONS.slice(0, 2) });
  const seal = (text: string) => {
    const nonce = randomBytes(24);
    return Buffer.concat([nonce, nacl.secretbox(Buffer.from(text), nonce, new Uint8Array(documentKey))]);
  };
  const people = [
    { name: zhang.name, type: 'CN', number: zhang.idNumber, oldMask: zhang.idNumber.slice(0, 4) + '*'.repeat(10) + zhang.idNumber.slice(-4) },
    { name: 'John Smith', type: 'PP', number: PASSPORT, oldMask: 'E123*5678' },
    { name: '欧阳娜娜', type: null, number: null, oldMask: null },
  ];
  let prev: Buffer = GENESIS_HASH;
  people.forEach((p, i) => {
    const seq = i + 1;
    const values: ChainValue[] = [
      seq, `0190a0a0-0000-7000-8000-00000000000${seq}`, 1_700_000_000_000 + seq, 'venue-1', 'kiosk-1', 'code', p.name, p.type,
      p.number ? seal(p.number) : null, p.number ? createHmac('sha256', searchKey).update(p.number).digest() : null, p.oldMask,
      'aa', '330000', 'green', 36.5, 'admit', null, 7,
    ];
    expect(values).toHaveLength(LEGACY_ENTRY_CHAIN_COLUMNS.length);
    const hash = legacyChainHash(prev, values);
    db.prepare(`INSERT INTO entries (${LEGACY_ENTRY_CHAIN_COLUMNS.join(', ')}, prev_hash, hash) VALUES (${values.map(() => '?').join(', ')}, ?, ?)`).run(...values, prev, hash);
    prev = hash;
  });
  const o: ChainValue[] = [1, '0190a0a0-0000-7000-8000-0000000000f1', 2, '0190a0a0-0000-7000-8000-000000000002', 1_700_000_000_100, 'deny', 'guard-1', 'checked'];
  db.prepare(`INSERT INTO entry_overrides (${OVERRIDE_CHAIN_COLUMNS.join(', ')}, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...o, GENESIS_HASH, legacyChainHash(GENESIS_HASH, o));
  if (options.purgedThroughSeq) {
    // As a schema-2 purge left it: the prefix deleted, the anchor at its last row.
    const last = db.prepare('SELECT seq, hash FROM entries WHERE seq = ?').get(options.purgedThroughSeq) as { seq: number; hash: Buffer };
    db.prepare('DELETE FROM entries WHERE seq <= ?').run(last.seq);
    db.prepare("INSERT INTO chain_anchors (chain, seq, hash) VALUES ('entries', ?, ?)").run(last.seq, last.hash);
  }
  if (options.tamperSeq) db.prepare("UPDATE entries SET decision = 'admit', temperature_c = 36.0 WHERE seq = ?").run(options.tamperSeq);
  db.close();
}

describe('migration 003 (sealed names, per-type masks, keyed chain)', () => {
  it('seals names, re-masks numbers by type, re-keys the chain and leaves no name in the file', () => {
    writeSchema2Log(tmp.dir);
    const store = EntryStore.open(tmp.dir);
    try {
      expect(schemaVersion(connectionOf(store))).toBe(MIGRATIONS.length);
      expect(store.verify()).toMatchObject({ ok: true, chains: [{ rowsChecked: 3 }, { rowsChecked: 1 }] });
      const masked = store.lastEntries(3).reverse();
      expect(masked.map((e) => [e.holderName, e.documentNumber])).toEqual([
        ['张*', '3301**********' + zhang.idNumber.slice(-4)],
        ['J*** S****', 'E******78'],
        ['欧***', null],
      ]);
      const revealed = store.readEntriesAfterSeq(0, 3);
      expect(revealed.map((e) => [e.holderName, e.documentNumber])).toEqual([
        [zhang.name, zhang.idNumber],
        ['John Smith', PASSPORT],
        ['欧阳娜娜', null],
      ]);
      expect(store.findByDocumentNumber(PASSPORT, { admin: 'admin-1' })).toHaveLength(1);
      expect(store.lastAdmittedSince(zhang.idNumber, 0)).toBe(1_700_000_000_001);
      expect(store.auditLog(5).find((a) => a.action === 'rekey')).toMatchObject({
        detail: { schema: 3, entries: 3, overrides: 1, unkeyedChainBeforeUpgrade: { entries: null, overrides: null } },
      });
      for (const file of ['kiosk.sqlite3', 'kiosk.sqlite3-wal']) {
        const bytes = readFileSync(join(tmp.dir, file), { flag: 'a+' });
        for (const secret of [zhang.name, 'John Smith', '欧阳娜娜', 'E123*5678', zhang.idNumber, PASSPORT]) expect(bytes.includes(Buffer.from(secret)), `${file}: ${secret}`).toBe(false);
      }
    } finally {
      store.close();
    }
  });

  it('re-keys a log a purge had already shortened, from its anchor', () => {
    writeSchema2Log(tmp.dir, { purgedThroughSeq: 1 });
    const store = EntryStore.open(tmp.dir);
    try {
      expect(store.verify()).toMatchObject({ ok: true, chains: [{ anchorSeq: 1, rowsChecked: 2 }, { rowsChecked: 1 }] });
      expect(store.auditLog(5).find((a) => a.action === 'rekey')).toMatchObject({ detail: { entries: 2, unkeyedChainBeforeUpgrade: { entries: null } } });
    } finally {
      store.close();
    }
  });

  it('stores a new passport entry with the passport mask', () => {
    const store = EntryStore.open(tmp.dir);
    try {
      store.append(samplePassage({ documentType: 'PP', documentNumber: PASSPORT, holderName: 'John Smith' }));
      expect(connectionOf(store).prepare('SELECT doc_number_masked, holder_name_masked FROM entries').get()).toEqual({ doc_number_masked: 'E******78', holder_name_masked: 'J*** S****' });
    } finally {
      store.close();
    }
  });

  it('records an edit made before the upgrade instead of laundering it into the new chain', () => {
    writeSchema2Log(tmp.dir, { tamperSeq: 2 });
    const store = EntryStore.open(tmp.dir);
    try {
      expect(store.auditLog(5).find((a) => a.action === 'rekey')).toMatchObject({
        detail: { unkeyedChainBeforeUpgrade: { entries: { seq: 2, problem: 'HASH_MISMATCH' }, overrides: null } },
      });
    } finally {
      store.close();
    }
  });

  it('refuses to migrate sealed numbers without the old key file, leaving schema 2 untouched', () => {
    writeSchema2Log(tmp.dir);
    writeFileSync(join(tmp.dir, DOCUMENT_KEY_FILE), Buffer.alloc(0));
    expect(() => EntryStore.open(tmp.dir)).toThrow(/32-byte key/);
    const db = openDatabase(join(tmp.dir, 'kiosk.sqlite3'), { readonly: true });
    expect(schemaVersion(db)).toBe(2);
    db.close();
  });
});
