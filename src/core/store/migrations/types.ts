// One schema step. Adding a migration = adding one file `NNN-name.ts` exporting a `Migration` and one
// line in `./index.ts`. Versions are consecutive from 1; `user_version` holds the last one applied.
import type Database from 'better-sqlite3';
import type { EntryKeys, LegacyEntryKeys } from '../keys.js';

/** What a step may need beyond the connection: the keys, for steps that rewrite sealed rows. */
export interface MigrationContext {
  /** The store's current keys (EntryStore.open provides them); absent for a bare connection. */
  keys?: () => EntryKeys;
  /** The key files of schema ≤ 2, or null when there are none. */
  legacyKeys?: () => LegacyEntryKeys | null;
}

export interface Migration {
  /** Consecutive from 1: the value `PRAGMA user_version` holds once this step is applied. */
  readonly version: number;
  /** Short name for error messages (`entries`, `upload-state`). */
  readonly name: string;
  /**
   * Applies the step. Runs inside the one transaction that applies every pending step, so it must not
   * BEGIN/COMMIT itself, and must not change pragmas that cannot run in a transaction (journal_mode).
   */
  up(db: Database.Database, context: MigrationContext): void;
}
