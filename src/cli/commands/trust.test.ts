import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlDecode } from '../../base/base64url.js';
import { makeDemoDcc } from '../../core/codes/dcc/demo-dcc.js';
import { signDscList } from '../../core/codes/dcc/dsc-list.js';
import { generateKeyPair } from '../../core/codes/ed25519.js';
import { EntryStore } from '../../core/store/entry-store.js';
import { runCli } from '../testing/run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A provisioned kiosk (demo root pinned by `kiosk pki demo --install`) and DSC lists signed by that root. */
async function provisioned() {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-trust-cli-'));
  dirs.push(dir);
  expect((await runCli(['pki', 'demo', join(dir, 'pki'), '--seed', 'dsc', '--install', '--status-records', '0', '--data-dir', dir])).code).toBe(0);
  const secrets = JSON.parse(readFileSync(join(dir, 'pki', 'pki-secrets.json'), 'utf8')) as { root: string };
  const root = generateKeyPair(base64urlDecode(secrets.root)!);
  const now = Math.floor(Date.now() / 1000);
  const listFile = (seq: number, at = now) => {
    const file = join(dir, `dsc-${seq}.jws`);
    writeFileSync(file, makeDemoDcc({ root, now: at, dscListSeq: seq }).dscListJws);
    return file;
  };
  const emptyListFile = (seq: number) => {
    const file = join(dir, `dsc-empty-${seq}.jws`);
    writeFileSync(file, signDscList({ seq, issued: now - 60, nextUpdate: now + 86400, certificates: [] }, { rootSecretKey: root.secretKey, rootPublicKey: root.publicKey }));
    return file;
  };
  return { dir, listFile, emptyListFile };
}

describe('kiosk trust import-dsc / dsc-list (docs/dcc-trust.md)', () => {
  it('installs a DSC list signed by the pinned root, shows it, refuses an older one, and audits both', async () => {
    const { dir, listFile } = await provisioned();
    const two = listFile(2);
    const one = listFile(1);
    const installed = await runCli(['trust', 'import-dsc', two, '--data-dir', dir]);
    expect(installed.code).toBe(0);
    expect(JSON.parse(installed.stdout)).toMatchObject({ installed: true, seq: 2, certificates: 3, leftOut: [] });

    const shown = JSON.parse((await runCli(['trust', 'dsc-list', '--data-dir', dir])).stdout);
    expect(shown).toMatchObject({ installed: true, seq: 2 });
    expect(shown.certificates.map((c: { country: string }) => c.country).sort()).toEqual(['AT', 'DE', 'FR']);

    const older = await runCli(['trust', 'import-dsc', one, '--data-dir', dir]);
    expect(older.code).toBe(1);
    expect(older.stderr).toMatch(/ROLLBACK/);

    const store = EntryStore.open(dir);
    try {
      const rows = store.auditOf(['list-imported'], 10).map((r) => r.detail);
      expect(rows).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'dsc', accepted: true, seq: 2 }), expect.objectContaining({ kind: 'dsc', accepted: false, reason: 'ROLLBACK' })]));
    } finally {
      store.close();
    }
  });

  it('takes the installed list again as unchanged (exit 0, audited as such), not as a rollback', async () => {
    const { dir, listFile } = await provisioned();
    const two = listFile(2);
    expect((await runCli(['trust', 'import-dsc', two, '--data-dir', dir])).code).toBe(0);
    const again = await runCli(['trust', 'import-dsc', two, '--data-dir', dir]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ installed: true, unchanged: true, seq: 2, certificates: 3, warnings: [] });
    const store = EntryStore.open(dir);
    try {
      const rows = store.auditOf(['list-imported'], 10).map((r) => r.detail);
      expect(rows).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'dsc', accepted: true, seq: 2, unchanged: true })]));
      expect(rows).not.toEqual(expect.arrayContaining([expect.objectContaining({ accepted: false })]));
    } finally {
      store.close();
    }
  });

  it('installs a list past its nextUpdate, or with no certificate, and says so in the answer and on stderr', async () => {
    const { dir, listFile, emptyListFile } = await provisioned();
    const old = await runCli(['trust', 'import-dsc', listFile(2, Math.floor(Date.now() / 1000) - 3 * 86400), '--data-dir', dir]);
    expect(old.code).toBe(0);
    const answer = JSON.parse(old.stdout);
    expect(answer).toMatchObject({ installed: true, seq: 2 });
    expect(answer.warnings.map((w: { code: string }) => w.code)).toEqual(['PAST_NEXT_UPDATE']);
    expect(answer.warnings[0].message).toMatch(/past its nextUpdate \(\d{4}-\d\d-\d\dT/);
    expect(old.stderr).toMatch(/^kiosk: warning: the DSC list is past its nextUpdate/m);

    const empty = await runCli(['trust', 'import-dsc', emptyListFile(3), '--data-dir', dir]);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toMatchObject({ installed: true, seq: 3, certificates: 0, warnings: [{ code: 'NO_CERTIFICATES' }] });
    expect(empty.stderr).toMatch(/kiosk: warning: the DSC list holds no usable signer certificate/);
  });

  it('shows each certificate\'s validity as ISO 8601, from and to', async () => {
    const { dir, listFile } = await provisioned();
    expect((await runCli(['trust', 'import-dsc', listFile(2), '--data-dir', dir])).code).toBe(0);
    const shown = JSON.parse((await runCli(['trust', 'dsc-list', '--data-dir', dir])).stdout);
    for (const c of shown.certificates) {
      expect(c.validFrom).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(c.validTo).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.parse(c.validFrom)).toBeLessThan(Date.parse(c.validTo));
    }
  });

  it('refuses a file that is not a DSC list signed by a pinned root', async () => {
    const { dir } = await provisioned();
    const trustList = join(dir, 'pki', 'trust-list.jws');
    const r = await runCli(['trust', 'import-dsc', trustList, '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TYPE_MISMATCH/);
    expect(JSON.parse((await runCli(['trust', 'dsc-list', '--data-dir', dir])).stdout)).toMatchObject({ installed: false });
    const missing = await runCli(['trust', 'import-dsc', join(dir, 'no-such-file.jws'), '--data-dir', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/BAD_REQUEST: no file /);
  });
});
