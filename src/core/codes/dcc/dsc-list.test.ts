import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlEncode } from '../../../base/base64url.js';
import { generateKeyPair, keyId } from '../ed25519.js';
import { signJws } from '../lists.js';
import { DSC_LIST_FLOOR_FILE, DscListCache, dscKid, dscListWarnings, installDscList, signDscList, type DscListEntryInput } from './dsc-list.js';

const root = generateKeyPair(new Uint8Array(32).fill(21));
const roots = [{ kid: base64urlEncode(keyId(root.publicKey)), pub: base64urlEncode(root.publicKey) }];
const signOpts = { rootSecretKey: root.secretKey, rootPublicKey: root.publicKey };
const ISSUED = Date.parse('2026-11-20T00:00:00Z') / 1000;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiosk-dsc-'));
  dirs.push(d);
  return d;
}

/** A real self-signed P-256 certificate made by OpenSSL (independent of the kiosk's own issuing code). */
function opensslCertificate(cn: string): Uint8Array {
  const dir = tempDir();
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.der'), '-outform', 'DER', '-days', '30', '-subj', `/C=AT/CN=${cn}`], { stdio: 'ignore' });
  return new Uint8Array(readFileSync(join(dir, 'c.der')));
}

const certA = opensslCertificate('DSC A');
const certB = opensslCertificate('DSC B');
const list = (seq: number, certificates: readonly DscListEntryInput[] = [{ country: 'AT', der: certA }]) =>
  signDscList({ seq, issued: ISSUED, nextUpdate: ISSUED + 86400, certificates }, signOpts);

describe('DSC list (docs/dcc-trust.md)', () => {
  it('accepts a list signed by the pinned root and keys each DSC by SHA-256(DER)[0..8]', () => {
    const r = installDscList(list(1, [{ country: 'AT', der: certA }, { country: 'DE', der: certB }]), roots, null);
    expect(r.accepted).toBe(true);
    if (!r.accepted) return;
    expect([...r.list.dscs.keys()]).toEqual([dscKid(certA), dscKid(certB)]);
    expect(r.list.dscs.get(dscKid(certB))).toMatchObject({ country: 'DE' });
    expect(r.list.dscs.get(dscKid(certA))!.certificate.subject).toContain('CN=DSC A');
    expect(Buffer.from(dscKid(certA), 'base64')).toHaveLength(8);
  });

  it('leaves out an entry whose kid is not its certificate hash, and keeps the others', () => {
    const payload = {
      seq: 1,
      issued: '2026-11-20T00:00:00Z',
      nextUpdate: '2026-11-21T00:00:00Z',
      certificates: [
        { kid: dscKid(certB), country: 'AT', certificate: Buffer.from(certA).toString('base64') },
        { kid: dscKid(certB), country: 'DE', certificate: Buffer.from(certB).toString('base64') },
        { kid: dscKid(certA), country: 'Austria', certificate: Buffer.from(certA).toString('base64') },
      ],
    };
    const r = installDscList(signJws(payload, 'trust', { ...signOpts, typ: 'phc-dsc-list+json' }), roots, null);
    expect(r.accepted).toBe(true);
    if (!r.accepted) return;
    expect([...r.list.dscs.keys()]).toEqual([dscKid(certB)]);
    expect(r.list.refusedEntries.map((e) => [e.index, e.message])).toEqual([
      [0, 'kid is not the first 8 bytes of SHA-256 over the certificate'],
      [2, 'country is not ISO 3166-1 alpha-2'],
    ]);
  });

  it('refuses, in the order of spec §4, a list that is not a signed DSC list', () => {
    expect(installDscList('not a jws', roots, null)).toMatchObject({ reason: 'FORMAT_INVALID' });
    // A trust list is not a DSC list, and a DSC list is not a trust list.
    const trust = signJws({ seq: 1, issued: '2026-11-20T00:00:00Z', nextUpdate: '2026-11-27T00:00:00Z', keys: [], revokedCodes: [] }, 'trust', signOpts);
    expect(installDscList(trust, roots, null)).toMatchObject({ reason: 'TYPE_MISMATCH' });
    const other = generateKeyPair(new Uint8Array(32).fill(22));
    const foreign = signDscList({ seq: 1, issued: ISSUED, nextUpdate: ISSUED + 1, certificates: [] }, { rootSecretKey: other.secretKey, rootPublicKey: other.publicKey });
    expect(installDscList(foreign, roots, null)).toMatchObject({ reason: 'ROOT_UNKNOWN' });
    const [h, p, s] = list(1).split('.') as [string, string, string];
    const tampered = `${h}.${p.slice(0, -2)}${p.slice(-2) === 'fQ' ? 'fR' : 'fQ'}.${s}`;
    expect(installDscList(tampered, roots, null)).toMatchObject({ reason: 'SIGNATURE_INVALID' });
    expect(installDscList(list(3), roots, { seq: 3 })).toMatchObject({ reason: 'ROLLBACK' });
    expect(installDscList(signJws({ seq: 1 }, 'trust', { ...signOpts, typ: 'phc-dsc-list+json' }), roots, null)).toMatchObject({ reason: 'FORMAT_INVALID' });
  });

  it('is installed in the data directory (0600), reloaded at start, and never rolled back', () => {
    const dir = tempDir();
    const cache = new DscListCache(dir, roots).load();
    expect(cache.state(ISSUED, 7)).toBe('missing');
    expect(cache.install(list(5))).toMatchObject({ accepted: true });
    expect(statSync(join(dir, 'lists', 'dsc-list.jws')).mode & 0o777).toBe(0o600);
    expect(cache.state(ISSUED + 86400, 7)).toBe('ok');
    expect(cache.state(ISSUED + 8 * 86400, 7)).toBe('expired');

    const restarted = new DscListCache(dir, roots).load();
    expect(restarted.list?.seq).toBe(5);
    expect(restarted.dscs?.has(dscKid(certA))).toBe(true);
    expect(restarted.install(list(5, [{ country: 'DE', der: certB }]))).toMatchObject({ reason: 'ROLLBACK' });

    // The file lost: an older signed list still cannot come back (the floor is kept apart).
    unlinkSync(join(dir, 'lists', 'dsc-list.jws'));
    const emptied = new DscListCache(dir, roots).load();
    expect(emptied.list).toBeNull();
    expect(existsSync(join(dir, DSC_LIST_FLOOR_FILE))).toBe(true);
    expect(emptied.install(list(4))).toMatchObject({ reason: 'ROLLBACK' });
    expect(emptied.install(list(6))).toMatchObject({ accepted: true });
  });

  it('takes the very list in use again as unchanged, not as a rollback, and says truly what the floor is', () => {
    const dir = tempDir();
    const cache = new DscListCache(dir, roots).load();
    expect(cache.install(list(3))).toMatchObject({ accepted: true, unchanged: false });
    expect(cache.install(list(3))).toMatchObject({ accepted: true, unchanged: true, list: { seq: 3 } });
    expect(new DscListCache(dir, roots).load().install(list(3))).toMatchObject({ accepted: true, unchanged: true });
    // Another list under the same seq is still a rollback.
    expect(cache.install(list(3, [{ country: 'DE', der: certB }]))).toMatchObject({ accepted: false, reason: 'ROLLBACK' });
    const kept = cache.install(list(2));
    expect(kept).toMatchObject({ reason: 'ROLLBACK' });
    expect(!kept.accepted && kept.message).toMatch(/seq 2 is not newer than 3/);

    // The file gone: the floor is no installed list, and the refusal does not claim one.
    unlinkSync(join(dir, 'lists', 'dsc-list.jws'));
    const emptied = new DscListCache(dir, roots).load();
    const older = emptied.install(list(2));
    expect(older).toMatchObject({ accepted: false, reason: 'ROLLBACK' });
    expect(!older.accepted && older.message).not.toMatch(/already installed/);
    expect(!older.accepted && older.message).toMatch(/newest list ever installed on this kiosk .*no list of that seq is in use now/);
    // The very list of the floor is taken back (a lost file brought again), as a real install.
    expect(emptied.install(list(3))).toMatchObject({ accepted: true, unchanged: false });
    expect(existsSync(join(dir, 'lists', 'dsc-list.jws'))).toBe(true);
  });

  it('warns of a list installed past its nextUpdate, too old for the venue, or without a certificate', () => {
    const r = installDscList(list(1), roots, null);
    const empty = installDscList(list(2, []), roots, null);
    if (!r.accepted || !empty.accepted) throw new Error('not accepted');
    expect(dscListWarnings(r.list, ISSUED + 3600, 14)).toEqual([]);
    expect(dscListWarnings(r.list, ISSUED + 86400 + 1, 14)).toEqual([{ code: 'PAST_NEXT_UPDATE', nextUpdate: ISSUED + 86400 }]);
    expect(dscListWarnings(r.list, ISSUED + 15 * 86400, 14).map((w) => w.code)).toEqual(['TOO_OLD', 'PAST_NEXT_UPDATE']);
    expect(dscListWarnings(empty.list, ISSUED + 3600, 14)).toEqual([{ code: 'NO_CERTIFICATES' }]);
  });

  it('takes a list another process installed (kiosk trust import-dsc) at the next refresh', () => {
    const dir = tempDir();
    const running = new DscListCache(dir, roots).load();
    expect(running.refreshIfChanged().list).toBeNull();
    new DscListCache(dir, roots).load().install(list(2, [{ country: 'DE', der: certB }]));
    expect(running.list).toBeNull();
    expect(running.refreshIfChanged().list?.seq).toBe(2);
    expect(running.dscs?.has(dscKid(certB))).toBe(true);
  });

  it('does not use a cached list whose root is no longer pinned', () => {
    const dir = tempDir();
    new DscListCache(dir, roots).load().install(list(1));
    const other = generateKeyPair(new Uint8Array(32).fill(23));
    const cache = new DscListCache(dir, [{ kid: base64urlEncode(keyId(other.publicKey)), pub: base64urlEncode(other.publicKey) }]).load();
    expect(cache.list).toBeNull();
    expect(cache.loadProblem).toMatchObject({ reason: 'ROOT_UNKNOWN' });
  });
});
