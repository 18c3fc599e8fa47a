// Which Node runs a child process of the kiosk (the export process, export-process.ts).
//
// Under plain Node it is this very binary (process.execPath). Under Electron, process.execPath is the
// Electron binary, and making it act as Node needs ELECTRON_RUN_AS_NODE — which the packaged kiosk
// turns off with the RunAsNode fuse (electron-builder.yml; docs/security.md, "Electron fuses"), so a
// local process cannot use the installed kiosk as a Node interpreter. Electron children therefore
// run under a real Node, looked for in this order:
//   1. KIOSK_NODE_BINARY: an absolute path to a node executable, set by whoever installs the kiosk;
//   2. a Node shipped with the app: <resources>/node/node (node.exe on Windows), e.g. through
//      electron-builder `extraResources` (not shipped today);
//   3. `node` on PATH (Debian: the `nodejs` package).
// With none of them the caller gets `missing` (a reason and what to install), never a crash and
// never the Electron binary.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export type ChildRuntime = { path: string } | { missing: string };

/** What the choice depends on; tests pass their own. */
export interface RuntimeProbe {
  versions: { electron?: string | undefined };
  execPath: string;
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** Electron's resources folder (process.resourcesPath); absent under plain Node. */
  resourcesPath?: string | undefined;
  isExecutableFile(path: string): boolean;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function currentProcessProbe(): RuntimeProbe {
  return {
    versions: process.versions as { electron?: string },
    execPath: process.execPath,
    env: process.env,
    platform: process.platform,
    resourcesPath: (process as { resourcesPath?: string }).resourcesPath,
    isExecutableFile,
  };
}

export function nodeRuntimeForChildren(probe: RuntimeProbe = currentProcessProbe()): ChildRuntime {
  if (!probe.versions.electron) return { path: probe.execPath };
  const exe = probe.platform === 'win32' ? 'node.exe' : 'node';
  const configured = probe.env.KIOSK_NODE_BINARY;
  if (configured) {
    if (isAbsolute(configured) && probe.isExecutableFile(configured)) return { path: configured };
    return { missing: `KIOSK_NODE_BINARY (${configured}) is not an absolute path to an executable file` };
  }
  if (probe.resourcesPath) {
    const bundled = join(probe.resourcesPath, 'node', exe);
    if (probe.isExecutableFile(bundled)) return { path: bundled };
  }
  for (const dir of (probe.env.PATH ?? probe.env.Path ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue; // a relative PATH entry would depend on the working directory
    const candidate = join(dir, exe);
    if (candidate !== probe.execPath && probe.isExecutableFile(candidate)) return { path: candidate };
  }
  return { missing: 'no Node.js runtime for the export process: install Node.js 20.19+ (Debian: nodejs) or set KIOSK_NODE_BINARY' };
}

/** The child's environment: ours, without ELECTRON_RUN_AS_NODE (a real Node needs none, and it is not ours to pass on). */
export function childEnvironment(env: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  const { ELECTRON_RUN_AS_NODE: _dropped, ...rest } = env;
  return rest;
}
