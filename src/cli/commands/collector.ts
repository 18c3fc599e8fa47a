// `kiosk collector`: the reference collector (src/collector). `serve` runs the HTTP ingest endpoint
// on its own SQLite file or on a PostgreSQL database (`--database postgres://…`, shared by several
// collector processes); `register` adds a kiosk's public key (from `kiosk identity`); `kiosks` prints
// who uploaded what and when; `disable` shuts a kiosk out; `trace` runs the audited tracing query.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { fromB64url, kioskIdOf } from '../../core/identity/device-key.js';
import { userInfo } from 'node:os';
import { CollectorConfigError, RETENTION_FIRST_PASS_MS, RETENTION_INTERVAL_MS, startCollector } from '../../collector/server.js';
import { databaseProblem, isPostgresUrl, kioskIdMismatch, openCollectorStorage, redactDatabaseUrl, type CollectorStorage } from '../../collector/storage.js';
import { newTraceKey, traceKeyCheck, traceKeyFromFile } from '../../collector/trace-key.js';
import { runTrace, traceProblem, type TraceRequest } from '../../collector/trace.js';
import { ensurePrivateDir, loadOrCreateStatusToken } from '../../collector/files.js';
import { CliError, dataDirOf, printJson, withDataDir, type CommandIo } from '../program.js';
import { parseDateOption } from './store-cli.js';
import type { RegisterCommand } from './index.js';
import { untilStopRequested } from '../stop-request.js';
import { describeTarget, fleetKeySource, initFleetKey, knownTargetCount, loadFleetKey, pushFleetConfig } from '../../collector/fleet-config.js';
import { changesFromAssignments } from '../../core/fleet/bundle.js';
import { DEFAULT_FLEET_THRESHOLDS, FLEET_ALERTS, fleetQuerySchema } from '../../collector/fleet.js';
import { hashOperatorPassword, operatorNameSchema, operatorPasswordSchema } from '../../collector/console-http.js';

/** The first line of stdin, its line ending dropped (spaces inside a password are kept). */
async function passwordLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

interface CollectorOpts {
  dataDir?: string;
  db?: string;
  database?: string;
  lists?: string;
  traceKeyFile?: string;
}

const collectorDirOf = (opts: CollectorOpts) => join(dataDirOf(opts), 'collector');
/** `--database` (a postgres:// URL or a file), else `--db`, else the default SQLite file. */
const dbPathOf = (opts: CollectorOpts) => {
  const given = opts.database ?? opts.db;
  // Refused before anything is made from it (a folder named after a mistyped URL, its password in it).
  const problem = given === undefined ? null : databaseProblem(given);
  if (problem) throw new CliError('BAD_REQUEST', problem);
  return given ?? join(collectorDirOf(opts), 'collector.sqlite3');
};
const onPostgres = (opts: CollectorOpts) => isPostgresUrl(dbPathOf(opts));
/** Files kept beside the database; on PostgreSQL, in the collector's own data directory. */
const besideDb = (opts: CollectorOpts, name: string) => (onPostgres(opts) ? join(collectorDirOf(opts), name) : join(dirname(dbPathOf(opts)), name));
/** The fleet key's file name beside the database (docs/upload-protocol.md §12). */
const FLEET_KEY_FILE = 'fleet-key.json';
const listsOf = (opts: CollectorOpts) => opts.lists ?? join(collectorDirOf(opts), 'lists');

/**
 * Opens the collector's database; its own directory (`<data dir>/collector`, the default) is made
 * or tightened to 0700 first. A `--db` elsewhere gets 0600 files (CollectorDb) in whatever folder
 * the operator chose: that folder may be shared, so its mode is not ours to change.
 */
async function openDb(opts: CollectorOpts, io: CommandIo, { mustExist = false } = {}): Promise<CollectorStorage> {
  const path = dbPathOf(opts);
  // A question (trace, trace-audit) asked of a database that is not there would answer "nothing
  // found" from a new, empty one: a wrong path must not read as "this person never passed".
  if (mustExist && !isPostgresUrl(path) && !existsSync(path)) {
    throw new CliError('BAD_REQUEST', `there is no collector database at ${path}: give the --db, --database or --data-dir the collector serves with`);
  }
  if (!opts.db && !opts.database) ensurePrivateDir(collectorDirOf(opts));
  // A command run without the --db/--database the collector serves would make and change a new,
  // empty database no collector reads (a kiosk "registered" that every upload then calls unknown):
  // said on stderr, with the way to reach the right one.
  const fresh = !isPostgresUrl(path) && !existsSync(path);
  let db: CollectorStorage;
  try {
    db = await openCollectorStorage(path);
  } catch (err) {
    throw new CliError('STORAGE_UNAVAILABLE', `cannot open the collector database ${redactDatabaseUrl(path)}: ${(err as Error).message}`);
  }
  if (fresh) {
    io.stderr.write(
      `kiosk: note: there was no collector database at ${path}; this made a new, empty one. A collector serving another database (its --db or --database) does not see this change: give this command the same option.\n`,
    );
  }
  return db;
}

/**
 * The --trace-key-file's key. `serve` makes a missing file (a platform's first collector) and says
 * so; a query (`trace`) only reads one, so a mistyped path is an error, not a new key.
 */
function traceKeyOf(opts: CollectorOpts, io: CommandIo, create: boolean): Buffer | undefined {
  if (!opts.traceKeyFile) return undefined;
  try {
    const { key, created } = traceKeyFromFile(opts.traceKeyFile, { create });
    if (created) io.stderr.write(`kiosk: note: there was no trace key at ${opts.traceKeyFile}; this made a new one (0600). Every collector on this database needs this same file.\n`);
    return key;
  } catch (err) {
    throw new CliError('BAD_REQUEST', `cannot ${create ? 'read or make' : 'read'} the trace key: ${(err as Error).message}`);
  }
}

/** `name:token` lines (# comments allowed): the operators who may trace over HTTP. */
function readTraceTokens(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError('BAD_REQUEST', `cannot read the trace tokens file: ${(err as Error).message}`);
  }
  // These tokens open real names and numbers (docs/upload-protocol.md §8): refused, as ssh refuses a
  // private key, while another user of the host could read them.
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) throw new CliError('BAD_REQUEST', `${file} is open to other users of this host (mode ${mode.toString(8).padStart(4, '0')}); its tokens open real-name entries: chmod 600 ${file}`);
  const out: Record<string, string> = {};
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim();
    const token = line.slice(i + 1).trim();
    // The line's number and what is wrong with it; never the line itself (it holds a token).
    const at = `${file} line ${n + 1}`;
    if (i < 0) throw new CliError('BAD_REQUEST', `${at}: no colon; each line is operator-name:token`);
    if (name.length === 0) throw new CliError('BAD_REQUEST', `${at}: no operator name before the colon; each line is operator-name:token`);
    if (token.length < 16) throw new CliError('BAD_REQUEST', `${at}: the token is ${token.length} characters; at least 16 (e.g. openssl rand -hex 16)`);
    if (name in out) throw new CliError('BAD_REQUEST', `${at}: operator ${JSON.stringify(name)} is named twice`);
    out[name] = token;
  }
  if (Object.keys(out).length === 0) throw new CliError('BAD_REQUEST', `${file} names no operator (operator-name:token lines); leave out --trace-tokens-file to keep tracing over HTTP off`);
  return out;
}

function common(cmd: Command): Command {
  return withDataDir(cmd)
    .option('--db <file>', 'collector SQLite database (default: <data dir>/collector/collector.sqlite3)')
    .option('--database <url-or-file>', 'postgres://user:password@host/db (shared by several collectors), or a SQLite file')
    .option('--trace-key-file <file>', 'key of the document-number hash tracing searches by (the same file for every collector on one database; default: kept in the database)')
    .option('--lists <dir>', 'folder with trust-list.jws / status-list.jws to serve (default: <data dir>/collector/lists)');
}

/** A public key as `kiosk identity` prints it: 32 bytes in unpadded base64url, 43 characters. */
const PUBLIC_KEY_WORD = /^[A-Za-z0-9_-]{43}$/;

/**
 * One base64url key in 64 begins with '-' (character 62 of the alphabet), and commander reads every
 * word that begins with '-' as an option: `kiosk collector register -Xc… --name …`, exactly as
 * `kiosk identity` and `kiosk doctor` print it, failed with "unknown option" for those keys. So this
 * command takes a word shaped like a key (43 base64url characters; none of its options is that long)
 * as its <public-key> operand wherever it stands, unless it is the value of the option before it.
 * Words after `--` are operands already (commander), so the key may also follow `--`.
 */
function acceptKeyStartingWithDash(cmd: Command): Command {
  const parseOptions = cmd.parseOptions.bind(cmd);
  const takesValue = (word: string | undefined) => word !== undefined && cmd.options.some((o) => (o.long === word || o.short === word) && (o.required || o.optional));
  cmd.parseOptions = (args: string[]) => {
    const end = args.includes('--') ? args.indexOf('--') : args.length;
    const at = args.findIndex((word, i) => i < end && word.startsWith('-') && PUBLIC_KEY_WORD.test(word) && !takesValue(args[i - 1]));
    if (at === -1) return parseOptions(args);
    const parsed = parseOptions([...args.slice(0, at), ...args.slice(at + 1)]);
    return { operands: [args[at]!, ...parsed.operands], unknown: parsed.unknown };
  };
  return cmd;
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new CliError('BAD_REQUEST', `${flag} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return n;
}

function portNumber(text: string): number {
  const n = positiveInt(text, '--port');
  if (n > 65535) throw new CliError('BAD_REQUEST', `--port must be 0–65535 (0 picks a free one), got ${JSON.stringify(text)}`);
  return n;
}

async function serve(opts: CollectorOpts & { host: string; port: string; maxBodyBytes: string; maxEntries: string; ratePerSecond: string; rateBurst: string; tlsCert?: string; tlsKey?: string; statusTokenFile?: string; fleetKeyFile?: string; allowInsecureHttp?: boolean; traceTokensFile?: string; retentionDays?: string; trustProxy?: string[] }, io: CommandIo): Promise<void> {
  const trustProxy = opts.trustProxy ?? [];
  for (const a of trustProxy) if (isIP(a.trim()) === 0) throw new CliError('BAD_REQUEST', `--trust-proxy takes an IP address (the balancer's), got ${JSON.stringify(a)}`);
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new CliError('BAD_REQUEST', '--tls-cert and --tls-key go together');
  let tls: { cert: Buffer; key: Buffer } | undefined;
  if (opts.tlsCert && opts.tlsKey) {
    try {
      tls = { cert: readFileSync(opts.tlsCert), key: readFileSync(opts.tlsKey) };
    } catch (err) {
      throw new CliError('BAD_REQUEST', `cannot read the TLS certificate or key: ${(err as Error).message}`);
    }
  }
  if ((!opts.db && !opts.database) || onPostgres(opts)) ensurePrivateDir(collectorDirOf(opts));
  // Beside the database: `--db` elsewhere keeps its token there too, not in the default data directory.
  const statusTokenFile = opts.statusTokenFile ?? besideDb(opts, 'status-token');
  const traceKey = traceKeyOf(opts, io, true);
  const traceTokens = opts.traceTokensFile ? readTraceTokens(opts.traceTokensFile) : undefined;
  const retentionDays = opts.retentionDays === undefined ? undefined : positiveInt(opts.retentionDays, '--retention-days');
  // 0 would read as "keep nothing" to one operator and "off" to another: leaving it out is off.
  if (retentionDays === 0) throw new CliError('BAD_REQUEST', '--retention-days must be at least 1 (leave it out to keep entries until deleted by other means)');
  // The fleet key (docs/upload-protocol.md §12) signs pushed configuration; only if it was made.
  const fleetKeyFile = opts.fleetKeyFile ?? besideDb(opts, FLEET_KEY_FILE);
  // Read on each push (cached by the file's mtime), not once here: a key made with `fleet-key init`
  // while this runs is used without a restart (docs/fleet.md "The fleet key"). A bad file still
  // stops the start, as before, so a typo in --fleet-key-file shows at once.
  const fleetKey = fleetKeySource(fleetKeyFile);
  let fleetKeyState: 'loaded' | 'none (kiosk collector fleet-key init)';
  try {
    fleetKeyState = fleetKey() ? 'loaded' : 'none (kiosk collector fleet-key init)';
  } catch (err) {
    throw new CliError('BAD_REQUEST', `cannot read the fleet key: ${(err as Error).message}`);
  }
  let statusToken: string;
  try {
    statusToken = loadOrCreateStatusToken(statusTokenFile);
  } catch (err) {
    throw new CliError('BAD_REQUEST', `cannot read or make the status token: ${(err as Error).message}`);
  }
  const collector = await startCollector({
    database: dbPathOf(opts),
    statusToken,
    fleetKey,
    ...(traceKey ? { traceKey } : {}),
    ...(traceTokens ? { traceTokens } : {}),
    ...(retentionDays ? { retention: { days: retentionDays } } : {}),
    allowInsecureHttp: opts.allowInsecureHttp === true,
    ...(trustProxy.length > 0 ? { trustedProxies: trustProxy } : {}),
    listsDir: listsOf(opts),
    host: opts.host,
    port: portNumber(opts.port),
    maxBodyBytes: positiveInt(opts.maxBodyBytes, '--max-body-bytes'),
    maxEntriesPerBatch: positiveInt(opts.maxEntries, '--max-entries'),
    rateLimit: { perSecond: positiveInt(opts.ratePerSecond, '--rate-per-second'), burst: positiveInt(opts.rateBurst, '--rate-burst') },
    log: (line) => io.stderr.write(`collector: ${line}\n`),
    ...(tls ? { tls } : {}),
  }).catch((err: NodeJS.ErrnoException) => {
    if (err instanceof CollectorConfigError) throw new CliError(err.reason, err.message, 2);
    throw new CliError('STORAGE_UNAVAILABLE', `cannot start the collector: ${err.code ?? ''} ${err.message}`);
  });
  // The token's file, never the token itself (nor the database password): this line ends up in service logs.
  const tracing = {
    http: traceTokens ? `on: POST /v1/trace for ${Object.keys(traceTokens).length} operator(s) of ${opts.traceTokensFile}` : 'off (--trace-tokens-file); kiosk collector trace works on this host',
    key: opts.traceKeyFile ?? 'kept in the database',
  };
  printJson(io, { url: collector.url, db: collector.db.location, backend: collector.db.backend, lists: listsOf(opts), statusTokenFile, fleetKeyFile, fleetKey: fleetKeyState, tracing, retention: retentionDays ? `entries older than ${retentionDays} days are deleted (first pass ${RETENTION_FIRST_PASS_MS / 1000} s after start, then every ${RETENTION_INTERVAL_MS / 60_000} minutes)` : 'off: entries are kept until deleted (--retention-days N)', kiosks: (await collector.db.kiosks()).length });
  // Said, so a collector that ended because the shell that started it did (stop-request.ts) is not a mystery.
  const why = await untilStopRequested();
  io.stderr.write(`collector: stopping (${why})\n`);
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
    .option('--fleet-key-file <file>', 'the fleet key signing pushed configuration (default: fleet-key.json beside the database, if made)')
    .option('--allow-insecure-http', 'serve plain http on a non-loopback --host (only behind a TLS proxy or on an isolated test network)')
    .option('--trace-tokens-file <file>', 'operator-name:token lines: who may run POST /v1/trace (off without it)')
    .option('--retention-days <n>', 'delete entries scanned more than n days ago, in bounded batches (off without it)')
    .option('--trust-proxy <address>', "a balancer's address whose X-Forwarded-For names the client for the per-address rate limit (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .action((opts) => serve(opts, io));

  common(cmd.command('trace'))
    .description('where and when a person passed, and optionally who was at the same venue within ±N minutes (audited)')
    .argument('<document-number>', 'the document number to trace (searched by its keyed hash)')
    .requiredOption('--from <time>', 'start of the range: YYYY-MM-DD (from that day\'s start, this host\'s time zone), an ISO 8601 time with its zone, or ms since the epoch')
    .requiredOption('--to <time>', 'end of the range, inclusive: YYYY-MM-DD (to that day\'s end), an ISO 8601 time with its zone, or ms since the epoch')
    .requiredOption('--reason <text>', 'why this person is traced (a case or outbreak reference); recorded in the audit')
    .option('--window <minutes>', 'also list entries at the same venue within ±minutes of each passage')
    .option('--operator <name>', 'who asks (default: the login name)')
    .action(async (documentNumber: string, opts: CollectorOpts & { from: string; to: string; reason: string; window?: string; operator?: string }) => {
      // As `kiosk export` reads them (parseDateOption): a day is this host's calendar day, whole on
      // both ends (--to 2026-11-30 takes in the 30th); a time needs its zone; an impossible date or
      // another layout (01/11/2026) is refused rather than guessed. Milliseconds since the epoch too.
      const time = (t: string, edge: 'from' | 'to', flag: string) => {
        if (/^\d+$/.test(t)) {
          const n = Number(t);
          if (!Number.isSafeInteger(n)) throw new CliError('BAD_REQUEST', `${flag}: not a time: ${JSON.stringify(t)}`);
          return n;
        }
        const ms = parseDateOption(t, edge, flag);
        // The end of a day is the last millisecond before the next one: the range is inclusive.
        return edge === 'to' && /^\d{4}-\d{2}-\d{2}$/.test(t) ? ms - 1 : ms;
      };
      const request: TraceRequest = {
        documentNumber,
        from: time(opts.from, 'from', '--from'),
        to: time(opts.to, 'to', '--to'),
        reason: opts.reason,
        operator: opts.operator ?? userInfo().username,
        via: 'cli',
        ...(opts.window !== undefined ? { windowMinutes: positiveInt(opts.window, '--window') } : {}),
      };
      const problem = traceProblem(request);
      if (problem) throw new CliError(problem.reason, problem.message, 2);
      const db = await openDb(opts, io, { mustExist: true });
      try {
        const given = traceKeyOf(opts, io, false);
        const key = given ?? (await db.storedTraceKey(newTraceKey));
        if ((await db.traceKeyCheck(traceKeyCheck(key))) === 'different') throw new CliError('TRACE_KEY_MISMATCH', 'this trace key is not the one the entries were hashed with', 2);
        printJson(io, await runTrace(db, key, request));
      } finally {
        await db.close();
      }
    });

  common(cmd.command('trace-audit'))
    .description('who traced, when and why (newest first): every trace question, by HTTP or this CLI, never the document number')
    .option('--operator <name>', 'only this operator\'s questions')
    .option('--limit <n>', 'at most n rows', '100')
    .action(async (opts: CollectorOpts & { operator?: string; limit: string }) => {
      const limit = positiveInt(opts.limit, '--limit');
      const db = await openDb(opts, io, { mustExist: true });
      try {
        const all = await db.auditRows();
        const rows = all.filter((r) => opts.operator === undefined || r.operator === opts.operator).reverse().slice(0, limit);
        const iso = (ms: number) => new Date(ms).toISOString();
        printJson(io, rows.map((r) => ({ ...r, at: iso(r.at), from: iso(r.from), to: iso(r.to) })));
        // A mistyped name (Alice for alice) must not read as "this operator never traced": say who did.
        if (opts.operator !== undefined && rows.length === 0 && all.length > 0) {
          const names = [...new Set(all.map((r) => r.operator))].sort();
          io.stderr.write(`kiosk: note: no question by ${JSON.stringify(opts.operator)} (names match exactly); operators in the audit: ${names.map((n) => JSON.stringify(n)).join(', ')}\n`);
        }
      } finally {
        await db.close();
      }
    });

  acceptKeyStartingWithDash(common(cmd.command('register')))
    .description('register (or re-enable) a kiosk by the public key `kiosk identity` printed')
    .argument('<public-key>', 'base64url Ed25519 public key')
    .option('--name <text>', 'where the kiosk stands, shown on the status page')
    .action(async (publicKey: string, opts: CollectorOpts & { name?: string }) => {
      const key = fromB64url(publicKey);
      if (key.length !== 32 || !/^[A-Za-z0-9_-]+$/.test(publicKey)) throw new CliError('BAD_REQUEST', 'the public key must be 32 bytes of base64url (as `kiosk identity` prints it)');
      const db = await openDb(opts, io);
      try {
        const kioskId = kioskIdOf(key);
        await db.registerKiosk(kioskId, key, opts.name ?? null);
        printJson(io, { registered: kioskId, name: opts.name ?? null });
      } finally {
        await db.close();
      }
    });

  common(cmd.command('disable'))
    .description('refuse further uploads from a kiosk (403) until it is registered again')
    .argument('<kiosk-id>')
    .action(async (kioskId: string, opts: CollectorOpts) => {
      const db = await openDb(opts, io);
      try {
        if (!(await db.setKioskEnabled(kioskId, false))) throw new CliError('KIOSK_UNKNOWN', `no kiosk ${kioskId} is registered`);
        printJson(io, { disabled: kioskId });
      } finally {
        await db.close();
      }
    });

  // Fleet console operators (docs/fleet.md): the password from stdin, never the command line (shell
  // history, `ps`); kept as a scrypt hash; every change an audit row of the console's trail.
  const operator = cmd.command('operator').description('fleet console operator accounts (the page at /console)');
  common(operator.command('add'))
    .description('add an operator; the password (at least 10 characters) is read from stdin')
    .argument('<name>', 'letters, digits, . _ @ or -, at most 64')
    .action(async (name: string, opts: CollectorOpts) => {
      if (!operatorNameSchema.safeParse(name).success) throw new CliError('BAD_REQUEST', 'an operator name is 1 to 64 letters, digits, . _ @ or -');
      const password = await passwordLine(io.stdin);
      const checked = operatorPasswordSchema.safeParse(password);
      if (!checked.success) throw new CliError('BAD_REQUEST', checked.error.issues[0]?.message ?? 'bad password');
      const hash = await hashOperatorPassword(password);
      const db = await openDb(opts, io);
      try {
        if ((await db.console.addOperator(name, hash, Date.now())) === 'exists') throw new CliError('BAD_REQUEST', `operator ${name} exists already`);
        await db.console.audit({ at: Date.now(), operator: userInfo().username, action: 'operator-add', detail: { name }, address: 'cli' });
        printJson(io, { added: name });
      } finally {
        await db.close();
      }
    });
  common(operator.command('list'))
    .description('print the operators: name, enabled, created, last login')
    .action(async (opts: CollectorOpts) => {
      const db = await openDb(opts, io);
      try {
        printJson(io, (await db.console.operators()).map((o) => ({ ...o, createdAt: new Date(o.createdAt).toISOString(), lastLoginAt: o.lastLoginAt === null ? null : new Date(o.lastLoginAt).toISOString() })));
      } finally {
        await db.close();
      }
    });
  common(operator.command('disable'))
    .description('disable an operator: no more logins, and their open sessions end')
    .argument('<name>')
    .action(async (name: string, opts: CollectorOpts) => {
      const db = await openDb(opts, io);
      try {
        if (!(await db.console.setOperatorEnabled(name, false))) throw new CliError('BAD_REQUEST', `no operator ${name}`);
        await db.console.audit({ at: Date.now(), operator: userInfo().username, action: 'operator-disable', detail: { name }, address: 'cli' });
        printJson(io, { disabled: name });
      } finally {
        await db.close();
      }
    });

  // Signed fleet configuration (docs/upload-protocol.md §12): the fleet key, apart from device keys and
  // the national root, and the bundles it signs for a venue, a group or kiosks.
  const fleetKeyCmd = cmd.command('fleet-key').description('the fleet key that signs configuration pushed to kiosks');
  common(fleetKeyCmd.command('init'))
    .description('make the fleet key beside the database (once; an existing one is kept) and print its public key for integrators to pin (config fleet.publicKey)')
    .option('--fleet-key-file <file>', 'where the key lives (default: fleet-key.json beside the database)')
    .action((opts: CollectorOpts & { fleetKeyFile?: string }) => {
      if ((!opts.db && !opts.database) || onPostgres(opts)) ensurePrivateDir(collectorDirOf(opts));
      const file = opts.fleetKeyFile ?? besideDb(opts, FLEET_KEY_FILE);
      const key = initFleetKey(file);
      printJson(io, { fleetKeyFile: file, created: key.created, publicKey: key.publicKeyB64, kid: key.kid, pin: `kiosk config pin-fleet-key ${key.publicKeyB64}` });
    });
  const fleetConfigCmd = cmd.command('fleet-config').description('signed configuration pushed to kiosks');
  common(fleetConfigCmd.command('push'))
    .description('sign the next revision of policy/checkpoint settings for a venue, a group or kiosks; kiosks fetch it at their next list sync')
    .option('--venue <venueId>', 'every kiosk of this venue')
    .option('--group <group>', 'every kiosk with this group in its config fleet.groups')
    .option('--kiosk <kioskId>', 'this kiosk (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .requiredOption('--set <path=value>', 'policy.* or checkpoint.* (repeatable), e.g. policy.feverThresholdC=37.5', (v: string, prev: string[] = []) => [...prev, v])
    .option('--valid-days <n>', 'valid for this many days from now', '365')
    .option('--fleet-key-file <file>', 'the fleet key (default: fleet-key.json beside the database)')
    .action(async (opts: CollectorOpts & { venue?: string; group?: string; kiosk?: string[]; set: string[]; validDays: string; fleetKeyFile?: string }) => {
      const targets = [opts.venue ? { venueId: opts.venue } : null, opts.group ? { group: opts.group } : null, opts.kiosk?.length ? { kioskIds: opts.kiosk } : null].filter((t) => t !== null);
      if (targets.length !== 1) throw new CliError('BAD_REQUEST', 'give exactly one target: --venue, --group or --kiosk');
      const changes = changesFromAssignments(opts.set);
      if (!changes.ok) throw new CliError(changes.reason, changes.message, 2);
      const file = opts.fleetKeyFile ?? besideDb(opts, FLEET_KEY_FILE);
      if (!existsSync(file)) throw new CliError('BAD_REQUEST', `no fleet key at ${file}: make one with kiosk collector fleet-key init`);
      const key = loadFleetKey(file);
      const now = Date.now();
      const db = await openDb(opts, io);
      try {
        const pushed = await pushFleetConfig(db, key, { target: targets[0], changes: changes.value, validTo: now + positiveInt(opts.validDays, '--valid-days') * 24 * 3600_000, by: `${userInfo().username} (cli)` }, now);
        if (!pushed.ok) throw new CliError(pushed.reason, pushed.message, 2);
        // How many known kiosks the target names now, as the console's push says (docs/fleet.md
        // "Configuration push"): zero is what a typo looks like; a group cannot be counted (null).
        const known = await knownTargetCount(db, pushed.bundle.target, now, DEFAULT_FLEET_THRESHOLDS);
        printJson(io, { revision: pushed.revision, target: pushed.bundle.target, targets: known, changes: pushed.bundle.changes, validTo: new Date(pushed.bundle.validTo).toISOString(), kid: key.kid });
        if (known === 0) io.stderr.write(`warning: no kiosk the collector knows is named by ${describeTarget(pushed.bundle.target)}: check the id (signed anyway: a kiosk reporting it later fetches it)\n`);
        if (known === null) io.stderr.write(`note: kiosks declare their groups only when they fetch, so how many ${describeTarget(pushed.bundle.target)} targets is not known here\n`);
      } finally {
        await db.close();
      }
    });

  common(cmd.command('kiosks'))
    .description('print the registered kiosks: key id and the kioskId their entries carry, last seen, last upload, last seq, backlog, entries')
    .action(async (opts: CollectorOpts) => {
      const db = await openDb(opts, io);
      try {
        // Both ids on every row (docs/upload-protocol.md §1): the collector knows a kiosk by its key's
        // id, its entries carry the configured kioskId; a difference is flagged and warned about.
        const rows = (await db.kiosks()).map((k) => ({ ...k, kioskIdMismatch: kioskIdMismatch(k) }));
        for (const k of rows.filter((r) => r.kioskIdMismatch)) {
          io.stderr.write(`warning: kiosk ${k.kioskId}${k.name ? ` (${k.name})` : ''}: its entries carry kioskId ${JSON.stringify(k.entryKioskId)}, not its key's id; set kioskId in its config.json to ${k.kioskId}\n`);
        }
        printJson(io, rows);
      } finally {
        await db.close();
      }
    });

  // The fleet view (docs/upload-protocol.md §11) on the collector's own host, read from its database:
  // what GET /v1/fleet/kiosks answers, with the same alerts at the same thresholds.
  common(cmd.command('fleet'))
    .description('print every kiosk with its latest heartbeat (version, config revision, lists, devices, backlog, clock, disk) and its alerts')
    .option('--alerts', 'only kiosks with an alert')
    .option('--alert <alert>', `only kiosks with this alert: ${FLEET_ALERTS.join(', ')}`)
    .option('--venue <venue>', 'only kiosks at this venue')
    .option('--page <n>', 'page (1-based)', '1')
    .option('--page-size <n>', 'kiosks per page (at most 500)', '100')
    .option('--silent-minutes <n>', `silent after this many minutes without a heartbeat (default ${DEFAULT_FLEET_THRESHOLDS.silentMinutes})`)
    .action(async (opts: CollectorOpts & { alerts?: boolean; alert?: string; venue?: string; page: string; pageSize: string; silentMinutes?: string }) => {
      const q = fleetQuerySchema.safeParse({ ...(opts.venue ? { venue: opts.venue } : {}), ...(opts.alert || opts.alerts ? { alert: opts.alert ?? 'any' } : {}), page: opts.page, pageSize: opts.pageSize });
      if (!q.success) throw new CliError('FLEET_QUERY_INVALID', `${q.error.issues[0]?.path.join('.') ?? 'query'}: ${q.error.issues[0]?.message ?? 'invalid'}`, 2);
      const thresholds = { ...DEFAULT_FLEET_THRESHOLDS, ...(opts.silentMinutes ? { silentMinutes: positiveInt(opts.silentMinutes, '--silent-minutes') } : {}) };
      const db = await openDb(opts, io);
      try {
        const now = Date.now();
        const page = await db.fleet({ now, thresholds, venue: q.data.venue ?? null, alert: q.data.alert ?? null, page: q.data.page, pageSize: q.data.pageSize });
        const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
        printJson(io, { now: iso(now), thresholds, ...page, kiosks: page.kiosks.map((k) => ({ ...k, lastHeartbeatAt: iso(k.lastHeartbeatAt), lastUploadAt: iso(k.lastUploadAt) })) });
      } finally {
        await db.close();
      }
    });
};
