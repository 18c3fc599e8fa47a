// The collector files a kiosk under its device key's id while every entry carries config.json's
// kioskId (docs/upload-protocol.md §1): when a collector is configured and the two differ, the start
// banner and the log say so, so the integrator fixes it at the door, not the platform a week later.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeKiosk } from './compose.js';
import { configPath } from '../core/config/config.js';
import { loadOrCreateDeviceKey } from '../core/identity/device-key.js';
import { startCollector, type RunningCollector } from '../collector/server.js';

let dir: string;
let collector: RunningCollector;
const savedEnv = process.env.KIOSK_COLLECTOR_URL;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-id-link-'));
  delete process.env.KIOSK_COLLECTOR_URL;
  collector = await startCollector({ database: join(dir, 'collector.sqlite3') });
});
afterEach(async () => {
  await collector.close();
  if (savedEnv !== undefined) process.env.KIOSK_COLLECTOR_URL = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

async function bannerOf(config: Record<string, unknown>): Promise<{ banner: string[]; lines: string[] }> {
  const data = join(dir, 'kiosk');
  mkdirSync(data, { recursive: true, mode: 0o700 });
  writeFileSync(configPath(data), JSON.stringify({ venueId: 'mall', roots: [], ...config }), { mode: 0o600 });
  const lines: string[] = [];
  const kiosk = await composeKiosk({ dataDir: data, log: (l) => lines.push(l) });
  try {
    return { banner: kiosk.banner, lines };
  } finally {
    await kiosk.close();
  }
}

describe('start banner: configured kioskId against the device key id', () => {
  it('warns when a collector is configured and the ids differ', async () => {
    const key = loadOrCreateDeviceKey(join(dir, 'kiosk'));
    const { banner, lines } = await bannerOf({ kioskId: 'lane-1', upload: { collectorUrl: collector.url } });
    const warning = banner.find((l) => l.startsWith('KIOSK ID MISMATCH: '));
    expect(warning).toContain(`config kioskId "lane-1" differs from the device key's id ${key.kioskId}`);
    expect(warning).toContain(`set kioskId to ${key.kioskId}`);
    expect(lines).toContain('kiosk-id-mismatch configured=lane-1');
  });

  it('says nothing when they agree, or when no collector is configured', async () => {
    const key = loadOrCreateDeviceKey(join(dir, 'kiosk'));
    const same = await bannerOf({ kioskId: key.kioskId, upload: { collectorUrl: collector.url } });
    expect(same.banner.filter((l) => l.includes('MISMATCH'))).toEqual([]);
    const offline = await bannerOf({ kioskId: 'lane-1' });
    expect(offline.banner.filter((l) => l.includes('MISMATCH'))).toEqual([]);
  });
});
