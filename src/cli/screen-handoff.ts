// How the screen unit (packaging/systemd/checkpoint-kiosk-screen.service, Chromium under cage as
// the kiosk user) gets its one-time launch URL from the core without a terminal: the core keeps a
// fresh one in a file only the kiosk user can read (KIOSK_LAUNCH_FILE, in the unit's
// RuntimeDirectory). The screen's launcher takes the file (reads and deletes it) and opens the URL;
// when the file is gone the core writes a new one, so a restarted Chromium gets a URL that works.
// A URL is spent on first use and signs the previous screen out (docs/security.md).
import { existsSync, renameSync, writeFileSync } from 'node:fs';

export interface ScreenHandoff {
  stop(): void;
}

/** Keeps `file` holding an unspent launch URL from `issue()`; checks every `pollMs`. */
export function keepLaunchFile(file: string, issue: () => string, log: (line: string) => void, pollMs = 500): ScreenHandoff {
  const put = () => {
    try {
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, `${issue()}\n`, { mode: 0o600 });
      renameSync(tmp, file);
    } catch (err) {
      log(`launch file ${file} not written: ${(err as Error).message}`);
    }
  };
  // Always fresh at start: a file left by an earlier run holds a URL that run issued.
  put();
  const timer = setInterval(() => {
    if (!existsSync(file)) put();
  }, pollMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
