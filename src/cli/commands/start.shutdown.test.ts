// Stopping `npm start` the way a supervisor does ends the whole kiosk. npm runs the start script
// through `sh -c`; a TERM to npm (what CI, a shell's job control or a service manager sends) used to
// end npm and the shell only, leaving `kiosk start` re-parented to init with its socat pty pairs.
// Every process the kiosk starts inherits KIOSK_RUN_MARKER, so the check below finds a leftover
// wherever it was re-parented to.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { markedProcesses, reap, waitUntilGone } from '../../../scripts/process-marker.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const markers: string[] = [];
const dirs: string[] = [];
afterEach(async () => {
  // Whatever a failing run left behind must not outlive the test.
  for (const marker of markers.splice(0)) await reap(marker);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function startDemoThroughNpm(): Promise<{ npmPid: number; marker: string; exited: Promise<unknown> }> {
  const marker = randomUUID();
  markers.push(marker);
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-npm-start-'));
  dirs.push(dataDir);
  const npm = spawn('npm', ['start'], {
    cwd: repoRoot,
    env: { ...process.env, KIOSK_DATA_DIR: dataDir, KIOSK_NO_BROWSER: '1', KIOSK_RUN_MARKER: marker },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => npm.once('exit', resolve));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('kiosk ready')) resolve();
    };
    npm.stdout!.on('data', onData);
    npm.stderr!.on('data', onData);
    npm.once('exit', (code) => reject(new Error(`npm start exited (${code}) before 'kiosk ready':\n${output}`)));
  });
  return { npmPid: npm.pid!, marker, exited };
}

describe('npm start stops with everything it started', () => {
  // TERM and INT are passed on by npm; KILL is not (npm is just gone): the kiosk notices that its
  // parent went away and stops by itself.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGKILL'] as const) {
    it(`${signal} to npm leaves no kiosk, socat or simulator running`, async () => {
      const { npmPid, marker, exited } = await startDemoThroughNpm();
      const running = markedProcesses(marker).map((p) => p.command);
      // The demo's devices are socat pty pairs: the check must have something to find.
      expect(running.some((c) => c.includes('kiosk.js start'))).toBe(true);
      expect(running.filter((c) => c.startsWith('socat')).length).toBeGreaterThanOrEqual(1);
      process.kill(npmPid, signal);
      await exited;
      const left = await waitUntilGone(marker, 20_000);
      expect(left.map((p) => p.command)).toEqual([]);
    });
  }
});
