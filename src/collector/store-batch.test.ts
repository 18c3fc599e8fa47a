// storeBatch on both backends keeps every record exactly as the kiosk sent it (PostgreSQL sends a
// batch's records as one line-separated text, pg.ts storeBatch), and a kiosk's entries come back in
// seq order without an index on seq (PostgreSQL migration 4 dropped entries_by_seq).
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCollectorStorage, type CollectorStorage } from './storage.js';
import { collectorBackends } from './testing/backends.js';
import { recordDocKey } from './trace-key.js';
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
});
