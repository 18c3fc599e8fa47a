// A pinned root that did not sign the installed trust list: the kiosk says so at start (log line,
// console banner, the status's listProblems) naming the list's signer and the pinned roots, instead
// of starting silently and refusing every code as issuer unknown. Two real demo PKIs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeKiosk } from './compose.js';
import { configPath } from '../core/config/config.js';
import { ListCache } from '../core/codes/list-cache.js';
import { makeDemoPki } from '../core/codes/pki.js';
import { rootFingerprint } from '../core/admin/trust-methods.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-trust-root-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const national = makeDemoPki({ seed: 'national root' });
const other = makeDemoPki({ seed: 'a second root' });
const ctx = { host: 'browser' as const, clientId: 'test' };

/** The national list installed (as a sync would have), and `pinned` in config.json. */
function kioskPinning(pinned: typeof national.roots): void {
  const installed = new ListCache(dir, national.roots).load().installTrust(national.trustListJws);
  expect(installed.accepted).toBe(true);
  writeFileSync(configPath(dir), JSON.stringify({ venueId: 'mall', kioskId: 'lane-1', roots: pinned }), { mode: 0o600 });
}

describe('a pinned root that does not sign the installed trust list', () => {
  it('is named at start: log, banner and status, with the signer and the pinned root', async () => {
    kioskPinning(other.roots);
    const signer = national.roots[0]!.kid;
    const pinned = other.roots[0]!;
    const lines: string[] = [];
    const kiosk = await composeKiosk({ dataDir: dir, log: (l) => lines.push(l) });
    try {
      expect(lines).toContain(`list-problem list=trust reason=ROOT_UNKNOWN signer=${signer} pinned=${pinned.kid}`);
      const banner = kiosk.banner.find((l) => l.startsWith('TRUST LIST NOT USED (ROOT_UNKNOWN): '));
      expect(banner).toContain(`signed by root ${signer}, which is not pinned`);
      expect(banner).toContain(`${pinned.kid} (sha256 ${rootFingerprint(pinned.pub)})`);
      const status = await kiosk.service.getStatus({}, ctx);
      expect(status.ok).toBe(true);
      if (!status.ok) return;
      expect(status.value.trustList.state).toBe('missing');
      // The signer and the pinned roots as data too, for the screens to word in their language.
      expect(status.value.listProblems).toEqual([
        { list: 'trust', reason: 'ROOT_UNKNOWN', detail: expect.stringContaining(`signed by root ${signer}`), signerKid: signer, pinnedRoots: [{ kid: pinned.kid, sha256: rootFingerprint(pinned.pub) }] },
      ]);
      expect(status.value.listProblems![0]!.detail).toContain(rootFingerprint(pinned.pub)!);
    } finally {
      await kiosk.close();
    }
  });

  it('says nothing when the pinned root signed it', async () => {
    kioskPinning(national.roots);
    const lines: string[] = [];
    const kiosk = await composeKiosk({ dataDir: dir, log: (l) => lines.push(l) });
    try {
      expect(lines.filter((l) => l.startsWith('list-problem'))).toEqual([]);
      const status = await kiosk.service.getStatus({}, ctx);
      expect(status.ok && status.value.trustList.state).not.toBe('missing');
      expect(status.ok && status.value.listProblems).toBeUndefined();
    } finally {
      await kiosk.close();
    }
  });
});
