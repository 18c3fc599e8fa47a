// `kiosk simulate` as a real process on a real socat pty pair: `quit` (and a signal) must end the
// process, not only print "ok bye" — an integrator's script waits for it to exit.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(import.meta.dirname, '..', '..', '..');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts `kiosk simulate DEVICE` with stdin a pipe kept open; resolves once it says it is simulating. */
async function startSimulator(device: string): Promise<{ child: ChildProcess; link: string; lines: string[]; exited: Promise<number | null> }> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-sim-'));
  dirs.push(dir);
  const link = join(dir, device);
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/testing/kiosk-runner.ts'), 'simulate', device, '--link', link, '--data-dir', dir], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: string[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('simulating ')) resolve();
    });
    void exited.then((code) => reject(new Error(`simulator exited (${code}) before it started: ${lines.join(' | ')}`)));
  });
  return { child, link, lines, exited };
}

/** The exit code, or 'still running' if the process has not ended within `ms` (a bound, not a measurement). */
function exitOrStillRunning(exited: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  return Promise.race([exited, new Promise<'still running'>((r) => setTimeout(() => r('still running'), ms).unref())]);
}

describe('kiosk simulate (real process)', () => {
  it('quit stops the simulator and the process, with stdin still open', async () => {
    const sim = await startSimulator('thermometer');
    expect(existsSync(sim.link)).toBe(true);
    sim.child.stdin!.write('status\nquit\n'); // stdin stays open, as at a terminal or in a script's pipe
    expect(await exitOrStillRunning(sim.exited, 20_000)).toBe(0);
    expect(sim.lines).toContain('ok bye');
    expect(existsSync(sim.link)).toBe(false); // socat ended with it: the port is unplugged
  }, 60_000);

  it('SIGTERM stops it too', async () => {
    const sim = await startSimulator('gate');
    sim.child.kill('SIGTERM');
    expect(await exitOrStillRunning(sim.exited, 20_000)).toBe(0);
    expect(existsSync(sim.link)).toBe(false);
  }, 60_000);
});
