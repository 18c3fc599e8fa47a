import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { BatchDecodeError, decodeBatch, encodeBatch, toBatchBody, type UploadEntry } from './protocol.js';

const kioskId = '0123456789abcdef';
const entries: UploadEntry[] = [1, 2, 5].map((s) => ({ seq: s, entryId: `id-${s}`, at: 1_700_000_000_000 + s, record: { decision: 'admit', holderName: '张三' } }));
const raw = (v: unknown) => deflateSync(Buffer.from(JSON.stringify(v)));
const reasonOf = (body: Buffer, max = 1 << 20) => {
  try {
    decodeBatch(body, max);
    return 'ok';
  } catch (err) {
    expect(err).toBeInstanceOf(BatchDecodeError);
    return `${(err as BatchDecodeError).reason}: ${(err as Error).message}`;
  }
};

describe('batch encoding', () => {
  it('round-trips a batch, keeping seqs, ids, original times and text', () => {
    const body = toBatchBody(kioskId, 'b-1', entries, 7);
    expect(decodeBatch(encodeBatch(body), 1 << 20)).toEqual(body);
    expect(body).toMatchObject({ firstSeq: 1, lastSeq: 5, backlog: 7 });
  });

  it('refuses what is not a v1 batch, saying where', () => {
    const good = toBatchBody(kioskId, 'b-1', entries, 0);
    expect(reasonOf(Buffer.from('plain'))).toMatch(/^BATCH_INVALID: body is not zlib/);
    expect(reasonOf(deflateSync(Buffer.from('{')))).toMatch(/^BATCH_INVALID: body is not JSON/);
    expect(reasonOf(raw({ ...good, v: 2 }))).toMatch(/^BATCH_INVALID: .*v/);
    expect(reasonOf(raw({ ...good, entries: [] }))).toMatch(/^BATCH_INVALID/);
    expect(reasonOf(raw({ ...good, entries: [...good.entries].reverse() }))).toMatch(/ascending seq order/);
    expect(reasonOf(raw({ ...good, lastSeq: 9 }))).toMatch(/firstSeq\/lastSeq/);
    expect(reasonOf(raw({ ...good, entries: [{ ...good.entries[0], t: 'yesterday' }, ...good.entries.slice(1)] }))).toMatch(/entries\.0\.t/);
    expect(reasonOf(raw({ ...good, entries: [...good.entries.slice(0, 2), { ...good.entries[2], r: null }] }))).toMatch(/entries\.2\.r/);
    expect(reasonOf(raw({ ...good, batchId: 'has space' }))).toMatch(/batchId/);
  });

  it('refuses a deflate bomb as too large instead of inflating it', () => {
    expect(reasonOf(deflateSync(Buffer.alloc(4 << 20)), 1 << 20)).toMatch(/^BATCH_TOO_LARGE/);
  });
});
