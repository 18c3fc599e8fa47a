import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlDecode } from '../../base/base64url.js';
import { makeDemoDcc } from '../../core/codes/dcc/demo-dcc.js';
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
  const listFile = (seq: number) => {
    const file = join(dir, `dsc-${seq}.jws`);
    writeFileSync(file, makeDemoDcc({ root, now, dscListSeq: seq }).dscListJws);
    return file;
  };
  return { dir, listFile };
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
