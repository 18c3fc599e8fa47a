// electron-builder.yml is checked here because the Electron packages cannot be built on machines
// that cannot download Electron (README, "Install on a kiosk"): the configuration is loaded and
// validated by electron-builder's own code against its own JSON schema (app-builder-lib's
// scheme.json), and every native module the app ships must be unpacked from the asar (a .node file
// cannot be loaded from inside an asar archive) and rebuilt for Electron's ABI.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const require = createRequire(import.meta.url);

interface BuilderConfig {
  asarUnpack?: string | string[] | null;
  npmRebuild?: boolean;
  linux?: { target?: unknown };
  win?: { target?: unknown };
  [key: string]: unknown;
}

async function loadConfig(file = 'electron-builder.yml'): Promise<BuilderConfig> {
  const { getConfig } = require('app-builder-lib/out/util/config/config') as { getConfig: (dir: string, path: string, opts: null, pkg: unknown) => Promise<BuilderConfig> };
  const { Lazy } = require('lazy-val') as { Lazy: new <T>(f: () => Promise<T>) => unknown };
  return getConfig(root, join(root, file), null, new Lazy(async () => require(join(root, 'package.json'))));
}

async function validate(config: BuilderConfig): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration: (c: BuilderConfig, l: unknown) => Promise<void> };
  const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
  await validateConfiguration(config, new DebugLogger(false));
}

function targetNames(target: unknown): string[] {
  const list = Array.isArray(target) ? target : [target];
  return list.map((t) => (typeof t === 'string' ? t : (t as { target: string }).target));
}

/** Every production dependency with native code: a binding.gyp or a prebuilt .node file. */
function nativeModules(): string[] {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8' });
  const dirs = [...new Set(r.stdout.split('\n').filter((d) => d && d !== root))];
  const hasNode = (dir: string, depth: number): boolean => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules') continue;
      const p = join(dir, name);
      if (name.endsWith('.node')) return true;
      if (depth > 0 && statSync(p).isDirectory() && hasNode(p, depth - 1)) return true;
    }
    return false;
  };
  return dirs.filter((d) => existsSync(join(d, 'binding.gyp')) || hasNode(d, 4)).map((d) => relative(root, d));
}

function unpacked(config: BuilderConfig, file: string): boolean {
  const globs = config.asarUnpack == null ? [] : Array.isArray(config.asarUnpack) ? config.asarUnpack : [config.asarUnpack];
  type Match = (p: string, g: string, o: object) => boolean;
  // The hoisted minimatch is v3 (a function) or later (a named export), whichever npm placed there.
  const mod = require('minimatch') as Match | { minimatch: Match };
  const minimatch = typeof mod === 'function' ? mod : mod.minimatch;
  return globs.some((g) => minimatch(file, g, { dot: true }));
}

describe('electron-builder.yml', () => {
  it('passes electron-builder\'s own schema validation', async () => {
    const config = await loadConfig();
    await expect(validate(config)).resolves.toBeUndefined();
  });

  it('is refused by the same validation when a key is misspelt (the check can fail)', async () => {
    const config = await loadConfig();
    await expect(validate({ ...config, asarUnpacked: config.asarUnpack })).rejects.toThrow(/unknown property 'asarUnpacked'/);
  });

  it('builds deb (first), AppImage and Windows nsis', async () => {
    const config = await loadConfig();
    expect(targetNames(config.linux?.target)).toEqual(['deb', 'AppImage']);
    expect(targetNames(config.win?.target)).toEqual(['nsis']);
  });

  it('unpacks every native module from the asar and rebuilds them for Electron', async () => {
    const config = await loadConfig();
    expect(config.npmRebuild).not.toBe(false);
    const natives = nativeModules();
    // The two the kiosk cannot run without; the list is found on disk, not written here.
    expect(natives).toEqual(expect.arrayContaining(['node_modules/better-sqlite3', 'node_modules/@serialport/bindings-cpp']));
    const packed = natives.filter((dir) => !unpacked(config, `${dir}/build/Release/addon.node`));
    expect(packed).toEqual([]);
  });
});
