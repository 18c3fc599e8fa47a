// How a long-running command (`kiosk start`, `kiosk collector serve`) learns it should stop.
/**
 * Resolves with the reason the process should stop: SIGINT, SIGTERM or SIGHUP, or its parent gone.
 * A supervisor (npm, a shell, systemd) that is itself stopped may not pass the signal on: npm runs
 * the start script through `sh -c`, and a TERM that ends the shell leaves us re-parented to init with
 * every socat pair and the window still running. So the process also watches its parent: a changed
 * parent pid means whoever started it is gone, and it stops as if it had been told to.
 */
export function untilStopRequested(pollMs = 250): Promise<string> {
  return new Promise((resolve) => {
    const parent = process.ppid;
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const handlers = signals.map((sig) => [sig, () => done(sig)] as const);
    const watch = setInterval(() => {
      if (process.ppid !== parent) done('parent exited');
    }, pollMs);
    const done = (reason: string) => {
      clearInterval(watch);
      for (const [sig, handler] of handlers) process.off(sig, handler);
      resolve(reason);
    };
    for (const [sig, handler] of handlers) process.on(sig, handler);
  });
}
