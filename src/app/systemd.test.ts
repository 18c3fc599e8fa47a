import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemdNotifier } from './systemd.js';

afterEach(() => {
  vi.useRealTimers();
});

function recorder() {
  const calls: string[][] = [];
  return { calls, run: async (args: string[]) => (calls.push(args), 0) };
}

describe('systemd notify and watchdog', () => {
  it('sends nothing outside systemd (no NOTIFY_SOCKET)', () => {
    expect(systemdNotifier({ env: {}, log: () => undefined })).toBeNull();
  });

  it('says READY with a status, then pings WATCHDOG=1 at half the unit\'s interval while the loop runs', async () => {
    vi.useFakeTimers();
    const r = recorder();
    const n = systemdNotifier({ env: { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, pid: 42, log: () => undefined, run: r.run })!;
    expect(n.watchdogMs).toBe(15_000);
    await n.ready('kiosk ready on http://127.0.0.1:1234');
    expect(r.calls).toEqual([['--pid=42', '--ready', '--status=kiosk ready on http://127.0.0.1:1234']]);
    await vi.advanceTimersByTimeAsync(45_000);
    expect(r.calls.slice(1)).toEqual([['--pid=42', 'WATCHDOG=1'], ['--pid=42', 'WATCHDOG=1'], ['--pid=42', 'WATCHDOG=1']]);
    n.stop();
    await vi.advanceTimersByTimeAsync(45_000);
    expect(r.calls.at(-1)).toEqual(['--pid=42', '--status=stopping', 'STOPPING=1']);
    expect(r.calls.filter((c) => c.includes('WATCHDOG=1'))).toHaveLength(3);
  });

  it('leaves the watchdog alone when it belongs to another process, or the unit has none', async () => {
    expect(systemdNotifier({ env: { NOTIFY_SOCKET: 's', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, pid: 42, log: () => undefined })!.watchdogMs).toBeNull();
    expect(systemdNotifier({ env: { NOTIFY_SOCKET: 's' }, pid: 42, log: () => undefined })!.watchdogMs).toBeNull();
  });

  it('logs a notify that failed (systemd-notify missing or refused)', async () => {
    const lines: string[] = [];
    const n = systemdNotifier({ env: { NOTIFY_SOCKET: 's' }, pid: 1, log: (l) => lines.push(l), run: async () => 127 })!;
    await n.ready('x');
    expect(lines[0]).toMatch(/systemd-notify --ready .* failed \(exit 127\)/);
  });
});
