// The configuration a running kiosk is on, changed while it runs. A save from the console, or
// config.json changed by `kiosk admin set-pin` or by hand, gives a new document; each part of the
// kiosk that can take its section without a restart registers an applier for its paths (venue
// policy, passage windows, language, retention, ...). Paths no applier takes are saved and reported
// as needing a restart (devices, camera, roots, the store's key). A file that fails validation is
// never applied: the kiosk keeps running on what it has and reports the problem (the red
// configuration chip), until a valid document is loaded or saved (docs/security.md, "Configuration").
import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { ConfigError, configPath, parseConfigText, revisionOf, type KioskConfig } from './config.js';

/** A problem that keeps a configuration from being used: for the status and the red chip. */
export interface LiveConfigProblem {
  paths: string[];
  message: string;
}

/** One part of the running kiosk that takes its section of a new document without a restart. */
export interface ConfigApplier {
  /** Path prefixes it takes (`policy`, `checkpoint`, `store.retentionDays`). */
  paths: string[];
  /** Makes the new values the running ones. `prev` is the document in force until now. */
  apply(next: KioskConfig, prev: KioskConfig): void;
}

export interface ApplyOutcome {
  revision: number;
  /** Leaf paths whose value changed (secrets by path only; values never leave here). */
  changed: string[];
  /** Changed paths now in force. */
  applied: string[];
  /** Changed paths saved but in force only after a restart. */
  restartNeeded: string[];
}

/** The leaf paths whose values differ between two documents (arrays compare whole: `roots`, `guards`). */
export function changedPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || '(top level)'];
}

const covers = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}.`);

export interface LiveConfigOptions {
  config: KioskConfig;
  /** The problem the kiosk started with (config.json broken, running on the last good copy). */
  problem?: LiveConfigProblem | null;
  log: (line: string) => void;
}

export class LiveConfig {
  private current: KioskConfig;
  private currentProblem: LiveConfigProblem | null;
  private readonly appliers: ConfigApplier[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: LiveConfigOptions) {
    this.current = options.config;
    this.currentProblem = options.problem ?? null;
  }

  get config(): KioskConfig {
    return this.current;
  }

  get revision(): number {
    return this.current.revision;
  }

  /** Set while the file on disk cannot be used and the kiosk runs on what it had. */
  get problem(): LiveConfigProblem | null {
    return this.currentProblem;
  }

  register(applier: ConfigApplier): void {
    this.appliers.push(applier);
  }

  /** The path prefixes that apply without a restart. */
  livePaths(): string[] {
    return [...new Set(this.appliers.flatMap((a) => a.paths))].sort();
  }

  /** Told when the configuration in force or its problem changes (the status bar, the chip). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What a document would change: which paths apply now, which need a restart. */
  classify(next: KioskConfig): Omit<ApplyOutcome, 'revision'> {
    const changed = changedPaths(this.current, next).filter((p) => p !== 'revision');
    const live = this.livePaths();
    const applied = changed.filter((p) => live.some((prefix) => covers(prefix, p)));
    return { changed, applied, restartNeeded: changed.filter((p) => !applied.includes(p)) };
  }

  /**
   * Puts a valid document in force: every applier whose paths changed takes it, and the problem (if
   * any) is cleared. An applier that throws does not stop the others; its paths are reported as
   * needing a restart.
   */
  apply(next: KioskConfig): ApplyOutcome {
    const prev = this.current;
    const { changed, applied, restartNeeded } = this.classify(next);
    this.current = next;
    const failed = new Set<string>();
    for (const a of this.appliers) {
      const mine = changed.filter((p) => a.paths.some((prefix) => covers(prefix, p)));
      if (mine.length === 0) continue;
      try {
        a.apply(next, prev);
      } catch (err) {
        for (const p of mine) failed.add(p);
        this.options.log(`configuration ${mine.join(', ')} not applied (${(err as Error).message}): in force after a restart`);
      }
    }
    this.currentProblem = null;
    this.notify();
    return {
      revision: next.revision,
      changed,
      applied: applied.filter((p) => !failed.has(p)),
      restartNeeded: [...restartNeeded, ...applied.filter((p) => failed.has(p))],
    };
  }

  /** The file on disk cannot be used: the kiosk keeps what it has, and says where the file is wrong. */
  reportProblem(error: ConfigError): void {
    this.currentProblem = { paths: error.problems.map((p) => p.path), message: error.message };
    this.notify();
  }

  /**
   * Reads config.json again (after the file changed): a valid document with a new revision or new
   * content is applied; an invalid one is reported and not applied. Returns what happened.
   */
  reload(dataDir: string): { applied: ApplyOutcome | null; problem: LiveConfigProblem | null } {
    const file = configPath(dataDir);
    if (!existsSync(file)) return { applied: null, problem: this.currentProblem };
    let next: KioskConfig;
    try {
      next = parseConfigText(readFileSync(file, 'utf8'), file);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const before = this.currentProblem?.message;
      this.reportProblem(err);
      if (before !== err.message) this.options.log(`CONFIG_INVALID ${err.problems.map((p) => p.path).join(', ')}: ${err.message}; the running configuration stays in force`);
      return { applied: null, problem: this.currentProblem };
    }
    const same = next.revision === this.current.revision && changedPaths(this.current, next).length === 0;
    if (same) {
      if (this.currentProblem) {
        this.currentProblem = null;
        this.notify();
      }
      return { applied: null, problem: null };
    }
    const outcome = this.apply(next);
    // Paths only: values of secrets (PIN hashes) never reach the log. One list of what changed, and
    // in brackets the part of it that waits for a restart (not two lists of changes).
    this.options.log(
      `configuration revision ${revisionOf(next)} loaded from ${basename(file)}: ${outcome.changed.length ? `changed ${outcome.changed.join(', ')}` : 'no values changed'}${outcome.restartNeeded.length ? ` (takes effect after a restart: ${outcome.restartNeeded.join(', ')})` : ''}`,
    );
    return { applied: outcome, problem: null };
  }

  private notify(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  }
}

/**
 * Watches config.json for changes made outside the kiosk (`kiosk admin set-pin`, a hand edit) and
 * calls `onChange` once things have been quiet for `debounceMs` (an editor writes a file in several
 * steps; an atomic rename replaces it). The directory is watched, not the file: a rename gives the
 * file a new inode that a watch on the old one would never see.
 */
export function watchConfigFile(dataDir: string, onChange: () => void, options: { debounceMs?: number; log?: (line: string) => void } = {}): () => void {
  const file = configPath(dataDir);
  const name = basename(file);
  const debounceMs = options.debounceMs ?? 250;
  // Real timers, not the kiosk's clock: this waits for the file system to settle, not for venue time.
  let timer: ReturnType<typeof setTimeout> | null = null;
  let watcher: FSWatcher | null = null;
  const fire = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      try {
        onChange();
      } catch (err) {
        options.log?.(`configuration reload failed: ${(err as Error).message}`);
      }
    }, debounceMs);
    timer.unref?.();
  };
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      // Some platforms do not name the file; then any change in the directory is looked at.
      if (changed === null || String(changed) === name) fire();
    });
    watcher.on('error', (err) => options.log?.(`configuration watch stopped: ${err.message}`));
  } catch (err) {
    options.log?.(`configuration changes are not watched (${(err as Error).message}): a change made outside the console needs a restart`);
  }
  return () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    watcher?.close();
    watcher = null;
  };
}
