// `kiosk doctor` against real things: a data directory whose modes were loosened, a thermometer
// simulator on a real pty pair that answers and then goes silent, and a real collector on
// 127.0.0.1 that does not know the kiosk and then has it registered.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runCli } from '../testing/run-cli.js';
import { runDoctor, type DoctorReport } from '../doctor-checks.js';
import { updateConfigForTest } from './doctor.test-support.js';
import { loadOrCreateDeviceKey } from '../../core/identity/device-key.js';
import { ThermometerProtocolSchema } from '../../core/devices/config.js';
import { PtyPair } from '../../../native-bridge/serial/pty.js';
import { ThermometerSimulator } from '../../../native-bridge/simulators/thermometer-sim.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** A configured kiosk data directory: demo PKI installed (root pinned, lists cached). */
async function kioskDir(): Promise<string> {
  const dir = tempDir('kiosk-doctor-');
  const r = await runCli(['pki', 'demo', join(dir, 'pki'), '--seed', 'doctor', '--status-records', '5', '--install', '--data-dir', dir]);
  expect(r.code).toBe(0);
  return dir;
}

const byId = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id);

describe('kiosk doctor: data directory', () => {
  it('fails on loosened modes with what to do, exit 2 and --json; passes once tightened', async () => {
    const dir = await kioskDir();
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'config.json'), 0o644);
    const r = await runCli(['doctor', '--json', '--no-devices', '--data-dir', dir]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.overall).toBe('fail');
    expect(byId(report, 'data-dir')).toMatchObject({ status: 'fail', action: expect.stringMatching(/chmod -R go= /) });
    expect(byId(report, 'data-dir')!.summary).toMatch(/config\.json is 644/);
    chmodSync(dir, 0o700);
    chmodSync(join(dir, 'config.json'), 0o600);
    const again = JSON.parse((await runCli(['doctor', '--json', '--no-devices', '--data-dir', dir])).stdout) as DoctorReport;
    expect(byId(again, 'data-dir')?.status).toBe('pass');
    expect(byId(again, 'trust-list')?.status).toBe('pass');
    expect(byId(again, 'config')?.status).toBe('pass');
  });

  it('the human list says PASS/WARN/FAIL with the action under each', async () => {
    const dir = await kioskDir();
    const r = await runCli(['doctor', '--no-devices', '--data-dir', dir]);
    expect(r.stdout).toMatch(/^PASS {2}config: /m);
    expect(r.stdout).toMatch(/^WARN {2}database: no entry log yet.*\n {6}→ the kiosk creates it/m);
    expect(r.stdout).toMatch(/^doctor: (warn|fail)$/m);
    expect([1, 2]).toContain(r.code);
  });

  it('an unconfigured directory fails on config with the way out', async () => {
    const dir = tempDir('kiosk-doctor-empty-');
    const report = await runDoctor({ dataDir: dir, devices: false });
    expect(byId(report, 'config')).toMatchObject({ status: 'fail', action: expect.stringMatching(/kiosk start --demo/) });
  });
});

describe('kiosk doctor: a thermometer on a real pty pair', () => {
  let pair: PtyPair;
  let sim: ThermometerSimulator;
  let dir: string;
  beforeAll(async () => {
    const ptys = tempDir('kiosk-doctor-pty-');
    pair = new PtyPair(join(ptys, 'host'), join(ptys, 'dev'));
    await pair.start();
    const protocol = ThermometerProtocolSchema.parse({ name: 'modbus-rtu' });
    sim = new ThermometerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, protocol });
    await sim.start();
    sim.temperature = 36.6;
    dir = await kioskDir();
    updateConfigForTest(dir, { devices: { thermometer: { port: pair.hostPath, baudRate: 9600, protocol: { name: 'modbus-rtu' }, pollIntervalMs: 50, replyTimeoutMs: 200 } } });
  });
  afterAll(async () => {
    await sim?.stop();
    await pair?.stop();
  });
  afterEach(() => {
    sim.silent = false;
  });

  it('passes when the device answers', async () => {
    const report = await runDoctor({ dataDir: dir, deviceWaitMs: 1500 });
    expect(byId(report, 'device:thermometer')).toMatchObject({ status: 'pass', summary: expect.stringMatching(/answers/) });
  });

  it('fails when it does not, saying what to check', async () => {
    sim.silent = true;
    const report = await runDoctor({ dataDir: dir, deviceWaitMs: 1500 });
    expect(byId(report, 'device:thermometer')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/does not answer/), action: expect.stringMatching(/baudRate and protocol/) });
    expect(report.overall).toBe('fail');
  });

  it('fails on a port that is not there', async () => {
    const other = await kioskDir();
    updateConfigForTest(other, { devices: { thermometer: { port: join(tempDir('kiosk-doctor-none-'), 'ttyUSB9'), protocol: { name: 'modbus-rtu' } } } });
    const report = await runDoctor({ dataDir: other, deviceWaitMs: 500 });
    expect(byId(report, 'device:thermometer')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/port missing or busy/) });
  });
});

describe('kiosk doctor: the collector', () => {
  let collector: ChildProcess | null = null;
  let url = '';
  let collectorDir = '';
  beforeAll(async () => {
    collectorDir = tempDir('kiosk-doctor-collector-');
    collector = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/collector/testing/collector-runner.ts'), '--db', join(collectorDir, 'collector.sqlite3')], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: collector!.stdout! }).once('line', resolve);
      collector!.once('exit', (code) => reject(new Error(`collector exited ${code}`)));
    });
    url = (JSON.parse(line) as { url: string }).url;
  });
  afterAll(() => {
    collector?.kill('SIGTERM');
  });

  it('warns when the collector cannot be reached', async () => {
    const dir = await kioskDir();
    loadOrCreateDeviceKey(dir);
    const report = await runDoctor({ dataDir: dir, devices: false, env: { KIOSK_COLLECTOR_URL: 'http://127.0.0.1:9/' } });
    expect(byId(report, 'collector')).toMatchObject({ status: 'warn', summary: expect.stringMatching(/not reachable/) });
  });

  it('fails on a kiosk the collector does not know, with the register command; passes once registered', async () => {
    const dir = await kioskDir();
    const key = loadOrCreateDeviceKey(dir);
    const before = await runDoctor({ dataDir: dir, devices: false, env: { KIOSK_COLLECTOR_URL: url } });
    expect(byId(before, 'collector')?.status).toBe('pass');
    expect(byId(before, 'collector-key')).toMatchObject({ status: 'fail', action: expect.stringContaining(`kiosk collector register ${key.publicKeyB64}`) });
    const reg = await runCli(['collector', 'register', key.publicKeyB64, '--name', 'doctor test', '--db', join(collectorDir, 'collector.sqlite3')]);
    expect(reg.code).toBe(0);
    const after = await runDoctor({ dataDir: dir, devices: false, env: { KIOSK_COLLECTOR_URL: url } });
    expect(byId(after, 'collector-key')).toMatchObject({ status: 'pass', summary: expect.stringMatching(/registered and its key verifies/) });
  });
});
