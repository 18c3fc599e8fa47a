import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { childEnvironment, currentProcessProbe, nodeRuntimeForChildren, type RuntimeProbe } from './child-runtime.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A folder holding an executable file called `node` (what a Node install puts on PATH). */
function folderWithNode(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiosk-node-'));
  dirs.push(d);
  writeFileSync(join(d, 'node'), '#!/bin/sh\n');
  chmodSync(join(d, 'node'), 0o755);
  return d;
}

const ELECTRON = '/opt/Checkpoint Kiosk/checkpoint-kiosk';
function electronProbe(over: Partial<RuntimeProbe> = {}): RuntimeProbe {
  return { ...currentProcessProbe(), versions: { electron: '38.8.6' }, execPath: ELECTRON, platform: 'linux', env: { PATH: '' }, resourcesPath: '/nowhere/resources', ...over };
}

describe.skipIf(process.platform === 'win32')('the Node that runs the export process', () => {
  it('is this very Node when the kiosk runs under plain Node', () => {
    expect(nodeRuntimeForChildren()).toEqual({ path: process.execPath });
  });

  it('is never the Electron binary: under Electron it is KIOSK_NODE_BINARY, a bundled Node, or node on PATH', () => {
    const onPath = folderWithNode();
    const bundledResources = mkdtempSync(join(tmpdir(), 'kiosk-resources-'));
    dirs.push(bundledResources);
    mkdirSync(join(bundledResources, 'node'));
    writeFileSync(join(bundledResources, 'node', 'node'), '#!/bin/sh\n');
    chmodSync(join(bundledResources, 'node', 'node'), 0o755);
    const configured = join(folderWithNode(), 'node');

    expect(nodeRuntimeForChildren(electronProbe({ env: { PATH: `relative${delimiter}${onPath}` } }))).toEqual({ path: join(onPath, 'node') });
    expect(nodeRuntimeForChildren(electronProbe({ env: { PATH: onPath }, resourcesPath: bundledResources }))).toEqual({ path: join(bundledResources, 'node', 'node') });
    expect(nodeRuntimeForChildren(electronProbe({ env: { PATH: onPath, KIOSK_NODE_BINARY: configured }, resourcesPath: bundledResources }))).toEqual({ path: configured });
  });

  it('is missing, with what to install, when Electron finds no Node, instead of falling back to Electron-as-Node', () => {
    const notExecutable = mkdtempSync(join(tmpdir(), 'kiosk-node-'));
    dirs.push(notExecutable);
    writeFileSync(join(notExecutable, 'node'), 'not a program', { mode: 0o644 });
    const none = nodeRuntimeForChildren(electronProbe({ env: { PATH: notExecutable } }));
    expect(none).toEqual({ missing: expect.stringContaining('KIOSK_NODE_BINARY') });
    expect(nodeRuntimeForChildren(electronProbe({ env: { PATH: folderWithNode(), KIOSK_NODE_BINARY: 'node' } }))).toEqual({ missing: expect.stringContaining('absolute path') });
  });

  it('passes the environment on without ELECTRON_RUN_AS_NODE', () => {
    expect(childEnvironment({ PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1', LANG: 'C' })).toEqual({ PATH: '/usr/bin', LANG: 'C' });
  });
});
