// The entry log's public surface. Import from here: `core/store/index.js`.
export { EntryStore, normalizeDocumentNumber, type StorageState, type EntryStoreOptions } from './entry-store.js';
export { StoreError, type StoreReason, type StoreFailure } from './errors.js';
export { openDatabase, migrate, databasePath, DATABASE_FILE, schemaVersion, reclaimFreePages } from './db.js';
export { MIGRATIONS, type Migration } from './migrations/index.js';
export { purgeExpired, schedulePurge, DEFAULT_RETENTION_DAYS, type PurgeOptions, type PurgeResult, type PurgeSchedule } from './purge.js';
export { exportEntries, EXPORT_COLUMNS, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './export.js';
export { verifyLog, verifyChain, type VerifyReport, type ChainReport } from './verify.js';
export { seedEntries, syntheticEntry, type SeedOptions } from './seed.js';
export { backupDatabase, restoreDatabase, checkBackup } from './backup.js';
export { STORE_KEY_FILE, STORE_KEY_CREDENTIAL, DOCUMENT_KEY_FILE, SEARCH_KEY_FILE, resolveKeySource, type KeySource } from './keys.js';
export type * from './types.js';
export { storeSettingsOf, storeKeyFileInDataDir, storeSettingsSchema, type StoreSettings } from './settings.js';
export { exportInChildProcess, type ExportProcessResult } from './export-process.js';
export { GUARD_OVERRIDE_ACTION, type AuditPage, type AuditPageQuery, type RawAuditRow, type PurgePlanQuery, type PurgePlanResult } from './admin-views.js';
export { MAX_STATISTICS_DAYS, temperatureKey, type EntryStatistics, type StatisticsRange, type DecisionCounts } from './statistics.js';
