// `npm run build && npm run bench -- soak [--passages=N]` (or SOAK_PASSAGES=N; default 100,000):
// one JSON object. The door under a long day's load.
//
// The real kiosk, as `npm start` runs it, in its own process: `kiosk start --demo --host browser
// --no-browser` on a fresh data directory whose demo configuration shortens the reset times (a
// result stays 500 ms, a review 1 s; duplicate window 0 so the same demo people make fresh
// passages). Its guard screen is opened in Debian's Chromium (e2e harness flags, Chromium's own
// fake camera running, so the decode worker works the whole time). The passages go through the
// demo's devices on their socat pty pairs, typed into the kiosk's console exactly as a person at
// the terminal would: `thermometer temp C` (the person at the sensor), `idcard present KEY` /
// `idcard remove` (the card on the reader), `scan KEY` (the code through the serial scanner).
// Each passage is planned (bench/soak-verdict.ts: code only, card then code, card alone, a red
// code), and the next one starts only once the screen shows this one's verdict: a passage whose
// verdict does not appear within 8 s is a missed decision.
//
// Reported: passages/s; decisions missed; decisions other than planned; entries in the SQLite log
// (read after the kiosk stopped) against passages; distinct entry ids the screen showed; RSS and
// open file descriptors of the core process (the kiosk's Node process: core, devices, simulators,
// host) and of the page's Chromium renderer (found in /proc: the renderer that appeared when the
// page opened), at the start, after warm-up and at the end, each the median of 5 readings, with a
// trace along the run. `meetsTarget` is false if any passage was missed or wrongly decided, entries
// differ from passages, or either process grew more than 10 % after warm-up.
//
// Throughput is bounded by the door, not the benchmark: each person's temperature becomes a reading
// only after the thermometer's stable-reading rule (3 polls at 200 ms, devices config), and a
// code takes about 0.4 s on the scanner's 9600-baud wire.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Page } from 'playwright-core';
import { ensureDemoConfig } from '../src/app/compose.js';
import { EntryStore } from '../src/core/store/entry-store.js';
import { DEMO_PEOPLE } from '../src/core/demo/people.js';
import { maskName } from '../src/core/codes/id-number.js';
import { ROOT, ensureBuilt, launchChromium, openKioskPage } from '../e2e/support/harness.js';
import { kioskPageRenderer, readResources } from './proc-resources.js';
import { flatnessOf, planPassage, soakVerdict, type ProcessPhases, type ResourceReading } from './soak-verdict.js';

const DEFAULT_PASSAGES = 100_000;
/**
 * Longest a verdict may take: a card alone waits out the 2.5 s collect window for a code; the rest
 * is slack for a loaded machine. A code that reached the kiosk in pieces never gets its verdict.
 */
const DECISION_TIMEOUT_MS = 8000;
const RESET_AFTER_MS = 500;
const REVIEW_TIMEOUT_MS = 1000;

function passagesWanted(): number {
  const flag = process.argv.find((a) => a.startsWith('--passages='));
  const raw = flag ? flag.slice('--passages='.length) : (process.env.SOAK_PASSAGES ?? String(DEFAULT_PASSAGES));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`soak: passages must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

const maskedNameOf = (key: string) => maskName(DEMO_PEOPLE.find((p) => p.key === key)!.name);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface KioskProcess {
  child: ChildProcess;
  launchUrl: string;
  /** Types one console line into the kiosk. */
  type(line: string): void;
  /** Last lines the kiosk wrote (for a failure report; they carry no personal data). */
  recent: string[];
  stop(): Promise<void>;
}

async function startKioskProcess(dataDir: string): Promise<KioskProcess> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'kiosk.js'), 'start', '--demo', '--host', 'browser', '--no-browser', '--data-dir', dataDir], {
    cwd: ROOT,
    env: { ...process.env, KIOSK_NO_BROWSER: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const recent: string[] = [];
  const keep = (line: string) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  const launchUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the kiosk did not print its launch URL within 60 s:\n${recent.join('\n')}`)), 60_000);
    child.once('exit', (code) => reject(new Error(`the kiosk exited (${code}) before it was ready:\n${recent.join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      const m = /open (http\S+) in Chromium/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return {
    child,
    launchUrl,
    recent,
    type: (line) => void child.stdin!.write(`${line}\n`),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Five readings 200 ms apart, the door idle. */
async function readPhase(pid: number): Promise<ResourceReading[]> {
  const out: ResourceReading[] = [];
  for (let i = 0; i < 5; i++) {
    out.push(readResources(pid));
    await sleep(200);
  }
  return out;
}

/** A verdict the screen showed, as the page probe recorded it the moment it appeared. */
interface Verdict {
  passageId: string;
  decision: string;
  /** The deciding reason code. */
  reason: string;
  entryId: string;
  /** The masked name on screen (whose verdict it is). */
  name: string;
}

/**
 * Installed in the page (a string: the page's CSP allows no eval of ours): every new passage
 * shown on #guard is queued with its attributes and masked name at the moment the DOM shows it, so
 * a verdict that is on screen only briefly (the next person follows at once) is never lost. The
 * benchmark drains the queue as it goes, so the probe holds nothing that grows with the run.
 */
const VERDICT_PROBE = `(() => {
  const queue = [];
  window.__soakVerdicts = queue;
  const guard = document.getElementById('guard');
  const name = document.getElementById('person-name');
  let last = '';
  new MutationObserver(() => {
    const d = guard.dataset;
    if (d.state !== 'shown' || !d.passageId || d.passageId === last) return;
    last = d.passageId;
    queue.push({ passageId: d.passageId, decision: d.decision || '', reason: d.reason || '', entryId: d.entryId || '', name: name.textContent || '' });
  }).observe(guard, { attributes: true });
})()`;

class VerdictFeed {
  private pending: Verdict[] = [];
  /** Verdicts that belong to no planned passage (e.g. a code split in two), by decision and reason. */
  readonly unplanned: Record<string, number> = {};
  unplannedCount = 0;
  unplannedEntryIds = new Set<string>();

  constructor(private readonly page: Page) {}

  /**
   * The next verdict naming `maskedName`; verdicts for anyone else shown meanwhile are unplanned.
   * Null when none appears within the decision timeout (a missed decision).
   */
  async next(maskedName: string): Promise<Verdict | null> {
    const deadline = performance.now() + DECISION_TIMEOUT_MS;
    for (;;) {
      while (this.pending.length) {
        const v = this.pending.shift()!;
        if (v.name === maskedName) return v;
        this.unplannedCount++;
        const key = `${v.decision} ${v.reason}`.trim();
        this.unplanned[key] = (this.unplanned[key] ?? 0) + 1;
        if (v.entryId) this.unplannedEntryIds.add(v.entryId);
      }
      if (performance.now() > deadline) return null;
      await sleep(20);
      this.pending.push(...((await this.page.evaluate('window.__soakVerdicts.splice(0)')) as Verdict[]));
    }
  }
}

export async function run(): Promise<object> {
  const passages = passagesWanted();
  // A tenth of the run (at least 20 passages), and never more than half of it.
  const warmUp = Math.min(Math.max(20, Math.round(passages / 10)), Math.floor(passages / 2));
  ensureBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'kiosk-soak-'));
  ensureDemoConfig(dataDir, { checkpoint: { resetAfterMs: RESET_AFTER_MS, reviewTimeoutMs: REVIEW_TIMEOUT_MS, duplicateWindowMs: 0 } });
  const kiosk = await startKioskProcess(dataDir);
  const browser = await launchChromium();
  try {
    const page = await openKioskPage(browser, kiosk.launchUrl);
    await sleep(2000); // the page settles: camera running, decode worker started, device chips drawn
    const pids = { core: kiosk.child.pid!, renderer: kioskPageRenderer() };
    const phases: Record<keyof typeof pids, ProcessPhases> = {
      core: { start: [], afterWarmUp: [], atEnd: [] },
      renderer: { start: [], afterWarmUp: [], atEnd: [] },
    };
    const readAll = async (phase: keyof ProcessPhases) => {
      for (const name of Object.keys(pids) as Array<keyof typeof pids>) phases[name][phase] = await readPhase(pids[name]);
    };
    await page.evaluate(VERDICT_PROBE);
    const feed = new VerdictFeed(page);
    await readAll('start');

    const traceEvery = Math.max(1, Math.round(passages / 20));
    const trace: Array<{ passage: number; coreRssMiB: number; coreFds: number; rendererRssMiB: number; rendererFds: number }> = [];
    const decisions: Record<string, number> = {};
    const kinds: Record<string, number> = {};
    const entryIds = new Set<string>();
    /** Decisions other than planned, by decision and deciding reason. */
    const wrongAs: Record<string, number> = {};
    let missed = 0;
    let wrong = 0;
    let previousId = '';
    let t0 = performance.now();
    let measuredFrom = 0;
    for (let i = 0; i < passages; i++) {
      if (i === warmUp) {
        await readAll('afterWarmUp');
        // passages/s is measured after warm-up too (the start includes JIT and cache filling)
        t0 = performance.now();
        measuredFrom = i;
      }
      const plan = planPassage(i);
      kinds[plan.kind] = (kinds[plan.kind] ?? 0) + 1;
      kiosk.type(`thermometer temp ${plan.temperatureC}`);
      if (plan.kind !== 'code') {
        kiosk.type(`idcard present ${plan.person}`);
        // The card must be part of this passage before the code arrives (code + reading decide at once).
        if (plan.kind === 'card+code') {
          await page
            .waitForSelector(`#guard[data-state="collecting"]:not([data-passage-id="${previousId}"])`, { timeout: DECISION_TIMEOUT_MS })
            .catch(() => undefined);
        }
      }
      if (plan.kind !== 'card') kiosk.type(`scan ${plan.person}`);
      const shown = await feed.next(maskedNameOf(plan.person));
      if (plan.kind !== 'code') kiosk.type('idcard remove');
      if (!shown) {
        missed++;
        // Let whatever is under way finish (a collect window, a review) before the next person.
        await sleep(2500 + REVIEW_TIMEOUT_MS);
        previousId = (await page.locator('#guard').getAttribute('data-passage-id')) ?? previousId;
        continue;
      }
      previousId = shown.passageId;
      decisions[shown.decision] = (decisions[shown.decision] ?? 0) + 1;
      if (shown.entryId) entryIds.add(shown.entryId);
      if (shown.decision !== plan.expected) {
        wrong++;
        const why = `${plan.kind} planned ${plan.expected}, shown ${shown.decision}${shown.reason ? ` ${shown.reason}` : ''}`;
        wrongAs[why] = (wrongAs[why] ?? 0) + 1;
        // A review holds the lane until it times out; the next person would only be asked to wait.
        if (shown.decision === 'review') await sleep(REVIEW_TIMEOUT_MS + 200);
      }
      if ((i + 1) % traceEvery === 0) {
        const c = readResources(pids.core);
        const r = readResources(pids.renderer);
        trace.push({ passage: i + 1, coreRssMiB: Math.round(c.rssKiB / 102.4) / 10, coreFds: c.fds, rendererRssMiB: Math.round(r.rssKiB / 102.4) / 10, rendererFds: r.fds });
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    await sleep(RESET_AFTER_MS + 500); // the last result resets to idle, as after the warm-up reading
    await readAll('atEnd');
    await kiosk.stop();
    const store = EntryStore.open(dataDir);
    let entries: number;
    try {
      entries = store.entryCount();
    } finally {
      store.close();
    }
    const processes = { core: flatnessOf(phases.core), renderer: flatnessOf(phases.renderer) };
    const verdict = soakVerdict({ passages, decisionsMissed: missed, wrongDecisions: wrong, entries, entryIdsShown: entryIds.size, unplannedVerdicts: feed.unplannedCount, processes });
    return {
      what: 'passages through the real kiosk process (demo devices on pty pairs, codes from the serial scanner simulator, cards from the ID-card reader simulator) with its screen in Chromium; each passage waits for its verdict on screen',
      passages,
      warmUpPassages: Math.min(warmUp, passages),
      passageKinds: kinds,
      passagesPerSecondAfterWarmUp: Math.round(((passages - measuredFrom) / seconds) * 100) / 100,
      decisionsMissed: missed,
      decisionsOtherThanPlanned: wrong,
      otherThanPlannedAs: wrongAs,
      unplannedVerdicts: feed.unplannedCount,
      unplannedVerdictsAs: feed.unplanned,
      decisions,
      entriesInSqlite: entries,
      distinctEntryIdsShown: entryIds.size,
      resetAfterMs: RESET_AFTER_MS,
      reviewTimeoutMs: REVIEW_TIMEOUT_MS,
      processes: { core: { pid: pids.core, ...processes.core }, renderer: { pid: pids.renderer, ...processes.renderer } },
      flatLimitPercent: 10,
      trace,
      meetsTarget: verdict.meetsTarget,
      failures: verdict.failures,
      ...(verdict.meetsTarget ? {} : { kioskLogTail: kiosk.recent.filter((l) => l.startsWith('kiosk:')).slice(-10) }),
    };
  } finally {
    await browser.close().catch(() => undefined);
    await kiosk.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
