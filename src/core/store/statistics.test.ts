// The hourly roll-ups (migration 004) against a full recount of the entries, and the statistics read
// from them against direct counts over the same local days.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { EntryStore } from './entry-store.js';
import { MIGRATIONS } from './migrations/index.js';
import { purgeExpired } from './purge.js';
import { mulberry32, seedEntries, syntheticEntry } from './seed.js';
import { MAX_STATISTICS_DAYS, temperatureKey } from './statistics.js';
import { localDays, localMidnight } from './local-days.js';
import { samplePassage, storeErrorOf, tempDataDir } from './test-support.js';
import type { NewEntry } from './types.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;
let tmp: ReturnType<typeof tempDataDir>;
beforeEach(() => {
  tmp = tempDataDir('kiosk-stats-');
});
afterEach(() => tmp.cleanup());

type Row = { seq: number; at_ms: number; decision: string; reason: string | null; method: string; code_issuer: string | null; temperature_c: number | null; o: string | null };

/** Every counter recomputed from the rows, on the test's own read-only connection. */
function recount(file: string): Map<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT e.seq, e.at_ms, e.decision, e.reason, e.method, e.code_issuer, e.temperature_c,
                (SELECT decision FROM entry_overrides WHERE entry_seq = e.seq ORDER BY seq DESC LIMIT 1) AS o
           FROM entries e`,
      )
      .all() as Row[];
    const out = new Map<string, number>();
    const add = (k: string) => out.set(k, (out.get(k) ?? 0) + 1);
    for (const r of rows) {
      const hour = Math.floor(r.at_ms / HOUR);
      const day = Math.floor(r.at_ms / DAY);
      add(`h${hour}|decision|${r.decision}`);
      add(`h${hour}|final|${r.o ?? r.decision}`);
      for (const [dim, key] of [
        ['reason', r.reason ?? ''],
        ['method', r.method],
        ['province', r.code_issuer ?? ''],
        ['temp', temperatureKey(r.temperature_c)],
      ]) {
        add(`h${hour}|${dim}|${key}`);
        add(`d${day}|${dim}|${key}`);
      }
    }
    return out;
  } finally {
    db.close();
  }
}

/** The counters as stored, in the recount's keys (zeros left by purges dropped). */
function rollups(file: string): Map<string, number> {
  const db = new Database(file, { readonly: true });
  try {
    const out = new Map<string, number>();
    const put = (k: string, n: number) => {
      if (n !== 0) out.set(k, n);
    };
    for (const r of db.prepare('SELECT * FROM rollup_hours').all() as Array<Record<string, number>>) {
      for (const d of ['admit', 'deny', 'review']) {
        put(`h${r.hour}|decision|${d}`, r[d]!);
        put(`h${r.hour}|final|${d}`, r[`final_${d}`]!);
      }
    }
    for (const r of db.prepare('SELECT hour, dim, key, n FROM entry_rollups').all() as Array<{ hour: number; dim: string; key: string; n: number }>) put(`h${r.hour}|${r.dim}|${r.key}`, r.n);
    for (const r of db.prepare('SELECT day, dim, key, n FROM entry_rollups_daily').all() as Array<{ day: number; dim: string; key: string; n: number }>) put(`d${r.day}|${r.dim}|${r.key}`, r.n);
    return out;
  } finally {
    db.close();
  }
}

const sorted = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe('hourly roll-ups', () => {
  it('equal a full recount after random inserts, overrides, purges and restarts', async () => {
    const rand = mulberry32(1234);
    const base = Date.UTC(2026, 2, 20); // spans Europe's DST change on 2026-03-29
    let store = EntryStore.open(tmp.dir);
    let purged = 0;
    try {
      for (let round = 0; round < 12; round++) {
        // Inserts: singles (the passage's append) and batches, times out of order, odd temperatures.
        const batch: NewEntry[] = [];
        for (let i = 0, n = 20 + Math.floor(rand() * 60); i < n; i++) {
          // Mostly later round by round (so purges reach them), out of order within a round.
          const at = base + Math.floor((round * 1.5 + rand() * 2) * DAY);
          const e = syntheticEntry(rand, at, 'venue-1', 'kiosk-1');
          const r = rand();
          if (r < 0.05) e.temperatureC = 34.2;
          else if (r < 0.1) e.temperatureC = 42.06;
          else if (r < 0.15) e.temperatureC = 36.45;
          batch.push(e);
        }
        for (const e of batch.slice(0, 5)) store.append(e);
        store.appendBatch(batch.slice(5));
        // Guard overrides, some entries overridden twice.
        const last = store.lastSeq();
        for (let i = 0, n = Math.floor(rand() * 8); i < n; i++) {
          const seq = Math.max(1, last - Math.floor(rand() * 40));
          try {
            store.addOverride({ entry: { seq }, decision: rand() < 0.5 ? 'admit' : 'deny', guard: 'G-1', note: 'checked by hand' });
          } catch {
            // the entry was purged: fine, try another next round
          }
        }
        // Purge now and then: retention as if "now" moved on.
        if (round % 3 === 2) purged += (await purgeExpired(store, { retentionDays: 1, now: base + (round * 1.5 + 1) * DAY, batchSize: 7 })).entriesDeleted;
        expect(sorted(rollups(store.file))).toEqual(sorted(recount(store.file)));
        // Restart between rounds.
        store.close();
        store = EntryStore.open(tmp.dir);
      }
      expect(store.entryCount()).toBeGreaterThan(50);
      expect(purged).toBeGreaterThan(50);
      expect(store.overrideCount()).toBeGreaterThan(5);
    } finally {
      store.close();
    }
  });

  it('are built by the migration from a log written before them', async () => {
    const before = MIGRATIONS.slice(0, 3);
    let store = EntryStore.open(tmp.dir, { migrations: before });
    await seedEntries(store, 3000, { fromMs: Date.UTC(2026, 9, 20), toMs: Date.UTC(2026, 10, 5), seed: 7, batchSize: 500 });
    for (const seq of [10, 11, 11, 500, 2999]) store.addOverride({ entry: { seq }, decision: seq % 2 ? 'admit' : 'deny', guard: 'G-2', note: 'by hand' });
    await purgeExpired(store, { retentionDays: 10, now: Date.UTC(2026, 9, 31) });
    store.close();
    const old = new Database(store.file, { readonly: true });
    expect(old.prepare("SELECT count(*) FROM sqlite_master WHERE name IN ('rollup_hours', 'entry_rollups', 'entry_rollups_daily')").pluck().get()).toBe(0);
    old.close();

    store = EntryStore.open(tmp.dir);
    try {
      const built = rollups(store.file);
      expect(built.size).toBeGreaterThan(100);
      expect(sorted(built)).toEqual(sorted(recount(store.file)));
      // And it goes on counting from there.
      store.append(samplePassage({ at: Date.UTC(2026, 10, 6, 3), decision: 'review', reason: 'TEMPERATURE_MISSING', temperatureC: null }));
      expect(sorted(rollups(store.file))).toEqual(sorted(recount(store.file)));
    } finally {
      store.close();
    }
  });
});

describe('statistics', () => {
  /** Direct counts over [fromMs, toMs) on the test's own connection. */
  function direct(file: string, fromMs: number, toMs: number) {
    const db = new Database(file, { readonly: true });
    try {
      const final = db
        .prepare(
          `SELECT coalesce((SELECT decision FROM entry_overrides WHERE entry_seq = e.seq ORDER BY seq DESC LIMIT 1), e.decision) AS d, count(*) AS n
             FROM entries e WHERE at_ms >= ? AND at_ms < ? GROUP BY d`,
        )
        .all(fromMs, toMs) as Array<{ d: string; n: number }>;
      const reasons = db.prepare('SELECT reason, count(*) AS n FROM entries WHERE at_ms >= ? AND at_ms < ? AND reason IS NOT NULL GROUP BY reason').all(fromMs, toMs) as Array<{ reason: string; n: number }>;
      const methods = db.prepare('SELECT method, count(*) AS n FROM entries WHERE at_ms >= ? AND at_ms < ? GROUP BY method').all(fromMs, toMs) as Array<{ method: string; n: number }>;
      // A card alone is `null`; a code (PHC1 or EU) with no verified issuer is '', never a card alone.
      const provinces = db
        .prepare(
          `SELECT CASE WHEN code_issuer IS NOT NULL THEN code_issuer WHEN method = 'card' THEN NULL ELSE '' END AS code, count(*) AS n
             FROM entries WHERE at_ms >= ? AND at_ms < ? GROUP BY 1`,
        )
        .all(fromMs, toMs) as Array<{ code: string | null; n: number }>;
      const none = db.prepare('SELECT count(*) FROM entries WHERE at_ms >= ? AND at_ms < ? AND temperature_c IS NULL').pluck().get(fromMs, toMs) as number;
      const t365 = db.prepare('SELECT count(*) FROM entries WHERE at_ms >= ? AND at_ms < ? AND temperature_c >= 36.45 AND temperature_c < 36.55').pluck().get(fromMs, toMs) as number;
      const total = db.prepare('SELECT count(*) FROM entries WHERE at_ms >= ? AND at_ms < ?').pluck().get(fromMs, toMs) as number;
      return {
        total,
        final: Object.fromEntries(final.map((r) => [r.d, r.n])),
        reasons: Object.fromEntries(reasons.map((r) => [r.reason, r.n])),
        methods: Object.fromEntries(methods.map((r) => [r.method, r.n])),
        provinces: Object.fromEntries(provinces.map((r) => [String(r.code), r.n])),
        none,
        t365,
      };
    } finally {
      db.close();
    }
  }

  it('equal direct counts over the same local days, in a zone with and one without DST', async () => {
    const store = EntryStore.open(tmp.dir);
    try {
      await seedEntries(store, 6000, { fromMs: Date.UTC(2026, 9, 20), toMs: Date.UTC(2026, 10, 2), seed: 3 });
      for (const seq of [100, 2000, 2001, 4000]) store.addOverride({ entry: { seq }, decision: 'deny', guard: 'G-1', note: 'x' });
      for (const [timeZone, from, to] of [
        ['Asia/Shanghai', '2026-10-22', '2026-10-28'],
        ['Europe/Berlin', '2026-10-25', '2026-10-25'],
        ['Europe/Berlin', '2026-10-21', '2026-11-01'],
      ] as const) {
        const s = store.statistics({ from, to, timeZone });
        const [y1, m1, d1] = from.split('-').map(Number) as [number, number, number];
        const [y2, m2, d2] = to.split('-').map(Number) as [number, number, number];
        const fromMs = localMidnight({ year: y1, month: m1, day: d1 }, timeZone);
        const toMs = localDays({ year: y2, month: m2, day: d2 }, { year: y2, month: m2, day: d2 }, timeZone)[0]!.endMs;
        const want = direct(store.file, fromMs, toMs);
        expect(want.total).toBeGreaterThan(100);
        expect(s.total).toBe(want.total);
        expect(s.decisions.final).toEqual({ admit: 0, deny: 0, review: 0, ...want.final });
        expect(Object.fromEntries(s.reasons.map((r) => [r.reason, r.count]))).toEqual(want.reasons);
        expect(s.methods).toEqual({ code: 0, card: 0, both: 0, ...want.methods });
        expect(Object.fromEntries(s.provinces.map((p) => [String(p.code), p.count]))).toEqual(want.provinces);
        expect(s.temperature.none).toBe(want.none);
        expect(s.temperature.bins.find((b) => b.tenths === 365)?.count).toBe(want.t365);
        expect(s.hours.total.reduce((a, n) => a + n, 0)).toBe(want.total);
        expect(s.days.reduce((a, d) => a + d.total, 0)).toBe(want.total);
        // Each day's own count.
        for (const d of s.days) {
          const [y, m, dd] = d.date.split('-').map(Number) as [number, number, number];
          const bounds = localDays({ year: y, month: m, day: dd }, { year: y, month: m, day: dd }, timeZone)[0]!;
          expect(d.total).toBe(direct(store.file, bounds.startMs, bounds.endMs).total);
        }
      }
      // The day Berlin's clocks go back has 25 hours, 02:00 twice.
      const fallBack = store.statistics({ from: '2026-10-25', to: '2026-10-25', timeZone: 'Europe/Berlin' });
      expect(fallBack.hours.total).toHaveLength(25);
      expect(fallBack.hours.hourOfDay.filter((h) => h === 2)).toHaveLength(2);
      expect(store.statistics({ from: '2026-03-29', to: '2026-03-29', timeZone: 'Europe/Berlin' }).hours.hourOfDay).toHaveLength(23);
      const shanghai = store.statistics({ from: '2026-10-25', to: '2026-10-25', timeZone: 'Asia/Shanghai' });
      expect(shanghai.hours.hourOfDay).toEqual([...Array(24).keys()]);
      expect(shanghai.hours.firstAt).toBe(Date.UTC(2026, 9, 24, 16));
    } finally {
      store.close();
    }
  });

  it('counts EU certificates as codes whatever their verdict: a country as a country, one that did not verify as EU, never as a card alone', async () => {
    const store = EntryStore.open(tmp.dir);
    try {
      await seedEntries(store, 500, { fromMs: Date.UTC(2026, 10, 3), toMs: Date.UTC(2026, 10, 4), seed: 5 });
      const at = Date.UTC(2026, 10, 3, 9);
      const dcc = { holderName: null, documentType: null, documentNumber: null, codeId: null, statusColour: null, trustListSeq: null } as const;
      // As the door records them (dcc-passage.ts): verified certificates name their country; forged,
      // unknown-signer and no-list ones record `EU`; one beside a card is method `both`.
      for (const e of [
        { ...dcc, at, codeIssuer: 'AT', documentType: 'DCC-V', decision: 'admit' as const, reason: null },
        { ...dcc, at, codeIssuer: 'DE', documentType: 'DCC-T', decision: 'deny' as const, reason: 'DCC_TEST_TOO_OLD' as const },
        { ...dcc, at, codeIssuer: 'EU', decision: 'deny' as const, reason: 'DCC_SIGNATURE_INVALID' as const },
        { ...dcc, at, codeIssuer: 'EU', decision: 'deny' as const, reason: 'DCC_KEY_UNKNOWN' as const },
        { ...dcc, at, codeIssuer: 'EU', method: 'both' as const, documentType: 'ID', documentNumber: '110101199003071234', decision: 'deny' as const, reason: 'DCC_LIST_MISSING' as const },
        // A forged PHC1 code names no province: a code all the same.
        { ...dcc, at, codeIssuer: null, decision: 'deny' as const, reason: 'SIGNATURE_INVALID' as const },
      ])
        store.append(samplePassage(e));
      const s = store.statistics({ from: '2026-11-03', to: '2026-11-03', timeZone: 'UTC' });
      const want = direct(store.file, Date.UTC(2026, 10, 3), Date.UTC(2026, 10, 4));
      expect(s.methods).toEqual({ code: 0, card: 0, both: 0, ...want.methods });
      const got = Object.fromEntries(s.provinces.map((p) => [String(p.code), p.count]));
      expect(got).toEqual(want.provinces);
      expect(got.null).toBe(s.methods.card);
      expect(got.EU).toBe(3);
      expect(got.AT).toBe(1);
      expect(got.DE).toBe(1);
      expect(got['']).toBeGreaterThanOrEqual(1);
    } finally {
      store.close();
    }
  });

  it('refuses a range over 90 days, reversed, malformed or in an unknown zone', () => {
    const store = EntryStore.open(tmp.dir);
    try {
      expect(store.statistics({ from: '2026-01-01', to: '2026-03-31', timeZone: 'UTC' }).days).toHaveLength(MAX_STATISTICS_DAYS);
      for (const range of [
        { from: '2026-01-01', to: '2026-04-01' },
        { from: '2026-02-02', to: '2026-02-01' },
        { from: '2026-02-30', to: '2026-03-01' },
        { from: '26-1-1', to: '2026-03-01' },
        { from: '2026-01-01', to: '2026-01-01', timeZone: 'Mars/Olympus' },
      ]) {
        expect(storeErrorOf(() => store.statistics(range)).reason).toBe('BAD_REQUEST');
      }
    } finally {
      store.close();
    }
  });
});
