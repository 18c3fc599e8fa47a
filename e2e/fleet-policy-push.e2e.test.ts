// A policy change made on the fleet console reaches both kiosks and decides their next passage
// (docs/fleet.md "Configuration push", docs/upload-protocol.md §12), with every part a real process:
// - the collector as the docs start it, `node bin/kiosk.js collector serve` on 127.0.0.1 with its
//   SQLite file; the operator account (`collector operator add`, password on stdin), the fleet key
//   (`collector fleet-key init`) and both kiosks' registrations (`collector register`) made with the CLI;
// - two kiosks, each `node bin/kiosk.js start` on its own data directory: the demo configuration
//   (its simulated card reader, thermometer, scanner and gate on socat pty pairs), the venue and the
//   collector set in config.json, the fleet key pinned with `kiosk config pin-fleet-key`;
// - Debian's Chromium on `/console`: the operator logs in, sets policy.feverThresholdC = 38.5 for the
//   venue and pushes.
// Each kiosk is asked to fetch at its own terminal (`fleet fetch`, what an integrator types; the
// periodic list sync is an hour away, so nothing else fetches), then a person with a green code
// through the scanner pty and 38.0 °C on the thermometer (between the demo's 37.3 °C and the pushed
// 38.5 °C) passes: denied before the push, admitted after, read back from each kiosk's entry log with
// `kiosk log tail`; then the console lists both kiosks with revision 1 applied, from their
// heartbeats. Screenshots: test-results/e2e/fleet-policy-push-{console,applied}.png.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ensureDemoConfig } from '../src/app/compose.js';
import { configPath } from '../src/core/config/config.js';
import { ensureBuilt, launchChromium, ROOT, saveScreenshot, scratchDir } from './support/harness.js';
import { until } from './support/until.js';

const KIOSK = join(ROOT, 'bin', 'kiosk.js');
const VENUE = 'venue-east';
const PASSWORD = 'fleet policy push e2e password';
/** Between the demo's threshold (37.3 °C, fever at ≥) and the pushed one (38.5 °C). */
const BETWEEN_C = 38.0;
const PUSHED_C = 38.5;

const scratch = scratchDir('kiosk-e2e-fleet-push-');
const database = join(scratch.dir, 'collector', 'collector.sqlite3');

/** A `kiosk` command run to its end; its JSON stdout parsed when it is JSON. */
function kioskCli(args: string[], input = ''): { status: number | null; out: string; err: string; json: () => Record<string, unknown> } {
  const r = spawnSync(process.execPath, [KIOSK, ...args], { cwd: ROOT, input, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: r.stdout, err: r.stderr, json: () => JSON.parse(r.stdout) as Record<string, unknown> };
}

/** A long-running `kiosk` process: its stdout and stderr kept, lines written to its stdin on demand. */
class KioskProcess {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<number | null>;
  constructor(readonly name: string, args: string[]) {
    this.child = spawn(process.execPath, [KIOSK, ...args], { cwd: ROOT, env: { ...process.env, KIOSK_NO_BROWSER: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c: Buffer) => (this.output += String(c)));
    this.child.stderr!.on('data', (c: Buffer) => (this.output += String(c)));
    this.exited = new Promise((r) => this.child.on('exit', (code) => r(code)));
  }

  /** Waits until the output from `from` on matches `pattern`; returns the match. */
  async waitFor(pattern: RegExp, what: string, from = 0, timeoutMs = 60_000): Promise<RegExpExecArray> {
    await until(`${this.name}: ${what}`, () => {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited (${this.child.exitCode}):\n${this.output}`);
      return pattern.test(this.output.slice(from));
    }, timeoutMs);
    return pattern.exec(this.output.slice(from))!;
  }

  /** Types one line at the kiosk's terminal and returns the answer matching `answer`. */
  async type(line: string, answer: RegExp): Promise<string> {
    const from = this.output.length;
    this.child.stdin!.write(`${line}\n`);
    return (await this.waitFor(answer, `the answer to ${JSON.stringify(line)}`, from, 20_000))[0];
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}

interface Kiosk {
  dataDir: string;
  kioskId: string;
  process: KioskProcess;
}

let collector: KioskProcess;
let collectorUrl: string;
let fleetPublicKey: string;
const kiosks: Kiosk[] = [];
let browser: Browser | undefined;

/** The newest entry of a kiosk's log, as `kiosk log tail` prints it (masked). */
function newestEntry(k: Kiosk): { seq: number; decision: string; reason: string | null; temperatureC: number | null } | undefined {
  const r = kioskCli(['log', 'tail', '1', '--data-dir', k.dataDir]);
  if (r.status !== 0) throw new Error(`kiosk log tail: ${r.err}`);
  return (JSON.parse(r.out) as { seq: number; decision: string; reason: string | null; temperatureC: number | null }[])[0];
}

/** One person at `celsius` shows zhangsan's green demo code to the scanner; the entry it made. */
async function passage(k: Kiosk, celsius: number) {
  const before = newestEntry(k)?.seq ?? 0;
  await k.process.type(`thermometer temp ${celsius}`, /^ok\b.*$/m);
  await k.process.type('scan zhangsan', /^ok sent zhangsan's code through the scanner$/m);
  let entry: ReturnType<typeof newestEntry>;
  await until(`${k.process.name}: the passage's entry`, () => (entry = newestEntry(k)) !== undefined && entry.seq > before, 30_000);
  return { decision: entry!.decision, reason: entry!.reason, temperatureC: entry!.temperatureC };
}

beforeAll(async () => {
  ensureBuilt();
  // The collector's side, as its operator sets it up (docs/fleet.md "Operators", upload-protocol.md §12).
  const added = kioskCli(['collector', 'operator', 'add', 'alice', '--db', database], `${PASSWORD}\n`);
  expect(added.status, added.err).toBe(0);
  const key = kioskCli(['collector', 'fleet-key', 'init', '--db', database]);
  expect(key.status, key.err).toBe(0);
  fleetPublicKey = String(key.json().publicKey);

  // The kiosks' side, as an integrator sets each box up: its device key, registered by the operator.
  for (const name of ['kiosk-a', 'kiosk-b']) {
    const dataDir = join(scratch.dir, name);
    const identity = kioskCli(['identity', '--data-dir', dataDir]);
    expect(identity.status, identity.err).toBe(0);
    const { kioskId, publicKey } = identity.json() as { kioskId: string; publicKey: string };
    const registered = kioskCli(['collector', 'register', publicKey, '--name', name, '--db', database]);
    expect(registered.status, registered.err).toBe(0);
    kiosks.push({ dataDir, kioskId, process: undefined as unknown as KioskProcess });
  }

  collector = new KioskProcess('collector', ['collector', 'serve', '--db', database, '--port', '0']);
  collectorUrl = (await collector.waitFor(/"url": "(http:\/\/127\.0\.0\.1:\d+)"/, 'the collector listening'))[1]!;
  expect(collector.output).toContain('"fleetKey": "loaded"');

  for (const k of kiosks) {
    // The demo configuration (its PKI, its simulated devices), then what this site needs: the venue,
    // the collector (periodic list and fleet sync an hour away: only `fleet fetch` fetches), no
    // duplicate-scan window (the same demo person passes twice).
    ensureDemoConfig(k.dataDir, { kioskId: k.kioskId, checkpoint: { collectWindowMs: 1000, resetAfterMs: 1000, duplicateWindowMs: 0 } });
    const doc = JSON.parse(readFileSync(configPath(k.dataDir), 'utf8')) as Record<string, unknown>;
    doc.venueId = VENUE;
    // Heartbeats at the shortest interval allowed: the console shows what each kiosk applied from them.
    doc.upload = { collectorUrl, listSyncMinutes: 60, heartbeatSeconds: 10 };
    writeFileSync(configPath(k.dataDir), JSON.stringify(doc), { mode: 0o600 });
    const pinned = kioskCli(['config', 'pin-fleet-key', fleetPublicKey, '--data-dir', k.dataDir]);
    expect(pinned.status, pinned.err).toBe(0);
    expect(pinned.out).toMatch(/^fleet key pinned/);
  }
  // Both at once: each takes a while to make its pty pairs and sign its demo lists.
  for (const [i, k] of kiosks.entries()) k.process = new KioskProcess(`kiosk-${'ab'[i]}`, ['start', '--data-dir', k.dataDir, '--no-camera']);
  for (const k of kiosks) await k.process.waitFor(/kiosk ready \S+/, 'kiosk ready');
}, 120_000);

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') for (const p of [collector, ...kiosks.map((k) => k.process)]) if (p) process.stderr.write(`${p.name} output:\n${p.output}\n`);
});

afterAll(async () => {
  await browser?.close();
  for (const k of kiosks) await k.process?.stop();
  await collector?.stop();
  scratch.remove();
});

describe('a policy change made on the fleet console reaches both kiosks and decides their next passage', () => {
  it('38.0 °C is denied at the demo threshold; the console pushes 38.5 °C for the venue; each kiosk fetches it and admits its next passage at 38.0 °C', async () => {
    for (const k of kiosks) {
      expect(await k.process.type('fleet fetch', /^no fleet configuration published for this kiosk$/m)).toBeTruthy();
      expect(await passage(k, BETWEEN_C)).toMatchObject({ decision: 'deny', temperatureC: BETWEEN_C });
    }

    browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${collectorUrl}/console`);
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#login-name', 'alice');
    await page.fill('#login-password', PASSWORD);
    await page.click('#login-submit');
    await page.waitForSelector('#fleet:not([hidden])');
    // Both kiosks listed from their start-up heartbeats.
    for (const k of kiosks) await page.waitForSelector(`[data-testid="kiosk-${k.kioskId}"]`);

    await page.selectOption('#push-kind', 'venueId');
    await page.fill('#push-target', VENUE);
    await page.fill('[data-testid="push-path-0"]', 'policy.feverThresholdC');
    await page.fill('[data-testid="push-value-0"]', String(PUSHED_C));
    await page.click('#push-submit');
    await until('the push is answered', async () => (await page.getAttribute('#push-result', 'data-revision')) !== null);
    expect(await page.getAttribute('#push-result', 'data-revision')).toBe('1');
    // Both kiosks reported the venue in their heartbeats: the push names both.
    expect(await page.getAttribute('#push-result', 'data-targets')).toBe('2');
    await page.locator('#config-push').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'fleet-policy-push-console');

    for (const k of kiosks) {
      expect(await k.process.type('fleet fetch', /^fleet revision 1 applied as configuration revision \d+: policy\.feverThresholdC$/m)).toBeTruthy();
      expect(JSON.parse(readFileSync(configPath(k.dataDir), 'utf8'))).toMatchObject({ policy: { feverThresholdC: PUSHED_C } });
      expect(await passage(k, BETWEEN_C)).toMatchObject({ decision: 'admit', temperatureC: BETWEEN_C });
    }

    // Back on the console: each kiosk's next heartbeat reports the revision it applied.
    const fleetCell = (k: Kiosk) => page.locator(`[data-testid="kiosk-${k.kioskId}"] [data-testid="fleet-config"]`);
    await until('both kiosks report fleet revision 1 applied', async () => {
      await page.click('#refresh');
      return (await Promise.all(kiosks.map(async (k) => (await fleetCell(k).textContent()) === '已应用 1'))).every(Boolean);
    }, 30_000);
    await page.locator('#kiosk-table').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'fleet-policy-push-applied');
  });
});
