// The kiosk's logs hold no personal data and no secret (docs/security.md; README, "Install on a
// kiosk"). A full demo runs as the installed service runs it (the built `kiosk start`, the launch
// file, journal mode): passages with names and ID numbers through the simulated scanner and card
// reader, uploaded to a real collector on 127.0.0.1, a wrong admin PIN and a right one, an export
// with names revealed. Then the log file (and the journal's stdout, and stderr) must contain no
// name, no document number, no PIN, no admin session token and no launch token or screen cookie.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { createWebSocketClient, call, type ConnectedClient } from '../src/renderer/client.js';
import { runCli } from '../src/cli/testing/run-cli.js';
import { DEMO_PEOPLE } from '../src/core/demo/people.js';
import { loadOrCreateDeviceKey } from '../src/core/identity/device-key.js';
import { LAUNCH_PARAM, WS_PATH } from '../src/contract/wire.js';
import { LOG_DIR } from '../src/app/logger.js';
import { ensureDemoConfig } from '../src/app/compose.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
// The admin's own PIN (set-pin), not the demo's: the demo's PIN 1234 is public and printed in its
// start banner on purpose; what must never be logged is a PIN somebody types.
const ADMIN_PIN = '582047';
const WRONG_PIN = '7391';
const PEOPLE = ['zhangsan', 'lisi'] as const;
const temp = mkdtempSync(join(tmpdir(), 'kiosk-log-privacy-'));
const dataDir = join(temp, 'kiosk');
const launchFile = join(temp, 'launch-url');
const collectorDb = join(temp, 'collector.sqlite3');
let collector: ChildProcess | null = null;
let kiosk: ChildProcess | null = null;
let kioskOut = '';
let kioskErr = '';
const secrets: Array<[string, string]> = [];

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\nstdout:\n${kioskOut}\nstderr:\n${kioskErr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`exited ${code}`)));
  });
}

beforeAll(async () => {
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is not built: npm run build');
  collector = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/collector/testing/collector-runner.ts'), '--db', collectorDb], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = (JSON.parse(await firstLine(collector)) as { url: string }).url;
  // The demo takes the device key's id as its kiosk id; registered first, so uploads are accepted.
  const key = loadOrCreateDeviceKey(dataDir);
  ensureDemoConfig(dataDir);
  expect((await runCli(['admin', 'set-pin', '--data-dir', dataDir], `${ADMIN_PIN}\n`)).code).toBe(0);
  expect((await runCli(['collector', 'register', key.publicKeyB64, '--name', 'privacy lane', '--db', collectorDb])).code).toBe(0);
  kiosk = spawn(process.execPath, [join(root, 'bin', 'kiosk.js'), 'start', '--demo', '--host', 'browser', '--no-browser', '--port', '0'], {
    cwd: root,
    env: { ...process.env, KIOSK_DATA_DIR: dataDir, KIOSK_COLLECTOR_URL: url, KIOSK_LAUNCH_FILE: launchFile, INVOCATION_ID: 'log-privacy-test', KIOSK_NO_BROWSER: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    // Its own process group, so a kiosk that ignores TERM can be ended with everything it started.
    detached: true,
  });
  kiosk.stdout!.on('data', (c: Buffer) => (kioskOut += c.toString('utf8')));
  kiosk.stderr!.on('data', (c: Buffer) => (kioskErr += c.toString('utf8')));
  await until(() => /kiosk ready/.test(kioskOut), 'kiosk ready', 90_000);
});

afterAll(async () => {
  // As a supervisor stops it (TERM: the kiosk ends its socat pairs itself), even when the test failed
  // half-way; KILL to its whole process group only if it does not go.
  if (kiosk && kiosk.exitCode === null && kiosk.signalCode === null) {
    const gone = new Promise((r) => kiosk!.once('exit', r));
    kiosk.kill('SIGTERM');
    const stopped = await Promise.race([gone.then(() => true), new Promise((r) => setTimeout(() => r(false), 15_000))]);
    if (!stopped) {
      try {
        process.kill(-kiosk.pid!, 'SIGKILL');
      } catch {
        kiosk.kill('SIGKILL');
      }
    }
  }
  collector?.kill('SIGTERM');
  rmSync(temp, { recursive: true, force: true });
});

describe('logs of a full demo', () => {
  it('hold no name, document number, PIN, session token or launch token', async () => {
    // The screen: the one-time launch URL from the file, spent like Chromium spends it.
    await until(() => existsSync(launchFile), 'the launch file');
    const launchUrl = readFileSync(launchFile, 'utf8').trim();
    const nonce = new URL(launchUrl).searchParams.get(LAUNCH_PARAM)!;
    secrets.push(['launch token', nonce]);
    const res = await fetch(launchUrl, { redirect: 'manual' });
    expect(res.status).toBe(303);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    secrets.push(['screen cookie', cookie.slice(cookie.indexOf('=') + 1)]);
    const origin = new URL(launchUrl).origin;
    const Impl = class extends WebSocket {
      constructor(url: string) {
        super(url, { origin, headers: { cookie } });
      }
    } as unknown as typeof globalThis.WebSocket;
    const client: ConnectedClient = createWebSocketClient({ url: `${origin.replace('http', 'ws')}${WS_PATH}`, WebSocketImpl: Impl });
    let connected = false;
    client.onConnection((c) => (connected = c));
    await until(() => connected, 'the screen connected');

    // Passages with names and numbers: a code through the serial scanner, a card on the reader.
    const decided = new Set<string>();
    client.onEvent((e) => {
      if (e.type === 'passage' && e.passage.decision && e.passage.passageId) decided.add(e.passage.passageId);
    });
    const entries = async () => decided.size;
    // Each card is a person at the door (name and number from the reader); the code goes through
    // the serial scanner, which on a loaded machine may split it (the entry is then a deny; the
    // code's name and number still passed through the kiosk).
    kiosk!.stdin!.write('scan zhangsan\n');
    await until(async () => (await entries()) >= 1, 'the first entry');
    for (const key of PEOPLE) {
      const before = await entries();
      kiosk!.stdin!.write(`idcard present ${key}\n`);
      await until(async () => (await entries()) > before, `${key}'s card entry`);
      kiosk!.stdin!.write('idcard remove\n');
    }

    // Uploaded to the collector.
    await until(async () => {
      const s = await call(client, 'getStatus', {});
      return s.ok && s.value.connectivity.uploadsPending === 0 && s.value.connectivity.lastUploadAt !== null;
    }, 'the entries uploaded');

    // A wrong admin PIN, then the right one: a session token, then closed.
    const refused = await call(client, 'openAdminSession', { pin: WRONG_PIN } as never);
    expect(refused.ok).toBe(false);
    const opened = await call(client, 'openAdminSession', { pin: ADMIN_PIN } as never);
    expect(opened.ok).toBe(true);
    const session = (opened as { value: { session: string } }).value.session;
    secrets.push(['admin session token', session]);
    await call(client, 'closeAdminSession', { session } as never);
    client.close();

    // An export with names and numbers revealed (the PIN read from stdin).
    const day = new Date().toISOString().slice(0, 10);
    const out = join(temp, 'export.csv');
    const exported = await runCli(['export', '--from', day, '--to', day, '--reveal', '--out', out, '--data-dir', dataDir], `${ADMIN_PIN}\n`);
    expect(exported.code, exported.stderr).toBe(0);
    // The personal data really went through this kiosk: the revealed export has it.
    const csv = readFileSync(out, 'utf8');
    for (const key of PEOPLE) expect(csv).toContain(DEMO_PEOPLE.find((p) => p.key === key)!.idNumber);

    kiosk!.kill('SIGTERM');
    await new Promise((r) => kiosk!.once('exit', r));

    const logDir = join(dataDir, LOG_DIR);
    const fileText = readdirSync(logDir).map((f) => readFileSync(join(logDir, f), 'utf8')).join('');
    const lines = fileText.trim().split('\n');
    // Not vacuous: the run was logged, as JSON lines with level, time and component.
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), time: expect.any(String), component: expect.any(String), msg: expect.any(String) });
    expect(fileText).toMatch(/screen launched/);

    const forbidden: Array<[string, string | RegExp]> = [...secrets];
    for (const key of PEOPLE) {
      const p = DEMO_PEOPLE.find((q) => q.key === key)!;
      forbidden.push([`${key}'s name`, p.name], [`${key}'s ID number`, p.idNumber], [`${key}'s ID number without its check character`, p.idNumber.slice(0, 17)]);
    }
    forbidden.push(['the admin PIN', ADMIN_PIN], ['the wrong PIN', WRONG_PIN]);
    // Any launch URL at all, spent or not: each one opens a screen session once.
    forbidden.push(['a launch URL', new RegExp(`[?&]${LAUNCH_PARAM}=`)]);
    for (const [where, text] of [['log file', fileText], ['journal (stdout)', kioskOut], ['stderr', kioskErr]] as const) {
      const found = forbidden.filter(([, s]) => (typeof s === 'string' ? text.includes(s) : s.test(text))).map(([what]) => what);
      expect({ where, found }).toEqual({ where, found: [] });
    }
  });
});
