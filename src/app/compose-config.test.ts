// The composition reads config.json once at start: a broken file stops a first start with
// CONFIG_INVALID naming the path; a kiosk that started before runs on its last good configuration,
// says what is wrong (log line, banner and the status's configProblem), and does not overwrite the last good copy with the broken file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeKiosk } from './compose.js';
import { ConfigError, configPath, lastGoodConfigPath } from '../core/config/config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-compose-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (doc: unknown) => writeFileSync(configPath(dir), JSON.stringify(doc), { mode: 0o600 });

describe('composeKiosk and config.json', () => {
  it('a first start on a misspelt key stops with CONFIG_INVALID naming it', async () => {
    write({ venueId: 'mall', kioskId: 'lane-1', devices: { thermometer: { port: '/dev/null', protocol: { name: 'fluke' } } } });
    const err = await composeKiosk({ dataDir: dir, log: () => {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).reason).toBe('CONFIG_INVALID');
    expect((err as ConfigError).message).toContain(`${configPath(dir)}: devices.thermometer.protocol.name:`);
    expect(existsSync(lastGoodConfigPath(dir))).toBe(false);
  });

  it('after a good start, a broken edit runs on the last good configuration and reports the path', async () => {
    write({ venueId: 'mall', kioskId: 'lane-1', kioskName: 'North door' });
    const good = await composeKiosk({ dataDir: dir, log: () => {} });
    try {
      expect(good.configProblem).toBeNull();
      const status = await good.service.getStatus({}, { host: 'browser', clientId: 'test' });
      expect(status.ok && status.value.configProblem).toBeUndefined();
    } finally {
      await good.close();
    }
    const lastGood = readFileSync(lastGoodConfigPath(dir), 'utf8');
    expect(lastGood).toBe(readFileSync(configPath(dir), 'utf8'));

    write({ venueId: 'mall', kioskId: 'lane-1', kioskName: 'South door', chekpoint: {} });
    const lines: string[] = [];
    const fallback = await composeKiosk({ dataDir: dir, log: (l) => lines.push(l) });
    try {
      expect(fallback.config.kioskName).toBe('North door');
      expect(fallback.configProblem?.problems).toEqual([{ path: 'chekpoint', message: 'unknown key' }]);
      const line = lines.find((l) => l.startsWith('CONFIG_INVALID'));
      expect(line).toContain('chekpoint');
      expect(line).toContain(lastGoodConfigPath(dir));
      expect(fallback.banner[0]).toBe(line);
      const renderer = await fallback.service.getRendererConfig({}, { host: 'browser', clientId: 'test' });
      expect(renderer).toMatchObject({ ok: true, value: { kioskName: 'North door' } });
      // The status carries it, for the configuration chip.
      const status = await fallback.service.getStatus({}, { host: 'browser', clientId: 'test' });
      expect(status).toMatchObject({ ok: true, value: { configProblem: { paths: ['chekpoint'] } } });
      expect(status.ok && status.value.configProblem?.message).toContain('chekpoint: unknown key');
    } finally {
      await fallback.close();
    }
    // The broken file is not remembered as good.
    expect(readFileSync(lastGoodConfigPath(dir), 'utf8')).toBe(lastGood);
  });
});
