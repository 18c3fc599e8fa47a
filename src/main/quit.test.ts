import { describe, expect, it } from 'vitest';
import { EventEmitter } from 'node:events';
import { installGracefulQuit, type QuitTimers } from './quit.js';

/** Electron's app as the quit logic sees it: before-quit listeners, then exit() if nobody prevented it. */
class FakeApp extends EventEmitter {
  exits: number[] = [];
  /** Electron's quit(): emits before-quit; exits only if no listener called preventDefault. */
  quit(): boolean {
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (!prevented) this.exits.push(0);
    return prevented;
  }
  exit(code = 0): void {
    this.exits.push(code);
  }
}

/** Timers the test fires by hand: no wall clock. */
class HandTimers implements QuitTimers {
  pending = new Map<number, () => void>();
  private next = 1;
  set(fn: () => void): unknown {
    const id = this.next++;
    this.pending.set(id, fn);
    return id;
  }
  clear(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  fireAll(): void {
    for (const [id, fn] of [...this.pending]) {
      this.pending.delete(id);
      fn();
    }
  }
}

function deferred(): { promise: Promise<void>; resolve(): void; reject(e: Error): void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Electron quit waits for the kiosk to close', () => {
  it('holds the quit until close() has finished, then exits 0', async () => {
    const app = new FakeApp();
    const timers = new HandTimers();
    const closing = deferred();
    let closes = 0;
    installGracefulQuit(app, { close: () => () => ((closes += 1), closing.promise), log: () => undefined, timers });
    expect(app.quit()).toBe(true);
    await settle();
    expect(closes).toBe(1);
    expect(app.exits).toEqual([]);
    // A second quit request while closing (window-all-closed, Ctrl-Q again) neither exits nor closes twice.
    expect(app.quit()).toBe(true);
    await settle();
    expect(closes).toBe(1);
    expect(app.exits).toEqual([]);
    closing.resolve();
    await settle();
    expect(app.exits).toEqual([0]);
    expect(timers.pending.size).toBe(0);
  });

  it('exits 1 after the bound when close() hangs, and says so', async () => {
    const app = new FakeApp();
    const timers = new HandTimers();
    const lines: string[] = [];
    installGracefulQuit(app, { close: () => () => new Promise<void>(() => undefined), log: (l) => lines.push(l), timers, boundMs: 5000 });
    app.quit();
    await settle();
    expect(app.exits).toEqual([]);
    timers.fireAll();
    await settle();
    expect(app.exits).toEqual([1]);
    expect(lines.join('\n')).toMatch(/did not close within 5000 ms/);
  });

  it('exits 1 when close() fails, and says why', async () => {
    const app = new FakeApp();
    const timers = new HandTimers();
    const lines: string[] = [];
    const closing = deferred();
    installGracefulQuit(app, { close: () => () => closing.promise, log: (l) => lines.push(l), timers });
    app.quit();
    closing.reject(new Error('relay port gone'));
    await settle();
    expect(app.exits).toEqual([1]);
    expect(lines.join('\n')).toMatch(/relay port gone/);
  });

  it('exits at once when the kiosk never started', async () => {
    const app = new FakeApp();
    installGracefulQuit(app, { close: () => null, log: () => undefined, timers: new HandTimers() });
    app.quit();
    await settle();
    expect(app.exits).toEqual([0]);
  });
});
