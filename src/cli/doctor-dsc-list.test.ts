// `kiosk doctor`'s DSC list check (docs/dcc-trust.md): needed only where the venue takes foreign
// credentials; then a missing list fails with what to do, an installed one passes with its seq.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { base64urlDecode } from '../base/base64url.js';
import { makeDemoDcc } from '../core/codes/dcc/demo-dcc.js';
import { DscListCache } from '../core/codes/dcc/dsc-list.js';
import { generateKeyPair } from '../core/codes/ed25519.js';
import { configPath } from '../core/config/config.js';
import { runDoctor } from './doctor-checks.js';
import { runCli } from './testing/run-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('kiosk doctor: the DSC list', () => {
  it('passes as not needed while foreign credentials are off; fails without a list once they are on; passes with one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiosk-doctor-dsc-'));
    dirs.push(dir);
    expect((await runCli(['pki', 'demo', join(dir, 'pki'), '--seed', 'doctor-dsc', '--status-records', '0', '--install', '--data-dir', dir])).code).toBe(0);
    const check = async () => (await runDoctor({ dataDir: dir, devices: false, env: {}, collectorTimeoutMs: 100 })).checks.find((c) => c.id === 'dsc-list');
    expect(await check()).toMatchObject({ status: 'pass', summary: expect.stringMatching(/not needed/) });

    const config = JSON.parse(readFileSync(configPath(dir), 'utf8'));
    writeFileSync(configPath(dir), JSON.stringify({ ...config, policy: { ...config.policy, dccAccept: true } }), { mode: 0o600 });
    expect(await check()).toMatchObject({ status: 'fail', summary: expect.stringMatching(/no DSC list installed/), action: expect.stringMatching(/kiosk trust import-dsc/) });

    const secrets = JSON.parse(readFileSync(join(dir, 'pki', 'pki-secrets.json'), 'utf8')) as { root: string };
    const now = Math.floor(Date.now() / 1000);
    const list = makeDemoDcc({ root: generateKeyPair(base64urlDecode(secrets.root)!), now, dscListSeq: 4 }).dscListJws;
    expect(new DscListCache(dir, config.roots).load().install(list).accepted).toBe(true);
    expect(await check()).toMatchObject({ status: 'pass', summary: expect.stringMatching(/^seq 4, 3 signer certificates/) });
  });
});
