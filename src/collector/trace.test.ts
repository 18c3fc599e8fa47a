// The tracing query on both storage backends (docs/upload-protocol.md §8): where and when a person
// passed, and who was at the same venue within ±N minutes. The collector answers from the keyed
// hash of the document number; each answer here is checked against a direct SQL query that finds
// the same rows the slow way, by the plaintext number in the stored records. Operator token,
// required reason and the audit row (who, why, never the number) are checked too, and so is the
// retention that deletes old entries in bounded batches.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CollectorConfigError, startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { TRACE_PATH } from './trace.js';
import { runCli } from '../cli/testing/run-cli.js';
import { generateIdentity, b64url, type DeviceIdentity } from '../core/identity/device-key.js';
import { BATCHES_PATH, HEADER, encodeBatch, toBatchBody, type UploadEntry } from '../core/upload/protocol.js';

const BACKENDS = collectorBackends();
const TOKEN = 'operator-trace-token-0123456789';
const PERSON = 'G12345678';
const T0 = 1_763_000_000_000;
const MIN = 60_000;

let dir: string;
let database: string;
let collector: RunningCollector;
let kioskA: DeviceIdentity;
let kioskB: DeviceIdentity;

function passage(seq: number, at: number, venueId: string, documentNumber: string, holderName: string, decision = 'admit'): UploadEntry {
  return { seq, entryId: `${venueId}-${seq}`, at, record: { venueId, documentNumber, holderName, decision, documentType: 'passport' } };
}

async function upload(kiosk: DeviceIdentity, batchId: string, list: UploadEntry[]): Promise<void> {
  const body = encodeBatch(toBatchBody(kiosk.kioskId, batchId, list, 0));
  const res = await fetch(collector.url + BATCHES_PATH, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', [HEADER.kioskId]: kiosk.kioskId, [HEADER.batchId]: batchId, [HEADER.signature]: b64url(kiosk.sign(body)) },
  });
  expect(res.status).toBe(200);
}

async function trace(body: Record<string, unknown>, token = TOKEN) {
  const res = await fetch(collector.url + TRACE_PATH, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & { passages: { entryId: string; venueId: string; scannedAt: number; decision: string; kioskId: string }[]; coPresent: { entryId: string; nearEntryId: string; holderName: string; documentNumber: string }[] } };
}

/** The same questions asked directly in SQL, by the plaintext number in the records (the slow way). */
async function direct(sql: { sqlite: string; postgres: string }, params: unknown[]): Promise<Record<string, unknown>[]> {
  if (database.startsWith('postgres')) {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      return (await client.query(sql.postgres, params)).rows.map((r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v])));
    } finally {
      await client.end();
    }
  }
  const db = new Database(database, { readonly: true });
  try {
    return db.prepare(sql.sqlite).all(...params) as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

const directPassages = (doc: string, from: number, to: number) =>
  direct(
    {
      sqlite: `SELECT kiosk_id, entry_id, json_extract(record, '$.venueId') AS venue_id, scanned_at, json_extract(record, '$.decision') AS decision FROM entries
               WHERE upper(replace(json_extract(record, '$.documentNumber'), ' ', '')) = ? AND scanned_at BETWEEN ? AND ? ORDER BY scanned_at, kiosk_id, entry_id`,
      postgres: `SELECT kiosk_id, entry_id, record::jsonb->>'venueId' AS venue_id, scanned_at, record::jsonb->>'decision' AS decision FROM entries
                 WHERE upper(replace(record::jsonb->>'documentNumber', ' ', '')) = $1 AND scanned_at BETWEEN $2 AND $3 ORDER BY scanned_at, kiosk_id, entry_id`,
    },
    [doc, from, to],
  );

const directCoPresent = (doc: string, from: number, to: number, windowMs: number) =>
  direct(
    {
      sqlite: `SELECT o.entry_id, p.entry_id AS near FROM entries p JOIN entries o
                 ON json_extract(o.record, '$.venueId') = json_extract(p.record, '$.venueId')
                AND o.scanned_at BETWEEN p.scanned_at - ? AND p.scanned_at + ?
                AND upper(replace(json_extract(o.record, '$.documentNumber'), ' ', '')) <> ?
               WHERE upper(replace(json_extract(p.record, '$.documentNumber'), ' ', '')) = ? AND p.scanned_at BETWEEN ? AND ?
               ORDER BY p.scanned_at, p.kiosk_id, p.entry_id, o.scanned_at, o.kiosk_id, o.entry_id`,
      postgres: `SELECT o.entry_id, p.entry_id AS near FROM entries p JOIN entries o
                   ON o.record::jsonb->>'venueId' = p.record::jsonb->>'venueId'
                  AND o.scanned_at BETWEEN p.scanned_at - $1 AND p.scanned_at + $2
                  AND upper(replace(o.record::jsonb->>'documentNumber', ' ', '')) <> $3
                 WHERE upper(replace(p.record::jsonb->>'documentNumber', ' ', '')) = $4 AND p.scanned_at BETWEEN $5 AND $6
                 ORDER BY p.scanned_at, p.kiosk_id, p.entry_id, o.scanned_at, o.kiosk_id, o.entry_id`,
    },
    [windowMs, windowMs, doc, doc, from, to],
  );

describe.each(BACKENDS)('tracing on $name', (backend) => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'collector-trace-'));
    database = await backend.database(dir);
    collector = await startCollector({ database, traceTokens: { 'dr-li': TOKEN }, retention: { days: 30, batchSize: 3, intervalMs: 3_600_000 } });
    kioskA = generateIdentity();
    kioskB = generateIdentity();
    await collector.db.registerKiosk(kioskA.kioskId, kioskA.publicKey, 'mall east');
    await collector.db.registerKiosk(kioskB.kioskId, kioskB.publicKey, 'station');
    // The person: the mall three times over two days, the station once, and once long before the range.
    await upload(kioskA, 'a1', [
      passage(1, T0 - 40 * 24 * 60 * MIN, 'mall', PERSON, 'Li Lei'),
      passage(2, T0, 'mall', PERSON, 'Li Lei'),
      passage(3, T0 + 10 * MIN, 'mall', 'H99999999', 'Han Meimei'),
      passage(4, T0 + 31 * MIN, 'mall', 'K11111111', 'Lin Tao'),
      passage(5, T0 - 29 * MIN, 'mall', 'K22222222', 'Wei Hua', 'deny'),
      passage(6, T0 + 24 * 60 * MIN, 'mall', 'g1234 5678', 'Li Lei'),
      passage(7, T0 + 24 * 60 * MIN + 5 * MIN, 'mall', 'H99999999', 'Han Meimei'),
    ]);
    await upload(kioskB, 'b1', [
      passage(1, T0 + 2 * 60 * MIN, 'station', PERSON, 'Li Lei', 'deny'),
      passage(2, T0 + 2 * 60 * MIN + 30 * MIN, 'station', 'H99999999', 'Han Meimei'),
      passage(3, T0 + 10 * MIN, 'station', 'Q33333333', 'Zhou Qi'),
    ]);
  });
  afterEach(async () => {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the person's passages in the range from the keyed hash, as a direct SQL query over the records does", async () => {
    const from = T0 - 60 * MIN;
    const to = T0 + 3 * 24 * 60 * MIN;
    const r = await trace({ documentNumber: PERSON, from, to, reason: 'case 114: outbreak at the mall' });
    expect(r.status).toBe(200);
    const expected = await directPassages(PERSON, from, to);
    expect(expected).toHaveLength(3);
    expect(r.json.passages.map((p) => ({ kiosk_id: p.kioskId, entry_id: p.entryId, venue_id: p.venueId, scanned_at: p.scannedAt, decision: p.decision }))).toEqual(expected);
    // "g1234 5678" at the mall is the same document: spaces and case do not make another person.
    expect(r.json.passages.map((p) => p.entryId)).toEqual(['mall-2', 'station-1', 'mall-6']);
    expect(r.json.documentNumberMasked).toBe('G1*****78');
  });

  it('lists who was at the same venue within ±N minutes, as the direct SQL self-join does', async () => {
    const from = T0 - 60 * MIN;
    const to = T0 + 3 * 24 * 60 * MIN;
    for (const windowMinutes of [30, 5, 0]) {
      const r = await trace({ documentNumber: PERSON, from, to, windowMinutes, reason: 'case 114: co-presence' });
      expect(r.status).toBe(200);
      const expected = await directCoPresent(PERSON, from, to, windowMinutes * MIN);
      expect(r.json.coPresent.map((c) => ({ entry_id: c.entryId, near: c.nearEntryId }))).toEqual(expected);
    }
    const thirty = await trace({ documentNumber: PERSON, from, to, windowMinutes: 30, reason: 'case 114: co-presence' });
    // Within 30 minutes of the mall passage: Han Meimei (+10) and Wei Hua (−29), not Lin Tao (+31);
    // of the station passage: Han Meimei (+30); of the next day's mall passage: Han Meimei (+5).
    expect(thirty.json.coPresent.map((c) => c.entryId)).toEqual(['mall-5', 'mall-3', 'station-2', 'mall-7']);
    expect(thirty.json.coPresent[0]).toMatchObject({ holderName: 'Wei Hua', documentNumber: 'K22222222', nearEntryId: 'mall-2' });
  });

  it('needs the operator token and a reason; audits every question with who and why, never the number', async () => {
    const body = { documentNumber: PERSON, from: T0 - MIN, to: T0 + MIN };
    expect((await trace({ ...body, reason: 'case 114' }, 'wrong-token-0123456789')).status).toBe(401);
    const noReason = await trace({ ...body });
    expect([noReason.status, noReason.json.reason]).toEqual([400, 'TRACE_REASON_REQUIRED']);
    const blank = await trace({ ...body, reason: '   ' });
    expect([blank.status, blank.json.reason]).toEqual([400, 'TRACE_REASON_REQUIRED']);
    expect(await collector.db.auditRows()).toEqual([]);
    await trace({ ...body, reason: 'case 114: outbreak at the mall' });
    await trace({ ...body, windowMinutes: 30, reason: 'case 115' });
    const audit = await collector.db.auditRows();
    expect(audit.map((a) => [a.operator, a.reason, a.kind, a.via, a.passages, a.windowMinutes])).toEqual([
      ['dr-li', 'case 114: outbreak at the mall', 'trace', 'http', 1, null],
      ['dr-li', 'case 115', 'trace+copresence', 'http', 1, 30],
    ]);
    expect(JSON.stringify(audit)).not.toContain('12345678');
    expect(audit[0]!.docKeyHex).toMatch(/^[0-9a-f]{64}$/);
  });

  it('takes ISO 8601 times with their zone over HTTP as their ms, answers each time in both, and refuses a time it would have to guess', async () => {
    const from = T0 - 60 * MIN;
    const to = T0 + 3 * 24 * 60 * MIN;
    const byMs = await trace({ documentNumber: PERSON, from, to, reason: 'case 118' });
    // The same instants, one in UTC and one in China Standard Time (+08:00).
    const utc8 = (ms: number) => new Date(ms + 8 * 60 * MIN).toISOString().replace('Z', '+08:00');
    const byIso = await trace({ documentNumber: PERSON, from: new Date(from).toISOString(), to: utc8(to), reason: 'case 118' });
    expect(byIso.status).toBe(200);
    expect(byIso.json).toMatchObject({ from, to, fromIso: new Date(from).toISOString(), toIso: new Date(to).toISOString() });
    expect(byIso.json.passages).toEqual(byMs.json.passages);
    expect(byIso.json.passages.map((p) => p.entryId)).toEqual(['mall-2', 'station-1', 'mall-6']);
    for (const p of byIso.json.passages as unknown as { scannedAt: number; scannedAtIso: string }[]) expect(p.scannedAtIso).toBe(new Date(p.scannedAt).toISOString());
    // The basic offset form (+0800) is ISO 8601 too.
    const basic = await trace({ documentNumber: PERSON, from, to: utc8(to).replace('+08:00', '+0800'), reason: 'case 118' });
    expect([basic.status, basic.json.to]).toEqual([200, to]);
    // Each refusal names the field and what is wrong with it.
    for (const [bad, says] of [
      ['2026-11-31T00:00:00Z', 'from: "2026-11-31T00:00:00Z" is not a date that exists'],
      ['2026-11-01T08:00:00', 'from: "2026-11-01T08:00:00" has no zone: add Z or the offset'],
      ['2026-11-01', 'from: "2026-11-01" is a day without a time and zone'],
      [String(from), `from: "${from}" is a string: give ms since the epoch as a JSON number`],
      [Math.floor(from / 1000), `from: ${Math.floor(from / 1000)} is before 2001: seconds rather than ms since the epoch?`],
      ['yesterday', 'from: "yesterday" is not ms since the epoch nor an ISO 8601 time with its zone'],
    ] as const) {
      const refused = await trace({ documentNumber: PERSON, from: bad, to, reason: 'case 118' });
      expect([bad, refused.status, refused.json.reason, refused.json.message]).toEqual([bad, 400, 'TRACE_INVALID', expect.stringContaining(says)]);
    }
    const reversed = await trace({ documentNumber: PERSON, from: to, to: from, reason: 'case 118' });
    expect(reversed.json.message).toBe(`from (${new Date(to).toISOString()}) is after to (${new Date(from).toISOString()})`);
    // None of the refused questions was answered, so none is audited.
    expect((await collector.db.auditRows()).length).toBe(3);
  });

  it('kiosk collector trace-audit lists who traced, when and why, newest first, without the number', async () => {
    await trace({ documentNumber: PERSON, from: T0 - MIN, to: T0 + MIN, reason: 'case 119' });
    const cli = await runCli(['collector', 'trace', PERSON, '--database', database, '--from', String(T0 - MIN), '--to', String(T0 + MIN), '--window', '30', '--reason', 'case 120', '--operator', 'dr-wang']);
    expect(cli.code, cli.stderr).toBe(0);
    const all = await runCli(['collector', 'trace-audit', '--database', database]);
    expect(all.code, all.stderr).toBe(0);
    const rows = JSON.parse(all.stdout) as { at: string; operator: string; reason: string; via: string; kind: string; from: string; passages: number }[];
    expect(rows.map((r) => [r.operator, r.reason, r.via, r.kind, r.passages])).toEqual([
      ['dr-wang', 'case 120', 'cli', 'trace+copresence', 1],
      ['dr-li', 'case 119', 'http', 'trace', 1],
    ]);
    expect(rows[0]!.from).toBe(new Date(T0 - MIN).toISOString());
    expect(Date.parse(rows[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(all.stdout).not.toContain('12345678');
    const one = await runCli(['collector', 'trace-audit', '--database', database, '--operator', 'dr-li', '--limit', '5']);
    expect((JSON.parse(one.stdout) as { reason: string }[]).map((r) => r.reason)).toEqual(['case 119']);
    expect(one.stderr).toBe('');
    // A name that matches no row says who is in the audit, so a typo does not read as "never traced".
    const typo = await runCli(['collector', 'trace-audit', '--database', database, '--operator', 'Dr-Li']);
    expect([typo.code, JSON.parse(typo.stdout), typo.stderr]).toEqual([0, [], 'kiosk: note: no question by "Dr-Li" (names match exactly); operators in the audit: "dr-li", "dr-wang"\n']);
    // The answer names the number masked as it was searched: spaces gone, upper case.
    const spaced = await runCli(['collector', 'trace', 'g123 45678', '--database', database, '--from', String(T0 - MIN), '--to', String(T0 + MIN), '--reason', 'case 120']);
    expect((JSON.parse(spaced.stdout) as { documentNumberMasked: string }).documentNumberMasked).toBe('G1*****78');
  });

  it('kiosk collector trace on the command line answers the same and is audited as the CLI', async () => {
    const r = await runCli([
      'collector', 'trace', 'g12345678', '--database', database,
      '--from', new Date(T0 - 60 * MIN).toISOString(), '--to', String(T0 + 3 * 24 * 60 * MIN),
      '--window', '30', '--reason', 'case 116', '--operator', 'dr-wang',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { passages: { entryId: string }[]; coPresent: { entryId: string }[] };
    expect(json.passages.map((p) => p.entryId)).toEqual(['mall-2', 'station-1', 'mall-6']);
    expect(json.coPresent.map((p) => p.entryId)).toEqual(['mall-5', 'mall-3', 'station-2', 'mall-7']);
    const noReason = await runCli(['collector', 'trace', PERSON, '--database', database, '--from', '0', '--to', '1', '--reason', '']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('TRACE_REASON_REQUIRED');
    expect((await collector.db.auditRows()).map((a) => [a.operator, a.via, a.reason])).toEqual([['dr-wang', 'cli', 'case 116']]);
  });

  it('kiosk collector trace reads a day as the whole calendar day, refuses dates it would have to guess, and never makes a trace key', async () => {
    const t0 = new Date(T0);
    const day = `${t0.getFullYear()}-${String(t0.getMonth() + 1).padStart(2, '0')}-${String(t0.getDate()).padStart(2, '0')}`;
    const base = ['collector', 'trace', PERSON, '--database', database, '--reason', 'case 117'];
    const r = await runCli([...base, '--from', day, '--to', day]);
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout) as { from: number; to: number; passages: { entryId: string }[] };
    // --to names a day and takes in all of it, as `kiosk export --to` does.
    expect([json.from, json.to]).toEqual([new Date(t0.getFullYear(), t0.getMonth(), t0.getDate()).getTime(), new Date(t0.getFullYear(), t0.getMonth(), t0.getDate() + 1).getTime() - 1]);
    expect(json.passages.map((p) => p.entryId)).toContain('mall-2');
    for (const [from, to] of [['2026-11-31', '2026-12-01'], ['01/11/2026', '2026-12-01'], ['2026-11-01T08:00', '2026-12-01'], ['2026-11-31T08:00:00+08:00', '2026-12-01']]) {
      const refused = await runCli([...base, '--from', from!, '--to', to!]);
      expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/^kiosk: BAD_REQUEST: --from: /)]);
    }
    // A mistyped key file is an error for a query, and no file is made there.
    const typo = join(dir, 'no-such-dir', 'trace-key');
    const missing = await runCli([...base, '--from', day, '--to', day, '--trace-key-file', typo]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('no trace key file at')]);
    expect(existsSync(typo)).toBe(false);
  });

  it('a collector with another trace key than the entries were hashed with refuses to start (TRACE_KEY_MISMATCH)', async () => {
    await expect(startCollector({ database, port: 0, traceKey: Buffer.alloc(32, 7) })).rejects.toSatisfy((e: unknown) => e instanceof CollectorConfigError && e.reason === 'TRACE_KEY_MISMATCH');
    // The same key as the running one (kept in the database) is accepted.
    const second = await startCollector({ database, traceKey: collector.traceKey });
    await second.close();
  });

  it('retention deletes entries scanned before the cutoff in bounded batches and keeps the rest', async () => {
    const now = Date.now();
    const kiosk = generateIdentity();
    await collector.db.registerKiosk(kiosk.kioskId, kiosk.publicKey, null);
    const old = Array.from({ length: 8 }, (_, i) => passage(i + 1, now - (31 + i) * 24 * 60 * MIN, 'gym', 'M0000000' + i, 'Old'));
    const recent = Array.from({ length: 4 }, (_, i) => passage(i + 9, now - i * 24 * 60 * MIN, 'gym', 'N0000000' + i, 'New'));
    await upload(kiosk, 'r1', [...old, ...recent]);
    const before = (await collector.db.counts()).entries;
    // 8 of this kiosk's and every seeded entry (T0 is in 2025, over 30 days ago): batches of 3 until none is left.
    const gone = await collector.purgeNow();
    expect(gone).toBe(before - 4);
    expect((await collector.db.entrySeqs(kiosk.kioskId)).map((e) => e.seq)).toEqual([9, 10, 11, 12]);
    expect((await collector.db.counts()).entries).toBe(4);
    expect(await collector.purgeNow()).toBe(0);
  });
});
