// Where the store finds its key (`store.keyFile`): from the configuration a start runs on, so a
// hand edit that breaks config.json leaves the store on the same key as the kiosk (its last good
// configuration), and a configuration that cannot be used at all is KEY_INVALID, never a new key.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeKeyFileInDataDir } from './settings.js';
import { StoreError } from './errors.js';
import { configPath, rememberGoodConfig } from '../config/config.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-store-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function storeErrorOf(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    if (err instanceof StoreError) return err;
    throw err;
  }
  throw new Error('no StoreError');
}

describe('storeKeyFileInDataDir', () => {
  it('is null without a config.json or without store.keyFile, else the configured path', () => {
    expect(storeKeyFileInDataDir(dir)).toBeNull();
    writeFileSync(configPath(dir), JSON.stringify({ kioskId: 'lane-1' }));
    expect(storeKeyFileInDataDir(dir)).toBeNull();
    writeFileSync(configPath(dir), JSON.stringify({ store: { keyFile: '/media/token/store.key' } }));
    expect(storeKeyFileInDataDir(dir)).toBe('/media/token/store.key');
  });

  it('after a good start, a config.json broken by hand still gives the last good key path', () => {
    writeFileSync(configPath(dir), JSON.stringify({ store: { keyFile: '/media/token/store.key' } }));
    rememberGoodConfig(dir);
    writeFileSync(configPath(dir), '{ "store": { "keyFile": "/media/tok');
    expect(storeKeyFileInDataDir(dir)).toBe('/media/token/store.key');
  });

  it('an unusable configuration with no last good copy is KEY_INVALID naming the path', () => {
    writeFileSync(configPath(dir), JSON.stringify({ store: { keyFile: '' } }));
    const err = storeErrorOf(() => storeKeyFileInDataDir(dir));
    expect(err.detail).toBe('KEY_INVALID');
    expect(err.message).toContain('store.keyFile');
  });
});
