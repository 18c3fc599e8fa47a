// A pseudo-terminal pair made by socat: the host side is the path a driver opens as if it were a
// USB serial adapter, the device side is where a simulator speaks the device's protocol. Killing
// socat removes both links (unplug); starting it again recreates them on new /dev/pts nodes (replug).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync } from 'node:fs';

export class SocatMissingError extends Error {
  readonly reason = 'PORT_UNAVAILABLE';
  constructor() {
    super('socat is not installed: it makes the pseudo-terminal pairs the simulators use (apt-get install socat)');
  }
}

function removeStaleLink(path: string): void {
  try {
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
  } catch {
    // not there: nothing to remove
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * socat processes still running. If the kiosk exits without stopping a pair (an exception on the
 * way out, a bounded shutdown that ran out of time), nobody else would end them: they would keep the
 * pty links and run on under init. The exit hook ends them; it must be synchronous, so it only signals.
 */
const liveSocats = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackSocat(child: ChildProcess): void {
  liveSocats.add(child);
  child.once('exit', () => liveSocats.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of liveSocats) c.kill('SIGTERM');
  });
}

export class PtyPair {
  private child: ChildProcess | null = null;

  constructor(
    /** What the kiosk opens. */
    readonly hostPath: string,
    /** What the simulator opens. */
    readonly devicePath: string,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Starts socat and waits until both links exist. */
  async start(): Promise<void> {
    if (this.child) return;
    removeStaleLink(this.hostPath);
    removeStaleLink(this.devicePath);
    const child = spawn('socat', [`pty,raw,echo=0,link=${this.hostPath}`, `pty,raw,echo=0,link=${this.devicePath}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    trackSocat(child);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new SocatMissingError() : err));
      child.once('exit', (code) => reject(new Error(`socat exited (${code}) before the pty pair was ready`)));
    });
    failed.catch(() => {});
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    try {
      await Promise.race([waitFor(() => existsSync(this.hostPath) && existsSync(this.devicePath), 5000, 'socat pty links'), failed]);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Stops socat: both links disappear, as if the device were unplugged. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
    removeStaleLink(this.hostPath);
    removeStaleLink(this.devicePath);
  }
}

/** Starts a pty pair; `devicePath` defaults to the host path with `.sim` appended. */
export async function createPtyPair(hostPath: string, devicePath = `${hostPath}.sim`): Promise<PtyPair> {
  const pair = new PtyPair(hostPath, devicePath);
  await pair.start();
  return pair;
}
