// Durability (architecture.md "Data at rest"): a writer child is SIGKILLed at random moments, at least 20 times; after each kill
// every id it printed (printed only once committed) is in the database and the chains verify.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { connectionOf, EntryStore } from './entry-store.js';
import { mulberry32 } from '../../base/prng.js';
import { tempDataDir } from './test-support.js';

const writer = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');
const KILLS = 20;
const tmp = tempDataDir('kiosk-crash-');
afterAll(() => tmp.cleanup());

/**
 * Starts the writer, kills it `delayMs` after it is ready (or, with `afterFirstEntry`, after its first
 * committed entry), resolves with the complete lines it printed.
 */
function runAndKill(delayMs: number, dataDir = tmp.dir, afterFirstEntry = false, interleave = false): Promise<{ ids: string[]; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsx, writer, dataDir, ...(interleave ? ['interleave'] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      const started = afterFirstEntry ? /^ready\n[^\n]+\n/.test(out) : out.startsWith('ready\n');
      if (!timer && started) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.on('data', (c) => (stderr += String(c)));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      clearTimeout(timer);
      // A line cut by the kill has no newline: it was never fully printed, so it promises nothing.
      const lines = out.split('\n');
      lines.pop();
      resolve({ ids: lines.filter((l) => l !== 'ready'), signal, stderr });
    });
  });
}

describe('crash safety', () => {
  it(`keeps every reported entry across ${KILLS} SIGKILLs at random moments`, async () => {
    const rand = mulberry32(7);
    const printed = new Set<string>();
    let kills = 0;
    for (let i = 0; i < KILLS; i++) {
      const { ids, signal, stderr } = await runAndKill(5 + Math.floor(rand() * 250));
      expect(stderr).not.toMatch(/Error/); // warnings are fine; a crash of the writer itself is not
      expect(signal).toBe('SIGKILL');
      kills++;
      for (const id of ids) printed.add(id);
      const store = EntryStore.open(tmp.dir);
      try {
        const missing = ids.filter((id) => connectionOf(store).prepare('SELECT 1 FROM entries WHERE id = ?').get(id) === undefined);
        expect(missing, `after kill ${i + 1}`).toEqual([]);
        const report = store.verify();
        expect(report.ok, JSON.stringify(report)).toBe(true);
      } finally {
        store.close();
      }
    }
    expect(kills).toBe(KILLS);
    // The writer made real progress (the kills were not all before the first write).
    expect(printed.size).toBeGreaterThan(KILLS);
    const store = EntryStore.open(tmp.dir);
    try {
      expect(store.entryCount()).toBeGreaterThanOrEqual(printed.size);
    } finally {
      store.close();
    }
  }, 120_000);

  it('opens one new log from several processes at once: one key and one check value, every process appends', async () => {
    const opener = fileURLToPath(new URL('./testing/open-together.ts', import.meta.url));
    for (let round = 0; round < 4; round++) {
      const fresh = tempDataDir('kiosk-open-together-');
      try {
        const children = Array.from({ length: 4 }, () => spawn(process.execPath, ['--import', tsx, opener, fresh.dir], { stdio: ['pipe', 'pipe', 'pipe'] }));
        const results = children.map(
          (child) =>
            new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
              let out = '';
              let err = '';
              child.stdout.on('data', (c) => (out += String(c)));
              child.stderr.on('data', (c) => (err += String(c)));
              child.on('close', (code) => resolve({ code, out, err }));
            }),
        );
        // Every child loaded and waiting: then all are told to open in the same moment.
        await Promise.all(children.map((child) => new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))));
        for (const child of children) child.stdin.write('go\n');
        const ended = await Promise.all(results);
        expect(ended.map((r) => [r.code, r.out.trim().split('\n').at(-1)]), ended.map((r) => r.err).join('')).toEqual(Array(4).fill([0, 'opened']));
        const store = EntryStore.open(fresh.dir);
        try {
          expect([store.entryCount(), store.verify().ok]).toEqual([4, true]);
        } finally {
          store.close();
        }
      } finally {
        fresh.cleanup();
      }
    }
  }, 60_000);

  it('keeps one valid chain when two processes append at once (each takes the write lock first)', async () => {
    const shared = tempDataDir('kiosk-two-writers-');
    try {
      // Each is killed 1.5 s after its own first commit: SQLite's busy wait is not fair, so under load one
      // writer in a tight loop can hold the lock for longer than a fixed delay after start.
      // The writers pause 2 ms between appends (crash-writer `interleave`), so they take turns rather
      // than one starving the other past its busy timeout on a loaded machine.
      const [a, b] = await Promise.all([runAndKill(1500, shared.dir, true, true), runAndKill(1500, shared.dir, true, true)]);
      // Both were killed (neither failed on its own, e.g. SQLITE_BUSY), and both wrote.
      expect([a.signal, b.signal], a.stderr + b.stderr).toEqual(['SIGKILL', 'SIGKILL']);
      expect(a.ids.length).toBeGreaterThan(0);
      expect(b.ids.length).toBeGreaterThan(0);
      const store = EntryStore.open(shared.dir);
      try {
        const ids = new Set(store.readEntriesAfterSeq(0, 1_000_000).map((e) => e.id));
        expect([...a.ids, ...b.ids].filter((id) => !ids.has(id))).toEqual([]);
        expect(store.verify().ok).toBe(true);
        // seq has no gaps: every append read the tail inside its own write transaction.
        expect(store.lastSeq()).toBe(store.entryCount());
      } finally {
        store.close();
      }
    } finally {
      shared.cleanup();
    }
  }, 60_000);
});

