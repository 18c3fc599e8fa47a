// The integrator's trust setup on a real kiosk service: a real config.json, a real ListCache on disk
// with lists signed by the demo PKI's root (and by a second, unrelated root), a real SQLite entry log
// for the audit rows, a real HTTP collector on 127.0.0.1 for "sync now"; only time is a ManualClock.
// Calls go through the hosts' dispatcher, so requests and answers are checked against the contract.
import { createHash, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallContext, KioskEvent, MethodName, MethodRequest, MethodResponse, Result } from '../../contract/api.js';
import { LIST_IMPORT_PART_CHARS } from '../../contract/api.js';
import { dispatchCall } from '../../contract/dispatch.js';
import { base64urlDecode } from '../../base/base64url.js';
import { ListCache } from '../codes/list-cache.js';
import { signJws } from '../codes/lists.js';
import { makeDemoPki, type DemoPki } from '../codes/pki.js';
import { loadConfig, saveConfig } from '../config/config.js';
import { hashAdminPin } from '../checkpoint/admin-pin.js';
import { ManualClock } from '../checkpoint/clock.js';
import { createCheckpointService, type CheckpointService } from '../checkpoint/service.js';
import { EntryStore } from '../store/entry-store.js';
import { listCacheInstaller, syncLists } from '../upload/list-sync.js';
import { LIST_PATHS } from '../upload/protocol.js';
import { parseRootInput, TRUST_SETUP_AUDIT } from './trust-setup-methods.js';

const T0 = Date.UTC(2026, 10, 21, 9, 0, 0);
const now = Math.floor(T0 / 1000);
const screen: CallContext = { host: 'browser', clientId: 'ws-integrator' };
const ADMIN_PIN = '2468';
const INTEGRATOR_PIN = '8642';
const pki = makeDemoPki({ seed: 'trust-setup-tests', now });
/** A second national root (a rotation's new root), unrelated to the demo's. */
const other = makeDemoPki({ seed: 'trust-setup-tests-other-root', now, trustListSeq: 5 });

const sha256Of = (pub: string) => createHash('sha256').update(base64urlDecode(pub)!).digest('hex');

/** A trust list like the demo's, with `seq`, signed by `by`'s root. */
function trustListOf(by: DemoPki, seq: number, change: Record<string, unknown> = {}): string {
  const payload = JSON.parse(Buffer.from(by.trustListJws.split('.')[1]!, 'base64url').toString('utf8')) as { seq: number };
  return signJws({ ...payload, seq, ...change }, 'trust', { rootSecretKey: by.root.secretKey, rootPublicKey: by.root.publicKey });
}

/** The same list with its payload changed after signing: the signature no longer covers it. */
function forged(jws: string, seq: number): string {
  const [h, p, s] = jws.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { seq: number };
  return `${h}.${Buffer.from(JSON.stringify({ ...payload, seq })).toString('base64url')}.${s}`;
}

interface Rig {
  dir: string;
  lists: ListCache;
  store: EntryStore;
  cp: CheckpointService;
  events: KioskEvent[];
  logs: string[];
  call<M extends MethodName>(method: M, request: Omit<MethodRequest<M>, 'session'>, session: string): Promise<Result<MethodResponse<M>>>;
  open(pin?: string): Promise<string>;
  close(): void;
}

let rig: Rig | null = null;
let server: Server | null = null;
afterEach(async () => {
  rig?.close();
  rig = null;
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = null;
});

/** A kiosk whose config pins `roots` and whose cache holds the demo lists (installed under the demo root). */
function makeRig(options: { roots?: DemoPki['roots']; listSync?: Parameters<typeof createCheckpointService>[0]['listSync'] } = {}): Rig {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-trust-setup-'));
  // The lists were cached under the demo root (as `kiosk pki demo --install` leaves them).
  const seed = new ListCache(dir, pki.roots).load();
  seed.installTrust(pki.trustListJws);
  seed.installStatus(pki.statusListJws);
  saveConfig(dir, { kioskId: 'kiosk-trust', roots: options.roots ?? pki.roots, admin: { pin: hashAdminPin(ADMIN_PIN), integratorPin: hashAdminPin(INTEGRATOR_PIN) } });
  const config = loadConfig(dir);
  const lists = new ListCache(dir, config.roots).load();
  const store = EntryStore.open(dir);
  const events: KioskEvent[] = [];
  const logs: string[] = [];
  const cp = createCheckpointService({
    config,
    store,
    lists,
    devices: null,
    clock: new ManualClock(T0),
    configFile: { dataDir: dir },
    listSync: options.listSync ?? null,
    statusTick: { everyMs: 3_600_000, clockEveryMs: 3_600_000 },
    log: (l) => logs.push(l),
  });
  cp.service.subscribe((e) => events.push(e));
  return {
    dir,
    lists,
    store,
    cp,
    events,
    logs,
    call: (method, request, session) => dispatchCall(cp.service, method, { ...request, session }, screen) as never,
    async open(pin = INTEGRATOR_PIN) {
      const r = await dispatchCall(cp.service, 'openAdminSession', { pin }, screen);
      if (!r.ok) throw new Error(r.message);
      return (r.value as { session: string }).session;
    },
    close() {
      cp.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends `text` as the screen does: parts of at most LIST_IMPORT_PART_CHARS, in order. */
async function importText(r: Rig, session: string, kind: 'trust' | 'status', text: string, part = LIST_IMPORT_PART_CHARS) {
  let last: Result<MethodResponse<'importList'>> | null = null;
  for (let offset = 0; offset < text.length; offset += part) {
    last = await r.call('importList', { kind, total: text.length, offset, text: text.slice(offset, offset + part) }, session);
    if (!last.ok) return last;
  }
  return last!;
}

describe('root input (the formats the PKI tools write)', () => {
  const root = pki.roots[0]!;
  it('takes roots.json, {kid,pub}, a bare key and a PEM, and computes or checks the kid', () => {
    expect(parseRootInput({ text: readableRootsJson() })).toEqual({ ok: true, root });
    expect(parseRootInput({ text: JSON.stringify(root) })).toEqual({ ok: true, root });
    expect(parseRootInput({ text: JSON.stringify({ dir: '/tmp/pki', roots: [root] }) })).toEqual({ ok: true, root });
    expect(parseRootInput({ text: `  ${root.pub}\n` })).toEqual({ ok: true, root });
    expect(parseRootInput(root)).toEqual({ ok: true, root });
    const pem = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: root.pub }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
    expect(parseRootInput({ text: pem })).toEqual({ ok: true, root });
  });

  it('refuses a kid that is not the key’s, a short key, two roots and garbage, saying why', () => {
    expect(parseRootInput({ kid: other.roots[0]!.kid, pub: root.pub })).toMatchObject({ ok: false, message: expect.stringContaining(`is not this key's kid (${root.kid}`) });
    expect(parseRootInput({ text: root.pub.slice(0, 20) })).toMatchObject({ ok: false, message: expect.stringContaining('an Ed25519 public key is 32') });
    expect(parseRootInput({ text: JSON.stringify([root, other.roots[0]]) })).toMatchObject({ ok: false, message: expect.stringContaining('holds 2 roots') });
    expect(parseRootInput({ text: '{"kid": 1' })).toMatchObject({ ok: false, message: expect.stringContaining('not valid JSON') });
    expect(parseRootInput({ text: 'hello world' })).toMatchObject({ ok: false, message: expect.stringContaining('not a root') });
    expect(parseRootInput({ text: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' })).toMatchObject({ ok: false, message: 'the PEM is not a public key' });
  });

  function readableRootsJson() {
    return JSON.stringify(pki.roots, null, 2) + '\n';
  }
});

describe('pinned roots (spec §2)', () => {
  it('are the integrator’s: the admin’s session is refused, the integrator’s audited', async () => {
    rig = makeRig();
    const admin = await rig.open(ADMIN_PIN);
    expect(await rig.call('getTrustSetup', {}, admin)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(await rig.call('importList', { kind: 'trust', total: 10, offset: 0, text: 'x' }, admin)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    const session = await rig.open();
    const r = await rig.call('getTrustSetup', {}, session);
    expect(r).toMatchObject({ ok: true, value: { roots: [{ kid: pki.roots[0]!.kid, sha256: sha256Of(pki.roots[0]!.pub), signs: { trust: true, status: true } }], syncAvailable: false } });
    expect(rig.store.auditOf(['admin-action'], 10).map((a) => a.detail.what)).toContain('trust-setup');
  });

  it('a second root: previewed with its fingerprint, added only with that fingerprint echoed, saved and in force', async () => {
    rig = makeRig();
    const session = await rig.open();
    const added = other.roots[0]!;
    const preview = await rig.call('previewPinnedRoot', { root: { text: JSON.stringify(other.roots) } }, session);
    expect(preview).toEqual({ ok: true, value: { kid: added.kid, pub: added.pub, sha256: sha256Of(added.pub), alreadyPinned: false, signs: { trust: false, status: false } } });
    // Nothing saved by a preview.
    expect(loadConfig(rig.dir).roots).toEqual(pki.roots);

    const wrong = await rig.call('addPinnedRoot', { root: { text: JSON.stringify(other.roots) }, sha256: sha256Of(pki.roots[0]!.pub) }, session);
    expect(wrong).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringContaining('not this key') });
    expect(loadConfig(rig.dir).roots).toEqual(pki.roots);

    const r = await rig.call('addPinnedRoot', { root: { text: JSON.stringify(other.roots) }, sha256: sha256Of(added.pub) }, session);
    expect(r).toMatchObject({ ok: true, value: { appliedLive: true, roots: [{ kid: pki.roots[0]!.kid }, { kid: added.kid, sha256: sha256Of(added.pub) }] } });
    expect(loadConfig(rig.dir).roots).toEqual([...pki.roots, added]);
    expect(rig.lists.pinnedRoots).toEqual([...pki.roots, added]);
    const before = await rig.call('getTrustSetup', {}, session);
    expect(before.ok && before.value.roots.map((x) => x.signs.trust)).toEqual([true, false]);
    const audit = rig.store.auditOf(['config-changed'], 10);
    expect(audit[0]!.detail).toMatchObject({ paths: ['roots'] });
    expect(JSON.stringify(audit)).not.toContain(added.pub);
    // Added twice: refused.
    expect(await rig.call('addPinnedRoot', { root: added, sha256: sha256Of(added.pub) }, session)).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringContaining('already pinned') });
    // A list signed by the new root now installs (the cache checks against the roots in force).
    const r2 = await importText(rig, session, 'trust', trustListOf(other, pki.roots.length + 10));
    expect(r2).toMatchObject({ ok: true, value: { done: true, kind: 'trust', seq: 11 } });
    // What each root signs follows the newly installed file (the answer is remembered per file version).
    const after = await rig.call('getTrustSetup', {}, session);
    expect(after.ok && after.value.roots.map((x) => x.signs.trust)).toEqual([false, true]);
  });

  it('pinning the root that signed a cached list refused at start puts that list in use at once', async () => {
    // The kiosk pins only `other`: the demo-signed cached lists were refused (ROOT_UNKNOWN) at start.
    rig = makeRig({ roots: other.roots });
    expect(rig.lists.trustList).toBeNull();
    expect(rig.lists.loadProblems.map((p) => p.reason)).toEqual(['ROOT_UNKNOWN', 'ROOT_UNKNOWN']);
    const session = await rig.open();
    const preview = await rig.call('previewPinnedRoot', { root: pki.roots[0]! }, session);
    expect(preview).toMatchObject({ ok: true, value: { signs: { trust: true, status: true } } });
    const r = await rig.call('addPinnedRoot', { root: pki.roots[0]!, sha256: sha256Of(pki.roots[0]!.pub) }, session);
    expect(r).toMatchObject({ ok: true, value: { appliedLive: true } });
    expect(rig.lists.trustList?.seq).toBe(1);
    expect(rig.lists.statusList?.count).toBeGreaterThan(1000);
    expect(rig.events.filter((e) => e.type === 'lists').at(-1)).toMatchObject({ trustList: { state: 'fresh', seq: 1 } });
  });

  it('removing: never the last root, never the only one signing a list in use; otherwise saved', async () => {
    rig = makeRig({ roots: [...pki.roots, ...other.roots] });
    const session = await rig.open();
    const demoKid = pki.roots[0]!.kid;
    const otherKid = other.roots[0]!.kid;
    expect(await rig.call('removePinnedRoot', { kid: 'nope' }, session)).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: 'no pinned root has kid nope' });
    // The demo root signs the lists in use; the other root signs none.
    const refused = await rig.call('removePinnedRoot', { kid: demoKid }, session);
    expect(refused).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringContaining('only pinned root that signs the trust list in use') });
    expect(loadConfig(rig.dir).roots).toHaveLength(2);
    const r = await rig.call('removePinnedRoot', { kid: otherKid }, session);
    expect(r).toMatchObject({ ok: true, value: { roots: [{ kid: demoKid }] } });
    expect(loadConfig(rig.dir).roots).toEqual(pki.roots);
    const last = await rig.call('removePinnedRoot', { kid: demoKid }, session);
    expect(last).toEqual({ ok: false, reason: 'BAD_REQUEST', message: 'a kiosk needs at least one pinned root: add the new root before removing this one' });
    expect(loadConfig(rig.dir).roots).toEqual(pki.roots);
    expect(rig.lists.trustList?.seq).toBe(1);
  });
});

describe('list import from a file (spec §4: the checks a synced list passes)', () => {
  it('a newer trust list signed by the pinned root is installed (in parts), on disk, audited', async () => {
    rig = makeRig();
    const session = await rig.open();
    const jws = trustListOf(pki, 2);
    const r = await importText(rig, session, 'trust', jws, Math.ceil(jws.length / 3));
    expect(r).toEqual({ ok: true, value: { done: true, kind: 'trust', seq: 2, issuedAt: rig.lists.trustList!.issued * 1000, nextUpdateAt: rig.lists.trustList!.nextUpdate * 1000, count: 6 } });
    expect(rig.lists.trustList?.seq).toBe(2);
    expect(readFileSync(join(rig.dir, 'lists', 'trust-list.jws'), 'utf8')).toBe(jws);
    expect(rig.store.auditOf([TRUST_SETUP_AUDIT.listImported], 5)[0]!.detail).toMatchObject({ kind: 'trust', accepted: true, seq: 2 });
    expect(rig.events.filter((e) => e.type === 'lists').at(-1)).toMatchObject({ trustList: { seq: 2 } });
  });

  it('the list in use imported again is taken as unchanged (not a rollback), audited so, the file untouched', async () => {
    rig = makeRig();
    const session = await rig.open();
    const file = join(rig.dir, 'lists', 'trust-list.jws');
    const before = statSync(file).mtimeMs;
    // As read from a file on a USB stick: with a line ending of its own.
    const r = await importText(rig, session, 'trust', `${pki.trustListJws}\r\n`);
    expect(r).toMatchObject({ ok: true, value: { done: true, kind: 'trust', seq: 1, unchanged: true } });
    expect(rig.lists.trustList?.seq).toBe(1);
    expect(statSync(file).mtimeMs).toBe(before);
    expect(rig.store.auditOf([TRUST_SETUP_AUDIT.listImported], 5)[0]!.detail).toMatchObject({ kind: 'trust', accepted: true, seq: 1, unchanged: true });
    const status = await importText(rig, session, 'status', pki.statusListJws);
    expect(status).toMatchObject({ ok: true, value: { done: true, kind: 'status', unchanged: true } });
  });

  it('a status list is installed with its record count', async () => {
    rig = makeRig();
    const session = await rig.open();
    const next = makeDemoPki({ seed: 'trust-setup-tests', now, statusListSeq: 3 });
    const r = await importText(rig, session, 'status', next.statusListJws);
    expect(r).toMatchObject({ ok: true, value: { done: true, kind: 'status', seq: 3, count: rig.lists.statusList!.count } });
    expect(rig.lists.statusList?.seq).toBe(3);
  });

  it('a forged, an older, a foreign, a mistyped and a garbage list are refused with their reason; the installed one stays', async () => {
    rig = makeRig();
    const session = await rig.open();
    const cases: Array<[string, string, 'trust' | 'status']> = [
      [forged(trustListOf(pki, 2), 9), 'SIGNATURE_INVALID', 'trust'],
      [pki.trustListJws.replace(/^[^.]+/, Buffer.from('{"alg":"EdDSA","kid":"x","typ":"phc-trust-list+json"}').toString('base64url')), 'ROOT_UNKNOWN', 'trust'],
      [trustListOf(other, 3), 'ROOT_UNKNOWN', 'trust'],
      // Another list under the installed seq (spec §4: the same seq only for the very list installed).
      [trustListOf(pki, 1, { nextUpdate: '2099-01-01T00:00:00Z' }), 'ROLLBACK', 'trust'],
      [pki.statusListJws, 'TYPE_MISMATCH', 'trust'],
      ['not a list at all', 'FORMAT_INVALID', 'trust'],
      [forged(pki.statusListJws, 4), 'SIGNATURE_INVALID', 'status'],
    ];
    for (const [text, reason, kind] of cases) {
      const r = await importText(rig, session, kind, text);
      expect(r, reason).toMatchObject({ ok: false, reason, message: expect.stringContaining('the installed list stays') });
    }
    expect(rig.lists.trustList?.seq).toBe(1);
    expect(readFileSync(join(rig.dir, 'lists', 'trust-list.jws'), 'utf8')).toBe(pki.trustListJws);
    expect(rig.store.auditOf([TRUST_SETUP_AUDIT.listImported], 10).map((a) => a.detail.reason)).toContain('SIGNATURE_INVALID');
  });

  it('parts out of order, longer than announced, or a trust list past its cap are refused', async () => {
    rig = makeRig();
    const session = await rig.open();
    const jws = trustListOf(pki, 2);
    expect(await rig.call('importList', { kind: 'trust', total: jws.length, offset: 10, text: jws.slice(10) }, session)).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringContaining('start the import again') });
    expect(await rig.call('importList', { kind: 'trust', total: 5, offset: 0, text: jws }, session)).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringContaining('longer than') });
    expect(await rig.call('importList', { kind: 'trust', total: 5 * 1024 * 1024, offset: 0, text: 'x' }, session)).toMatchObject({ ok: false, reason: 'FORMAT_INVALID' });
    // Over the schema's part size: refused by the contract before core sees it.
    expect(await rig.call('importList', { kind: 'status', total: LIST_IMPORT_PART_CHARS + 1, offset: 0, text: 'x'.repeat(LIST_IMPORT_PART_CHARS + 1) }, session)).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(rig.lists.trustList?.seq).toBe(1);
  });
});

describe('sync now', () => {
  it('reports the fleet fetch beside the lists, and a fleet fetch that throws as a failed outcome rather than a refusal', async () => {
    const listOutcome = { kind: 'trust' as const, outcome: 'unchanged' as const, reason: null, message: 'no newer list', seq: 1 };
    rig = makeRig({
      listSync: {
        available: () => true,
        syncNow: async () => [listOutcome],
        last: () => [],
        fleetNow: async () => {
          throw new Error('socket hang up');
        },
      },
    });
    const session = await rig.open();
    expect(await rig.call('syncListsNow', {}, session)).toEqual({ ok: true, value: { outcomes: [listOutcome], fleet: { outcome: 'failed', revision: null, reason: 'COLLECTOR_ERROR', message: 'Error: socket hang up' } } });
  });

  it('is refused when no collector is configured', async () => {
    rig = makeRig();
    const session = await rig.open();
    expect(await rig.call('syncListsNow', {}, session)).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringContaining('no collector configured') });
  });

  // docs/integrator-setup.md, "Uploads": a URL saved on the Uploads screen is in force after a
  // restart; until then the trust screen says so rather than "no collector configured".
  it('says a collector URL saved on the Uploads screen makes sync work after the restart', async () => {
    rig = makeRig();
    const session = await rig.open();
    const before = await rig.call('getTrustSetup', {}, session);
    expect(before).toMatchObject({ ok: true, value: { syncAvailable: false } });
    expect(before.ok && before.value.collectorPendingRestart).toBeFalsy();
    const config = await rig.call('getConfig', {}, session);
    const saved = await rig.call('saveConfigChange', { baseRevision: config.ok ? config.value.revision : 0, changes: [{ path: 'upload.collectorUrl', value: 'http://127.0.0.1:9/' }] }, session);
    expect(saved).toMatchObject({ ok: true, value: { restartNeeded: ['upload.collectorUrl'] } });
    expect(await rig.call('getTrustSetup', {}, session)).toMatchObject({ ok: true, value: { syncAvailable: false, collectorPendingRestart: true } });
    const refused = await rig.call('syncListsNow', {}, session);
    expect(refused).toMatchObject({ ok: false, reason: 'BAD_REQUEST', message: expect.stringContaining('saved') });
    expect(refused.ok ? '' : refused.message).toContain('after the kiosk restarts');
    expect(refused.ok ? '' : refused.message).not.toContain('no collector configured');
  });

  it('asks a real collector on 127.0.0.1 and installs the newer list it serves through the same checks', async () => {
    const served = { trust: trustListOf(pki, 4), status: forged(pki.statusListJws, 8) };
    server = createServer((req, res) => {
      const kind = req.url === LIST_PATHS.trust ? 'trust' : req.url === LIST_PATHS.status ? 'status' : null;
      if (!kind) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/jose' }).end(served[kind]);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    let holder: { lists: ListCache; store: EntryStore } | null = null;
    let last: Awaited<ReturnType<typeof syncLists>> = [];
    rig = makeRig({
      listSync: {
        available: () => true,
        syncNow: async () => (last = await syncLists({ collectorUrl: url, install: listCacheInstaller(holder!.lists), state: holder!.store.listSyncTable(), timeoutMs: 5_000 })),
        last: () => last,
      },
    });
    holder = rig;
    const session = await rig.open();
    expect(await rig.call('getTrustSetup', {}, session)).toMatchObject({ ok: true, value: { syncAvailable: true, lastSync: [] } });
    const r = await rig.call('syncListsNow', {}, session);
    expect(r).toMatchObject({
      ok: true,
      value: {
        outcomes: [
          { kind: 'trust', outcome: 'installed', seq: 4 },
          { kind: 'status', outcome: 'refused', reason: 'SIGNATURE_INVALID' },
        ],
      },
    });
    expect(rig.lists.trustList?.seq).toBe(4);
    expect(rig.lists.statusList?.seq).toBe(1);
  });
});
