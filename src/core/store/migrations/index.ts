// The schema history, oldest first. To add a migration: write `NNN-name.ts` beside this file and
// append one line here. Never edit or reorder a step that has shipped: databases in the field have
// already applied it (architecture.md, "Data at rest": migrations by user_version).
import type { Migration } from './types.js';
import { entriesMigration } from './001-entries.js';
import { uploadStateMigration } from './002-upload-state.js';
import { sealedNamesKeyedChainMigration } from './003-sealed-names-keyed-chain.js';
import { hourlyRollupsMigration } from './004-hourly-rollups.js';

export type { Migration, MigrationContext } from './types.js';

export const MIGRATIONS: readonly Migration[] = [
  entriesMigration, // 001
  uploadStateMigration, // 002
  sealedNamesKeyedChainMigration, // 003
  hourlyRollupsMigration, // 004
];
