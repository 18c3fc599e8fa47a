// Electron's quit, made to wait for the kiosk to close. `before-quit` is a plain event: a listener
// that starts an async close and returns lets Electron exit at once, cutting off the gate's
// relay-off write, the upload worker's last batch and the entry store's close (WAL checkpoint).
// So the first `before-quit` cancels the quit, closes the kiosk, and then exits the app itself
// (app.exit does not emit before-quit again) — with a bound, like the browser host's shutdown
// (src/cli/commands/start.ts): a device close that hangs must not keep a dead kiosk on screen.
// No electron import here, so the logic is tested with a fake app (quit.test.ts) without the binary.

/** The part of Electron's `app` this needs. */
export interface QuitApp {
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  exit(code?: number): void;
}

export interface QuitTimers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface GracefulQuitOptions {
  /** The kiosk's close, or null while it has not started (then the app exits at once). */
  close: () => (() => Promise<void>) | null;
  /** How long the close may take before the app exits anyway (default 10 s, as the browser host). */
  boundMs?: number;
  log: (line: string) => void;
  timers?: QuitTimers;
}

export const QUIT_BOUND_MS = 10_000;

const realTimers: QuitTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Installs the waiting `before-quit`. Exit code 0 when the kiosk closed, 1 when its close failed or
 * ran past the bound (a supervisor's log then shows the shutdown was not clean).
 */
export function installGracefulQuit(app: QuitApp, options: GracefulQuitOptions): void {
  const timers = options.timers ?? realTimers;
  const boundMs = options.boundMs ?? QUIT_BOUND_MS;
  let closing = false;
  app.on('before-quit', (event) => {
    // Every quit request is held back until the close below has finished: a second Ctrl-Q or a
    // window-all-closed during the close must not exit early either.
    event.preventDefault();
    if (closing) return;
    closing = true;
    const close = options.close();
    if (!close) {
      app.exit(0);
      return;
    }
    let handle: unknown;
    const bound = new Promise<'timeout'>((resolve) => {
      handle = timers.set(() => resolve('timeout'), boundMs);
    });
    const closed = Promise.resolve()
      .then(close)
      .then(
        () => 'closed' as const,
        (err: unknown) => {
          options.log(`shutdown: the kiosk's close failed: ${err instanceof Error ? err.message : String(err)}`);
          return 'failed' as const;
        },
      );
    void Promise.race([closed, bound]).then((outcome) => {
      timers.clear(handle);
      if (outcome === 'timeout') options.log(`shutdown: the kiosk did not close within ${boundMs} ms; exiting anyway`);
      app.exit(outcome === 'closed' ? 0 : 1);
    });
  });
}
