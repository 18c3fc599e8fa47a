// A big status list must not stall the door (list-cache.ts installAsync, list-install-worker.ts):
// while a list of hundreds of thousands of records is checked and written, a passage presented at
// the same moment is decided first. Real parts: a real ListCache on a temp directory, a real worker
// thread running the real checks, the real passage flow on a real SQLite entry store
// (checkpoint/test-support.ts). Order of events only, no timing thresholds.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlEncode } from '../../base/base64url.js';
import { makeRig, type Rig } from '../checkpoint/test-support.js';
import { OFF_THREAD_MIN_CHARS } from './list-cache.js';
import { signJws, STATUS_RECORD_SIZE } from './lists.js';

const RECORDS = 200_000;

/**
 * A validly signed status list of `count` records (yellow), strictly ascending by construction: the
 * first four bytes spread evenly over the key space, the next four the index (no sort needed).
 */
function bigStatusList(rig: Rig, seq: number, count = RECORDS, signWith = rig.pki.root): string {
  const records = Buffer.alloc(count * STATUS_RECORD_SIZE);
  const step = Math.floor(0x1_0000_0000 / count);
  for (let i = 0; i < count; i++) {
    const off = i * STATUS_RECORD_SIZE;
    records.writeUInt32BE(i * step, off);
    records.writeUInt32BE(i, off + 4);
    records[off + 32] = 1;
    records.writeUInt32BE(1, off + 36);
  }
  const issued = Math.floor(rig.clock.now() / 1000) - 60;
  const iso = (s: number) => new Date(s * 1000).toISOString();
  return signJws(
    { seq, issued: iso(issued), nextUpdate: iso(issued + 86_400), salt: base64urlEncode(new Uint8Array(16).fill(7)), records: base64urlEncode(records) },
    'status',
    { rootSecretKey: signWith.secretKey, rootPublicKey: signWith.publicKey },
  );
}

describe('installing a large status list off the main thread', () => {
  let rig: Rig | null = null;
  afterEach(() => {
    rig?.cleanup();
    rig = null;
  });

  it('decides a passage presented while a 200,000-record list is being installed, before the install ends', async () => {
    rig = makeRig();
    const jws = bigStatusList(rig, 50);
    expect(jws.length).toBeGreaterThan(OFF_THREAD_MIN_CHARS);
    const before = rig.lists.statusList!;
    const events: string[] = [];

    const install = rig.lists.installAsync('status', Buffer.from(jws, 'utf8')).then((r) => {
      events.push(`installed:${r.accepted}`);
      return r;
    });
    const presented = rig.flow.presentCode(rig.code('zhangsan'), 'camera').then((r) => {
      events.push(`decided:${rig!.views.at(-1)?.decision ?? 'none'}`);
      return r;
    });
    // While the install runs, the list in use is still the old one.
    expect(rig.lists.statusList).toBe(before);
    const [r, p] = await Promise.all([install, presented]);

    expect(events).toEqual(['decided:admit', 'installed:true']);
    expect(p.ok).toBe(true);
    expect(rig.store.entryCount()).toBe(1);
    // The swap happened, with the list the worker checked: its records readable as a Buffer.
    expect(r.accepted && r.list.count).toBe(RECORDS);
    expect(rig.lists.statusList?.seq).toBe(50);
    expect(rig.lists.statusList?.count).toBe(RECORDS);
    expect(Buffer.isBuffer(rig.lists.statusList?.records)).toBe(true);
    expect(rig.lists.floor('status')?.seq).toBe(50);
    // Written by the worker, exactly as received.
    expect(readFileSync(join(rig.dir, 'lists', 'status-list.jws'), 'utf8')).toBe(jws);
    // Which root signs the new file, as the trust screen asks right after an import (remembered from
    // the worker's check): the pinned root does, a province key pinned as a root would not.
    const province = rig.pki.provinces[0]!;
    expect(rig.lists.cachedSignedBy(rig.pki.roots).status).toBe(true);
    expect(rig.lists.cachedSignedBy([rig.pki.roots[0]!]).status).toBe(true);
    expect(rig.lists.cachedSignedBy([{ kid: province.kid, pub: base64urlEncode(province.keyPair.publicKey) }]).status).toBe(false);
  }, 120_000);

  it("refuses a large list in the worker with the same reasons (signature, rollback), and a failed write rejects; the list in use stays", async () => {
    rig = makeRig();
    const inUse = rig.lists.statusList!;
    // Signed by a key that is not the pinned root's but names its kid: SIGNATURE_INVALID.
    const forged = bigStatusList(rig, 60, 20_000, { ...rig.pki.root, secretKey: rig.pki.provinces[0]!.keyPair.secretKey });
    expect(forged.length).toBeGreaterThan(OFF_THREAD_MIN_CHARS);
    const f = await rig.lists.installAsync('status', Buffer.from(forged, 'utf8'));
    expect(f).toMatchObject({ accepted: false, reason: 'SIGNATURE_INVALID' });

    const newer = bigStatusList(rig, 70, 20_000);
    expect((await rig.lists.installAsync('status', newer)).accepted).toBe(true);
    // Two installs queued at once: the second is checked against what the first left (rollback).
    const older = bigStatusList(rig, 65, 20_000);
    const again = bigStatusList(rig, 80, 20_000);
    const [o, a] = await Promise.all([rig.lists.installAsync('status', older), rig.lists.installAsync('status', [Buffer.from(again.slice(0, 1000)), Buffer.from(again.slice(1000))])]);
    expect(o).toMatchObject({ accepted: false, reason: 'ROLLBACK' });
    expect(a.accepted).toBe(true);
    expect(rig.lists.statusList?.seq).toBe(80);
    // The list in use offered again (in parts, as the trust screen sends a file): unchanged, the same list object.
    const inUseNow = rig.lists.statusList;
    expect(await rig.lists.installAsync('status', [Buffer.from(again.slice(0, 5000)), Buffer.from(again.slice(5000))])).toMatchObject({ accepted: true, unchanged: true });
    expect(rig.lists.statusList).toBe(inUseNow);

    // The lists folder replaced by a file: the write in the worker fails, the promise rejects (as a
    // throw from installStatus does today) and the kiosk keeps the list it had.
    const listsDir = join(rig.dir, 'lists');
    rmSync(listsDir, { recursive: true, force: true });
    writeFileSync(listsDir, 'not a folder');
    const kept = rig.lists.statusList;
    await expect(rig.lists.installAsync('status', bigStatusList(rig, 90, 20_000))).rejects.toThrow();
    expect(rig.lists.statusList).toBe(kept);
    expect(rig.lists.floor('status')?.seq).toBe(80);
    expect(existsSync(listsDir)).toBe(true);
    expect(inUse.seq).toBeLessThan(80);
  }, 120_000);
});
