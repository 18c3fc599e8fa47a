// The signed DSC list in a composed (non-demo) kiosk (docs/dcc-trust.md): verified at start against
// the pinned roots, not used when its root is not pinned, and taken at once when that root is pinned
// on the running kiosk, as the trust list is. Two real demo PKIs, a real data directory.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { composeKiosk, DEMO_CODES_DIR, ensureDemoConfig } from './compose.js';
import { configPath, loadConfig } from '../core/config/config.js';
import { makeDemoDcc } from '../core/codes/dcc/demo-dcc.js';
import { DscListCache } from '../core/codes/dcc/dsc-list.js';
import { makeDemoPki } from '../core/codes/pki.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-dsc-compose-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Math.floor(Date.now() / 1000);
const national = makeDemoPki({ seed: 'dsc national root', now: NOW, syntheticStatusRecords: 0 });
const other = makeDemoPki({ seed: 'dsc second root', now: NOW, syntheticStatusRecords: 0 });

describe('the DSC list of a composed kiosk', () => {
  it('is not used while its root is not pinned, and is in use once that root is pinned on the running kiosk', async () => {
    expect(new DscListCache(dir, national.roots).load().install(makeDemoDcc({ root: national.root, now: NOW, dscListSeq: 3 }).dscListJws).accepted).toBe(true);
    writeFileSync(configPath(dir), JSON.stringify({ venueId: 'mall', kioskId: 'lane-1', roots: other.roots }), { mode: 0o600 });
    const lines: string[] = [];
    const kiosk = await composeKiosk({ dataDir: dir, log: (l) => lines.push(l) });
    try {
      expect(lines).toContain('cached DSC list not used (ROOT_UNKNOWN)');
      expect(kiosk.dscList.list).toBeNull();
      kiosk.checkpoint.liveConfig.apply({ ...loadConfig(dir), roots: [...other.roots, ...national.roots] });
      expect(kiosk.dscList.list?.seq).toBe(3);
      expect(kiosk.dscList.dscs?.size).toBe(3);
    } finally {
      await kiosk.close();
    }
  });

  it('demo: the DSCs are kept from one start to the next, so an HC1 code written at the first start still passes at the second', async () => {
    ensureDemoConfig(dir, { checkpoint: { collectWindowMs: 500 } });
    const first = await composeKiosk({ dataDir: dir, log: () => {}, demo: true, demoDevices: false });
    const kids = Object.values(first.demoDcc!.dscs).map((d) => d.kid);
    const earlier = readFileSync(join(dir, DEMO_CODES_DIR, 'dcc-vaccinated.txt'), 'utf8');
    await first.close();
    const second = await composeKiosk({ dataDir: dir, log: () => {}, demo: true, demoDevices: false });
    try {
      expect(Object.values(second.demoDcc!.dscs).map((d) => d.kid)).toEqual(kids);
      expect(second.dscList.list!.seq).toBe(2);
      await second.checkpoint.flow.presentCode(earlier, 'manual');
      // Decided at once or when the collect window closes: wait for the screen's final state.
      for (let i = 0; i < 400 && second.checkpoint.flow.view().state !== 'shown'; i++) await new Promise((r) => setTimeout(r, 25));
      expect(second.checkpoint.flow.view()).toMatchObject({ state: 'shown', decision: 'admit', maskedName: 'E**** M*********' });
    } finally {
      await second.close();
    }
  });
});
