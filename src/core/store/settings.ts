// The entry log's section of config.json (`"store": {...}`; its schema is in src/contract/config.ts):
// `retentionDays` (architecture.md "Data at rest") and `keyFile`, where the store's master key lives when
// not in the data directory (keys.ts; docs/security.md).
import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { storeSettingsSchema, type KioskConfig } from '../../contract/config.js';
import { StoreError } from './errors.js';
import { ConfigError, configPath, loadConfigForStart } from '../config/config.js';

// The `store` section of the one configuration document (src/contract/config.ts).
export { storeSettingsSchema };
export type StoreSettings = z.infer<typeof storeSettingsSchema>;

/** The `store` section of the parsed configuration (validated with the whole document at start). */
export function storeSettingsOf(config: Pick<KioskConfig, 'store'>): StoreSettings {
  return config.store;
}

/**
 * `store.keyFile` of `<dataDir>/config.json` (the store opens apart from the running kiosk too:
 * export process, upload worker, CLI), or null when none is configured. Read from the configuration
 * a start would run on: config.json, or its last good copy when a hand edit broke it, so the store
 * finds the same key the kiosk does. An unusable configuration is an error, since guessing the key's
 * place could mean making a new key beside the data.
 */
export function storeKeyFileInDataDir(dataDir: string): string | null {
  if (!existsSync(configPath(dataDir))) return null;
  try {
    return loadConfigForStart(dataDir).config.store.keyFile ?? null;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `where the store key lives is unknown: ${err.message}`);
  }
}
