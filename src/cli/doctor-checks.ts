// `kiosk doctor` (README, "Install on a kiosk"): what an integrator checks on a box at the door,
// each as pass / warn / fail with what to do. Read-only: it opens the database read-only, creates
// no key, writes nothing into the data directory. Serial devices are opened only when the running
// kiosk does not hold them (a busy port is reported as such).
import { existsSync, lstatSync, readFileSync, readdirSync, statfsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { configPath, loadConfig } from '../core/config/config.js';
import type { KioskConfig } from '../core/config/config.js';
import { ListCache } from '../core/codes/list-cache.js';
import { DscListCache } from '../core/codes/dcc/dsc-list.js';
import { resolvePolicy } from '../core/policy/policy.js';
import { openDatabase, DATABASE_FILE } from '../core/store/db.js';
import { DEVICE_KEY_FILE, loadOrCreateDeviceKey } from '../core/identity/device-key.js';
import { BATCHES_PATH, HEADER } from '../core/upload/protocol.js';
import { HEARTBEAT_FILE, resolveUploadConfig } from '../core/upload/service.js';
import type { HeartbeatOutcome } from '../core/upload/heartbeat.js';
import type { DeviceHealth } from '../core/devices/types.js';
import { DeviceManager } from '../../native-bridge/manager.js';
import { listPorts } from '../../native-bridge/ports.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';
export interface Check {
  id: string;
  status: CheckStatus;
  summary: string;
  /** What to do about a warn or fail. */
  action?: string;
}
export interface DoctorReport {
  overall: CheckStatus;
  checks: Check[];
}

export interface DoctorOptions {
  dataDir: string;
  /** How long each configured device gets to answer (ms). */
  deviceWaitMs?: number;
  /** Seconds since the epoch (tests pin it); default now. */
  now?: number;
  env?: NodeJS.ProcessEnv;
  /** Skip the device probes (no serial ports touched). */
  devices?: boolean;
  collectorTimeoutMs?: number;
}

const GB = 1024 ** 3;
const MB = 1024 ** 2;
/** Docs: warn under 1 GB free, fail under 100 MB (the entry log must always be writable). */
export const DISK_WARN_BYTES = 1 * GB;
export const DISK_FAIL_BYTES = 100 * MB;
const CLOCK_TOLERANCE_S = 300;

const pass = (id: string, summary: string): Check => ({ id, status: 'pass', summary });
const warn = (id: string, summary: string, action: string): Check => ({ id, status: 'warn', summary, action });
const failed = (id: string, summary: string, action: string): Check => ({ id, status: 'fail', summary, action });

function ageText(seconds: number): string {
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86400 * 2) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

function checkConfig(dataDir: string): { check: Check; config: KioskConfig | null } {
  if (!existsSync(configPath(dataDir))) {
    return { check: failed('config', `no ${configPath(dataDir)}`, 'write config.json (README, "Configuration": venueId, kioskId, roots, admin.pin) or run the demo with `kiosk start --demo`'), config: null };
  }
  try {
    return { check: pass('config', `${configPath(dataDir)} is valid`), config: loadConfig(dataDir) };
  } catch (err) {
    return { check: failed('config', `config.json is invalid: ${(err as Error).message}`, 'fix the key named above (the kiosk runs on config.last-good.json meanwhile, if it has one)'), config: null };
  }
}

function checkDataDir(dataDir: string): Check {
  if (!existsSync(dataDir)) return failed('data-dir', `${dataDir} does not exist`, 'install the package (it creates /var/lib/checkpoint-kiosk, 0700, owner kiosk) or start the kiosk once');
  const st = statSync(dataDir);
  const loose: string[] = [];
  if ((st.mode & 0o777) !== 0o700) loose.push(`${dataDir} is ${(st.mode & 0o777).toString(8)}`);
  const uid = process.getuid?.();
  if (uid !== undefined && uid !== 0 && st.uid !== uid) loose.push(`${dataDir} belongs to uid ${st.uid}, not this user (${uid})`);
  const walk = (dir: string, depth: number) => {
    for (const name of readdirSync(dir)) {
      if (name === 'chromium-profile') continue; // Chromium keeps its own profile's modes (data-dir.ts)
      const p = join(dir, name);
      const s = lstatSync(p);
      if (s.isDirectory()) {
        if ((s.mode & 0o077) !== 0) loose.push(`${p} is ${(s.mode & 0o777).toString(8)}`);
        if (depth < 6) walk(p, depth + 1);
      } else if (s.isFile() && (s.mode & 0o077) !== 0) loose.push(`${p} is ${(s.mode & 0o777).toString(8)}`);
    }
  };
  walk(dataDir, 0);
  if (loose.length) {
    return failed('data-dir', `names, ID numbers and keys readable beyond their owner: ${loose.slice(0, 3).join('; ')}${loose.length > 3 ? ` (+${loose.length - 3} more)` : ''}`, `chmod -R go= ${dataDir} (the kiosk also tightens modes at every start), and make it the kiosk user's: chown -R kiosk:kiosk ${dataDir}`);
  }
  return pass('data-dir', `${dataDir}: 0700, every file owner-only`);
}

function checkDisk(dataDir: string): Check {
  if (!existsSync(dataDir)) return failed('disk-space', 'no data directory to measure', 'see data-dir');
  const s = statfsSync(dataDir);
  const free = s.bavail * s.bsize;
  const text = `${(free / GB).toFixed(2)} GB free for ${dataDir}`;
  if (free < DISK_FAIL_BYTES) return failed('disk-space', text, 'free space now: under 100 MB the entry log can stop being writable (then nobody is admitted automatically); move backups off the box, shorten store.retentionDays');
  if (free < DISK_WARN_BYTES) return warn('disk-space', text, 'under 1 GB: move backups and exports off the box or shorten store.retentionDays');
  return pass('disk-space', text);
}

function checkDatabase(dataDir: string): Check {
  const file = join(dataDir, DATABASE_FILE);
  if (!existsSync(file)) return warn('database', `no entry log yet (${file})`, 'the kiosk creates it at its first start');
  try {
    // Read-only open runs quick_check (src/core/store/db.ts) and refuses a newer schema.
    const db = openDatabase(file, { readonly: true });
    db.close();
    return pass('database', `${file}: quick_check ok`);
  } catch (err) {
    return failed('database', `${file}: ${(err as Error).message}`, 'stop the kiosk and restore the last backup: `kiosk log restore` (README, "The kiosk command")');
  }
}

function checkLists(dataDir: string, config: KioskConfig | null, now: number): Check[] {
  if (!config) return [failed('trust-list', 'no valid configuration (roots unknown)', 'see config'), failed('status-list', 'no valid configuration', 'see config')];
  const cache = new ListCache(dataDir, config.roots).load();
  const state = cache.state(now, resolvePolicy(config.policy));
  const out: Check[] = [];
  for (const kind of ['trust', 'status'] as const) {
    const id = `${kind}-list`;
    const s = state[kind];
    const fetchHow = 'connect the collector (upload.collectorUrl; lists sync every upload.listSyncMinutes) or install a list by hand';
    if (!s) {
      const problem = cache.loadProblems.find((p) => p.kind === kind);
      out.push(failed(id, problem ? `cached ${kind} list not usable (${problem.reason})` : `no ${kind} list installed`, fetchHow));
      continue;
    }
    const age = `seq ${s.seq}, issued ${ageText(Math.max(0, now - s.issued))} ago`;
    if (s.expired) out.push(failed(id, `${age}: older than the policy allows`, kind === 'trust' ? `no code can be admitted on it: ${fetchHow}` : `card-only passages go to review: ${fetchHow}`));
    else if (s.stale) out.push(warn(id, `${age}: past its nextUpdate`, fetchHow));
    else out.push(pass(id, age));
  }
  return out;
}

/** The signed DSC list for EU DCC codes (docs/dcc-trust.md): needed only where the venue takes foreign credentials. */
function checkDscList(dataDir: string, config: KioskConfig | null, now: number): Check[] {
  if (!config) return [];
  const policy = resolvePolicy(config.policy);
  if (!policy.dccAccept) return [pass('dsc-list', 'not needed: foreign credentials (policy.dccAccept) are off')];
  const cache = new DscListCache(dataDir, config.roots).load();
  const list = cache.list;
  const fetchHow = 'connect the collector (it serves /v1/lists/dsc with the lists) or run kiosk trust import-dsc FILE';
  if (!list) return [failed('dsc-list', cache.loadProblem ? `cached DSC list not usable (${cache.loadProblem.reason})` : 'no DSC list installed: every EU DCC is denied DCC_LIST_MISSING', fetchHow)];
  const age = `seq ${list.seq}, ${list.dscs.size} signer certificates, issued ${ageText(Math.max(0, now - list.issued))} ago`;
  if (cache.state(now, policy.maxTrustListAgeDays) === 'expired') return [failed('dsc-list', `${age}: older than policy.maxTrustListAgeDays`, `every EU DCC is denied DCC_LIST_EXPIRED: ${fetchHow}`)];
  if (now > list.nextUpdate) return [warn('dsc-list', `${age}: past its nextUpdate`, fetchHow)];
  return [pass('dsc-list', age)];
}

function checkClock(dataDir: string, config: KioskConfig | null, now: number): Check {
  // The newest time the kiosk has seen: its last write to the entry log, and the lists' issue times.
  const seen: Array<[string, number]> = [];
  for (const f of [DATABASE_FILE, `${DATABASE_FILE}-wal`]) {
    const p = join(dataDir, f);
    if (existsSync(p)) seen.push([`the entry log's last write`, Math.floor(statSync(p).mtimeMs / 1000)]);
  }
  if (config) {
    const cache = new ListCache(dataDir, config.roots).load();
    if (cache.trustList) seen.push(['the trust list\'s issue time', cache.trustList.issued]);
    if (cache.statusList) seen.push(['the status list\'s issue time', cache.statusList.issued]);
  }
  const ahead = seen.filter(([, t]) => t > now + CLOCK_TOLERANCE_S).sort((a, b) => b[1] - a[1]);
  const iso = new Date(now * 1000).toISOString();
  if (ahead.length) {
    return failed('clock', `the clock (${iso}) is behind ${ahead[0]![0]} (${new Date(ahead[0]![1] * 1000).toISOString()})`, 'set the time (timedatectl set-ntp true, or timedatectl set-time): a clock set back lets expired codes pass');
  }
  return pass('clock', `${iso}, not behind anything the kiosk has seen`);
}

async function checkCollector(dataDir: string, config: KioskConfig | null, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Check[]> {
  if (!config) return [];
  const url = env.KIOSK_COLLECTOR_URL ?? resolveUploadConfig(config).collectorUrl;
  if (!url) return [pass('collector', 'no collector configured: entries stay on this kiosk')];
  if (!existsSync(join(dataDir, DEVICE_KEY_FILE))) {
    return [warn('collector', `collector ${url}; this kiosk has no device key yet`, 'start the kiosk once (it makes the key), then `kiosk identity` and register it: `kiosk collector register <public key>`')];
  }
  const id = loadOrCreateDeviceKey(dataDir);
  // A signed body that is not a batch: a registered kiosk with the right key gets 400 (the batch
  // does not decode), an unknown one 401, a wrong key 403 (docs/upload-protocol.md). Nothing is stored.
  const body = Buffer.from('kiosk doctor probe');
  let res: Response;
  try {
    res = await fetch(new URL(BATCHES_PATH, url), {
      method: 'POST',
      body,
      headers: {
        [HEADER.kioskId]: id.kioskId,
        [HEADER.batchId]: 'doctor-probe',
        [HEADER.signature]: Buffer.from(id.sign(body)).toString('base64url'),
        'content-type': 'application/json',
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
  } catch (err) {
    return [warn('collector', `collector ${url} not reachable: ${(err as Error).message}`, 'check the network, the URL and (https) upload.caFile; entries wait on the kiosk and go out when it is back')];
  }
  const reachable = pass('collector', `collector ${url} answers`);
  if (res.status === 400) return [reachable, pass('collector-key', `kiosk ${id.kioskId} is registered and its key verifies`)];
  if (res.status === 401) return [reachable, failed('collector-key', `kiosk ${id.kioskId} is not registered with the collector`, `on the collector: kiosk collector register ${id.publicKeyB64} --name <where this kiosk stands>`)];
  if (res.status === 403) return [reachable, failed('collector-key', `the collector refuses kiosk ${id.kioskId} (disabled, or registered with another key)`, `register this key again on the collector: kiosk collector register ${id.publicKeyB64}`)];
  if (res.status === 429) return [reachable, warn('collector-key', 'the collector is rate limiting this kiosk', 'run doctor again in a minute')];
  return [reachable, warn('collector-key', `unexpected answer ${res.status} to the registration probe`, 'check that the URL points at the collector')];
}

/**
 * The running kiosk's last heartbeat (docs/upload-protocol.md §11), as its upload worker recorded it
 * in the data directory: what the platform's fleet view last heard from this kiosk, and why not.
 */
function checkHeartbeat(dataDir: string, config: KioskConfig | null, env: NodeJS.ProcessEnv, now: number): Check[] {
  if (!config || !(env.KIOSK_COLLECTOR_URL ?? resolveUploadConfig(config).collectorUrl)) return [];
  let last: HeartbeatOutcome;
  try {
    last = JSON.parse(readFileSync(join(dataDir, HEARTBEAT_FILE), 'utf8')) as HeartbeatOutcome;
  } catch {
    return [warn('heartbeat', 'no heartbeat recorded yet', `the running kiosk sends one at start and every upload.heartbeatSeconds (${config.upload.heartbeatSeconds} s); start it, or look in its log for "heartbeat:"`)];
  }
  const when = `${new Date(last.at).toISOString()} (${ageText(Math.max(0, now - Math.floor(last.at / 1000)))} ago)`;
  if (last.ok) return [pass('heartbeat', `last heartbeat ${when} received by the collector; clock offset ${last.clockOffsetMs} ms`)];
  const fix =
    last.reason === 'KIOSK_UNKNOWN'
      ? 'register this kiosk on the collector (see the collector-key check)'
      : last.reason === 'COLLECTOR_ERROR' && last.httpStatus === 404
        ? 'update the collector: it predates heartbeats'
        : 'check the link to the collector; the kiosk tries again every upload.heartbeatSeconds';
  return [warn('heartbeat', `last heartbeat ${when} failed: ${last.reason}${last.httpStatus ? ` (HTTP ${last.httpStatus})` : ''}: ${last.message}`, fix)];
}

async function checkSerialPorts(): Promise<Check> {
  try {
    const { ports } = await listPorts();
    return pass('serial-ports', `${ports.length} serial port${ports.length === 1 ? '' : 's'}${ports.length ? `: ${ports.map((p) => p.path).join(', ')}` : ''}`);
  } catch (err) {
    return warn('serial-ports', `cannot list serial ports: ${(err as Error).message}`, 'check that the kiosk user is in the dialout group');
  }
}

/** Each configured device, opened alone: does it answer within `waitMs`? */
async function checkDevices(config: KioskConfig | null, waitMs: number): Promise<Check[]> {
  if (!config) return [];
  const c = config.devices;
  const wanted: Array<['idcard' | 'thermometer' | 'scanner' | 'gate', object]> = [];
  if (c.idcard) wanted.push(['idcard', { idcard: c.idcard }]);
  if (c.thermometer) wanted.push(['thermometer', { thermometer: c.thermometer }]);
  if (c.scanner) wanted.push(['scanner', { scanner: c.scanner }]);
  if (c.gate.driver !== 'none') wanted.push(['gate', { gate: c.gate }]);
  if (!wanted.length) return [pass('devices', 'no serial devices configured (camera only)')];
  const out: Check[] = [];
  for (const [kind, part] of wanted) {
    const manager = new DeviceManager(part as ConstructorParameters<typeof DeviceManager>[0]);
    let health: DeviceHealth | undefined;
    try {
      await manager.start();
      await new Promise((r) => setTimeout(r, waitMs));
      health = manager.health().find((h) => h.device === kind);
    } catch (err) {
      out.push(failed(`device:${kind}`, `cannot start: ${(err as Error).message}`, 'check the port path and that the kiosk user is in dialout'));
      continue;
    } finally {
      await manager.stop().catch(() => undefined);
    }
    const port = health?.port ?? '?';
    if (!health || !health.connected || health.fault === 'PORT_UNAVAILABLE') {
      out.push(failed(`device:${kind}`, `${port}: port missing or busy${health?.detail ? ` (${health.detail})` : ''}`, `check the cable and devices.${kind}.port; if the kiosk is running it holds the port: systemctl stop checkpoint-kiosk, run doctor, start it again`));
    } else if (kind === 'scanner' || kind === 'gate') {
      // A scanner speaks only when it reads a code, a relay board never answers: an open port is all there is to see.
      out.push(pass(`device:${kind}`, `${port}: opened (a ${kind === 'scanner' ? 'scanner sends only when it reads' : 'relay board does not answer'}; test it with \`kiosk devices test ${kind}\`)`));
    } else if (health.lastGoodFrameAt !== null && health.fault === null) {
      out.push(pass(`device:${kind}`, `${port}: answers`));
    } else {
      out.push(failed(`device:${kind}`, `${port}: does not answer within ${waitMs} ms${health.fault ? ` (${health.fault}${health.detail ? `: ${health.detail}` : ''})` : ''}`, `check power and wiring, devices.${kind}.baudRate${kind === 'thermometer' ? ' and protocol' : ''}; \`kiosk devices test ${kind}\` shows the exchange`));
    }
  }
  return out;
}

function checkCamera(): Check {
  // The browser host's camera is opened by the page (getUserMedia); what doctor can see from here
  // is whether the system has a video device the kiosk user may open.
  if (process.platform !== 'linux') return warn('camera', 'not checked on this platform', 'the status bar shows the camera state');
  let devices: string[] = [];
  try {
    devices = readdirSync('/dev').filter((d) => /^video\d+$/.test(d));
  } catch {
    devices = [];
  }
  if (!devices.length) return warn('camera', 'no /dev/video* device', 'plug the camera in (a serial scanner alone also works); the guard screen\'s status bar shows the camera the page opened');
  return pass('camera', `${devices.map((d) => `/dev/${d}`).join(', ')}; the page's own camera state is on the status bar`);
}

const RANK: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2 };

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const env = options.env ?? process.env;
  const { check: configCheck, config } = checkConfig(options.dataDir);
  const checks: Check[] = [
    configCheck,
    checkDataDir(options.dataDir),
    checkDisk(options.dataDir),
    checkDatabase(options.dataDir),
    checkClock(options.dataDir, config, now),
    ...checkLists(options.dataDir, config, now),
    ...checkDscList(options.dataDir, config, now),
    ...(await checkCollector(options.dataDir, config, env, options.collectorTimeoutMs ?? 5000)),
    ...checkHeartbeat(options.dataDir, config, env, now),
    await checkSerialPorts(),
    ...(options.devices === false ? [] : await checkDevices(config, options.deviceWaitMs ?? 3000)),
    checkCamera(),
  ];
  const overall = checks.reduce<CheckStatus>((worst, c) => (RANK[c.status] > RANK[worst] ? c.status : worst), 'pass');
  return { overall, checks };
}

export function exitCodeOf(report: DoctorReport): number {
  return RANK[report.overall];
}

export function formatReport(report: DoctorReport): string {
  const lines = report.checks.map((c) => `${c.status.toUpperCase().padEnd(4)}  ${c.id}: ${c.summary}${c.action ? `\n      → ${c.action}` : ''}`);
  lines.push(`doctor: ${report.overall}`);
  return lines.join('\n') + '\n';
}
