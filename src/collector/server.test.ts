// The collector against real HTTP on 127.0.0.1 and each storage backend (a real SQLite file, a real
// PostgreSQL server): what it accepts, what it refuses (with which status and reason), and that
// replays and duplicates are stored once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { generateIdentity, b64url, type DeviceIdentity } from '../core/identity/device-key.js';
import { BATCHES_PATH, HEADER, HEALTH_PATH, KIOSK_SELF_PATH, encodeBatch, probeMessage, toBatchBody, type UploadEntry } from '../core/upload/protocol.js';

type StatusJson = { kiosks: Array<Record<string, unknown> & { lastUploadAt: string }> };

// The status pages need the operator's token (security.test.ts checks the refusals).
const STATUS_TOKEN = 'operator-token-for-the-status-pages';
const operator = { authorization: `Bearer ${STATUS_TOKEN}` };
let dir: string;
let collector: RunningCollector;
let kiosk: DeviceIdentity;
let database: string;
const BACKENDS = collectorBackends();

function entries(from: number, to: number): UploadEntry[] {
  const out: UploadEntry[] = [];
  for (let s = from; s <= to; s++) out.push({ seq: s, entryId: `e-${s}`, at: 1_700_000_000_000 + s, record: { decision: 'admit', n: s } });
  return out;
}

async function post(body: Buffer, headers: Record<string, string>) {
  const res = await fetch(collector.url + BATCHES_PATH, { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

function signed(id: DeviceIdentity, batchId: string, list: UploadEntry[]) {
  const body = encodeBatch(toBatchBody(id.kioskId, batchId, list, 0));
  return { body, headers: { [HEADER.kioskId]: id.kioskId, [HEADER.batchId]: batchId, [HEADER.signature]: b64url(id.sign(body)) } };
}

describe.each(BACKENDS)('on $name', (backend) => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'collector-test-'));
    database = await backend.database(dir);
    collector = await startCollector({ database, listsDir: join(dir, 'lists'), maxBodyBytes: 64 * 1024, maxInflatedBytes: 1024 * 1024, rateLimit: { burst: 20, perSecond: 5 }, statusToken: STATUS_TOKEN });
    kiosk = generateIdentity();
    await collector.db.registerKiosk(kiosk.kioskId, kiosk.publicKey, 'door 1');
  });
  afterEach(async () => {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('collector batch ingest', () => {
    it('accepts a signed batch and stores every entry with its original time', async () => {
      const { body, headers } = signed(kiosk, 'b1', entries(1, 10));
      const r = await post(body, headers);
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ ok: true, batchId: 'b1', firstSeq: 1, lastSeq: 10, accepted: 10, duplicates: 0, replay: false });
      const stored = (await collector.db.entrySeqs(kiosk.kioskId));
      expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(stored[0]!.scannedAt).toBe(1_700_000_000_001);
    });

    it('answers a replayed batch id with the same ack and stores nothing twice', async () => {
      const { body, headers } = signed(kiosk, 'b1', entries(1, 5));
      await post(body, headers);
      const again = await post(body, headers);
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ accepted: 0, duplicates: 5, replay: true });
      expect((await collector.db.entrySeqs(kiosk.kioskId))).toHaveLength(5);
    });

    it('deduplicates by entry id across different batch ids', async () => {
      await post(signed(kiosk, 'b1', entries(1, 5)).body, signed(kiosk, 'b1', entries(1, 5)).headers);
      const overlap = signed(kiosk, 'b2', entries(4, 8));
      const r = await post(overlap.body, overlap.headers);
      expect(r.json).toMatchObject({ accepted: 3, duplicates: 2, replay: false });
      expect((await collector.db.entrySeqs(kiosk.kioskId)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    });

    it('refuses a batch id reused for another range with 409', async () => {
      const a = signed(kiosk, 'b1', entries(1, 5));
      await post(a.body, a.headers);
      const b = signed(kiosk, 'b1', entries(6, 9));
      const r = await post(b.body, b.headers);
      expect(r.status).toBe(409);
      expect(r.json.reason).toBe('BATCH_CONFLICT');
    });

    it('refuses an unknown kiosk with 401 and a bad signature with 403', async () => {
      const stranger = generateIdentity();
      const s = signed(stranger, 'b1', entries(1, 2));
      const r1 = await post(s.body, s.headers);
      expect([r1.status, r1.json.reason]).toEqual([401, 'KIOSK_UNKNOWN']);
      // Signed by a stranger but claiming to be our kiosk.
      const forged = signed(stranger, 'b1', entries(1, 2));
      const r2 = await post(forged.body, { ...forged.headers, [HEADER.kioskId]: kiosk.kioskId });
      expect([r2.status, r2.json.reason]).toEqual([403, 'BATCH_SIGNATURE_INVALID']);
      // Our kiosk's signature, then one byte of the body changed.
      const good = signed(kiosk, 'b1', entries(1, 2));
      const tampered = Buffer.from(good.body);
      tampered[tampered.length - 1]! ^= 1;
      const r3 = await post(tampered, good.headers);
      expect([r3.status, r3.json.reason]).toEqual([403, 'BATCH_SIGNATURE_INVALID']);
      const r4 = await post(good.body, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.batchId]: 'b1' });
      expect(r4.status).toBe(403);
      expect((await collector.db.entrySeqs(kiosk.kioskId))).toHaveLength(0);
    });

    it('refuses a disabled kiosk with 403', async () => {
      await collector.db.setKioskEnabled(kiosk.kioskId, false);
      const s = signed(kiosk, 'b1', entries(1, 2));
      expect((await post(s.body, s.headers)).status).toBe(403);
    });

    it('refuses an oversized body with 413, and a deflate bomb with 413', async () => {
      const big = Buffer.alloc(100 * 1024, 7);
      const r = await post(big, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.batchId]: 'b1', [HEADER.signature]: b64url(kiosk.sign(big)) });
      expect([r.status, r.json.reason]).toEqual([413, 'BATCH_TOO_LARGE']);
      const bomb = deflateSync(Buffer.alloc(8 * 1024 * 1024));
      const r2 = await post(bomb, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.batchId]: 'b1', [HEADER.signature]: b64url(kiosk.sign(bomb)) });
      expect([r2.status, r2.json.reason]).toEqual([413, 'BATCH_TOO_LARGE']);
    });

    it('refuses a signed body that is not a protocol batch with 400, and headers that disagree with it', async () => {
      const junk = deflateSync(Buffer.from('not json at all'));
      const r = await post(junk, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.batchId]: 'b1', [HEADER.signature]: b64url(kiosk.sign(junk)) });
      expect([r.status, r.json.reason]).toEqual([400, 'BATCH_INVALID']);
      const s = signed(kiosk, 'b1', entries(1, 2));
      const r2 = await post(s.body, { ...s.headers, [HEADER.batchId]: 'other' });
      expect([r2.status, r2.json.reason]).toEqual([400, 'BATCH_INVALID']);
    });

    it('answers a flood with 429 and Retry-After, and serves again once the budget refills', async () => {
      // The rate limit runs on the test's clock: however slowly a loaded machine sends these, no token
      // comes back until the test moves time on.
      let nowMs = 0;
      await collector.close();
      collector = await startCollector({ database, rateLimit: { burst: 20, perSecond: 5 }, rateLimitClock: () => nowMs });
      const send = async (i: number) => {
        const s = signed(kiosk, `f${i}`, entries(i + 1, i + 1));
        return post(s.body, s.headers);
      };
      const flood = [];
      for (let i = 0; i < 25; i++) flood.push(await send(i));
      expect(flood.map((r) => r.status)).toEqual([...Array<number>(20).fill(200), ...Array<number>(5).fill(429)]);
      expect(flood[24]!.json.reason).toBe('RATE_LIMITED');
      // One token comes back every 200 ms: "retry after 1 s" (whole seconds, rounded up).
      expect(flood[24]!.headers.get('retry-after')).toBe('1');
      nowMs += 1000;
      const after = [];
      for (let i = 25; i < 31; i++) after.push((await send(i)).status);
      expect(after).toEqual([200, 200, 200, 200, 200, 429]);
      expect((await collector.db.entrySeqs(kiosk.kioskId))).toHaveLength(25);
    });
  });

  describe('collector lists and status', () => {
    it('serves a dropped-in list with an ETag, answers 304 to If-None-Match, 404 when none', async () => {
      expect((await fetch(collector.url + '/v1/lists/trust')).status).toBe(404);
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'lists'), { recursive: true });
      writeFileSync(join(dir, 'lists', 'trust-list.jws'), 'aaa.bbb.ccc');
      const r = await fetch(collector.url + '/v1/lists/trust');
      expect(r.status).toBe(200);
      expect(await r.text()).toBe('aaa.bbb.ccc');
      const etag = r.headers.get('etag')!;
      expect(etag).toMatch(/^".+"$/);
      const again = await fetch(collector.url + '/v1/lists/trust', { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      writeFileSync(join(dir, 'lists', 'trust-list.jws'), 'aaa.bbb.ddd-newer');
      const changed = await fetch(collector.url + '/v1/lists/trust', { headers: { 'if-none-match': etag } });
      expect(changed.status).toBe(200);
      expect(changed.headers.get('etag')).not.toBe(etag);
    });

    it('shows kiosks seen, last upload and backlog on the status page', async () => {
      const body = encodeBatch(toBatchBody(kiosk.kioskId, 'b1', entries(1, 3), 42));
      await post(body, { [HEADER.kioskId]: kiosk.kioskId, [HEADER.batchId]: 'b1', [HEADER.signature]: b64url(kiosk.sign(body)) });
      const json = (await (await fetch(collector.url + '/v1/status', { headers: operator })).json()) as StatusJson;
      expect(json.kiosks[0]).toMatchObject({ kioskId: kiosk.kioskId, lastSeq: 3, backlog: 42, entries: 3 });
      expect(json.kiosks[0]!.lastUploadAt).toMatch(/^\d{4}-/);
      const html = await (await fetch(collector.url + '/', { headers: operator })).text();
      expect(html).toContain(kiosk.kioskId);
      expect(html).toContain('door 1');
    });

    it('lists both ids: the key id it registered and the configured kioskId the entries carry, flagging a difference', async () => {
      const send = async (batchId: string, first: number, carried: string) => {
        const list = entries(first, first + 1).map((e) => ({ ...e, record: { ...e.record, kioskId: carried } }));
        const s = signed(kiosk, batchId, list);
        expect((await post(s.body, s.headers)).status).toBe(200);
      };
      await send('b1', 1, kiosk.kioskId);
      let json = (await (await fetch(collector.url + '/v1/status', { headers: operator })).json()) as StatusJson;
      expect(json.kiosks[0]).toMatchObject({ kioskId: kiosk.kioskId, entryKioskId: kiosk.kioskId, kioskIdMismatch: false });
      let html = await (await fetch(collector.url + '/', { headers: operator })).text();
      expect(html).toContain('(same)');
      expect(html).not.toContain('differs from the key id');

      await send('b2', 3, 'kiosk-1');
      expect((await collector.db.kiosks())[0]).toMatchObject({ kioskId: kiosk.kioskId, entryKioskId: 'kiosk-1' });
      json = (await (await fetch(collector.url + '/v1/status', { headers: operator })).json()) as StatusJson;
      expect(json.kiosks[0]).toMatchObject({ entryKioskId: 'kiosk-1', kioskIdMismatch: true });
      html = await (await fetch(collector.url + '/', { headers: operator })).text();
      expect(html).toContain('<code>kiosk-1</code> ⚠ differs from the key id');
      expect(html).toContain('class="mismatch"');
      // An overrides batch carries no kioskId: the id the passages carried stays.
      const o = signed(kiosk, 'b3', [{ seq: 5, entryId: 'o-5', at: 1_700_000_000_005, record: { kind: 'override', entryId: 'e-3' } }]);
      expect((await post(o.body, o.headers)).status).toBe(200);
      expect((await collector.db.kiosks())[0]!.entryKioskId).toBe('kiosk-1');
    });

    it('answers its health check, and tells a kiosk whether its key is registered (signed, as a batch is)', async () => {
      const health = await fetch(collector.url + HEALTH_PATH);
      expect([health.status, await health.json()]).toEqual([200, { ok: true, service: 'checkpoint-collector', protocol: 1 }]);
      const probe = (id: DeviceIdentity, signer: DeviceIdentity = id) =>
        fetch(collector.url + KIOSK_SELF_PATH, { headers: { [HEADER.kioskId]: id.kioskId, [HEADER.signature]: b64url(signer.sign(probeMessage(id.kioskId))) } }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }));
      expect(await probe(kiosk)).toMatchObject({ status: 200, json: { ok: true, kioskId: kiosk.kioskId, name: 'door 1' } });
      const stranger = generateIdentity();
      expect(await probe(stranger)).toMatchObject({ status: 401, json: { reason: 'KIOSK_UNKNOWN' } });
      // Someone else's signature naming this kiosk: refused, as a batch would be.
      expect(await probe(kiosk, stranger)).toMatchObject({ status: 403, json: { reason: 'BATCH_SIGNATURE_INVALID' } });
      const unsigned = await fetch(collector.url + KIOSK_SELF_PATH, { headers: { [HEADER.kioskId]: kiosk.kioskId } });
      expect(unsigned.status).toBe(403);
      expect((await fetch(collector.url + KIOSK_SELF_PATH)).status).toBe(401);
      await collector.db.setKioskEnabled(kiosk.kioskId, false);
      expect(await probe(kiosk)).toMatchObject({ status: 403, json: { reason: 'KIOSK_UNKNOWN', message: 'kiosk is disabled on this collector' } });
      // Without its database the collector is not healthy: 503, so a balancer sends kiosks elsewhere.
      await collector.db.close();
      const down = await fetch(collector.url + HEALTH_PATH);
      expect([down.status, await down.json()]).toEqual([503, { ok: false, reason: 'STORAGE_UNAVAILABLE', message: 'the collector cannot reach its database' }]);
    });

    it('caps batches in progress: the ones over the cap get 429 while slow bodies are still arriving', async () => {
      await collector.close();
      collector = await startCollector({ database, maxConcurrentBatches: 2 });
      await collector.db.registerKiosk(kiosk.kioskId, kiosk.publicKey, null);
      const { request } = await import('node:http');
      // Two requests that announce a body and never finish sending it occupy both slots.
      // Waits on the collector's own events, not on time: the handler counts a batch in progress as
      // soon as its request arrives, and lets go of it when the request's connection closes.
      const arrived: Array<import('node:http').IncomingMessage> = [];
      let bothArrived: () => void = () => {};
      const arrival = new Promise<void>((resolve) => (bothArrived = resolve));
      collector.server.on('request', (req: import('node:http').IncomingMessage) => {
        arrived.push(req);
        if (arrived.length === 2) bothArrived();
      });
      const hanging = [0, 1].map(() => {
        const req = request(collector.url + BATCHES_PATH, { method: 'POST', headers: { [HEADER.kioskId]: kiosk.kioskId, 'content-length': '1000' } });
        req.on('error', () => undefined);
        req.write('x');
        return req;
      });
      await arrival;
      const held = arrived.splice(0);
      const s = signed(kiosk, 'b1', entries(1, 2));
      const r = await post(s.body, s.headers);
      expect([r.status, r.json.reason]).toEqual([429, 'RATE_LIMITED']);
      const closed = held.map((req) => new Promise((resolve) => req.once('close', resolve)));
      hanging.forEach((h) => h.destroy());
      await Promise.all(closed);
      // The handler's `finally` runs a few promise turns after 'close'; one event-loop turn covers them.
      await new Promise((resolve) => setImmediate(resolve));
      expect((await post(s.body, s.headers)).status).toBe(200);
    });
  });
});
