// Helpers shared by `kiosk export` and `kiosk log`: open the store with errors the CLI can print,
// parse dates, and a progress bar that appears only on a terminal.
import { SingleBar, Presets } from 'cli-progress';
import { ensureDataDir } from '../../core/config/data-dir.js';
import { EntryStore, StoreError } from '../../core/store/index.js';
import { CliError, type CommandIo } from '../program.js';
import { parseIsoInstant } from '../../base/iso-instant.js';

export function cliErrorOf(err: unknown): unknown {
  if (err instanceof StoreError) return new CliError(err.reason, `${err.detail}: ${err.message}`, 1);
  return err;
}

export function openStoreForCli(dataDir: string): EntryStore {
  try {
    return EntryStore.open(ensureDataDir(dataDir));
  } catch (err) {
    throw cliErrorOf(err);
  }
}

/** Runs `fn` with an open store, closing it and converting StoreErrors for the CLI. */
export async function withStore<T>(dataDir: string, fn: (store: EntryStore) => Promise<T> | T): Promise<T> {
  const store = openStoreForCli(dataDir);
  try {
    return await fn(store);
  } catch (err) {
    throw cliErrorOf(err);
  } finally {
    store.close();
  }
}

/**
 * `YYYY-MM-DD` is a local calendar day (the venue's clock): as --from it means that day's start, as
 * --to the end of that day (inclusive). Anything else must be an ISO 8601 date-time with a zone.
 */
export function parseDateOption(value: string, edge: 'from' | 'to', flag: string): number {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const start = new Date(y, m - 1, d);
    if (start.getFullYear() !== y || start.getMonth() !== m - 1 || start.getDate() !== d) throw new CliError('BAD_REQUEST', `${flag}: ${value} is not a calendar date`);
    return edge === 'from' ? start.getTime() : new Date(y, m - 1, d + 1).getTime();
  }
  // The same reading as POST /v1/trace's (src/base/iso-instant.ts): 2026-11-31T08:00Z is refused, not December 1st.
  const ms = parseIsoInstant(value);
  if (ms !== null) return ms;
  throw new CliError('BAD_REQUEST', `${flag}: expected YYYY-MM-DD or an ISO date-time with a zone, got "${value}"`);
}

export function parseCount(value: string, flag: string, max = 100_000_000): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) throw new CliError('BAD_REQUEST', `${flag}: expected a whole number from 1 to ${max}, got "${value}"`);
  return Number(value);
}

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, tests). */
export function progressBar(io: CommandIo, label: string): Progress {
  const stream = io.stderr as NodeJS.WriteStream;
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} rows | {eta}s`, stream, hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, 0);
        started = true;
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
