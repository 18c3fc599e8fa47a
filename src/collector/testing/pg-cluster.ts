// A throwaway PostgreSQL cluster for the collector's tests and benchmarks: Debian's own server
// binaries (package `postgresql`), `initdb` in a temp directory, the server listening only on a Unix
// socket in that directory, stopped and the directory removed afterwards. PostgreSQL refuses to run
// as root and CI runs as root, so then the cluster belongs to an unprivileged user (`postgres`, which
// the Debian package creates) and its processes are started with that uid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgCluster {
  /** The directory holding the data directory and the socket. */
  readonly dir: string;
  /** A URL for `database` on this cluster (over its Unix socket). */
  url(database: string): string;
  /** Creates an empty database with a fresh name and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Runs SQL as the superuser on `database` (benchmarks fill tables with it). */
  query(database: string, sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  stop(): Promise<void>;
  /** Whether the server's shared memory is in huge pages (PgClusterOptions.hugePages), and why not. */
  readonly hugePages: HugePagesState;
}

export type HugePagesState = { used: true; pages: number; reserved: number } | { used: false; reason: string };

/** Where initdb and postgres are: $PG_BIN, else the newest /usr/lib/postgresql/<v>/bin; null if none. */
export function findPgBin(): string | null {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'initdb'))) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null;
}

/** The user the cluster runs as when we are root: Debian's `postgres`, else one made for it. */
function unprivilegedUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const lookup = (name: string) => {
    const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) } : null;
  };
  const found = lookup('postgres') ?? lookup('kioskpg');
  if (found) return found;
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'kioskpg'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`cannot create an unprivileged user for PostgreSQL: ${made.stderr}`);
  return lookup('kioskpg');
}

export interface PgClusterOptions {
  /**
   * fsync off: for tests only (a throwaway cluster a crash would discard anyway); benchmarks keep
   * the durable default so their figures mean what a production server does.
   */
  durable?: boolean;
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
  /**
   * Put the server's shared memory in huge pages (PostgreSQL's `huge_pages = on`), reserving the
   * pages the server says it needs (`postgres -C shared_memory_size_in_huge_pages`) when we may (as
   * root), and giving back what was reserved at stop. Without them every server process takes a
   * page fault for each 4 KiB of shared buffers it first touches: with them PostgreSQL's CPU per
   * stored entry halved in the fleet benchmark (docs/upload-protocol.md §10). When they cannot be had
   * the server starts without them and `hugePages` says why.
   */
  hugePages?: boolean;
}

/** `-c name=value` for each setting, as postgres takes them. */
const settingArgs = (settings: Record<string, string>): string[] => Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);

const NR_HUGEPAGES = '/proc/sys/vm/nr_hugepages';

function freeHugePages(): number {
  const m = /^HugePages_Free:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Reserves `needed` free huge pages; returns how many it added to vm.nr_hugepages, or why it could not. */
function reserveHugePages(needed: number): { added: number } | { reason: string } {
  try {
    const free = freeHugePages();
    if (free >= needed) return { added: 0 };
    const total = Number(readFileSync(NR_HUGEPAGES, 'utf8').trim());
    const want = total + (needed - free);
    writeFileSync(NR_HUGEPAGES, `${want}\n`);
    const got = Number(readFileSync(NR_HUGEPAGES, 'utf8').trim());
    if (freeHugePages() >= needed) return { added: got - total };
    writeFileSync(NR_HUGEPAGES, `${total}\n`);
    return { reason: `the kernel gave ${got - total} of the ${needed - free} huge pages asked for (memory too fragmented?)` };
  } catch (err) {
    return { reason: `cannot reserve huge pages (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): vm.nr_hugepages is root's to set` };
  }
}

function releaseHugePages(added: number): void {
  if (added <= 0) return;
  try {
    const total = Number(readFileSync(NR_HUGEPAGES, 'utf8').trim());
    writeFileSync(NR_HUGEPAGES, `${Math.max(0, total - added)}\n`);
  } catch {
    // Given back at the next boot in any case; nothing of the cluster depends on it.
  }
}

export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found (Debian: apt-get install postgresql; or set PG_BIN)');
  const user = unprivilegedUser();
  const dir = mkdtempSync(join(tmpdir(), 'collector-pg-'));
  const data = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  // The cluster's own processes get a HOME they may read; nothing else of ours leaks into them.
  const env = { ...process.env, HOME: dir, LC_ALL: 'C' };
  const init = spawnSync(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'], { ...asUser, env, cwd: dir, encoding: 'utf8' });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }
  const settings: Record<string, string> = {
    listen_addresses: '',
    unix_socket_directories: dir,
    max_connections: '200',
    ...(options.durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...options.settings,
  };
  // Not asked for is off, not PostgreSQL's default `try`: a test's cluster must not take the huge
  // pages another cluster (a benchmark's) reserved for itself and then fail to start without them.
  if (!options.hugePages) settings.huge_pages = 'off';
  let hugePages: HugePagesState = { used: false, reason: 'not asked for' };
  let hugePagesAdded = 0;
  if (options.hugePages) {
    const asked = spawnSync(join(bin, 'postgres'), ['-D', data, ...settingArgs(settings), '-C', 'shared_memory_size_in_huge_pages'], { ...asUser, env, cwd: dir, encoding: 'utf8' });
    const needed = Number(asked.stdout.trim());
    if (asked.status !== 0 || !Number.isInteger(needed) || needed <= 0) {
      hugePages = { used: false, reason: `postgres -C shared_memory_size_in_huge_pages: ${(asked.stderr || asked.stdout).trim() || 'no answer'}` };
    } else {
      const reserved = reserveHugePages(needed);
      if ('reason' in reserved) hugePages = { used: false, reason: reserved.reason };
      else {
        hugePagesAdded = reserved.added;
        hugePages = { used: true, pages: needed, reserved: reserved.added };
        settings.huge_pages = 'on';
      }
    }
  }
  const args = ['-D', data, ...settingArgs(settings)];
  const server: ChildProcess = spawn(join(bin, 'postgres'), args, { ...asUser, env, cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr!.on('data', (d: Buffer) => {
    log = (log + d.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  let stopped = false;
  // Should the test process die first, the server must not outlive it.
  const killOnExit = () => {
    server.kill('SIGKILL');
    releaseHugePages(hugePagesAdded);
  };
  process.once('exit', killOnExit);
  const url = (database: string) => `postgres://postgres@localhost/${encodeURIComponent(database)}?host=${encodeURIComponent(dir)}`;

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) {
      releaseHugePages(hugePagesAdded);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`postgres exited at start: ${log}`);
    }
    const client = new pg.Client({ connectionString: url('postgres') });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not come up within 30 s: ${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  let n = 0;
  const query = async (database: string, sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return await client.query(sql, params);
    } finally {
      await client.end();
    }
  };
  return {
    dir,
    url,
    query,
    async createDatabase(prefix = 'collector') {
      const name = `${prefix}_${process.pid}_${++n}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      // An identifier cannot be a query parameter; the name is ours and checked above.
      await query('postgres', `CREATE DATABASE ${name}`);
      return url(name);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      // SIGINT: PostgreSQL's fast shutdown (ends sessions, checkpoints, exits).
      server.kill('SIGINT');
      const timer = setTimeout(() => server.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
      releaseHugePages(hugePagesAdded);
      rmSync(dir, { recursive: true, force: true });
    },
    hugePages,
  };
}
