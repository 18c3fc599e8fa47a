// The fleet console's login, sessions, CSRF, lockout and audit (docs/fleet.md) on each storage
// backend, over real HTTP on 127.0.0.1, with the collector's clock injected so expiry and lockout are
// played, not waited for. Kiosks report through the kiosk's own Heartbeater with real device keys.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from './server.js';
import { collectorBackends } from './testing/backends.js';
import { FLEET_PUSH_PATHS, hashOperatorPassword, operatorPasswordMatches, SESSION_COOKIE } from './console-http.js';
import { fleetKeySource, initFleetKey } from './fleet-config.js';
import { generateIdentity, type DeviceIdentity } from '../core/identity/device-key.js';
import { Heartbeater, type HeartbeatSnapshot } from '../core/upload/heartbeat.js';
import { sampleSnapshot } from './testing/snapshot.js';

const T0 = Date.UTC(2026, 11, 1, 8, 0, 0);
const PASSWORD = 'correct horse battery';
const BACKENDS = collectorBackends();

let dir: string;
let database: string;
let collector: RunningCollector;
let now: number;

interface Answer {
  status: number;
  json: Record<string, unknown> & { ok: boolean; reason?: string };
  headers: Headers;
}

async function call(path: string, init: { method?: string; cookie?: string | null; csrf?: string; origin?: string | null; body?: unknown; base?: string } = {}): Promise<Answer> {
  const base = init.base ?? collector.url;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.cookie) headers.cookie = `${SESSION_COOKIE}=${init.cookie}`;
  if (init.csrf) headers['x-csrf-token'] = init.csrf;
  if (init.origin !== null) headers.origin = init.origin ?? base;
  const res = await fetch(base + path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  return { status: res.status, json: (await res.json()) as Answer['json'], headers: res.headers };
}

async function login(name = 'alice', password = PASSWORD, extra: { origin?: string | null; base?: string } = {}): Promise<Answer & { cookie: string | null; csrf: string | null }> {
  const a = await call('/v1/console/login', { method: 'POST', body: { name, password }, ...extra });
  const setCookie = a.headers.get('set-cookie');
  const cookie = setCookie ? (new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(setCookie)?.[1] ?? null) : null;
  return { ...a, cookie, csrf: typeof a.json.csrf === 'string' ? a.json.csrf : null };
}

// One device is enough for the console's views.
const snapshot = (): HeartbeatSnapshot => sampleSnapshot(T0, { devices: [{ device: 'idcard', configured: true, connected: true, fault: null, lastError: null }] });

function heartbeater(id: DeviceIdentity): Heartbeater {
  return new Heartbeater({ collectorUrl: collector.url, identity: id, snapshot: async () => snapshot(), backlog: () => 0, intervalMs: 60_000, timeoutMs: 5_000, now: () => now });
}

describe.each(BACKENDS)('fleet console on $name', (backend) => {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'collector-console-'));
    now = T0;
    database = await backend.database(dir);
    collector = await startCollector({ database, clock: () => now });
    await collector.db.console.addOperator('alice', await hashOperatorPassword(PASSWORD), T0);
  });
  afterEach(async () => {
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hashes passwords with scrypt and a salt of their own', async () => {
    const a = await hashOperatorPassword(PASSWORD);
    const b = await hashOperatorPassword(PASSWORD);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(PASSWORD);
    expect(await operatorPasswordMatches(PASSWORD, a)).toBe(true);
    expect(await operatorPasswordMatches('correct horse battery!', a)).toBe(false);
  });

  it('logs in: an HttpOnly SameSite=Strict cookie kept only as its hash, a CSRF token, the fleet, and an audit row for each', async () => {
    const a = await login();
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ ok: true, operator: 'alice', idleMs: 30 * 60_000, absoluteMs: 12 * 3600_000 });
    const setCookie = a.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/); // plain http on loopback; Secure under TLS
    expect(a.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // Only the token's hash is stored: the database alone opens no session.
    expect(await collector.db.console.session(a.cookie!)).toBeNull();
    expect(await collector.db.console.session(createHash('sha256').update(a.cookie!).digest('hex'))).toMatchObject({ operator: 'alice', csrf: a.csrf });
    const s = await call('/v1/console/session', { cookie: a.cookie });
    expect(s.json).toMatchObject({ ok: true, operator: 'alice', csrf: a.csrf });
    const k = await call('/v1/console/kiosks?alert=silent', { cookie: a.cookie });
    expect(k.status).toBe(200);
    expect(k.headers.get('x-frame-options')).toBe('DENY');
    const audit = await collector.db.console.auditRows(10);
    expect(audit.map((r) => r.action)).toEqual(['view-kiosks', 'login-ok']);
    expect(audit[0]).toMatchObject({ operator: 'alice', at: T0, address: '127.0.0.1', detail: { alert: 'silent', venue: null, page: 1 } });
    expect((await collector.db.console.operators())[0]).toMatchObject({ name: 'alice', enabled: true, lastLoginAt: T0 });
    // Without the cookie: refused with the reason.
    expect((await call('/v1/console/kiosks')).json).toMatchObject({ ok: false, reason: 'CONSOLE_SESSION_REQUIRED' });
  });

  it('refuses a wrong password with the tries left, audits it without the password, and locks after five with a doubling wait', async () => {
    const wrong = await login('alice', 'wrong password 1');
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ reason: 'CONSOLE_LOGIN_FAILED', triesLeft: 4 });
    expect(wrong.cookie).toBeNull();
    for (let i = 2; i <= 5; i++) expect((await login('alice', `wrong password ${i}`)).json).toMatchObject({ reason: 'CONSOLE_LOGIN_FAILED', triesLeft: 5 - i });
    const sixth = await login('alice', 'wrong password 6');
    expect(sixth.status).toBe(429);
    expect(sixth.json).toMatchObject({ reason: 'CONSOLE_LOCKED', retryInMs: 30_000 });
    // Locked: even the right password is refused (and not checked) until the wait is over.
    now += 29_000;
    const early = await login();
    expect(early.json).toMatchObject({ reason: 'CONSOLE_LOCKED', retryInMs: 1_000 });
    expect(early.cookie).toBeNull();
    now += 1_000;
    // The next failure after the wait doubles it.
    expect((await login('alice', 'wrong password 7')).json).toMatchObject({ reason: 'CONSOLE_LOCKED', retryInMs: 60_000 });
    now += 60_000;
    const ok = await login();
    expect(ok.status).toBe(200);
    // A success clears the account's count: the next mistake is free again.
    expect((await login('alice', 'wrong again')).json).toMatchObject({ reason: 'CONSOLE_LOGIN_FAILED', triesLeft: 4 });
    const audit = await collector.db.console.auditRows(20);
    expect(audit.filter((r) => r.action === 'login-failed')).toHaveLength(8);
    expect(audit.filter((r) => r.action === 'login-locked')).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('wrong password');
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
  });

  it('counts an unknown name like a known one, and locks an address trying many names', async () => {
    for (let i = 1; i <= 5; i++) expect((await login('mallory', 'whatever pass')).json).toMatchObject({ reason: 'CONSOLE_LOGIN_FAILED', triesLeft: 5 - i });
    expect((await login('mallory', 'whatever pass')).json).toMatchObject({ reason: 'CONSOLE_LOCKED' });
    // Spraying names from one address: 20 failures over any names, then the address is locked too.
    for (let i = 7; i <= 20; i++) await login(`name${i}`, 'whatever pass');
    const locked = await login(`fresh-name`, 'whatever pass');
    expect(locked.json).toMatchObject({ reason: 'CONSOLE_LOCKED', retryInMs: 30_000 });
    expect((await login()).json).toMatchObject({ reason: 'CONSOLE_LOCKED' });
  });

  it('ends a session idle for more than 30 minutes, and any session after 12 hours', async () => {
    const a = await login();
    now += 30 * 60_000;
    expect((await call('/v1/console/session', { cookie: a.cookie })).status).toBe(200);
    now += 30 * 60_000 + 1;
    const idle = await call('/v1/console/session', { cookie: a.cookie });
    expect(idle.json).toMatchObject({ ok: false, reason: 'CONSOLE_SESSION_EXPIRED' });
    expect(idle.json.message).toMatch(/idle/);
    // Gone for good, not only refused once.
    expect((await call('/v1/console/session', { cookie: a.cookie })).json).toMatchObject({ reason: 'CONSOLE_SESSION_REQUIRED' });

    const b = await login();
    for (let i = 0; i < 12 * 3; i++) {
      now += 20 * 60_000;
      const r = await call('/v1/console/session', { cookie: b.cookie });
      if (i < 12 * 3 - 1) expect(r.status).toBe(200);
    }
    now += 1;
    const old = await call('/v1/console/session', { cookie: b.cookie });
    expect(old.json).toMatchObject({ reason: 'CONSOLE_SESSION_EXPIRED' });
    expect(old.json.message).toMatch(/12 hours/);
    expect((await collector.db.console.auditRows(5)).filter((r) => r.action === 'session-expired').map((r) => r.detail.why)).toEqual(['absolute', 'idle']);
  });

  it('refuses a POST without the session\'s CSRF token or from another origin', async () => {
    const a = await login();
    const noToken = await call('/v1/console/logout', { method: 'POST', cookie: a.cookie, body: {} });
    expect(noToken.status).toBe(403);
    expect(noToken.json).toMatchObject({ reason: 'CONSOLE_CSRF_INVALID' });
    expect((await call('/v1/console/logout', { method: 'POST', cookie: a.cookie, csrf: 'x'.repeat(32), body: {} })).json).toMatchObject({ reason: 'CONSOLE_CSRF_INVALID' });
    // The right token from a foreign page, or with neither Origin nor Referer: refused.
    expect((await call('/v1/console/logout', { method: 'POST', cookie: a.cookie, csrf: a.csrf!, origin: 'http://evil.example', body: {} })).json).toMatchObject({ reason: 'CONSOLE_ORIGIN_REFUSED' });
    expect((await call('/v1/console/logout', { method: 'POST', cookie: a.cookie, csrf: a.csrf!, origin: null, body: {} })).json).toMatchObject({ reason: 'CONSOLE_ORIGIN_REFUSED' });
    // A login posted from a foreign page (login CSRF) is refused before the password is looked at.
    expect((await login('alice', PASSWORD, { origin: 'http://evil.example' })).json).toMatchObject({ reason: 'CONSOLE_ORIGIN_REFUSED' });
    // None of that ended the session; the real logout does.
    expect((await call('/v1/console/session', { cookie: a.cookie })).status).toBe(200);
    const out = await call('/v1/console/logout', { method: 'POST', cookie: a.cookie, csrf: a.csrf!, body: {} });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/Max-Age=0/);
    expect((await call('/v1/console/session', { cookie: a.cookie })).json).toMatchObject({ reason: 'CONSOLE_SESSION_REQUIRED' });
    expect((await collector.db.console.auditRows(10)).map((r) => r.action)).toEqual(['logout', 'csrf-refused', 'csrf-refused', 'login-ok']);
  });

  it('shuts a disabled operator out: open sessions end, the right password is refused with the reason', async () => {
    const a = await login();
    expect(await collector.db.console.setOperatorEnabled('alice', false)).toBe(true);
    expect((await call('/v1/console/kiosks', { cookie: a.cookie })).status).toBe(401);
    const again = await login();
    expect(again.status).toBe(403);
    expect(again.json).toMatchObject({ reason: 'CONSOLE_ACCOUNT_DISABLED' });
    expect(again.cookie).toBeNull();
    // A wrong password for a disabled account says only "wrong": the state shows after the password.
    expect((await login('alice', 'not the password')).json).toMatchObject({ reason: 'CONSOLE_LOGIN_FAILED' });
  });

  it('accepts a session made by another collector process on the same database', async () => {
    const other = await startCollector({ database, clock: () => now });
    try {
      const a = await login('alice', PASSWORD, { base: other.url });
      expect(a.status).toBe(200);
      expect((await call('/v1/console/session', { cookie: a.cookie })).json).toMatchObject({ ok: true, operator: 'alice' });
    } finally {
      await other.close();
    }
  });

  it('lists kiosks with their alerts, filtered by alert: a kiosk that stops heartbeating turns silent', async () => {
    const north = generateIdentity();
    const south = generateIdentity();
    await collector.db.registerKiosk(north.kioskId, north.publicKey, 'north gate');
    await collector.db.registerKiosk(south.kioskId, south.publicKey, 'south gate');
    const hbNorth = heartbeater(north);
    const hbSouth = heartbeater(south);
    await hbNorth.sendNow();
    await hbSouth.sendNow();
    const a = await login();
    const all = await call('/v1/console/kiosks', { cookie: a.cookie });
    expect(all.json).toMatchObject({ total: 2, alertCounts: { silent: 0 } });
    // South stops; north goes on for six more minutes (silent after 5 by default).
    for (let i = 0; i < 6; i++) {
      now += 60_000;
      await hbNorth.sendNow();
    }
    const silent = await call('/v1/console/kiosks?alert=silent', { cookie: a.cookie });
    expect(silent.json).toMatchObject({ ok: true, total: 1, alertCounts: { silent: 1 } });
    expect((silent.json.kiosks as { kioskId: string; alerts: string[] }[]).map((k) => [k.kioskId, k.alerts])).toEqual([[south.kioskId, ['silent']]]);
    const bad = await call('/v1/console/kiosks?alert=bogus', { cookie: a.cookie });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ reason: 'FLEET_QUERY_INVALID' });
    await hbNorth.stop();
    await hbSouth.stop();
  });

  it('uses a fleet key made while the collector runs for the next push, without a restart, and answers how many known kiosks a push targets (0 for a venue nobody reported)', async () => {
    const file = join(dir, 'fleet-key.json');
    await collector.close();
    collector = await startCollector({ database, clock: () => now, fleetKey: fleetKeySource(file) });
    const a = await login();
    const push = (target: unknown) => call('/v1/console/fleet-config', { method: 'POST', cookie: a.cookie, csrf: a.csrf!, body: { target, assignments: ['policy.feverThresholdC=38.5'] } });
    expect((await call('/v1/console/session', { cookie: a.cookie })).json).toMatchObject({ fleetKey: false });
    expect((await push({ venueId: 'venue-north' })).json).toMatchObject({ ok: false, message: expect.stringContaining('fleet-key init') });
    // `kiosk collector fleet-key init` while serve runs: the same running collector signs with it.
    const key = initFleetKey(file);
    expect((await call('/v1/console/session', { cookie: a.cookie })).json).toMatchObject({ fleetKey: true });
    expect((await push({ venueId: 'venue-north' })).json).toMatchObject({ ok: true, revision: 1, targets: 0 });
    expect((await collector.db.fleetConfig.recent(1))[0]!.jws).toContain('.');
    expect(key.created).toBe(true);
    // A kiosk reports venue-north: the venue counts it, its id counts it, a typo counts none.
    const k = generateIdentity();
    await collector.db.registerKiosk(k.kioskId, k.publicKey, 'north gate');
    await heartbeater(k).sendNow();
    expect((await push({ venueId: 'venue-north' })).json).toMatchObject({ ok: true, revision: 2, targets: 1 });
    expect((await push({ venueId: 'no-such-venue' })).json).toMatchObject({ ok: true, revision: 3, targets: 0 });
    expect((await push({ kioskIds: [k.kioskId, 'nobody'] })).json).toMatchObject({ ok: true, targets: 1 });
    // Groups are declared by kiosks when they fetch: the collector cannot count them.
    expect((await push({ group: 'lobby' })).json).toMatchObject({ ok: true, targets: null });
    // The list says which revision was pushed for each kiosk (by id or venue): here its ids' push, 4.
    const rows = (await call('/v1/console/kiosks', { cookie: a.cookie })).json.kiosks as { kioskId: string; pushedRevision: number | null }[];
    expect(rows.find((r) => r.kioskId === k.kioskId)?.pushedRevision).toBe(4);
  });

  it('pushes a signed fleet configuration from a session (CSRF and origin checked, audited), refuses a forbidden path or a bad value with its reason, and lists what each kiosk applied or refused', async () => {
    const a = await login();
    const push = (body: unknown, extra: { csrf?: string; origin?: string | null } = {}) => call('/v1/console/fleet-config', { method: 'POST', cookie: a.cookie, csrf: a.csrf!, body, ...extra });
    const fever = { target: { venueId: 'venue-north' }, assignments: ['policy.feverThresholdC=38.5'], validHours: 48 };
    // No fleet key on this collector: refused, nothing signed.
    expect((await push(fever)).json).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringContaining('fleet-key init') });
    await collector.close();
    collector = await startCollector({ database, clock: () => now, fleetKey: initFleetKey(join(dir, 'fleet-key.json')) });
    const s = await call('/v1/console/session', { cookie: a.cookie });
    expect(s.json).toMatchObject({ fleetKey: true, fleetPaths: expect.arrayContaining(['policy.feverThresholdC', 'checkpoint.collectWindowMs']) });
    expect(FLEET_PUSH_PATHS.every((p) => /^(policy|checkpoint)\./.test(p))).toBe(true);
    // A console action: without the CSRF token or from another origin it is refused before anything is signed.
    expect((await push(fever, { csrf: 'wrong-token-wrong-token' })).json).toMatchObject({ reason: 'CONSOLE_CSRF_INVALID' });
    expect((await push(fever, { origin: 'http://evil.example' })).json).toMatchObject({ reason: 'CONSOLE_ORIGIN_REFUSED' });
    expect(await collector.db.fleetConfig.maxRevision()).toBe(0);
    const ok = await push(fever);
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ ok: true, revision: 1, target: { venueId: 'venue-north' }, changes: [{ path: 'policy.feverThresholdC', value: 38.5 }], validTo: new Date(now + 48 * 3600_000).toISOString() });
    expect((await collector.db.fleetConfig.recent(5)).map((r) => [r.revision, r.target, r.pushedBy])).toEqual([[1, { venueId: 'venue-north' }, 'console:alice']]);
    expect((await collector.db.console.auditRows(1))[0]).toMatchObject({ operator: 'alice', action: 'fleet-config-pushed', detail: { revision: 1, target: { venueId: 'venue-north' }, changes: [{ path: 'policy.feverThresholdC', value: 38.5 }] } });
    // Refusals: the reason code and message, an audit row, and no revision taken.
    const forbidden = await push({ target: { group: 'lobby' }, assignments: ['devices.thermometer.port=/dev/ttyS9'] });
    expect(forbidden.status).toBe(400);
    expect(forbidden.json).toMatchObject({ ok: false, reason: 'FLEET_CONFIG_FORBIDDEN_PATH', message: expect.stringContaining('devices.thermometer.port') });
    expect((await collector.db.console.auditRows(1))[0]).toMatchObject({ action: 'fleet-config-refused', detail: { reason: 'FLEET_CONFIG_FORBIDDEN_PATH', target: { group: 'lobby' } } });
    expect((await push({ target: { kioskIds: ['k1'] }, assignments: ['policy.feverThresholdC="hot"'] })).json).toMatchObject({ reason: 'CONFIG_INVALID', message: expect.stringContaining('feverThresholdC') });
    expect((await push({ target: { venueId: '' }, assignments: ['policy.feverThresholdC=38'] })).json).toMatchObject({ reason: 'CONSOLE_REQUEST_INVALID' });
    expect(await collector.db.fleetConfig.maxRevision()).toBe(1);
    // The list: the revision each kiosk's latest heartbeat applied, and a refusal with its reason.
    const k = generateIdentity();
    await collector.db.registerKiosk(k.kioskId, k.publicKey, 'north gate');
    let fleetConfig: HeartbeatSnapshot['fleetConfig'] = { revision: 1 };
    const hb = new Heartbeater({ collectorUrl: collector.url, identity: k, snapshot: async () => ({ ...snapshot(), fleetConfig }), backlog: () => 0, intervalMs: 60_000, timeoutMs: 5_000, now: () => now });
    const listed = async () => ((await call('/v1/console/kiosks', { cookie: a.cookie })).json.kiosks as { kioskId: string; fleetConfig: unknown }[]).find((r) => r.kioskId === k.kioskId)?.fleetConfig;
    await hb.sendNow();
    expect(await listed()).toEqual({ revision: 1, refused: null });
    now += 60_000;
    fleetConfig = { revision: 1, refused: { revision: 2, reason: 'FLEET_CONFIG_EXPIRED' } };
    await hb.sendNow();
    expect(await listed()).toEqual({ revision: 1, refused: { revision: 2, reason: 'FLEET_CONFIG_EXPIRED' } });
    await hb.stop();
  });

  it('counts entries per venue and hour over the last 24 hours', async () => {
    const k = generateIdentity();
    await collector.db.registerKiosk(k.kioskId, k.publicKey, null);
    const at = (h: number, m: number) => T0 - h * 3600_000 + m * 60_000;
    const entries = [
      { s: 1, id: 'e1', t: at(2, 5), r: { venueId: 'venue-a' } },
      { s: 2, id: 'e2', t: at(2, 40), r: { venueId: 'venue-a' } },
      { s: 3, id: 'e3', t: at(1, 10), r: { venueId: 'venue-b' } },
      { s: 4, id: 'e4', t: at(30, 0), r: { venueId: 'venue-a' } }, // older than a day: not counted
    ];
    await collector.db.storeBatch({ v: 1, kioskId: k.kioskId, batchId: 'b1', firstSeq: 1, lastSeq: 4, backlog: 0, entries } as never, () => null);
    const a = await login();
    const c = await call('/v1/console/entries-per-hour?hours=24', { cookie: a.cookie });
    expect(c.status).toBe(200);
    const hours = c.json.hours as string[];
    expect(hours).toHaveLength(24);
    const venues = c.json.venues as { venueId: string; counts: number[]; total: number }[];
    const a2 = venues.find((v) => v.venueId === 'venue-a')!;
    const b = venues.find((v) => v.venueId === 'venue-b')!;
    expect(a2.total).toBe(2);
    expect(b.total).toBe(1);
    expect(a2.counts[hours.indexOf(new Date(T0 - 2 * 3600_000).toISOString())]).toBe(2);
    expect(b.counts[hours.indexOf(new Date(T0 - 3600_000).toISOString())]).toBe(1);
    expect((await collector.db.console.auditRows(1))[0]).toMatchObject({ action: 'view-entries-per-hour', detail: { hours: 24 } });
  });

  it('serves the page from its own origin with a strict CSP and no framing', async () => {
    const res = await fetch(`${collector.url}/console`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(html).toContain('<script type="module" src="/console/app.js">');
    expect(html).not.toMatch(/<script>|https?:\/\//);
    expect(html).toContain('id="config-push"');
    const js = await fetch(`${collector.url}/console/app.js`);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(await js.text()).toContain('/v1/console/');
    expect((await fetch(`${collector.url}/console/../server.ts`)).status).toBe(404);
  });
});
