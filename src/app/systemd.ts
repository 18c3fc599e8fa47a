// The kiosk under systemd (packaging/systemd/checkpoint-kiosk.service, Type=notify + WatchdogSec):
// it says READY=1 once the host is listening, so the screen unit ordered After= it starts only
// then, and pings WATCHDOG=1 from the event loop, so a core whose loop hangs stops pinging and is
// killed and restarted by systemd (Restart=always). The messages go through Debian's
// `systemd-notify`, which waits until the manager has read each one (sd_pid_notify_barrier), so a
// short-lived sender is still attributed to the unit (the unit sets NotifyAccess=all). Outside
// systemd (no NOTIFY_SOCKET) nothing is sent.
import { spawn } from 'node:child_process';

export type NotifyRunner = (args: string[], env: NodeJS.ProcessEnv) => Promise<number>;

const runSystemdNotify: NotifyRunner = (args, env) =>
  new Promise((resolve) => {
    const child = spawn('systemd-notify', args, { env, stdio: 'ignore' });
    child.on('error', () => resolve(127));
    child.on('exit', (code) => resolve(code ?? 1));
  });

export interface SystemdNotifier {
  /** READY=1 (and a STATUS= line): the core is listening. */
  ready(status: string): Promise<void>;
  /** Stops the watchdog pings (the kiosk is stopping). */
  stop(): void;
  /** The ping interval in ms, or null when the unit has no watchdog. */
  readonly watchdogMs: number | null;
}

export interface SystemdOptions {
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  run?: NotifyRunner;
  pid?: number;
}

/** A notifier when started by systemd with a notify socket; null otherwise. */
export function systemdNotifier(options: SystemdOptions): SystemdNotifier | null {
  const env = options.env ?? process.env;
  if (!env.NOTIFY_SOCKET) return null;
  const run = options.run ?? runSystemdNotify;
  const pid = options.pid ?? process.pid;
  const send = async (args: string[]) => {
    const code = await run([`--pid=${pid}`, ...args], env);
    if (code !== 0) options.log(`systemd-notify ${args.join(' ')} failed (exit ${code})`);
  };
  // sd_watchdog_enabled(3): the watchdog is ours when WATCHDOG_PID is unset or names this process.
  const usec = Number(env.WATCHDOG_USEC);
  const mine = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === pid;
  // Half the interval, as sd_watchdog_enabled(3) advises, so one late ping is not a kill.
  const watchdogMs = Number.isFinite(usec) && usec > 0 && mine ? Math.max(100, Math.floor(usec / 1000 / 2)) : null;
  let timer: NodeJS.Timeout | null = null;
  return {
    watchdogMs,
    async ready(status) {
      await send(['--ready', `--status=${status}`]);
      if (watchdogMs !== null && timer === null) {
        timer = setInterval(() => void send(['WATCHDOG=1']), watchdogMs);
        timer.unref();
      }
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      void send(['--status=stopping', 'STOPPING=1']);
    },
  };
}
