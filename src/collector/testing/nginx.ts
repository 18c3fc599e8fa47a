// A real nginx (Debian's `nginx` package) as the HTTP load balancer in front of several collector
// processes: round-robin over `upstreams`, its config, pid, logs and temp files in a directory of
// its own, run in the foreground (`daemon off`) so the test owns the process and stops it.
// When we are root its workers run as `nobody` (nginx's default), so the temp paths are theirs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Balancer {
  url: string;
  port: number;
  /** Upstream address of every request so far, from nginx's access log (`$upstream_addr`). */
  upstreamsSeen(): string[];
  stop(): Promise<void>;
}

export function findNginx(): string | null {
  for (const p of [process.env.NGINX_BIN, '/usr/sbin/nginx', '/usr/bin/nginx']) if (p && existsSync(p)) return p;
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startBalancer(upstreamPorts: number[], options: { port?: number } = {}): Promise<Balancer> {
  const bin = findNginx();
  if (!bin) throw new Error('nginx not found (Debian: apt-get install nginx)');
  const dir = mkdtempSync(join(tmpdir(), 'collector-nginx-'));
  const temp = join(dir, 'temp');
  mkdirSync(temp);
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' }).stdout.trim());
    chownSync(temp, uid, gid);
  }
  const port = options.port ?? (await freePort());
  const conf = `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstream '$upstream_addr $status';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${temp}/body;
  proxy_temp_path ${temp}/proxy;
  fastcgi_temp_path ${temp}/fastcgi;
  uwsgi_temp_path ${temp}/uwsgi;
  scgi_temp_path ${temp}/scgi;
  # A batch is at most the collector's own limit (8 MiB by default); the collector says 413 itself.
  client_max_body_size 16m;
  client_body_buffer_size 1m;
  upstream collectors {
${upstreamPorts.map((p) => `    server 127.0.0.1:${p} max_fails=0;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://collectors;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      # A refused connection (a collector restarting) goes to the next one; a POST that reached a
      # collector is not resent by nginx (it may have been stored): the kiosk resends it under the
      # same batch id and the collector answers it as a replay.
      proxy_next_upstream error timeout;
      proxy_read_timeout 60s;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited at start: ${stderr}${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`);
    try {
      await fetch(url + '/v1/lists/trust');
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not come up: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  let stopped = false;
  return {
    url,
    port,
    upstreamsSeen: () => {
      const log = join(dir, 'access.log');
      return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]!) : [];
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // QUIT: graceful (finishes requests in flight), then the directory goes.
      child.kill('SIGQUIT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
