// `npm run bench -- fleet-console` (docs/upload-protocol.md §11): the fleet view's query at a
// province's size. FLEET_CONSOLE_KIOSKS kiosks (10,000) registered, each with a latest heartbeat in a
// mix of states (some silent, some with a device down, a skewed clock, a low disk, stale lists) at
// FLEET_CONSOLE_VENUES venues (500), inserted straight into the tables the endpoint reads; then the
// storage's own `fleet()` (what GET /v1/fleet/kiosks runs: one page plus the alert counts) is timed
// on SQLite and on PostgreSQL (durable defaults), FLEET_CONSOLE_RUNS times (15) each after warm-up.
// Then the fleet console's own list endpoint (GET /v1/console/kiosks, docs/fleet.md) over HTTP with an
// operator's session, as the page calls it: `console` in each backend's answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openCollectorStorage, type CollectorStorage } from '../src/collector/storage.js';
import { DEFAULT_FLEET_THRESHOLDS, LATEST_COLUMNS, latestRow, type FleetQuery } from '../src/collector/fleet.js';
import { startPgCluster } from '../src/collector/testing/pg-cluster.js';
import { startCollector } from '../src/collector/server.js';
import { hashOperatorPassword } from '../src/collector/console-http.js';
import type { HeartbeatBody } from '../src/core/upload/protocol.js';

const KIOSKS = Number(process.env.FLEET_CONSOLE_KIOSKS ?? 10_000);
const VENUES = Number(process.env.FLEET_CONSOLE_VENUES ?? 500);
const RUNS = Number(process.env.FLEET_CONSOLE_RUNS ?? 15);

/** Deterministic synthetic fleet: kiosk i's latest heartbeat, and when it arrived. */
function fleetRows(now: number): { kioskId: string; publicKey: Buffer; row: ReturnType<typeof latestRow> }[] {
  const out = [];
  for (let i = 0; i < KIOSKS; i++) {
    const kioskId = i.toString(16).padStart(16, '0');
    const silent = i % 20 === 0; // 5 %
    const receivedAt = silent ? now - (10 + (i % 600)) * 60_000 : now - (i % 50) * 1000;
    const body: HeartbeatBody = {
      v: 1,
      kioskId,
      sentAt: receivedAt + (i % 97 === 0 ? 120_000 : (i % 7) * 10),
      venueId: `venue-${(i % VENUES).toString().padStart(4, '0')}`,
      softwareVersion: i % 10 === 0 ? '0.1.0' : '0.1.1',
      configRevision: i % 13,
      trustList: { state: 'fresh', seq: 40, issuedAt: now - 48 * 3600_000, ageHours: i % 101 === 0 ? 400 : 48 },
      statusList: { state: i % 53 === 0 ? 'stale' : 'fresh', seq: 900, ageHours: 2 },
      devices: [
        { device: 'idcard', configured: true, connected: i % 31 !== 0, fault: i % 31 === 0 ? 'PORT_UNAVAILABLE' : null, lastError: null },
        { device: 'thermometer', configured: true, connected: true, fault: i % 37 === 0 ? 'FRAME_TIMEOUT' : null, lastError: i % 37 === 0 ? 'FRAME_TIMEOUT' : null },
        { device: 'scanner', configured: i % 2 === 0, connected: i % 2 === 0, fault: null, lastError: null },
        { device: 'gate', configured: true, connected: true, fault: null, lastError: null },
      ],
      backlog: i % 11 === 0 ? 1200 : 0,
      clockOffsetMs: null,
      freeDiskBytes: i % 89 === 0 ? 300 * 1024 ** 2 : 40 * 1024 ** 3,
    };
    out.push({ kioskId, publicKey: Buffer.alloc(32, i % 256), row: latestRow(body, receivedAt, body.sentAt - receivedAt) });
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const QUERIES: { name: string; q: Omit<FleetQuery, 'now' | 'thresholds'> }[] = [
  { name: 'first page of 100, no filter', q: { page: 1, pageSize: 100 } },
  { name: 'page 100 of 100 (the last), no filter', q: { page: 100, pageSize: 100 } },
  { name: 'alert=silent, first page', q: { alert: 'silent', page: 1, pageSize: 100 } },
  { name: 'alert=any, page 3', q: { alert: 'any', page: 3, pageSize: 100 } },
  { name: 'one venue (20 kiosks)', q: { venue: 'venue-0007', page: 1, pageSize: 100 } },
];

async function timeQueries(storage: CollectorStorage, now: number): Promise<object> {
  const out: Record<string, unknown> = {};
  for (const { name, q } of QUERIES) {
    const query: FleetQuery = { ...q, now, thresholds: DEFAULT_FLEET_THRESHOLDS };
    for (let w = 0; w < 3; w++) await storage.fleet(query);
    const ms: number[] = [];
    let answer = null;
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      answer = await storage.fleet(query);
      ms.push(performance.now() - t0);
    }
    out[name] = { medianMs: +median(ms).toFixed(2), maxMs: +Math.max(...ms).toFixed(2), total: answer!.total, onPage: answer!.kiosks.length };
  }
  const counts = (await storage.fleet({ page: 1, pageSize: 1, now, thresholds: DEFAULT_FLEET_THRESHOLDS })).alertCounts;
  return { queries: out, alertCounts: counts };
}

const CONSOLE_PAGES: { name: string; query: string }[] = [
  { name: 'first page of 50, no filter', query: 'page=1&pageSize=50' },
  { name: 'alert=silent, first page of 50', query: 'alert=silent&page=1&pageSize=50' },
  { name: 'page 200 of 200 (the last), no filter', query: 'page=200&pageSize=50' },
];

/**
 * The fleet console's kiosk list as the page asks for it (docs/fleet.md): GET /v1/console/kiosks over
 * HTTP on 127.0.0.1 with an operator's session cookie, so the time includes the session check, the
 * session's touch and the audit row each view writes, beside the fleet query itself.
 */
async function timeConsole(database: string, now: number): Promise<object> {
  const collector = await startCollector({ database, clock: () => now });
  try {
    await collector.db.console.addOperator('bench', await hashOperatorPassword('bench operator password'), now);
    const login = await fetch(`${collector.url}/v1/console/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: collector.url }, body: JSON.stringify({ name: 'bench', password: 'bench operator password' }) });
    const cookie = /fleet_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
    if (!cookie) throw new Error(`console login failed: ${login.status}`);
    const out: Record<string, unknown> = {};
    for (const { name, query } of CONSOLE_PAGES) {
      const get = async () => {
        const res = await fetch(`${collector.url}/v1/console/kiosks?${query}`, { headers: { cookie } });
        const json = (await res.json()) as { ok: boolean; total: number; kiosks: unknown[] };
        if (!json.ok) throw new Error(`console list refused: ${JSON.stringify(json)}`);
        return json;
      };
      for (let w = 0; w < 3; w++) await get();
      const ms: number[] = [];
      let answer = null;
      for (let r = 0; r < RUNS; r++) {
        const t0 = performance.now();
        answer = await get();
        ms.push(performance.now() - t0);
      }
      out[name] = { medianMs: +median(ms).toFixed(2), maxMs: +Math.max(...ms).toFixed(2), total: answer!.total, onPage: answer!.kiosks.length };
    }
    return out;
  } finally {
    await collector.close();
  }
}

async function sqliteRun(now: number): Promise<object> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-console-'));
  try {
    const file = join(dir, 'collector.sqlite3');
    await (await openCollectorStorage(file)).close(); // the schema, by the collector's own migrations
    const db = new Database(file);
    const insertKiosk = db.prepare('INSERT INTO kiosks (kiosk_id, public_key, name, registered_at) VALUES (?, ?, ?, ?)');
    const insertLatest = db.prepare(`INSERT INTO kiosk_heartbeats_latest (${LATEST_COLUMNS.join(', ')}) VALUES (${LATEST_COLUMNS.map((c) => `@${c}`).join(', ')})`);
    db.transaction(() => {
      for (const k of fleetRows(now)) {
        insertKiosk.run(k.kioskId, k.publicKey, `kiosk ${k.kioskId.slice(-4)}`, now - 86400_000);
        insertLatest.run(k.row);
      }
    })();
    db.exec('ANALYZE');
    db.close();
    const storage = await openCollectorStorage(file);
    try {
      return { ...(await timeQueries(storage, now)), console: await timeConsole(file, now) };
    } finally {
      await storage.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresRun(now: number): Promise<object> {
  const cluster = await startPgCluster({ durable: true });
  try {
    const url = await cluster.createDatabase('fleetconsole');
    const database = new URL(url).pathname.slice(1) || 'postgres';
    await (await openCollectorStorage(url)).close();
    const rows = fleetRows(now);
    await cluster.query(database, 'INSERT INTO kiosks (kiosk_id, public_key, name, registered_at) SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::bigint[])', [
      rows.map((k) => k.kioskId),
      rows.map((k) => k.publicKey),
      rows.map((k) => `kiosk ${k.kioskId.slice(-4)}`),
      rows.map(() => now - 86400_000),
    ]);
    const types: Record<string, string> = { kiosk_id: 'text', venue_id: 'text', software_version: 'text', trust_state: 'text', status_state: 'text', body: 'text', devices_down: 'integer' };
    const columns = LATEST_COLUMNS.map((c, i) => `$${i + 1}::${types[c] ?? 'bigint'}[]`).join(', ');
    await cluster.query(database, `INSERT INTO kiosk_heartbeats_latest (${LATEST_COLUMNS.join(', ')}) SELECT * FROM unnest(${columns})`, LATEST_COLUMNS.map((c) => rows.map((k) => k.row[c])));
    await cluster.query(database, 'ANALYZE');
    const storage = await openCollectorStorage(url);
    try {
      return { ...(await timeQueries(storage, now)), console: await timeConsole(url, now) };
    } finally {
      await storage.close();
    }
  } finally {
    await cluster.stop();
  }
}

export async function run(): Promise<object> {
  const now = Date.now();
  return {
    kiosks: KIOSKS,
    venues: VENUES,
    runs: RUNS,
    sqlite: await sqliteRun(now),
    postgres: await postgresRun(now),
  };
}
