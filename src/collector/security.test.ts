// The collector as an attacker on its port sees it: rate limits that a stranger cannot spend on a
// kiosk's behalf, status pages behind the operator's token, no plain http beyond loopback, and files
// nobody else on the box can read. Real HTTP on 127.0.0.x, real SQLite files.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, chmodSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CollectorConfigError, clientAddress, isLoopbackHost, startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { loadOrCreateStatusToken } from './files.js';
import { runCli } from '../cli/testing/run-cli.js';
import { generateIdentity, b64url, type DeviceIdentity } from '../core/identity/device-key.js';
import { BATCHES_PATH, HEADER, encodeBatch, toBatchBody, type UploadEntry } from '../core/upload/protocol.js';

const dirs: string[] = [];
let collector: RunningCollector | null = null;
afterEach(async () => {
  await collector?.close();
  collector = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'collector-security-'));
  dirs.push(d);
  return d;
}

function entries(from: number, to: number): UploadEntry[] {
  const out: UploadEntry[] = [];
  for (let s = from; s <= to; s++) out.push({ seq: s, entryId: `e-${s}`, at: 1_700_000_000_000 + s, record: { decision: 'admit', n: s } });
  return out;
}

function signedBatch(id: DeviceIdentity, batchId: string, list: UploadEntry[]) {
  const body = encodeBatch(toBatchBody(id.kioskId, batchId, list, 0));
  return { body, headers: { [HEADER.kioskId]: id.kioskId, [HEADER.batchId]: batchId, [HEADER.signature]: b64url(id.sign(body)) } };
}

/** One request from a chosen loopback source address (127.0.0.2 is another "host" to the collector). */
function send(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer; from?: string }): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request(url + opts.path, { method: opts.method ?? 'GET', headers: { 'content-type': 'application/json', 'content-encoding': 'deflate', ...opts.headers }, localAddress: opts.from ?? '127.0.0.1', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

const isWindows = process.platform === 'win32';
const BACKENDS = collectorBackends();

describe.each(BACKENDS)('on $name', (backend) => {
  describe('collector rate limits', () => {
    it('260 unsigned requests naming a victim kiosk do not throttle its real signed uploads', async () => {
      const dir = tempDir();
      // The clock never moves: no token comes back during the test, however slowly it runs.
      collector = await startCollector({ database: await backend.database(dir), rateLimit: { burst: 200, perSecond: 100 }, rateLimitClock: () => 0 });
      const victim = generateIdentity();
      await collector.db.registerKiosk(victim.kioskId, victim.publicKey, 'victim');
      const forged = signedBatch(victim, 'forged', entries(1, 1));
      const attack: number[] = [];
      for (let i = 0; i < 260; i++) {
        const headers: Record<string, string> = { [HEADER.kioskId]: victim.kioskId, [HEADER.batchId]: `x${i}` };
        // Half carry no signature, half a signature that is not the kiosk's.
        if (i % 2) headers[HEADER.signature] = b64url(Buffer.alloc(64, i));
        attack.push((await send(collector.url, { method: 'POST', path: BATCHES_PATH, headers, body: forged.body, from: '127.0.0.2' })).status);
      }
      const real: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const s = signedBatch(victim, `real-${i}`, entries(i, i));
        real.push((await send(collector.url, { method: 'POST', path: BATCHES_PATH, headers: s.headers, body: s.body })).status);
      }
      expect(real).toEqual([200, 200, 200, 200, 200]);
      expect((await collector.db.entrySeqs(victim.kioskId))).toHaveLength(5);
      // Every forged request was refused for its signature; none spent the victim's budget.
      expect(new Set(attack)).toEqual(new Set([403]));
    });

    it('throttles a flood by its remote address before any authentication, and no one else', async () => {
      const dir = tempDir();
      collector = await startCollector({ database: await backend.database(dir), addressRateLimit: { burst: 50, perSecond: 1 }, rateLimitClock: () => 0 });
      const kiosk = generateIdentity();
      await collector.db.registerKiosk(kiosk.kioskId, kiosk.publicKey, null);
      const flood: number[] = [];
      for (let i = 0; i < 60; i++) flood.push((await send(collector.url, { method: 'POST', path: BATCHES_PATH, headers: { [HEADER.kioskId]: 'not-a-kiosk' }, body: Buffer.from('x'), from: '127.0.0.2' })).status);
      expect(flood.slice(0, 50).every((s) => s === 401)).toBe(true);
      expect(flood.slice(50)).toEqual(Array<number>(10).fill(429));
      // Lists and status pages are behind the same per-address budget.
      expect((await send(collector.url, { path: '/v1/lists/trust', from: '127.0.0.2' })).status).toBe(429);
      const s = signedBatch(kiosk, 'b1', entries(1, 2));
      expect((await send(collector.url, { method: 'POST', path: BATCHES_PATH, headers: s.headers, body: s.body })).status).toBe(200);
    });
  });

  describe('collector behind a balancer (trustedProxies)', () => {
    // 127.0.0.2 plays the balancer, 127.0.0.3 a client that reaches the port directly.
    const limit = { burst: 3, perSecond: 1 };
    const health = (from: string, forwardedFor?: string) =>
      send(collector!.url, { path: '/v1/health', from, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } }).then((r) => r.status);

    it('keys the per-address budget on the forwarded client when the peer is a trusted proxy', async () => {
      collector = await startCollector({ database: await backend.database(tempDir()), addressRateLimit: limit, rateLimitClock: () => 0, trustedProxies: ['127.0.0.2'] });
      const a: number[] = [];
      for (let i = 0; i < 4; i++) a.push(await health('127.0.0.2', '198.51.100.1'));
      expect(a).toEqual([200, 200, 200, 429]);
      // Another client behind the same balancer has a budget of its own.
      expect(await health('127.0.0.2', '198.51.100.2')).toBe(200);
      // What a client wrote to the left of the balancer's entry buys nothing: the right-most wins.
      expect(await health('127.0.0.2', '203.0.113.9, 198.51.100.1')).toBe(429);
      // A chain of trusted proxies is walked past to the client.
      expect(await health('127.0.0.2', '198.51.100.2, 127.0.0.2')).toBe(200);
    });

    it('ignores the header from a peer that is not a trusted proxy', async () => {
      collector = await startCollector({ database: await backend.database(tempDir()), addressRateLimit: limit, rateLimitClock: () => 0, trustedProxies: ['127.0.0.2'] });
      const seen: number[] = [];
      // A fresh made-up address each time: were the header believed, every request would pass.
      for (let i = 0; i < 5; i++) seen.push(await health('127.0.0.3', `198.51.100.${10 + i}`));
      expect(seen).toEqual([200, 200, 200, 429, 429]);
    });
  });

  describe('collector status pages', () => {
    const token = 'a-long-operator-token-0123456789';

    it('are off without an operator token', async () => {
      collector = await startCollector({ database: await backend.database(tempDir()) });
      for (const path of ['/', '/v1/status']) expect((await send(collector.url, { path })).status, path).toBe(404);
    });

    it('answer only the operator token (Bearer, or Basic with the token as password), and list nothing otherwise', async () => {
      collector = await startCollector({ database: await backend.database(tempDir()), statusToken: token });
      const kiosk = generateIdentity();
      await collector.db.registerKiosk(kiosk.kioskId, kiosk.publicKey, 'north gate');
      for (const path of ['/', '/v1/status']) {
        for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, `Basic ${Buffer.from('op:wrong').toString('base64')}`, token]) {
          const r = await send(collector.url, { path, headers: authorization ? { authorization } : {} });
          expect(r.status, `${path} ${authorization}`).toBe(401);
          expect(r.headers['www-authenticate']).toMatch(/^Basic /);
          expect(r.text).not.toContain(kiosk.kioskId);
          expect(r.text).not.toContain('north gate');
        }
        const bearer = await send(collector.url, { path, headers: { authorization: `Bearer ${token}` } });
        expect(bearer.status).toBe(200);
        expect(bearer.text).toContain(kiosk.kioskId);
        const basic = await send(collector.url, { path, headers: { authorization: `Basic ${Buffer.from(`operator:${token}`).toString('base64')}` } });
        expect(basic.status).toBe(200);
      }
    });
  });
});

describe('collector transport', () => {
  it('refuses plain http on a non-loopback address unless explicitly allowed, before touching the disk', async () => {
    const dir = tempDir();
    for (const host of ['0.0.0.0', '::', '192.0.2.10', 'collector.example']) {
      await expect(startCollector({ database: join(dir, 'c.sqlite3'), host }), host).rejects.toSatisfy((e: unknown) => e instanceof CollectorConfigError && e.reason === 'COLLECTOR_INSECURE');
    }
    expect(existsSync(join(dir, 'c.sqlite3'))).toBe(false);
    collector = await startCollector({ database: join(dir, 'c.sqlite3'), host: '0.0.0.0', allowInsecureHttp: true });
    expect(collector.url).toMatch(/^http:\/\/0\.0\.0\.0:/);
  });

  it('takes the client address from X-Forwarded-For only through trusted proxies', () => {
    const trusted = new Set(['10.0.0.5', '10.0.0.6']);
    expect(clientAddress('10.0.0.5', '192.0.2.7', trusted)).toBe('192.0.2.7');
    expect(clientAddress('::ffff:10.0.0.5', '192.0.2.7', trusted)).toBe('192.0.2.7');
    expect(clientAddress('10.0.0.5', ['192.0.2.1', '192.0.2.7, 10.0.0.6'], trusted)).toBe('192.0.2.7');
    expect(clientAddress('10.0.0.5', undefined, trusted)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', '10.0.0.6', trusted)).toBe('10.0.0.5');
    expect(clientAddress('10.0.0.5', 'not-an-address', trusted)).toBe('10.0.0.5');
    expect(clientAddress('192.0.2.9', '192.0.2.7', trusted)).toBe('192.0.2.9');
  });

  it('refuses a --trust-proxy that is not an IP address', async () => {
    const r = await runCli(['collector', 'serve', '--data-dir', tempDir(), '--port', '0', '--trust-proxy', '127.0.0.1', '--trust-proxy', 'balancer.example']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('BAD_REQUEST');
    expect(r.stderr).toContain('balancer.example');
  });

  it('counts 127.0.0.0/8, ::1 and localhost as loopback, nothing else', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', '::ffff:10.0.0.1', '']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('refuses the same through the command line, with the reason code', async () => {
    const r = await runCli(['collector', 'serve', '--data-dir', tempDir(), '--host', '0.0.0.0', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('COLLECTOR_INSECURE');
  });
});

/** Every directory and file under `root` (root included), with its permission bits. */
function modesUnder(root: string): { path: string; dir: boolean; mode: number }[] {
  const out = [{ path: root, dir: true, mode: statSync(root).mode & 0o777 }];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    const st = lstatSync(p);
    if (st.isDirectory()) out.push(...modesUnder(p));
    else out.push({ path: p, dir: false, mode: st.mode & 0o777 });
  }
  return out;
}

describe.skipIf(isWindows)('collector file modes', () => {
  it('makes its directory 0700 and its database, WAL and shared-memory files 0600', async () => {
    const root = join(tempDir(), 'collector');
    collector = await startCollector({ database: join(root, 'collector.sqlite3'), statusToken: loadOrCreateStatusToken(join(root, 'status-token')) });
    const kiosk = generateIdentity();
    await collector.db.registerKiosk(kiosk.kioskId, kiosk.publicKey, null);
    const s = signedBatch(kiosk, 'b1', entries(1, 3));
    expect((await send(collector.url, { method: 'POST', path: BATCHES_PATH, headers: s.headers, body: s.body })).status).toBe(200);
    const found = modesUnder(root);
    expect(found.map((f) => f.path.slice(root.length))).toEqual(expect.arrayContaining(['/collector.sqlite3', '/collector.sqlite3-wal', '/collector.sqlite3-shm', '/status-token']));
    for (const f of found) expect([f.path, f.mode.toString(8)]).toEqual([f.path, f.dir ? '700' : '600']);
  });

  it('tightens a directory and database an older version left readable by everyone', async () => {
    const data = tempDir();
    const root = join(data, 'collector');
    mkdirSync(root, { mode: 0o755 });
    chmodSync(root, 0o755);
    // An older collector's files: SQLite made them with the default 0644.
    const old = new Database(join(root, 'collector.sqlite3'));
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    for (const f of ['collector.sqlite3', 'collector.sqlite3-wal', 'collector.sqlite3-shm']) chmodSync(join(root, f), 0o644);
    const r = await runCli(['collector', 'kiosks', '--data-dir', data]);
    old.close();
    expect(r.code).toBe(0);
    for (const f of modesUnder(root)) expect([f.path, f.mode.toString(8)]).toEqual([f.path, f.dir ? '700' : '600']);
  });

  it('makes the status token file 0600 and keeps it across starts', () => {
    const file = join(tempDir(), 'collector', 'status-token');
    const token = loadOrCreateStatusToken(file);
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateStatusToken(file)).toBe(token);
  });
});
