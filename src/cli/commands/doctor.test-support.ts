// Test helper: merges keys into a data directory's config.json through the schema (saveConfig).
import { loadConfig, saveConfig } from '../../core/config/config.js';
import type { KioskConfigInput } from '../../core/config/config.js';

export function updateConfigForTest(dataDir: string, patch: Partial<KioskConfigInput>): void {
  saveConfig(dataDir, { ...loadConfig(dataDir), ...patch } as KioskConfigInput);
}
