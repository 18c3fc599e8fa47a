// CPU time per process tree from /proc (Linux), for benchmarks run on a machine other work loads:
// wall-clock rates then say more about the neighbours than about the code, while the CPU seconds a
// process consumed per unit of work do not depend on who else runs. A tree's time is its processes'
// utime+stime plus cutime+cstime (children already reaped), so a PostgreSQL backend that ends
// mid-run still counts: its time moves into the postmaster's cutime, and the sum is unchanged.
import { readFileSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface ProcCpu {
  pid: number;
  ppid: number;
  /** /proc/PID/cmdline with spaces. */
  cmd: string;
  /** utime+stime+cutime+cstime, in clock ticks. */
  ticks: number;
}

let tickHz: number | null = null;
/** Clock ticks per second (CLK_TCK, 100 on Linux nearly always). */
export function ticksPerSecond(): number {
  if (tickHz === null) {
    try {
      tickHz = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      tickHz = 100;
    }
  }
  return tickHz;
}

/** One line of /proc/PID/stat parsed: fields after the parenthesised command (which may hold spaces). */
export function parseStat(stat: string): { ppid: number; ticks: number } {
  // 1-based fields from pid: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const n = (i: number) => Number(rest[i]);
  return { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) };
}

/** Every process on the machine we may read. */
export function procTable(): ProcCpu[] {
  const all: ProcCpu[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const { ppid, ticks } = parseStat(readFileSync(`/proc/${name}/stat`, 'utf8'));
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      all.push({ pid: Number(name), ppid, cmd, ticks });
    } catch {
      // ended while we looked
    }
  }
  return all;
}

/** CPU seconds of `root` and all its descendants (reaped ones included), or 0 when it is gone. */
export function treeCpuSeconds(root: number, table: readonly ProcCpu[] = procTable()): number {
  const mine = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of table) {
      if (!mine.has(p.pid) && mine.has(p.ppid)) {
        mine.add(p.pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  for (const p of table) if (mine.has(p.pid)) ticks += p.ticks;
  return ticks / ticksPerSecond();
}

/** CPU seconds of one process (and its reaped children), or null when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks / ticksPerSecond();
  } catch {
    return null;
  }
}

/** Direct children of this process whose command line matches `pattern` (the postmaster, nginx's master). */
export function childrenMatching(pattern: RegExp, table: readonly ProcCpu[] = procTable()): number[] {
  return table.filter((p) => p.ppid === process.pid && pattern.test(p.cmd)).map((p) => p.pid);
}

/** This process's own CPU seconds (all its threads). */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
