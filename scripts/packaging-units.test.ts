// The Debian package's service units (packaging/systemd) checked by systemd itself: every key
// known, every dependency found, every command executable (`systemd-analyze verify`), plus the
// properties README "Install on a kiosk" promises: hardening, restart, watchdog, the screen after the core.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const UNITS = ['checkpoint-kiosk.service', 'checkpoint-kiosk-screen.service'];
const missing = ['/usr/bin/systemd-analyze', '/usr/bin/cage'].filter((p) => !existsSync(p));
const skipReason = missing.length ? `skipped: ${missing.join(', ')} not installed (apt-get install systemd cage)` : '';
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function unitText(name: string): string {
  return readFileSync(join(root, 'packaging', 'systemd', name), 'utf8');
}

/** Key=value lines of a unit (the last wins, as systemd reads single-valued keys; lists are joined). */
function keys(text: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) map.set(m[1]!, [...(map.get(m[1]!) ?? []), m[2]!]);
  }
  return map;
}

/**
 * The units as installed, with /opt/checkpoint-kiosk moved under a temporary root (the package is
 * not installed here): the node the tests run on stands in for the bundled runtime.
 */
function staged(texts: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-units-'));
  temps.push(dir);
  const opt = join(dir, 'opt', 'checkpoint-kiosk');
  mkdirSync(join(opt, 'node', 'bin'), { recursive: true });
  mkdirSync(join(opt, 'lib'), { recursive: true });
  symlinkSync(process.execPath, join(opt, 'node', 'bin', 'node'));
  copyFileSync(join(root, 'packaging', 'screen-launch'), join(opt, 'lib', 'screen-launch'));
  return Object.entries(texts).map(([name, text]) => {
    const file = join(dir, name);
    writeFileSync(file, text.replaceAll('/opt/checkpoint-kiosk', opt));
    return file;
  });
}

function verify(files: string[]): { status: number | null; output: string } {
  const r = spawnSync('systemd-analyze', ['verify', ...files], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describe.skipIf(skipReason !== '')(`service units pass systemd-analyze verify${skipReason ? ` (${skipReason})` : ''}`, () => {
  it('both units verify with no complaint at all', () => {
    const r = verify(staged(Object.fromEntries(UNITS.map((u) => [u, unitText(u)]))));
    expect(r.output).toBe('');
    expect(r.status).toBe(0);
  });

  it('a misspelt key is reported (the check can fail)', () => {
    const broken = unitText(UNITS[0]!).replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes');
    const r = verify(staged({ [UNITS[0]!]: broken, [UNITS[1]!]: unitText(UNITS[1]!) }));
    expect(r.output).toMatch(/Unknown key 'NoNewPrivilege'/);
  });
});

describe('service units: what the README promises', () => {
  it('core: restarts always, watchdog, hardened, data directory the only writable place, dialout only', () => {
    const k = keys(unitText('checkpoint-kiosk.service'));
    expect(k.get('Type')).toEqual(['notify']);
    expect(k.get('Restart')).toEqual(['always']);
    expect(Number(k.get('WatchdogSec')?.[0])).toBeGreaterThan(0);
    expect(k.get('User')).toEqual(['kiosk']);
    expect(k.get('SupplementaryGroups')).toEqual(['dialout']);
    expect(k.get('NoNewPrivileges')).toEqual(['yes']);
    expect(k.get('ProtectSystem')).toEqual(['strict']);
    expect(k.get('PrivateTmp')).toEqual(['yes']);
    expect(k.get('ProtectHome')).toEqual(['yes']);
    expect(k.get('ReadWritePaths')).toEqual(['/var/lib/checkpoint-kiosk']);
    expect(k.get('DevicePolicy')).toEqual(['closed']);
    expect((k.get('DeviceAllow') ?? []).every((d) => /^char-tty(USB|ACM|S) rw$/.test(d))).toBe(true);
    expect(k.get('ExecStart')?.[0]).toMatch(/^\/opt\/checkpoint-kiosk\/node\/bin\/node \/opt\/checkpoint-kiosk\/bin\/kiosk\.js start --host browser --no-browser/);
  });

  it('screen: cage with Chromium --kiosk as the kiosk user, after the core is ready', () => {
    const k = keys(unitText('checkpoint-kiosk-screen.service'));
    expect(k.get('User')).toEqual(['kiosk']);
    expect(k.get('After')?.join(' ')).toMatch(/\bcheckpoint-kiosk\.service\b/);
    expect(k.get('Requires')).toEqual(['checkpoint-kiosk.service']);
    expect(k.get('ExecStart')?.[0]).toMatch(/^\/usr\/bin\/cage -s -- \/opt\/checkpoint-kiosk\/lib\/screen-launch$/);
    expect(readFileSync(join(root, 'packaging', 'screen-launch'), 'utf8')).toMatch(/exec \/usr\/bin\/chromium \\\n\s+--kiosk/);
  });

  it('maintainer scripts and launchers are valid sh', () => {
    for (const f of ['debian/postinst', 'debian/prerm', 'debian/postrm', 'kiosk', 'screen-launch']) {
      const r = spawnSync('sh', ['-n', join(root, 'packaging', f)], { encoding: 'utf8' });
      expect({ f, status: r.status, err: r.stderr }).toEqual({ f, status: 0, err: '' });
    }
  });
});
