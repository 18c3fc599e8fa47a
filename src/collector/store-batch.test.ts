// storeBatch on both backends keeps every record exactly as the kiosk sent it (PostgreSQL sends a
// batch's records as one line-separated text, pg.ts storeBatch), and a kiosk's entries come back in
// seq order without an index on seq (PostgreSQL migration 4 dropped entries_by_seq). On PostgreSQL a
// batch is one call to migration 7's store_batch, a plain INSERT that falls back to ON CONFLICT when
// an entry is already there: the repeats below take that path.
import { afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCollectorStorage, type CollectorStorage } from './storage.js';
import { collectorBackends } from './testing/backends.js';
import { PG_MIGRATIONS } from './pg.js';
import { docKeyOf, recordDocKey } from './trace-key.js';
import { toBatchBody, type UploadEntry } from '../core/upload/protocol.js';

const KIOSK = '0123456789abcdef';
const dirs: string[] = [];
let storage: CollectorStorage | null = null;
afterEach(async () => {
  await storage?.close();
  storage = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Values a JSON record may carry that an array literal or a line split could get wrong.
const awkward: Record<string, unknown>[] = [
  { holderName: 'line one\nline two\r\nthree', documentNumber: 'G 1234\t5678', decision: 'admit' },
  { holderName: 'quote " backslash \\ and \\n written out', venueId: 'north "gate"', decision: 'deny' },
  { holderName: '王小明', note: '\u2028\u2029 separators, an emoji 😷, a lone surrogate \ud800', nested: { list: [1, 'two', null, { x: '\n' }] } },
  {},
  { text: '{"looks":"like json"}\n{"on":"two lines"}', empty: '', nul: 'a\u0000b' },
];

describe.each(collectorBackends())('storeBatch on $name', (backend) => {
  it('stores each record exactly as sent, whatever characters it holds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'collector-store-'));
    dirs.push(dir);
    storage = await openCollectorStorage(await backend.database(dir));
    await storage.registerKiosk(KIOSK, new Uint8Array(32), null);
    const entries: UploadEntry[] = awkward.map((record, i) => ({ seq: i + 1, entryId: `e-${i + 1}`, at: 1_700_000_000_000 + i, record }));
    const result = await storage.storeBatch(toBatchBody(KIOSK, 'b1', entries, 0), recordDocKey(Buffer.alloc(32, 1)));
    expect(result).toEqual({ accepted: awkward.length, duplicates: 0, replay: false, conflict: false });
    const stored = await storage.entries(KIOSK);
    expect(stored.map((e) => e.record)).toEqual(awkward);
    expect(stored.map((e) => e.entryId)).toEqual(entries.map((e) => e.entryId));
  });

  it('keeps entry ids, venues and decisions exactly, whatever characters they hold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'collector-store-'));
    dirs.push(dir);
    storage = await openCollectorStorage(await backend.database(dir));
    await storage.registerKiosk(KIOSK, new Uint8Array(32), null);
    // Each goes to PostgreSQL inside an array literal (pg.ts textArrayLiteral): quotes, backslashes,
    // braces, commas, spaces, the word NULL and the empty string must come back as they were sent.
    const awkwardTexts = ['NULL', 'null', '', ' spaced ', 'a"b', 'back\\slash\\', '{x,y}', 'comma, here', '"', '\\', '王小明', 'tab\there'];
    const key = Buffer.alloc(32, 5);
    const entries: UploadEntry[] = awkwardTexts.map((text, i) => ({ seq: i + 1, entryId: text || 'empty-id', at: 1_700_000_000_000 + i, record: { documentNumber: 'D1', venueId: text, decision: text } }));
    await storage.storeBatch(toBatchBody(KIOSK, 'b1', entries, 0), recordDocKey(key));
    expect((await storage.entries(KIOSK)).map((e) => e.entryId)).toEqual(entries.map((e) => e.entryId));
    const found = await storage.trace({ docKey: docKeyOf(key, 'D1'), from: 0, to: 2_000_000_000_000 });
    expect(found.passages.map((p) => [p.entryId, p.venueId, p.decision])).toEqual(entries.map((e) => [e.entryId, e.record.venueId, e.record.decision]));
  });

  it("returns a kiosk's entries in seq order where entry ids sort otherwise", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'collector-store-'));
    dirs.push(dir);
    storage = await openCollectorStorage(await backend.database(dir));
    await storage.registerKiosk(KIOSK, new Uint8Array(32), null);
    // Ids in the opposite order to seqs, and the later batch stored first: neither primary-key order
    // nor the order rows were written in is seq order, only a sort by seq is.
    const entries: UploadEntry[] = Array.from({ length: 12 }, (_, i) => ({ seq: i + 1, entryId: `z-${String(99 - i)}`, at: 1_700_000_000_000 + i, record: { decision: 'admit', n: i } }));
    await storage.storeBatch(toBatchBody(KIOSK, 'b2', entries.slice(6), 0), () => null);
    await storage.storeBatch(toBatchBody(KIOSK, 'b1', entries.slice(0, 6), 6), () => null);
    expect((await storage.entrySeqs(KIOSK)).map((e) => e.seq)).toEqual(entries.map((e) => e.seq));
    expect((await storage.entries(KIOSK)).map((e) => e.entryId)).toEqual(entries.map((e) => e.entryId));
  });

  it('stores an entry once when a new batch id repeats it, or a batch holds it twice, and the rest of that batch all the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'collector-store-'));
    dirs.push(dir);
    storage = await openCollectorStorage(await backend.database(dir));
    await storage.registerKiosk(KIOSK, new Uint8Array(32), null);
    const key = Buffer.alloc(32, 4);
    const entry = (seq: number, entryId: string): UploadEntry => ({ seq, entryId, at: 1_700_000_000_000 + seq, record: { decision: 'admit', ...(seq % 2 ? { documentNumber: `D${seq}` } : {}) } });
    expect(await storage.storeBatch(toBatchBody(KIOSK, 'b1', [entry(1, 'e1'), entry(2, 'e2')], 0), recordDocKey(key))).toEqual({ accepted: 2, duplicates: 0, replay: false, conflict: false });
    // e2 again (stored by b1), e3 twice within the batch, e4 new.
    const again = toBatchBody(KIOSK, 'b2', [entry(2, 'e2'), entry(3, 'e3'), entry(4, 'e3'), entry(5, 'e4')], 0);
    expect(await storage.storeBatch(again, recordDocKey(key))).toEqual({ accepted: 2, duplicates: 2, replay: false, conflict: false });
    expect(await storage.storeBatch(again, recordDocKey(key))).toEqual({ accepted: 0, duplicates: 4, replay: true, conflict: false });
    expect((await storage.entrySeqs(KIOSK)).map((e) => [e.entryId, e.seq])).toEqual([['e1', 1], ['e2', 2], ['e3', 3], ['e4', 5]]);
    expect(await storage.counts()).toEqual({ entries: 4, distinctSeqs: 4, batches: 2, acceptedSum: 4 });
    expect((await storage.kiosks())[0]).toMatchObject({ entries: 4, lastSeq: 5 });
    // Each document hash is filed under its own entry; an entry with no document under none.
    for (const [seq, id] of [[1, 'e1'], [3, 'e3'], [5, 'e4']] as const) {
      const found = await storage.trace({ docKey: docKeyOf(key, `D${seq}`), from: 0, to: 2_000_000_000_000 });
      expect(found.passages.map((p) => p.entryId)).toEqual([id]);
    }
  });
});

describe.each(collectorBackends().filter((b) => b.name === 'postgres'))('PostgreSQL migration 8 (document tags) on $name', (backend) => {
  it('indexes the entries an older collector stored by their tags, so a trace still finds them', async () => {
    const database = await backend.database('');
    const cluster = await backend.cluster!();
    const name = decodeURIComponent(new URL(database).pathname.slice(1));
    // The database as a collector of schema 7 left it, with passages stored by its store_batch.
    await cluster.query(name, 'CREATE TABLE collector_schema (version integer PRIMARY KEY, applied_at bigint NOT NULL)');
    for (let v = 0; v < 7; v++) {
      await cluster.query(name, PG_MIGRATIONS[v]!);
      await cluster.query(name, 'INSERT INTO collector_schema (version, applied_at) VALUES ($1, 0)', [v + 1]);
    }
    await cluster.query(name, "INSERT INTO kiosks (kiosk_id, public_key, registered_at) VALUES ($1, '\\x00', 0)", [KIOSK]);
    const key = Buffer.alloc(32, 9);
    // Document numbers whose hashes start with a byte at or above 0x80 too: their tags are negative.
    const docs = Array.from({ length: 16 }, (_, i) => `G${1000 + i}`);
    expect(docs.some((d) => docKeyOf(key, d)[0]! >= 0x80) && docs.some((d) => docKeyOf(key, d)[0]! < 0x80)).toBe(true);
    await cluster.query(name, 'SELECT * FROM store_batch($1, $2, 1, $3, 0, 0, null, $4, $5, $6, $7, $8, $9, $10)', [
      KIOSK,
      'old',
      docs.length + 1,
      [...docs.map((_d, i) => `e${i}`), 'none'],
      [...docs.map((_d, i) => i + 1), docs.length + 1],
      [...docs.map((_d, i) => 1_700_000_000_000 + i), 1_700_000_000_100],
      [...docs.map((d) => JSON.stringify({ documentNumber: d, venueId: 'v' })), '{}'].join('\n'),
      [...docs.map(() => 'v'), null],
      Buffer.concat([...docs.map((d) => docKeyOf(key, d)), Buffer.alloc(32)]),
      [...docs.map(() => 'admit'), null],
    ]);
    storage = await openCollectorStorage(database);
    // The index holds the older collector's rows, and a trace reads them through it.
    // (Sequential scans off: on 17 rows the planner would rightly read the table instead.)
    const client = new pg.Client({ connectionString: database, options: '-c enable_seqscan=off' });
    await client.connect();
    try {
      const plan = await client.query<{ 'QUERY PLAN': string }>('EXPLAIN SELECT entry_id FROM entries WHERE doc_tag(doc_key) = doc_tag($1::bytea) AND doc_key = $1 AND scanned_at BETWEEN 0 AND 2000000000000', [docKeyOf(key, docs[0]!)]);
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using entries_by_doc_tag/);
    } finally {
      await client.end();
    }
    for (const [i, d] of docs.entries()) {
      const found = await storage.trace({ docKey: docKeyOf(key, d), from: 0, to: 2_000_000_000_000 });
      expect(found.passages.map((p) => p.entryId)).toEqual([`e${i}`]);
    }
    // And what the new store_batch files is found the same way.
    await storage.storeBatch(toBatchBody(KIOSK, 'new', [{ seq: 100, entryId: 'n1', at: 1_700_000_001_000, record: { documentNumber: docs[0]!, venueId: 'v' } }], 0), recordDocKey(key));
    expect((await storage.trace({ docKey: docKeyOf(key, docs[0]!), from: 0, to: 2_000_000_000_000 })).passages.map((p) => p.entryId)).toEqual(['e0', 'n1']);
  });
});
