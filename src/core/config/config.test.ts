// Reading config.json at start: an invalid file is a ConfigError (CONFIG_INVALID) naming the file and
// the path; a kiosk that has started before runs on its last good configuration instead and carries
// the error so it can be reported; saving never writes an invalid document.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nodeFs from 'node:fs';
import { ConfigConflictError, ConfigError, configPath, lastGoodConfigPath, loadConfig, loadConfigForStart, readConfigDocument, rememberGoodConfig, saveConfig, updateConfig, withChanges } from './config.js';
import type { AtomicWriteFs } from './atomic-write.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kiosk-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (doc: unknown) => writeFileSync(configPath(dir), typeof doc === 'string' ? doc : JSON.stringify(doc));

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('loadConfig', () => {
  it('a missing file is the defaults; a valid one is parsed with its sections typed', () => {
    expect(loadConfig(dir).kioskId).toBe('kiosk-1');
    write({ kioskId: 'lane-2', devices: { scanner: { port: '/dev/ttyACM0' } } });
    const c = loadConfig(dir);
    expect(c.kioskId).toBe('lane-2');
    expect(c.devices.scanner?.idleGapMs).toBe(50);
  });

  it('an unknown key is CONFIG_INVALID naming the file and the path', () => {
    write({ devices: { thermometer: { port: '/dev/x', baud: 9600, protocol: { name: 'lu90614' } } } });
    const err = configErrorOf(() => loadConfig(dir));
    expect(err.reason).toBe('CONFIG_INVALID');
    expect(err.file).toBe(configPath(dir));
    expect(err.problems).toEqual([{ path: 'devices.thermometer.baud', message: 'unknown key' }]);
    expect(err.message).toBe(`${configPath(dir)}: devices.thermometer.baud: unknown key`);
  });

  it('a bad value and a file that is not JSON are CONFIG_INVALID too', () => {
    write({ devices: { thermometer: { port: '/dev/x', protocol: { name: 'fluke' } } } });
    expect(configErrorOf(() => loadConfig(dir)).problems[0]!.path).toBe('devices.thermometer.protocol.name');
    write('{ "kioskId": ');
    expect(configErrorOf(() => loadConfig(dir)).problems[0]!.path).toBe('(file)');
  });
});

describe('last good configuration', () => {
  it('a first start on a broken file stops with the error (no last good copy to fall back on)', () => {
    write({ checkpoint: { antiPassback: 5 } });
    expect(configErrorOf(() => loadConfigForStart(dir)).problems[0]!.path).toBe('checkpoint.antiPassback');
  });

  it('after a good start, a hand edit that breaks the file starts on the last good copy and carries the error', () => {
    write({ kioskId: 'lane-2', checkpoint: { antiPassbackMinutes: 5 } });
    const first = loadConfigForStart(dir);
    expect(first.fallback).toBeNull();
    rememberGoodConfig(dir);
    expect(readFileSync(lastGoodConfigPath(dir), 'utf8')).toBe(readFileSync(configPath(dir), 'utf8'));

    write({ kioskId: 'lane-9', checkpoint: { antiPassback: 10 } });
    const second = loadConfigForStart(dir);
    expect(second.config.kioskId).toBe('lane-2');
    expect(second.config.checkpoint.antiPassbackMinutes).toBe(5);
    expect(second.fallback?.from).toBe(lastGoodConfigPath(dir));
    expect(second.fallback?.error.problems).toEqual([{ path: 'checkpoint.antiPassback', message: 'unknown key' }]);

    // Fixed by hand: config.json is in force again.
    write({ kioskId: 'lane-9', checkpoint: { antiPassbackMinutes: 10 } });
    const third = loadConfigForStart(dir);
    expect(third.fallback).toBeNull();
    expect(third.config.kioskId).toBe('lane-9');
  });

  it('a last good copy that no longer parses is no fallback: the error of config.json stands', () => {
    writeFileSync(lastGoodConfigPath(dir), JSON.stringify({ oldKey: 1 }));
    write({ uplaod: {} });
    expect(configErrorOf(() => loadConfigForStart(dir)).problems[0]!.path).toBe('uplaod');
  });

  it('nothing is remembered without a config.json', () => {
    rememberGoodConfig(dir);
    expect(existsSync(lastGoodConfigPath(dir))).toBe(false);
  });
});

describe('saveConfig', () => {
  it('writes a valid document and refuses an invalid one, leaving the file as it was', () => {
    saveConfig(dir, { kioskId: 'lane-4' });
    expect(JSON.parse(readFileSync(configPath(dir), 'utf8'))).toEqual({ kioskId: 'lane-4', revision: 1 });
    expect(configErrorOf(() => saveConfig(dir, { kioskId: 'lane-5', store: { retentionDays: 0 } })).problems[0]!.path).toBe('store.retentionDays');
    expect(loadConfig(dir).kioskId).toBe('lane-4');
  });
});

describe('saving with a revision', () => {
  it('every save is one revision past the file, whatever revision the document carries', () => {
    expect(saveConfig(dir, { kioskId: 'lane-4' }).revision).toBe(1);
    expect(saveConfig(dir, { kioskId: 'lane-4' }).revision).toBe(2);
    // A document read before the last save (revision 1) still lands after it, never on it.
    expect(saveConfig(dir, { kioskId: 'lane-4', revision: 1 }).revision).toBe(3);
    expect(loadConfig(dir).revision).toBe(3);
  });

  it('a change made on an older revision is refused and the file stays as it was', () => {
    saveConfig(dir, { kioskId: 'lane-4' });
    updateConfig(dir, [{ path: 'policy.feverThresholdC', value: 37.5 }], { baseRevision: 1 });
    const before = readFileSync(configPath(dir), 'utf8');
    expect(() => updateConfig(dir, [{ path: 'policy.feverThresholdC', value: 38 }], { baseRevision: 1 })).toThrow(ConfigConflictError);
    expect(readFileSync(configPath(dir), 'utf8')).toBe(before);
    expect(loadConfig(dir).policy.feverThresholdC).toBe(37.5);
  });

  it('a change writes only what the file had and the changed key, never the defaults', () => {
    write({ kioskId: 'lane-4', checkpoint: { collectWindowMs: 3000 } });
    updateConfig(dir, [{ path: 'policy.requireTemperature', value: true }, { path: 'admin.pin', value: { salt: 'a'.repeat(32), hash: 'b'.repeat(64) } }]);
    expect(readConfigDocument(dir)).toEqual({
      kioskId: 'lane-4',
      checkpoint: { collectWindowMs: 3000 },
      policy: { requireTemperature: true },
      admin: { pin: { salt: 'a'.repeat(32), hash: 'b'.repeat(64) } },
      revision: 1,
    });
  });

  it('an invalid change names its path and leaves the file as it was', () => {
    write({ kioskId: 'lane-4' });
    const err = configErrorOf(() => updateConfig(dir, [{ path: 'policy.feverComparison', value: 'ge' }]));
    expect(err.problems.map((p) => p.path)).toEqual(['policy.feverComparison']);
    expect(configErrorOf(() => updateConfig(dir, [{ path: 'policy.feverTreshold', value: 38 }])).problems).toEqual([{ path: 'policy.feverTreshold', message: 'unknown key' }]);
    expect(readConfigDocument(dir)).toEqual({ kioskId: 'lane-4' });
  });

  it('paths name keys and indexes only: no prototype keys, no empty steps', () => {
    for (const path of ['__proto__.polluted', 'policy.__proto__', 'constructor.prototype', 'policy..x', '', 'policy.']) {
      expect(() => withChanges({}, [{ path, value: 1 }]), path).toThrow(ConfigError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(withChanges({ roots: [{ kid: 'a', pub: 'b' }] }, [{ path: 'roots.0.kid', value: 'c' }])).toEqual({ roots: [{ kid: 'c', pub: 'b' }] });
  });

  it('a crash between writing the temp file and the rename leaves the old file whole', () => {
    saveConfig(dir, { kioskId: 'lane-4' });
    const before = readFileSync(configPath(dir), 'utf8');
    const crashing: AtomicWriteFs = {
      ...(nodeFs as unknown as AtomicWriteFs),
      openSync: nodeFs.openSync,
      writeFileSync: (fd: number, data: string | Uint8Array) => nodeFs.writeFileSync(fd, data),
      fsyncSync: nodeFs.fsyncSync,
      closeSync: nodeFs.closeSync,
      unlinkSync: nodeFs.unlinkSync,
      renameSync: () => {
        throw new Error('power cut');
      },
    };
    expect(() => updateConfig(dir, [{ path: 'kioskId', value: 'lane-5' }], { fs: crashing })).toThrow('power cut');
    expect(readFileSync(configPath(dir), 'utf8')).toBe(before);
    expect(loadConfig(dir)).toMatchObject({ kioskId: 'lane-4', revision: 1 });
    // No temp file is left beside it.
    expect(nodeFs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});
