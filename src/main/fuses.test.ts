// The packaging configuration flips Electron's fuses (electron-builder.yml, `electronFuses`):
// checked here on the file itself, since the packaged binary is built on another machine.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const YML = fileURLToPath(new URL('../../electron-builder.yml', import.meta.url));

/** The `electronFuses:` mapping of electron-builder.yml: `  key: true|false` lines under it. */
function electronFuses(text: string): Record<string, boolean> {
  const lines = text.split('\n');
  const starts = lines.flatMap((l, i) => (/^electronFuses:\s*(#.*)?$/.test(l) ? [i] : []));
  expect(starts, 'exactly one top-level electronFuses key').toHaveLength(1);
  const fuses: Record<string, boolean> = {};
  for (const line of lines.slice(starts[0]! + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    if (!/^\s/.test(line)) break; // the next top-level key ends the mapping
    const m = /^ {2}([A-Za-z0-9]+):\s*(true|false)\s*(#.*)?$/.exec(line);
    expect(m, `not a fuse setting: ${JSON.stringify(line)}`).not.toBeNull();
    fuses[m![1]!] = m![2] === 'true';
  }
  return fuses;
}

describe('Electron fuses in electron-builder.yml', () => {
  const fuses = () => electronFuses(readFileSync(YML, 'utf8'));

  it('turn off the ways to run the kiosk binary as something else: RunAsNode, NODE_OPTIONS, --inspect', () => {
    expect(fuses()).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false });
  });

  it('load the app only from its own, integrity-checked app.asar, with no extra file:// privileges', () => {
    expect(fuses()).toMatchObject({ onlyLoadAppFromAsar: true, enableEmbeddedAsarIntegrityValidation: true, grantFileProtocolExtraPrivileges: false, enableCookieEncryption: true });
  });

  it('names only fuses electron-builder knows (a misspelt one would be silently ignored)', () => {
    const known = ['runAsNode', 'enableCookieEncryption', 'enableNodeOptionsEnvironmentVariable', 'enableNodeCliInspectArguments', 'enableEmbeddedAsarIntegrityValidation', 'onlyLoadAppFromAsar', 'loadBrowserProcessSpecificV8Snapshot', 'grantFileProtocolExtraPrivileges'];
    for (const name of Object.keys(fuses())) expect(known, name).toContain(name);
  });
});
