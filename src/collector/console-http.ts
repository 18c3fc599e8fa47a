// The fleet console over HTTP (docs/fleet.md): the page at /console (static files from
// src/collector/console/, no CDN) and its JSON API under /v1/console/*, for operators with an
// account (`kiosk collector operator add`).
//
// - Passwords: scrypt with a random salt per account; a login with an unknown name costs the same
//   scrypt, so timing does not tell which names exist.
// - Lockout: failures counted in the database per account and per address (console-store.ts), so
//   every collector process on one PostgreSQL database counts the same tries; after the free tries
//   each failure doubles the wait. A locked login is refused before its password is checked.
// - Sessions: a random token in an HttpOnly, SameSite=Strict cookie (Secure under TLS), kept only
//   as its SHA-256 in the database (a copy of the database opens no session); idle and absolute
//   expiry on the collector's clock.
// - CSRF: every POST needs the session's synchronizer token in a header and an Origin (or Referer)
//   naming this host; SameSite=Strict alone is not relied upon.
// - Every login, failure, lockout, logout and view is an audit row (who, when, what, from where);
//   the console shows no personal data, and the rows carry none.
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { CollectorReason, FleetConfigReason } from '../contract/reasons.js';
import { fleetQuerySchema, type FleetKiosk, type FleetThresholds } from './fleet.js';
import type { CollectorStorage } from './storage.js';
import type { ConsoleAuditRow } from './console-store.js';
import { bundleFor, knownTargetCount, pushFleetConfig, type FleetKey } from './fleet-config.js';
import { changesFromAssignments } from '../core/fleet/bundle.js';
import { checkpointConfigSchema, venuePolicySchema } from '../contract/config.js';

export const CONSOLE_PAGE_PATH = '/console';
export const CONSOLE_API_PREFIX = '/v1/console/';
export const SESSION_COOKIE = 'fleet_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface ConsolePolicy {
  idleMs: number;
  absoluteMs: number;
  /** Failures of one account before the first lock. */
  accountFreeTries: number;
  /** Failures from one address (over any names) before the first lock: several operators may share one. */
  addressFreeTries: number;
  /** The first lock; each further failure doubles it, up to maxLockMs. */
  baseLockMs: number;
  maxLockMs: number;
  /** A count with no failure for this long starts afresh. */
  forgetAfterMs: number;
}

export const DEFAULT_CONSOLE_POLICY: ConsolePolicy = {
  idleMs: 30 * 60_000,
  absoluteMs: 12 * 3600_000,
  accountFreeTries: 5,
  addressFreeTries: 20,
  baseLockMs: 30_000,
  maxLockMs: 3600_000,
  forgetAfterMs: 24 * 3600_000,
};

/** A session's last use is written at most this often (its idle limit is minutes). */
const TOUCH_EVERY_MS = 60_000;

// As the kiosk's admin PIN (src/core/checkpoint/admin-pin.ts): N = 2^14, r = 8, p = 1, 32 bytes.
const SCRYPT = { N: 1 << 14, r: 8, p: 1 } as const;
const scrypt = (password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(password, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))));

/** `scrypt$N$r$p$salt$hash` (base64url): the parameters travel with the hash, so they can grow later. */
export async function hashOperatorPassword(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  const key = await scrypt(password, salt, SCRYPT);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function operatorPasswordMatches(password: string, stored: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return false;
  const want = Buffer.from(m[5]!, 'base64url');
  const got = await scrypt(password, Buffer.from(m[4]!, 'base64url'), { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]), maxmem: 64 * 1024 * 1024 });
  return got.length === want.length && timingSafeEqual(got, want);
}

/** Operator names: short, printable, no spaces (they appear in audit rows and the CLI). */
export const operatorNameSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'an operator name is 1 to 64 letters, digits, . _ @ or -');
/** At least 10 characters: the lockout slows guessing at the door, the length guards a stolen database. */
export const operatorPasswordSchema = z.string().min(10, 'a password has at least 10 characters').max(1024, 'a password has at most 1024 characters');

const loginSchema = z.strictObject({ name: z.string().max(200), password: z.string().max(1024) });
const hoursSchema = z.strictObject({ hours: z.coerce.number().int().min(1).max(168).default(24) });

/**
 * The paths a fleet bundle may carry (docs/upload-protocol.md §12 allow-list: policy.* and
 * checkpoint.*), offered by the page's path picker. Anything else typed there is still sent, and the
 * collector refuses it with FLEET_CONFIG_FORBIDDEN_PATH exactly as the CLI would.
 */
export const FLEET_PUSH_PATHS: readonly string[] = [
  ...Object.keys(venuePolicySchema.shape).map((k) => `policy.${k}`),
  ...Object.keys(checkpointConfigSchema.shape).map((k) => `checkpoint.${k}`),
];

/** The console's push (docs/fleet.md "Configuration push"): `path=value` rows as the CLI takes them. */
const pushSchema = z.strictObject({
  target: z.union([
    z.strictObject({ venueId: z.string().trim().min(1).max(64) }),
    z.strictObject({ kioskIds: z.array(z.string().trim().min(1).max(64)).min(1).max(1000) }),
    z.strictObject({ group: z.string().trim().min(1).max(64) }),
  ]),
  assignments: z.array(z.string().max(2000)).min(1).max(50),
  /** How long the bundle stays valid from now; a kiosk refuses it after (FLEET_CONFIG_EXPIRED). */
  validHours: z.number().int().min(1).max(24 * 366).default(24 * 365),
});

// Scrypt of an unknown name's attempt runs against this, so it costs what a known name costs.
const DUMMY_HASH = hashOperatorPassword('not a password of anyone', Buffer.alloc(16));

export interface ConsoleDeps {
  db: CollectorStorage;
  clock: () => number;
  thresholds: FleetThresholds;
  /** Served over https: the cookie is Secure. */
  secure: boolean;
  policy?: Partial<ConsolePolicy>;
  log: (line: string) => void;
  /**
   * The collector's fleet key, asked on each push (read when the file changes: no restart after
   * `fleet-key init`); undefined: the push is refused (no key to sign with).
   */
  fleetKey?: () => FleetKey | undefined;
}

class ConsoleRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: CollectorReason | FleetConfigReason | 'BAD_REQUEST',
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const SECURITY_HEADERS: Record<string, string> = {
  // Our own script and stylesheet only: no inline script, no CDN, no framing.
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const STATIC: Record<string, { file: string; type: string }> = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/console/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** Whether `path` belongs to the console (the server routes it here). */
export function isConsolePath(path: string): boolean {
  return path === CONSOLE_PAGE_PATH || path.startsWith(`${CONSOLE_PAGE_PATH}/`) || path.startsWith(CONSOLE_API_PREFIX);
}

export function consoleHandler(deps: ConsoleDeps): (req: IncomingMessage, res: ServerResponse, path: string, address: string) => Promise<void> {
  const policy: ConsolePolicy = { ...DEFAULT_CONSOLE_POLICY, ...deps.policy };
  const store = deps.db.console;
  const now = () => Math.floor(deps.clock());
  const files = new Map<string, Buffer>();
  const audit = (row: Omit<ConsoleAuditRow, 'at'>) => store.audit({ at: now(), ...row });

  async function staticFile(path: string, res: ServerResponse): Promise<void> {
    const f = STATIC[path];
    if (!f) throw new ConsoleRefusal(404, 'BAD_REQUEST', 'no such page');
    let body = files.get(f.file);
    if (!body) {
      body = await readFile(new URL(`./console/${f.file}`, import.meta.url));
      files.set(f.file, body);
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': f.type, 'content-length': String(body.length) }).end(body);
  }

  /** POSTs come from a page of this very host: Origin (or, without one, Referer) must name it. */
  function currentFleetKey(): FleetKey | undefined {
    try {
      return deps.fleetKey?.();
    } catch (err) {
      throw new ConsoleRefusal(500, 'BAD_REQUEST', `cannot read the fleet key: ${(err as Error).message}`);
    }
  }

  function checkOrigin(req: IncomingMessage): void {
    const host = req.headers.host;
    const claimed = first(req.headers.origin) ?? first(req.headers.referer);
    let ok = false;
    if (claimed && host) {
      try {
        const u = new URL(claimed);
        ok = u.host === host && u.protocol === (deps.secure ? 'https:' : 'http:');
      } catch {
        ok = false;
      }
    }
    if (!ok) throw new ConsoleRefusal(403, 'CONSOLE_ORIGIN_REFUSED', 'this request did not come from the console page of this collector');
  }

  function lockMs(failures: number, free: number): number {
    if (failures <= free) return 0;
    return Math.min(policy.maxLockMs, policy.baseLockMs * 2 ** (failures - free - 1));
  }

  async function login(req: IncomingMessage, res: ServerResponse, address: string): Promise<void> {
    checkOrigin(req);
    const parsed = loginSchema.safeParse(await readJson(req));
    if (!parsed.success) throw new ConsoleRefusal(400, 'CONSOLE_REQUEST_INVALID', 'the login needs a name and a password');
    const name = parsed.data.name.trim();
    const nameKey = `op:${name.slice(0, 64)}`;
    const addrKey = `addr:${address}`;
    const t = now();
    const locked = Math.max(await store.lockedUntil(nameKey), await store.lockedUntil(addrKey));
    if (locked > t) {
      await audit({ operator: name.slice(0, 64), action: 'login-locked', detail: { retryInMs: locked - t }, address });
      throw new ConsoleRefusal(429, 'CONSOLE_LOCKED', `too many failed logins: locked for ${Math.ceil((locked - t) / 1000)} s`, { retryInMs: locked - t });
    }
    const account = operatorNameSchema.safeParse(name).success ? await store.operatorForLogin(name) : null;
    const matches = await operatorPasswordMatches(parsed.data.password, account?.passwordHash ?? (await DUMMY_HASH));
    if (!account || !matches) {
      const forget = t - policy.forgetAfterMs;
      const f = await store.countFailure(nameKey, t, forget);
      const fa = await store.countFailure(addrKey, t, forget);
      const wait = Math.max(lockMs(f, policy.accountFreeTries), lockMs(fa, policy.addressFreeTries));
      if (lockMs(f, policy.accountFreeTries) > 0) await store.lock(nameKey, t + lockMs(f, policy.accountFreeTries));
      if (lockMs(fa, policy.addressFreeTries) > 0) await store.lock(addrKey, t + lockMs(fa, policy.addressFreeTries));
      await audit({ operator: name.slice(0, 64), action: 'login-failed', detail: { failures: f, lockedMs: wait }, address });
      if (wait > 0) throw new ConsoleRefusal(429, 'CONSOLE_LOCKED', `wrong name or password; too many failed logins: locked for ${Math.ceil(wait / 1000)} s`, { retryInMs: wait });
      throw new ConsoleRefusal(401, 'CONSOLE_LOGIN_FAILED', 'wrong name or password', { triesLeft: Math.max(0, policy.accountFreeTries - f) });
    }
    if (!account.enabled) {
      await audit({ operator: account.name, action: 'login-disabled', detail: {}, address });
      throw new ConsoleRefusal(403, 'CONSOLE_ACCOUNT_DISABLED', 'this operator account is disabled');
    }
    await store.clearFailures(nameKey);
    const token = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    await store.createSession({ tokenHash: tokenHash(token), operator: account.name, csrf, now: t, address });
    await store.loggedIn(account.name, t);
    await audit({ operator: account.name, action: 'login-ok', detail: {}, address });
    const cookie = `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(policy.absoluteMs / 1000)}${deps.secure ? '; Secure' : ''}`;
    send(res, 200, { ok: true, operator: account.name, csrf, idleMs: policy.idleMs, absoluteMs: policy.absoluteMs }, { 'set-cookie': cookie });
  }

  /** The request's session, checked for expiry (and, on POST, for its CSRF token and origin). */
  async function requireSession(req: IncomingMessage, address: string): Promise<{ hash: string; operator: string; csrf: string }> {
    const token = cookieOf(req, SESSION_COOKIE);
    if (!token) throw new ConsoleRefusal(401, 'CONSOLE_SESSION_REQUIRED', 'log in first');
    const hash = tokenHash(token);
    const s = await store.session(hash);
    if (!s) throw new ConsoleRefusal(401, 'CONSOLE_SESSION_REQUIRED', 'log in first (this session ended)');
    const t = now();
    if (!s.enabled) {
      await store.deleteSession(hash);
      throw new ConsoleRefusal(401, 'CONSOLE_ACCOUNT_DISABLED', 'this operator account is disabled');
    }
    const idle = t - s.lastSeenAt > policy.idleMs;
    if (idle || t - s.createdAt > policy.absoluteMs) {
      await store.deleteSession(hash);
      await audit({ operator: s.operator, action: 'session-expired', detail: { why: idle ? 'idle' : 'absolute' }, address });
      throw new ConsoleRefusal(401, 'CONSOLE_SESSION_EXPIRED', idle ? `the session was idle for more than ${policy.idleMs / 60_000} minutes: log in again` : `the session is older than ${policy.absoluteMs / 3600_000} hours: log in again`);
    }
    if (req.method === 'POST') {
      checkOrigin(req);
      const presented = first(req.headers[CSRF_HEADER]) ?? '';
      const a = createHash('sha256').update(presented).digest();
      const b = createHash('sha256').update(s.csrf).digest();
      if (!presented || !timingSafeEqual(a, b)) {
        await audit({ operator: s.operator, action: 'csrf-refused', detail: {}, address });
        throw new ConsoleRefusal(403, 'CONSOLE_CSRF_INVALID', 'this request lacks the console page\'s CSRF token');
      }
    }
    // Idle time is kept to the minute: a write (an fsync on SQLite) per view would double the cost
    // of every page for a precision nobody needs.
    if (t - s.lastSeenAt >= TOUCH_EVERY_MS) await store.touchSession(hash, t);
    return { hash, operator: s.operator, csrf: s.csrf };
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string, address: string): Promise<void> {
    const route = path.slice(CONSOLE_API_PREFIX.length);
    if (req.method === 'POST' && route === 'login') return login(req, res, address);
    const s = await requireSession(req, address);
    const params = Object.fromEntries(new URL(req.url ?? '/', 'http://collector').searchParams);
    if (req.method === 'GET' && route === 'session') {
      return send(res, 200, { ok: true, operator: s.operator, csrf: s.csrf, idleMs: policy.idleMs, thresholds: deps.thresholds, fleetPaths: FLEET_PUSH_PATHS, fleetKey: Boolean(currentFleetKey()) });
    }
    if (req.method === 'POST' && route === 'logout') {
      await store.deleteSession(s.hash);
      await audit({ operator: s.operator, action: 'logout', detail: {}, address });
      return send(res, 200, { ok: true }, { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${deps.secure ? '; Secure' : ''}` });
    }
    if (req.method === 'GET' && route === 'kiosks') {
      const q = fleetQuerySchema.safeParse(params);
      if (!q.success) {
        const i = q.error.issues[0];
        throw new ConsoleRefusal(400, 'FLEET_QUERY_INVALID', i ? `${i.path.join('.') || 'query'}: ${i.message}` : 'invalid query');
      }
      const t = now();
      const page = await deps.db.fleet({ now: t, thresholds: deps.thresholds, venue: q.data.venue ?? null, alert: q.data.alert ?? null, page: q.data.page, pageSize: q.data.pageSize });
      await audit({ operator: s.operator, action: 'view-kiosks', detail: { venue: q.data.venue ?? null, alert: q.data.alert ?? null, page: q.data.page, pageSize: q.data.pageSize }, address });
      // The newest bundle naming each kiosk (by id or its reported venue; groups only a kiosk declares
      // when it fetches): the page says "pushed N, not yet applied" while its heartbeat reports less.
      const bundles = await deps.db.fleetConfig.recent(1000);
      const pushedFor = (k: FleetKiosk) => bundleFor(bundles, { kioskId: k.kioskId, kioskIds: [k.kioskId], venueIds: k.venueId ? [k.venueId] : [], groups: [] })?.revision ?? null;
      return send(res, 200, { ok: true, now: new Date(t).toISOString(), thresholds: deps.thresholds, ...page, kiosks: page.kiosks.map((k) => ({ ...kioskJson(k), pushedRevision: pushedFor(k) })) });
    }
    if (req.method === 'GET' && route === 'entries-per-hour') {
      const q = hoursSchema.safeParse(params);
      if (!q.success) throw new ConsoleRefusal(400, 'CONSOLE_REQUEST_INVALID', 'hours: a whole number from 1 to 168');
      const t = now();
      const to = (Math.floor(t / 3600_000) + 1) * 3600_000;
      const from = to - q.data.hours * 3600_000;
      const rows = await store.entriesPerHour(from, to);
      await audit({ operator: s.operator, action: 'view-entries-per-hour', detail: { hours: q.data.hours }, address });
      const hours = Array.from({ length: q.data.hours }, (_, i) => from + i * 3600_000);
      const venues = new Map<string, number[]>();
      for (const r of rows) {
        const key = r.venueId ?? '';
        if (!venues.has(key)) venues.set(key, hours.map(() => 0));
        const i = (r.hour - from) / 3600_000;
        if (i >= 0 && i < hours.length) venues.get(key)![i]! += r.count;
      }
      return send(res, 200, {
        ok: true,
        hours: hours.map((h) => new Date(h).toISOString()),
        venues: [...venues].map(([venueId, counts]) => ({ venueId: venueId || null, counts, total: counts.reduce((a, b) => a + b, 0) })),
      });
    }
    if (req.method === 'POST' && route === 'fleet-config') {
      // A push is a console action like any other: session, CSRF and Origin checked above; audited
      // with who, the target, the paths and values (venue policy, no personal data) and the outcome.
      const parsed = pushSchema.safeParse(await readJson(req));
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new ConsoleRefusal(400, 'CONSOLE_REQUEST_INVALID', i ? `${i.path.join('.') || 'request'}: ${i.message}` : 'invalid push');
      }
      const { target, assignments, validHours } = parsed.data;
      const refuse = async (reason: FleetConfigReason | 'BAD_REQUEST', message: string): Promise<never> => {
        await audit({ operator: s.operator, action: 'fleet-config-refused', detail: { target, assignments, reason }, address });
        throw new ConsoleRefusal(reason === 'BAD_REQUEST' ? 404 : 400, reason, message);
      };
      const fleetKey = currentFleetKey();
      if (!fleetKey) return refuse('BAD_REQUEST', 'this collector has no fleet key (kiosk collector fleet-key init)');
      const changes = changesFromAssignments(assignments);
      if (!changes.ok) return refuse(changes.reason, changes.message);
      const t = now();
      const pushed = await pushFleetConfig(deps.db, fleetKey, { target, changes: changes.value, by: `console:${s.operator}`, validFrom: t, validTo: t + validHours * 3600_000 }, t);
      if (!pushed.ok) return refuse(pushed.reason, pushed.message);
      const paths = Object.entries(pushed.bundle.changes).flatMap(([section, values]) => Object.entries(values ?? {}).map(([k, v]) => ({ path: `${section}.${k}`, value: v })));
      await audit({ operator: s.operator, action: 'fleet-config-pushed', detail: { revision: pushed.revision, target, changes: paths, validTo: pushed.bundle.validTo }, address });
      deps.log(`fleet config revision ${pushed.revision} signed from the console by ${s.operator}: ${paths.map((p) => p.path).join(', ')}`);
      // How many kiosks it names now (null for a group, which only kiosks declare): 0 is what a typo
      // looks like, shown in amber on the page; still signed, since a kiosk may report later.
      const targets = await knownTargetCount(deps.db, pushed.bundle.target, t, deps.thresholds);
      return send(res, 200, { ok: true, revision: pushed.revision, target: pushed.bundle.target, targets, changes: paths, validFrom: new Date(pushed.bundle.validFrom).toISOString(), validTo: new Date(pushed.bundle.validTo).toISOString() });
    }
    if (req.method === 'GET' && route === 'audit') {
      const rows = await store.auditRows(100);
      return send(res, 200, { ok: true, rows: rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })) });
    }
    throw new ConsoleRefusal(404, 'BAD_REQUEST', 'no such console endpoint');
  }

  return async (req, res, path, address) => {
    try {
      if (path.startsWith(CONSOLE_API_PREFIX)) await api(req, res, path, address);
      else if (req.method === 'GET') await staticFile(path, res);
      else throw new ConsoleRefusal(405, 'BAD_REQUEST', 'the console page is read with GET');
    } catch (err) {
      if (err instanceof ConsoleRefusal) {
        if (!res.headersSent) send(res, err.status, { ok: false, reason: err.reason, message: err.message, ...err.extra }, err.status === 429 && typeof err.extra.retryInMs === 'number' ? { 'retry-after': String(Math.ceil(err.extra.retryInMs / 1000)) } : {});
        return;
      }
      deps.log(`${req.method} ${path} -> 500 COLLECTOR_ERROR ${(err as Error).message}`);
      if (!res.headersSent) send(res, 500, { ok: false, reason: 'COLLECTOR_ERROR', message: 'internal error' });
    }
  };
}

function kioskJson(k: FleetKiosk): Record<string, unknown> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return { ...k, lastHeartbeatAt: iso(k.lastHeartbeatAt), lastUploadAt: iso(k.lastUploadAt) };
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export function cookieOf(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(v) ? v : null;
    }
  }
  return null;
}

function send(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), ...headers }).end(body);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 16 * 1024) {
        req.removeAllListeners('data');
        req.pause();
        reject(new ConsoleRefusal(413, 'CONSOLE_REQUEST_INVALID', 'the request is too large'));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new ConsoleRefusal(400, 'CONSOLE_REQUEST_INVALID', 'the body is not JSON'));
      }
    });
    req.on('error', () => reject(new ConsoleRefusal(400, 'CONSOLE_REQUEST_INVALID', 'the request was cut off')));
  });
}
