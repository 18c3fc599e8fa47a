import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlEncode } from '../../base/base64url.js';
import { generateKeyPair, keyId } from './ed25519.js';
import { LIST_FLOOR_FILE, ListCache } from './list-cache.js';
import { buildStatusRecords, signJws } from './lists.js';

const root = generateKeyPair(new Uint8Array(32).fill(11));
const roots = [{ kid: base64urlEncode(keyId(root.publicKey)), pub: base64urlEncode(root.publicKey) }];
const signOpts = { rootSecretKey: root.secretKey, rootPublicKey: root.publicKey };
const trustJws = (seq: number, note = '') =>
  signJws({ seq, issued: '2026-11-20T00:00:00Z', nextUpdate: '2026-11-27T00:00:00Z', keys: [], revokedCodes: note ? [note] : [] }, 'trust', signOpts);
const salt = new Uint8Array(16).fill(5);
const statusJws = (seq: number, red: string[]) =>
  signJws(
    { seq, issued: '2026-11-20T00:00:00Z', nextUpdate: '2026-11-21T00:00:00Z', salt: base64urlEncode(salt), records: base64urlEncode(buildStatusRecords(salt, red.map((id) => ({ id, st: 2 as const, su: 1 })))) },
    'status',
    signOpts,
  );

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiosk-lists-'));
  dirs.push(d);
  return d;
}
/** A kiosk restart: a new cache over the same data directory. */
const restart = (dir: string) => new ListCache(dir, roots).load();

describe('list rollback floor across restarts (spec §4 ROLLBACK)', () => {
  it('refuses an older validly signed trust list after the cached file is lost', () => {
    const dir = dataDir();
    expect(restart(dir).installTrust(trustJws(5))).toMatchObject({ accepted: true });
    unlinkSync(join(dir, 'lists', 'trust-list.jws'));
    const cache = restart(dir);
    expect(cache.trustList).toBeNull();
    expect(cache.installTrust(trustJws(4))).toMatchObject({ accepted: false, reason: 'ROLLBACK' });
    // The same seq is taken again only for the very list installed under it (a lost file fetched anew).
    expect(cache.installTrust(trustJws(5, 'other'))).toMatchObject({ accepted: false, reason: 'ROLLBACK' });
    expect(cache.installTrust(trustJws(5))).toMatchObject({ accepted: true });
    expect(cache.installTrust(trustJws(6))).toMatchObject({ accepted: true });
    expect(restart(dir).trustList?.seq).toBe(6);
  });

  it('does not load an older validly signed list swapped in for the cached file', () => {
    const dir = dataDir();
    const cache = restart(dir);
    const old = statusJws(2, ['RED-HOLDER']);
    expect(cache.installStatus(old)).toMatchObject({ accepted: true });
    expect(cache.installStatus(statusJws(3, []))).toMatchObject({ accepted: true });
    expect(cache.installTrust(trustJws(8))).toMatchObject({ accepted: true });
    writeFileSync(join(dir, 'lists', 'status-list.jws'), old);
    writeFileSync(join(dir, 'lists', 'trust-list.jws'), trustJws(7));
    const after = restart(dir);
    expect(after.statusList).toBeNull();
    expect(after.trustList).toBeNull();
    expect(after.loadProblems).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'status', reason: 'ROLLBACK' }), expect.objectContaining({ kind: 'trust', reason: 'ROLLBACK' })]),
    );
  });

  it('keeps the floor when the whole lists folder is wiped', () => {
    const dir = dataDir();
    expect(restart(dir).installStatus(statusJws(9, []))).toMatchObject({ accepted: true });
    rmSync(join(dir, 'lists'), { recursive: true });
    const cache = restart(dir);
    expect(cache.floor('status')).toMatchObject({ seq: 9 });
    expect(cache.installStatus(statusJws(8, []))).toMatchObject({ accepted: false, reason: 'ROLLBACK' });
  });

  it('raises the floor from a cached list installed before floors existed', () => {
    const dir = dataDir();
    restart(dir).installTrust(trustJws(3));
    unlinkSync(join(dir, LIST_FLOOR_FILE));
    expect(restart(dir).trustList?.seq).toBe(3);
    expect(JSON.parse(readFileSync(join(dir, LIST_FLOOR_FILE), 'utf8'))).toMatchObject({ trust: { seq: 3 } });
  });

  it.skipIf(process.platform === 'win32')('writes the lists and the floor 0600', () => {
    const dir = dataDir();
    const cache = restart(dir);
    cache.installTrust(trustJws(1));
    cache.installStatus(statusJws(1, ['X']));
    for (const f of [join('lists', 'trust-list.jws'), join('lists', 'status-list.jws'), LIST_FLOOR_FILE]) {
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    }
  });
});
