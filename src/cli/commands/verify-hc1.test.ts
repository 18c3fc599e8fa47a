// `kiosk verify HC1:…`: an EU DCC verified against the installed (or a given) signed DSC list and
// decided by the venue's DCC rules, as the passage decides it (docs/dcc-trust.md).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlDecode } from '../../base/base64url.js';
import { makeDemoDcc, type DemoDcc } from '../../core/codes/dcc/demo-dcc.js';
import { generateKeyPair } from '../../core/codes/ed25519.js';
import { runCli } from '../testing/run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function provisioned(): Promise<{ dir: string; dcc: DemoDcc; listFile: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-verify-hc1-'));
  dirs.push(dir);
  expect((await runCli(['pki', 'demo', join(dir, 'pki'), '--seed', 'verify-hc1', '--install', '--status-records', '0', '--data-dir', dir])).code).toBe(0);
  const secrets = JSON.parse(readFileSync(join(dir, 'pki', 'pki-secrets.json'), 'utf8')) as { root: string };
  const dcc = makeDemoDcc({ root: generateKeyPair(base64urlDecode(secrets.root)!), now: Math.floor(Date.now() / 1000), dscListSeq: 1 });
  const listFile = join(dir, 'dsc-list.jws');
  writeFileSync(listFile, dcc.dscListJws);
  return { dir, dcc, listFile };
}
const code = (dcc: DemoDcc, key: string) => dcc.codes.find((c) => c.key === key)!.text;
const accept = ['--policy', '{"dccAccept":true}'];

describe('kiosk verify with an HC1: code', () => {
  it('admits a demo vaccination against the installed DSC list, the name masked unless --reveal; a forged one is refused with its reason', async () => {
    const { dir, dcc, listFile } = await provisioned();
    expect(JSON.parse((await runCli(['verify', code(dcc, 'dcc-vaccinated'), ...accept, '--data-dir', dir])).stdout)).toMatchObject({ authentic: false, reason: 'DCC_KEY_UNKNOWN', decision: 'deny', decisionReason: 'DCC_LIST_MISSING', dscList: 'missing' });
    expect((await runCli(['trust', 'import-dsc', listFile, '--data-dir', dir])).code).toBe(0);
    const ok = JSON.parse((await runCli(['verify', code(dcc, 'dcc-vaccinated'), ...accept, '--data-dir', dir])).stdout);
    expect(ok).toMatchObject({ authentic: true, reason: null, decision: 'admit', decisionReason: null, dscList: 'ok', dscCountry: 'AT', certificate: { type: 'v', credentialType: 'DCC-V', issuerCountry: 'AT', holder: 'E**** M*********' } });
    const revealed = JSON.parse((await runCli(['verify', code(dcc, 'dcc-vaccinated'), ...accept, '--reveal', '--data-dir', dir])).stdout);
    expect(revealed.certificate.holder).toBe('Erika Musterfrau');
    expect(JSON.parse((await runCli(['verify', code(dcc, 'dcc-forged'), ...accept, '--data-dir', dir])).stdout)).toMatchObject({ authentic: false, reason: 'DCC_SIGNATURE_INVALID', decision: 'deny', certificate: null });
    // The venue's own policy (foreign credentials off by default) decides when not overridden.
    expect(JSON.parse((await runCli(['verify', code(dcc, 'dcc-vaccinated'), '--data-dir', dir])).stdout)).toMatchObject({ authentic: true, decision: 'deny', decisionReason: 'DCC_NOT_ACCEPTED' });
  });

  it('takes a DSC list file with --dsc-list instead of the installed one', async () => {
    const { dir, dcc, listFile } = await provisioned();
    const r = JSON.parse((await runCli(['verify', code(dcc, 'dcc-test-old'), ...accept, '--dsc-list', listFile, '--data-dir', dir])).stdout);
    expect(r).toMatchObject({ authentic: true, decision: 'deny', decisionReason: 'DCC_TEST_TOO_OLD', certificate: { type: 't', issuerCountry: 'DE' } });
  });
});
