// Finds the processes a run started, wherever they were re-parented to, by an environment variable
// every child inherits: `.ci/run` and `npm test` set KIOSK_RUN_MARKER=<random> for everything they
// start, then ask this for what is left. A process that has left its process group (setsid) or
// been re-parented to init still carries the marker in /proc/PID/environ, so nothing escapes the
// check the way it escapes `pkill -P` or a group kill. Linux only (/proc); elsewhere it finds none.
//
//   node scripts/process-marker.mjs list MARKER   print what is left (pid, command), exit 0
//   node scripts/process-marker.mjs reap MARKER   print what is left, SIGTERM it, then SIGKILL what
//                                                 survives 5 s; exit 1 if anything was left
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const MARKER_VARIABLE = 'KIOSK_RUN_MARKER';

/** Processes (other than this one) whose environment holds KIOSK_RUN_MARKER=marker. */
export function markedProcesses(marker) {
  const wanted = `${MARKER_VARIABLE}=${marker}`;
  const found = [];
  let entries;
  try {
    entries = readdirSync('/proc');
  } catch {
    return found;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    if (!environ.split('\0').includes(wanted)) continue;
    let command = '';
    let state = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
      state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? '';
    } catch {
      continue;
    }
    // A zombie has already exited; only its parent's wait() is missing, and it holds nothing.
    if (state === 'Z') continue;
    found.push({ pid, command });
  }
  return found;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits up to `ms` for every marked process to be gone; returns those still there. */
export async function waitUntilGone(marker, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = markedProcesses(marker);
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(100);
  }
}

/** Ends every marked process (TERM, then KILL after 5 s); returns what was found at first. */
export async function reap(marker) {
  const left = markedProcesses(marker);
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  for (const p of await waitUntilGone(marker, 5000)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return left;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [verb, marker] = process.argv.slice(2);
  if (!marker || (verb !== 'list' && verb !== 'reap')) {
    process.stderr.write('usage: process-marker.mjs list|reap MARKER\n');
    process.exit(2);
  }
  const left = verb === 'reap' ? await reap(marker) : markedProcesses(marker);
  for (const p of left) process.stdout.write(`left running: pid ${p.pid}: ${p.command}\n`);
  process.exit(verb === 'reap' && left.length > 0 ? 1 : 0);
}
