// The entry log's column orders come from one list (chain.ts ENTRY_CHAIN_COLUMNS): the insert, the
// hashed values, the log's reads and the export's page read. These tests hold the list to the table
// and to what is written, so a column added by a migration but not to the list (or put in another
// place) fails here instead of writing rows whose chain no longer verifies.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEMO_PEOPLE } from '../demo/people.js';
import { chainInsertSql, ENTRY_CHAIN_COLUMNS, OVERRIDE_CHAIN_COLUMNS } from './chain.js';
import { EntryStore } from './entry-store.js';
import { EXPORT_COLUMNS, exportPageColumns } from './export.js';
import { samplePassage, tempDataDir } from './test-support.js';

let tmp: ReturnType<typeof tempDataDir>;
let store: EntryStore;
beforeEach(() => {
  tmp = tempDataDir('kiosk-columns-');
  store = EntryStore.open(tmp.dir);
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

/** A second, read-only connection: what is really in the file. */
function readOnly<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(store.file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('one column list', () => {
  // A column ALTERed in by a migration sits at the table's end: compare sets, the list fixes the order.
  it('names every column of the tables but prev_hash and hash, and no other', () => {
    const columnsOf = (table: string) => readOnly((db) => (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name).sort());
    expect(columnsOf('entries')).toEqual([...ENTRY_CHAIN_COLUMNS, 'prev_hash', 'hash'].sort());
    expect(columnsOf('entry_overrides')).toEqual([...OVERRIDE_CHAIN_COLUMNS, 'prev_hash', 'hash'].sort());
    expect(chainInsertSql('entries')).toBe(`INSERT INTO entries (${ENTRY_CHAIN_COLUMNS.join(', ')}, prev_hash, hash) VALUES (${Array(ENTRY_CHAIN_COLUMNS.length + 2).fill('?').join(', ')})`);
  });

  it('writes each value into its own column', () => {
    const li = DEMO_PEOPLE[1]!;
    const at = Date.UTC(2026, 10, 20, 1, 2, 3);
    const written = store.append(samplePassage({ at, holderName: li.name, documentType: li.docType, documentNumber: li.idNumber, codeIssuer: li.province, decision: 'deny', reason: 'FEVER', temperatureC: 38.2, trustListSeq: 41 }));
    const row = readOnly((db) => db.prepare('SELECT * FROM entries WHERE seq = ?').get(written.seq) as Record<string, unknown>);
    expect(row).toMatchObject({
      seq: written.seq,
      id: written.id,
      at_ms: at,
      venue_id: 'venue-1',
      kiosk_id: 'kiosk-1',
      method: 'code',
      doc_type: li.docType,
      code_id: '00112233445566778899aabbccddeeff',
      code_issuer: li.province,
      status_colour: 'green',
      decision: 'deny',
      reason: 'FEVER',
      temperature_c: 38.2,
      trust_list_seq: 41,
      doc_number_masked: expect.stringMatching(/\*/),
      holder_name_masked: expect.stringMatching(/\*/),
    });
    expect(store.revealName(row.holder_name as Buffer)).toBe(li.name);
    expect(store.revealDocumentNumber(row.doc_number_box as Buffer)).toBe(li.idNumber.toUpperCase());
    expect(store.verify().ok).toBe(true);
  });

  it('lets the export read only columns of the list, one per exported entry column', () => {
    for (const reveal of [false, true]) {
      const read = exportPageColumns(reveal);
      expect(read).toHaveLength(EXPORT_COLUMNS.indexOf('override_decision'));
      for (const c of read) expect(ENTRY_CHAIN_COLUMNS).toContain(c);
    }
    expect(exportPageColumns(false)).toContain('holder_name_masked');
    expect(exportPageColumns(true)).toContain('doc_number_box');
  });
});
