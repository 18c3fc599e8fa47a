// `kiosk collector`: the reference collector (src/collector). `serve` runs the HTTP ingest endpoint
// with its own SQLite database; `register` adds a kiosk's public key (from `kiosk identity`);
// `kiosks` prints who uploaded what and when; `disable` shuts a kiosk out.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { fromB64url, kioskIdOf } from '../../core/identity/device-key.js';
import { CollectorDb } from '../../collector/db.js';
import { CollectorConfigError, startCollector } from '../../collector/server.js';
import { ensurePrivateDir, loadOrCreateStatusToken } from '../../collector/files.js';
import { CliError, dataDirOf, printJson, withDataDir, type CommandIo } from '../program.js';
import type { RegisterCommand } from './index.js';
import { untilStopRequested } from '../stop-request.js';

interface CollectorOpts {
  dataDir?: string;
  db?: string;
  lists?: string;
}

const collectorDirOf = (opts: CollectorOpts) => join(dataDirOf(opts), 'collector');
const dbPathOf = (opts: CollectorOpts) => opts.db ?? join(collectorDirOf(opts), 'collector.sqlite3');
const listsOf = (opts: CollectorOpts) => opts.lists ?? join(collectorDirOf(opts), 'lists');

/**
 * Opens the collector's database; its own directory (`<data dir>/collector`, the default) is made
 * or tightened to 0700 first. A `--db` elsewhere gets 0600 files (CollectorDb) in whatever folder
 * the operator chose: that folder may be shared, so its mode is not ours to change.
 */
function openDb(opts: CollectorOpts): CollectorDb {
  if (!opts.db) ensurePrivateDir(collectorDirOf(opts));
  return new CollectorDb(dbPathOf(opts));
}

function common(cmd: Command): Command {
  return withDataDir(cmd)
    .option('--db <file>', 'collector database (default: <data dir>/collector/collector.sqlite3)')
    .option('--lists <dir>', 'folder with trust-list.jws / status-list.jws to serve (default: <data dir>/collector/lists)');
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new CliError('BAD_REQUEST', `${flag} must be a non-negative integer, got ${JSON.stringify(text)}`, 2);
  return n;
}

async function serve(opts: CollectorOpts & { host: string; port: string; maxBodyBytes: string; maxEntries: string; ratePerSecond: string; rateBurst: string; tlsCert?: string; tlsKey?: string; statusTokenFile?: string; allowInsecureHttp?: boolean }, io: CommandIo): Promise<void> {
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new CliError('BAD_REQUEST', '--tls-cert and --tls-key go together', 2);
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (opts.tlsCert && opts.tlsKey) {
    try {
      tls = { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) };
    } catch (err) {
      throw new CliError('BAD_REQUEST', `cannot read the TLS certificate or key: ${(err as Error).message}`, 2);
    }
  }
  if (!opts.db) ensurePrivateDir(collectorDirOf(opts));
  // Beside the database: `--db` elsewhere keeps its token there too, not in the default data directory.
  const statusTokenFile = opts.statusTokenFile ?? join(dirname(dbPathOf(opts)), 'status-token');
  let statusToken: string;
  try {
    statusToken = loadOrCreateStatusToken(statusTokenFile);
  } catch (err) {
    throw new CliError('BAD_REQUEST', `cannot read or make the status token: ${(err as Error).message}`, 2);
  }
  const collector = await startCollector({
    dbPath: dbPathOf(opts),
    statusToken,
    allowInsecureHttp: opts.allowInsecureHttp === true,
    listsDir: listsOf(opts),
    host: opts.host,
    port: positiveInt(opts.port, '--port'),
    maxBodyBytes: positiveInt(opts.maxBodyBytes, '--max-body-bytes'),
    maxEntriesPerBatch: positiveInt(opts.maxEntries, '--max-entries'),
    rateLimit: { perSecond: positiveInt(opts.ratePerSecond, '--rate-per-second'), burst: positiveInt(opts.rateBurst, '--rate-burst') },
    log: (line) => io.stderr.write(`collector: ${line}\n`),
    ...(tls ? { tls } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err instanceof CollectorConfigError) throw new CliError(err.reason, err.message, 2);
    throw new CliError('STORAGE_UNAVAILABLE', `cannot start the collector: ${err.code ?? ''} ${err.message}`);
  });
  // The token's file, never the token itself: this line ends up in service logs.
  printJson(io, { url: collector.url, db: dbPathOf(opts), lists: listsOf(opts), statusTokenFile, kiosks: collector.db.kiosks().length });
  await untilStopRequested();
  await collector.close();
}

export const register: RegisterCommand = (program, io) => {
  const cmd = program.command('collector').description('reference collector: receives kiosk upload batches and serves trust/status lists');

  common(cmd.command('serve', { isDefault: true }))
    .description('run the collector HTTP server until SIGINT/SIGTERM')
    .option('--host <address>', 'address to listen on (loopback unless you mean to expose it)', '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', '8787')
    .option('--max-body-bytes <n>', 'largest compressed batch accepted', String(8 * 1024 * 1024))
    .option('--max-entries <n>', 'most entries per batch', '10000')
    .option('--rate-per-second <n>', 'sustained requests per second per kiosk', '100')
    .option('--rate-burst <n>', 'request burst per kiosk', '200')
    .option('--tls-cert <file>', 'serve https with this PEM certificate (needed beyond loopback: entries carry personal data)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--status-token-file <file>', 'operator token for the status pages (made 0600 if missing; default: status-token beside the database)')
    .option('--allow-insecure-http', 'serve plain http on a non-loopback --host (only behind a TLS proxy or on an isolated test network)')
    .action((opts) => serve(opts, io));

  common(cmd.command('register'))
    .description('register (or re-enable) a kiosk by the public key `kiosk identity` printed')
    .argument('<public-key>', 'base64url Ed25519 public key')
    .option('--name <text>', 'where the kiosk stands, shown on the status page')
    .action((publicKey: string, opts: CollectorOpts & { name?: string }) => {
      const key = fromB64url(publicKey);
      if (key.length !== 32 || !/^[A-Za-z0-9_-]+$/.test(publicKey)) throw new CliError('BAD_REQUEST', 'the public key must be 32 bytes of base64url (as `kiosk identity` prints it)', 2);
      const db = openDb(opts);
      try {
        const kioskId = kioskIdOf(key);
        db.registerKiosk(kioskId, key, opts.name ?? null);
        printJson(io, { registered: kioskId, name: opts.name ?? null });
      } finally {
        db.close();
      }
    });

  common(cmd.command('disable'))
    .description('refuse further uploads from a kiosk (403) until it is registered again')
    .argument('<kiosk-id>')
    .action((kioskId: string, opts: CollectorOpts) => {
      const db = openDb(opts);
      try {
        if (!db.setKioskEnabled(kioskId, false)) throw new CliError('KIOSK_UNKNOWN', `no kiosk ${kioskId} is registered`);
        printJson(io, { disabled: kioskId });
      } finally {
        db.close();
      }
    });

  common(cmd.command('kiosks'))
    .description('print the registered kiosks: last seen, last upload, last seq, backlog, entries')
    .action((opts: CollectorOpts) => {
      const db = openDb(opts);
      try {
        printJson(io, db.kiosks());
      } finally {
        db.close();
      }
    });
};
