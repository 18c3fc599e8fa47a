// What the soak benchmark reads from /proc (Linux): a process's resident memory and open file
// descriptors, and the descendants of this process (Chromium's renderer processes are found there).
import { readFileSync, readdirSync } from 'node:fs';
import type { ResourceReading } from './soak-verdict.js';

/** VmRSS (KiB) and the number of entries in /proc/PID/fd; throws when the process is gone. */
export function readResources(pid: number): ResourceReading {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!rss) throw new Error(`no VmRSS for pid ${pid}`);
  return { rssKiB: Number(rss[1]), fds: readdirSync(`/proc/${pid}/fd`).length };
}

export interface ProcInfo {
  pid: number;
  ppid: number;
  cmd: string;
  /** CPU time used so far, in clock ticks (utime + stime). */
  ticks: number;
}

/** Every live descendant of `root` (default: this process), with its command line and CPU ticks. */
export function descendants(root = process.pid): ProcInfo[] {
  const all: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the parenthesised command: state ppid … utime(14) stime(15), 1-based from pid.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      all.push({ pid: Number(name), ppid: Number(rest[1]), cmd, ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      // ended while we looked
    }
  }
  const mine = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of all) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  return all.filter((p) => p.pid !== root && mine.has(p.pid));
}

/** Chromium renderer processes among this process's descendants. */
export function chromiumRenderers(): number[] {
  return descendants()
    .filter((p) => p.cmd.includes('chromium') && p.cmd.includes('--type=renderer'))
    .map((p) => p.pid);
}

/** Names of a process's threads (/proc/PID/task/TID/comm). */
export function threadNames(pid: number): string[] {
  const names: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      names.push(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim());
    } catch {
      // the thread ended while we looked
    }
  }
  return names;
}

/**
 * The renderer of the kiosk page: of the renderers Chromium started (a spare one, the blank page's
 * before navigation), the one running a dedicated worker thread, which is the page's decode worker.
 */
export function kioskPageRenderer(): number {
  const renderers = chromiumRenderers();
  const withWorker = renderers.filter((pid) => {
    try {
      return threadNames(pid).some((n) => n.startsWith('DedicatedWorker'));
    } catch {
      return false;
    }
  });
  if (withWorker.length !== 1) {
    const seen = renderers.map((pid) => `${pid}: ${[...new Set((() => { try { return threadNames(pid); } catch { return []; } })())].join(',')}`);
    throw new Error(`expected one Chromium renderer running a worker, found ${withWorker.length}; renderers:\n${seen.join('\n')}`);
  }
  return withWorker[0]!;
}
