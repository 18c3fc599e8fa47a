// `npm run bench -- fleet` (docs/upload-protocol.md §7-§9): the platform side at a fleet's scale.
// A generator stands for N kiosks (FLEET_KIOSKS, default 1,000), each with its own registered
// Ed25519 device key, sending M entries each (FLEET_ENTRIES, default 1,000) as real signed deflated
// batches (the kiosk's own protocol code, src/core/upload) through a real nginx balancing
// round-robin over the collector processes (`kiosk collector serve`, each its own process):
//   - sqlite: one collector process on its SQLite file (synchronous = FULL);
//   - postgres: two collector processes on one PostgreSQL (Debian's server, durable defaults:
//     fsync and synchronous_commit on);
//   - postgresKillRestart: the same, with one collector process SIGKILLed mid-run and restarted.
// Each kiosk keeps one batch in flight and resends a failed one under the same batch id, as the
// uploader does. Reported: entries/s stored, batch latency p50/p99 (first send to acknowledgement,
// resends included), peak RSS of every collector process (VmHWM) and its RSS over the run, the
// exactly-once check (every (kiosk, seq) once, nothing else), and then the tracing timings on
// TRACE_ROWS (default 10,000,000) entries in PostgreSQL and the ingest latency while a retention
// purge runs. Sizes for a quick look: FLEET_KIOSKS=50 FLEET_ENTRIES=200 TRACE_ROWS=200000.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { identityFromSeed, b64url, type DeviceIdentity } from '../src/core/identity/device-key.js';
import { BATCHES_PATH, HEADER, BATCH_CONTENT_ENCODING, BATCH_CONTENT_TYPE, encodeBatch, toBatchBody, type UploadEntry } from '../src/core/upload/protocol.js';
import { httpExchange, uploadAgent } from '../src/core/upload/http.js';
import { openCollectorStorage } from '../src/collector/storage.js';
import { docKeyOf, recordDocKey } from '../src/collector/trace-key.js';
import { runTrace } from '../src/collector/trace.js';
import { startPgCluster, type PgCluster } from '../src/collector/testing/pg-cluster.js';
import { freePort, startBalancer } from '../src/collector/testing/nginx.js';
import { summarize } from './stats.js';
import { childrenMatching, processCpuSeconds, procTable, selfCpuSeconds, treeCpuSeconds } from './proc-cpu.js';

const here = dirname(fileURLToPath(import.meta.url));
const kioskBin = join(here, '..', '..', 'bin', 'kiosk.js');
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const TRACE_KEY_HEX = 'c0ffee'.repeat(10) + 'c0ff';
const DAY = 24 * 3600_000;
const progress = (line: string) => process.stderr.write(`fleet: ${line}\n`);

interface KioskLoad {
  identity: DeviceIdentity;
  batches: { batchId: string; body: Buffer; signature: string; count: number }[];
}

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** Entries as a kiosk logs them (the fields the uploader sends), venues and people drawn from pools. */
function buildFleet(kiosks: number, perKiosk: number, batchSize: number, t0: number): KioskLoad[] {
  const out: KioskLoad[] = [];
  for (let k = 0; k < kiosks; k++) {
    const identity = identityFromSeed(createHash('sha256').update(`fleet-kiosk-${k}`).digest());
    const venueId = `venue-${k % Math.max(1, Math.floor(kiosks / 4))}`;
    const entries: UploadEntry[] = [];
    for (let s = 1; s <= perKiosk; s++) {
      const person = (k * 7919 + s * 104729) % 200_000;
      entries.push({
        seq: s,
        entryId: `${identity.kioskId}-${s}`,
        at: t0 + s * 2000 + k,
        record: {
          venueId,
          kioskId: identity.kioskId,
          method: 'code',
          holderName: `Person ${person}`,
          documentType: 'resident-id',
          documentNumber: `1101011990${String(person).padStart(8, '0')}`,
          codeId: createHash('md5').update(`${k}-${s}`).digest('hex'),
          codeIssuer: 'BJ',
          statusColour: 'green',
          temperatureC: 36.5,
          decision: 'admit',
          reason: null,
          trustListSeq: 7,
          override: null,
        },
      });
    }
    const batches = [];
    for (let i = 0; i < entries.length; i += batchSize) {
      const slice = entries.slice(i, i + batchSize);
      const batchId = `${identity.kioskId}-b${i / batchSize}`;
      const body = encodeBatch(toBatchBody(identity.kioskId, batchId, slice, entries.length - i - slice.length));
      batches.push({ batchId, body, signature: b64url(identity.sign(body)), count: slice.length });
    }
    out.push({ identity, batches });
  }
  return out;
}

async function startCollectorProcess(database: string, port: number, dataDir: string, traceKeyFile: string): Promise<ChildProcess> {
  // FLEET_COLLECTOR_NODE_ARGS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the collectors.
  const nodeArgs = (process.env.FLEET_COLLECTOR_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [...nodeArgs, kioskBin, 'collector', 'serve', '--database', database, '--data-dir', dataDir, '--port', String(port), '--trace-key-file', traceKeyFile, '--rate-per-second', '100000', '--rate-burst', '100000'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('collector did not start within 60 s')), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        JSON.parse(out);
        clearTimeout(timer);
        resolve();
      } catch {
        // printed over several lines: wait for the rest
      }
    });
    child.once('exit', (code) => reject(new Error(`collector exited with ${code}`)));
  });
  return child;
}

/**
 * CPU seconds each kind of process consumed over the run (the entries' sending, from the first batch
 * to the last acknowledgement), per 1,000 entries stored, and the rate the machine could reach if
 * nothing else ran on it: its cores divided by the CPU seconds one entry costs all processes together.
 * Wall-clock rates on a machine others load measure the neighbours; CPU time per entry does not.
 */
interface CpuAccount {
  seconds: Record<'collectors' | 'postgres' | 'nginx' | 'generator' | 'total', number>;
  perThousandEntries: Record<'collectors' | 'postgres' | 'nginx' | 'generator' | 'total', number>;
  quietMachineEntriesPerSecond: number;
  cores: number;
  loadAverageDuringRun: number[];
}

interface RunResult {
  backend: string;
  collectorProcesses: number;
  entries: number;
  seconds: number;
  entriesPerSecond: number;
  batchLatency: ReturnType<typeof summarize>;
  resends: number;
  /** rssSeriesMB: the 500 ms RSS samples thinned to at most 12 points, to see it stays flat after warm-up. */
  collectors: { pid: number; peakRssMB: number | null; rssFirstMB: number | null; rssLastMB: number | null; rssSeriesMB: number[]; killed: boolean }[];
  exactlyOnce: { ok: boolean; expected: number; stored: number; distinctKioskSeqs: number; acceptedSum: number };
  cpu: CpuAccount;
  kill?: { atAckedBatches: number; restartMs: number };
}

async function fleetRun(backend: 'sqlite' | 'postgres', processes: number, kill: boolean, fleet: KioskLoad[], concurrency: number, cluster: PgCluster | null): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), `fleet-${backend}-`));
  const traceKeyFile = join(dir, 'trace-key');
  writeFileSync(traceKeyFile, TRACE_KEY_HEX + '\n', { mode: 0o600 });
  const database = backend === 'postgres' ? await cluster!.createDatabase('fleet') : join(dir, 'collector', 'collector.sqlite3');
  const reg = await openCollectorStorage(database);
  for (const k of fleet) await reg.registerKiosk(k.identity.kioskId, k.identity.publicKey, null);
  const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
  const children: { child: ChildProcess; killed: boolean; rss: number[] }[] = [];
  for (const p of ports) children.push({ child: await startCollectorProcess(database, p, join(dir, `data-${p}`), traceKeyFile), killed: false, rss: [] });
  const balancer = await startBalancer(ports);
  // CPU accounting (CpuAccount): the collectors' time read every sample (a killed one keeps its last
  // reading), PostgreSQL's and nginx's by their process trees, the generator's as this process's own.
  const table0 = procTable();
  // By the start of the command line: a collector's own (`--database postgres://…`) names postgres too.
  const [postmaster] = backend === 'postgres' ? childrenMatching(/^\S*\/postgres\s+-D\s/, table0) : [];
  const [nginxMaster] = childrenMatching(/^nginx: master/, table0);
  // Not found would read as "costs nothing": refuse to report that.
  if ((backend === 'postgres' && postmaster === undefined) || nginxMaster === undefined) throw new Error('fleet: the postmaster or nginx master process was not found among this process\'s children');
  const cpuAt = (pid: number | undefined, table = procTable()) => (pid === undefined ? 0 : treeCpuSeconds(pid, table));
  const collectorCpu = new Map<number, { first: number; last: number }>();
  // A collector has no children: its own /proc/PID/stat is enough, and reading only that keeps the
  // sampling (every 500 ms) out of the generator's account, where reading all of /proc would not be.
  const sampleCollectorCpu = () => {
    for (const c of children) {
      if (c.killed) continue;
      const s = processCpuSeconds(c.child.pid!);
      if (s === null) continue;
      const seen = collectorCpu.get(c.child.pid!);
      if (seen) seen.last = s;
      // A collector started mid-run (the restart) counts from zero: its start-up is part of the run.
      else collectorCpu.set(c.child.pid!, { first: collectorCpu.size < processes ? s : 0, last: s });
    }
  };
  sampleCollectorCpu();
  const cpu0 = { postgres: cpuAt(postmaster, table0), nginx: cpuAt(nginxMaster, table0), generator: selfCpuSeconds() };
  const sampler = setInterval(() => {
    for (const c of children) if (!c.killed) c.rss.push(procStatus(c.child.pid!, 'VmRSS') ?? 0);
    sampleCollectorCpu();
  }, 500);
  const queue = fleet.map((k) => k);
  const total = fleet.reduce((n, k) => n + k.batches.reduce((m, b) => m + b.count, 0), 0);
  const totalBatches = fleet.reduce((n, k) => n + k.batches.length, 0);
  const latencies: number[] = [];
  let resends = 0;
  let acked = 0;
  let killInfo: RunResult['kill'];
  let killing: Promise<void> | null = null;
  const t0 = performance.now();
  const worker = async () => {
    const agent = uploadAgent(balancer.url);
    for (let k = queue.shift(); k; k = queue.shift()) {
      for (const b of k.batches) {
        const start = performance.now();
        for (let attempt = 0; ; attempt++) {
          if (attempt > 0) {
            resends++;
            await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
          }
          try {
            const res = await httpExchange(balancer.url + BATCHES_PATH, {
              method: 'POST',
              agent,
              timeoutMs: 60_000,
              maxResponseBytes: 64 * 1024,
              body: b.body,
              headers: {
                'content-type': BATCH_CONTENT_TYPE,
                'content-encoding': BATCH_CONTENT_ENCODING,
                [HEADER.kioskId]: k.identity.kioskId,
                [HEADER.batchId]: b.batchId,
                [HEADER.signature]: b.signature,
              },
            });
            if (res.status === 200) break;
          } catch {
            // reset, refused, timeout: resend the same batch id, as the uploader does
          }
        }
        latencies.push(performance.now() - start);
        acked++;
        if (kill && !killInfo && acked >= totalBatches * 0.4) {
          // One collector process dies without warning while batches are in flight on it; the
          // balancer sends the kiosks' resends to the other until it is back on the same port.
          killInfo = { atAckedBatches: acked, restartMs: 0 };
          const victim = children[0]!;
          killing = (async () => {
            const k0 = performance.now();
            victim.killed = true;
            const exited = new Promise((r) => victim.child.once('exit', r));
            victim.child.kill('SIGKILL');
            await exited;
            children.push({ child: await startCollectorProcess(database, ports[0]!, join(dir, `data-${ports[0]}`), traceKeyFile), killed: false, rss: [] });
            killInfo!.restartMs = Math.round(performance.now() - k0);
          })();
        }
      }
    }
    agent.destroy();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const generatorCpu = selfCpuSeconds() - cpu0.generator;
  const loadAverageDuringRun = loadavg().map((x) => round(x, 2));
  await killing;
  clearInterval(sampler);
  const table1 = procTable();
  sampleCollectorCpu();
  const spent = {
    collectors: [...collectorCpu.values()].reduce((n, c) => n + c.last - c.first, 0),
    postgres: postmaster === undefined ? 0 : cpuAt(postmaster, table1) - cpu0.postgres,
    nginx: cpuAt(nginxMaster, table1) - cpu0.nginx,
    generator: generatorCpu,
  };
  const totalCpu = spent.collectors + spent.postgres + spent.nginx + spent.generator;
  const cores = cpus().length;
  const per1000 = (s: number) => round((s / total) * 1000, 4);
  const cpu: CpuAccount = {
    seconds: { collectors: round(spent.collectors, 2), postgres: round(spent.postgres, 2), nginx: round(spent.nginx, 2), generator: round(spent.generator, 2), total: round(totalCpu, 2) },
    perThousandEntries: { collectors: per1000(spent.collectors), postgres: per1000(spent.postgres), nginx: per1000(spent.nginx), generator: per1000(spent.generator), total: per1000(totalCpu) },
    quietMachineEntriesPerSecond: Math.round(cores / (totalCpu / total)),
    cores,
    loadAverageDuringRun,
  };
  const collectors = children.map((c) => ({
    pid: c.child.pid!,
    peakRssMB: c.killed ? (c.rss.length ? Math.max(...c.rss) : null) : procStatus(c.child.pid!, 'VmHWM'),
    rssFirstMB: c.rss[0] ?? null,
    rssLastMB: c.rss[c.rss.length - 1] ?? null,
    rssSeriesMB: c.rss.filter((_, i) => i % Math.max(1, Math.ceil(c.rss.length / 12)) === 0 || i === c.rss.length - 1),
    killed: c.killed,
  }));
  await balancer.stop();
  for (const c of children) {
    if (c.killed || c.child.exitCode !== null) continue;
    const exited = new Promise((r) => c.child.once('exit', r));
    c.child.kill('SIGTERM');
    await exited;
  }
  const counts = await reg.counts();
  await reg.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    backend,
    collectorProcesses: processes,
    entries: total,
    seconds: round(seconds, 2),
    entriesPerSecond: Math.round(total / seconds),
    batchLatency: summarize(latencies, [99], 1),
    resends,
    collectors,
    exactlyOnce: { ok: counts.entries === total && counts.distinctSeqs === total && counts.acceptedSum === total, expected: total, stored: counts.entries, distinctKioskSeqs: counts.distinctSeqs, acceptedSum: counts.acceptedSum },
    cpu,
    ...(killInfo ? { kill: killInfo } : {}),
  };
}

/**
 * Tracing on TRACE_ROWS entries: the bulk is made inside PostgreSQL (generate_series: people, venues
 * and times drawn over 90 days, document hashes of synthetic numbers), then one person's month of
 * passages goes in through the collector's own storeBatch with the real trace key, and the timed
 * queries are the collector's own (runTrace: the query plus its audit row).
 */
export async function tracingRun(cluster: PgCluster, rows: number): Promise<object> {
  const database = await cluster.createDatabase('trace');
  const storage = await openCollectorStorage(database);
  const key = Buffer.from(TRACE_KEY_HEX, 'hex');
  const dbName = decodeURIComponent(new URL(database).pathname.slice(1));
  const now = Date.UTC(2026, 10, 1);
  const people = Math.max(1000, Math.floor(rows / 20));
  const venues = Math.max(50, Math.floor(rows / 2000));
  const fillStart = performance.now();
  await cluster.query(dbName, `INSERT INTO kiosks (kiosk_id, public_key, registered_at) SELECT 'k' || lpad(i::text, 15, '0'), '\\x00', 0 FROM generate_series(0, 999) i`);
  // A bulk load builds its indexes once at the end (as pg_restore does) instead of row by row: the
  // same index definitions as the collector's migrations 1, 4 and 8 (src/collector/pg.ts).
  await cluster.query(dbName, 'ALTER TABLE entries DROP CONSTRAINT entries_pkey; DROP INDEX entries_by_doc_tag, entries_by_venue, entries_by_time');
  const chunk = 1_000_000;
  for (let from = 0; from < rows; from += chunk) {
    progress(`tracing: filling rows ${from}…`);
    const to = Math.min(rows, from + chunk) - 1;
    await cluster.query(
      dbName,
      `INSERT INTO entries (kiosk_id, entry_id, seq, scanned_at, batch_id, received_at, record, venue_id, doc_key, decision)
       SELECT 'k' || lpad((i % 1000)::text, 15, '0'), 'e' || i, i, $1::bigint - ((hashint8(i)::float8 + 2147483648) / 4294967296 * (90 * 86400000::float8))::bigint,
              'bulk', $1, '{"holderName":"P ' || (i % $2) || '","documentNumber":"X' || (i % $2) || '","decision":"admit"}',
              'venue-' || ((hashint8(i * 31) & 2147483647) % $3), sha256(('p' || (i % $2))::bytea), 'admit'
         FROM generate_series($4::bigint, $5::bigint) i`,
      [now, people, venues, from, to],
    );
  }
  progress('tracing: building indexes…');
  await cluster.query(
    dbName,
    `ALTER TABLE entries ADD PRIMARY KEY (kiosk_id, entry_id);
     CREATE INDEX entries_by_doc_tag ON entries (doc_tag(doc_key), scanned_at) WHERE doc_key IS NOT NULL;
     CREATE INDEX entries_by_venue ON entries (venue_id, scanned_at);
     CREATE INDEX entries_by_time ON entries USING brin (scanned_at);`,
  );
  await cluster.query(dbName, 'ANALYZE entries');
  const fillSeconds = (performance.now() - fillStart) / 1000;
  // The traced person: two passages a day for 30 days at a handful of venues, through the real ingest path.
  const doc = 'T11010119900101123X';
  await storage.registerKiosk('00000000000000aa', new Uint8Array(32), 'traced');
  const mine: UploadEntry[] = [];
  for (let d = 0; d < 30; d++) {
    for (const h of [9, 18]) mine.push({ seq: mine.length + 1, entryId: `t-${mine.length + 1}`, at: now - d * DAY - h * 3600_000, record: { venueId: `venue-${(d * 7 + h) % venues}`, documentNumber: doc, holderName: 'Traced Person', decision: 'admit' } });
  }
  mine.sort((a, b) => a.seq - b.seq);
  await storage.storeBatch(toBatchBody('00000000000000aa', 'traced', mine, 0), recordDocKey(key), now);
  const request = { documentNumber: doc, from: now - 30 * DAY, to: now, reason: 'benchmark', operator: 'bench', via: 'bench' };
  const time = async (windowMinutes?: number) => {
    const samples: number[] = [];
    let answer = { passages: 0, coPresent: 0 };
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      const r = await runTrace(storage, key, { ...request, ...(windowMinutes !== undefined ? { windowMinutes } : {}) });
      samples.push(performance.now() - t);
      answer = { passages: r.passages.length, coPresent: r.coPresent.length };
    }
    return { ...answer, ...summarize(samples, [], 1) };
  };
  await time(); // warm the cache, as a platform server's would be
  const trace30d = await time();
  const coPresence30min = await time(30);
  const plan = await cluster.query(dbName, 'EXPLAIN SELECT kiosk_id FROM entries WHERE doc_tag(doc_key) = doc_tag($1::bytea) AND doc_key = $1 AND scanned_at BETWEEN $2 AND $3', [docKeyOf(key, doc), now - 30 * DAY, now]);

  // Retention while ingesting: a purge of everything older than 60 days (about a third of the rows) in
  // 5,000-row batches, with 8 kiosks sending 500-entry batches meanwhile; the batches' latency is
  // compared with the same ingest with no purge running.
  const ingest = async (label: string, stopWhen: () => boolean) => {
    const ids = Array.from({ length: 8 }, (_, i) => `${label.slice(0, 1)}${String(i).padStart(15, '0')}`.slice(0, 16));
    for (const id of ids) await storage.registerKiosk(id, new Uint8Array(32), null);
    const samples: number[] = [];
    let seq = 0;
    while (!stopWhen() || samples.length < 104) {
      await Promise.all(
        ids.map(async (id) => {
          const s = ++seq;
          const list: UploadEntry[] = Array.from({ length: 500 }, (_, j) => ({ seq: s * 1000 + j, entryId: `${label}-${s}-${j}`, at: now, record: { venueId: 'venue-1', documentNumber: `N${s}-${j}`, decision: 'admit' } }));
          const t = performance.now();
          await storage.storeBatch(toBatchBody(id, `${label}-${s}`, list, 0), recordDocKey(key), now);
          samples.push(performance.now() - t);
        }),
      );
      if (samples.length >= 400) break;
    }
    return samples;
  };
  const quiet = await ingest('quiet', () => true);
  let purged = 0;
  let purging = true;
  const purgeStart = performance.now();
  const purge = (async () => {
    for (;;) {
      const n = await storage.purgeBatch(now - 60 * DAY, 5000);
      purged += n;
      if (n < 5000) break;
    }
    purging = false;
  })();
  const during = await ingest('during', () => !purging);
  await purge;
  const purgeSeconds = (performance.now() - purgeStart) / 1000;
  await storage.close();
  return {
    rows,
    people,
    venues,
    fillSeconds: round(fillSeconds),
    indexPlan: plan.rows.map((r: Record<string, string>) => Object.values(r)[0]).join(' / '),
    trace30d,
    coPresence30min,
    retention: {
      purgedRows: purged,
      purgeSeconds: round(purgeSeconds),
      rowsPerSecond: Math.round(purged / purgeSeconds),
      ingestBatchMs: { withoutPurge: summarize(quiet, [95], 1), duringPurge: summarize(during, [95], 1) },
    },
  };
}

export async function run(): Promise<object> {
  const kiosks = Number(process.env.FLEET_KIOSKS ?? 1000);
  const perKiosk = Number(process.env.FLEET_ENTRIES ?? 1000);
  const batchSize = Number(process.env.FLEET_BATCH ?? 500);
  const concurrency = Number(process.env.FLEET_CONCURRENCY ?? 16);
  const traceRows = Number(process.env.TRACE_ROWS ?? 10_000_000);
  // FLEET_RUNS: which runs (default all three, comma-separated); FLEET_COLLECTORS: PostgreSQL-backed
  // collector processes behind nginx (default 2).
  const runs = new Set((process.env.FLEET_RUNS ?? 'sqlite,postgres,postgresKillRestart').split(',').map((r) => r.trim()));
  const pgProcesses = Number(process.env.FLEET_COLLECTORS ?? 2);
  const machine = { cpus: cpus().length, loadAverageAtStart: loadavg().map((x) => round(x, 2)) };
  const b0 = performance.now();
  const fleet = buildFleet(kiosks, perKiosk, batchSize, Date.UTC(2026, 9, 1));
  const buildSeconds = round((performance.now() - b0) / 1000);
  // FLEET_PG_SETTINGS: extra server settings to compare, `name=value,name=value` (they win).
  const extra = Object.fromEntries((process.env.FLEET_PG_SETTINGS ?? '').split(',').filter(Boolean).map((kv) => kv.split('=').map((x) => x.trim()) as [string, string]));
  // Huge pages as a platform's server should have them (README, "Collector on PostgreSQL"); FLEET_HUGE_PAGES=off to
  // see the difference. The JSON says whether the server got them.
  const hugePages = process.env.FLEET_HUGE_PAGES !== 'off';
  const cluster = await startPgCluster({ durable: true, hugePages, settings: { shared_buffers: '256MB', max_wal_size: '4GB', checkpoint_timeout: '15min', maintenance_work_mem: '512MB', ...extra } });
  progress(`postgres huge pages: ${JSON.stringify(cluster.hugePages)}`);
  try {
    // Each phase's figures go to stderr as soon as it ends, so a long run shows its progress.
    progress(`built ${kiosks}×${perKiosk} entries in ${buildSeconds} s`);
    const sqlite = runs.has('sqlite') ? await fleetRun('sqlite', 1, false, fleet, concurrency, null) : null;
    if (sqlite) progress(`sqlite: ${JSON.stringify({ entriesPerSecond: sqlite.entriesPerSecond, batchLatency: sqlite.batchLatency, exactlyOnce: sqlite.exactlyOnce, cpu: sqlite.cpu, collectors: sqlite.collectors })}`);
    const postgres = runs.has('postgres') ? await fleetRun('postgres', pgProcesses, false, fleet, concurrency, cluster) : null;
    if (postgres) progress(`postgres: ${JSON.stringify({ entriesPerSecond: postgres.entriesPerSecond, batchLatency: postgres.batchLatency, exactlyOnce: postgres.exactlyOnce, cpu: postgres.cpu, collectors: postgres.collectors })}`);
    const postgresKillRestart = runs.has('postgresKillRestart') ? await fleetRun('postgres', pgProcesses, true, fleet, concurrency, cluster) : null;
    if (postgresKillRestart) progress(`postgresKillRestart: ${JSON.stringify(postgresKillRestart)}`);
    const tracing = traceRows > 0 ? await tracingRun(cluster, traceRows) : null;
    progress(`tracing: ${JSON.stringify(tracing)}`);
    return {
      kiosks,
      entriesPerKiosk: perKiosk,
      batchSize,
      concurrentKiosks: concurrency,
      generatorBuildSeconds: buildSeconds,
      postgresServer: { sharedBuffers: '256MB', hugePages: cluster.hugePages, extraSettings: extra },
      machine: { ...machine, loadAverageAtEnd: loadavg().map((x) => round(x, 2)) },
      entriesPerSecond: { sqlite: sqlite?.entriesPerSecond ?? null, postgres: postgres?.entriesPerSecond ?? null, postgresKillRestart: postgresKillRestart?.entriesPerSecond ?? null },
      // The rate the machine could reach with nothing else on it (CpuAccount): the figure to compare
      // between runs on a loaded machine.
      quietMachineEntriesPerSecond: { sqlite: sqlite?.cpu.quietMachineEntriesPerSecond ?? null, postgres: postgres?.cpu.quietMachineEntriesPerSecond ?? null, postgresKillRestart: postgresKillRestart?.cpu.quietMachineEntriesPerSecond ?? null },
      cpuSecondsPerThousandEntries: { sqlite: sqlite?.cpu.perThousandEntries ?? null, postgres: postgres?.cpu.perThousandEntries ?? null, postgresKillRestart: postgresKillRestart?.cpu.perThousandEntries ?? null },
      exactlyOnce: { sqlite: sqlite?.exactlyOnce.ok ?? null, postgres: postgres?.exactlyOnce.ok ?? null, postgresKillRestart: postgresKillRestart?.exactlyOnce.ok ?? null },
      runs: { sqlite, postgres, postgresKillRestart },
      tracing,
    };
  } finally {
    await cluster.stop();
  }
}
