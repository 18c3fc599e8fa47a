// The entry log's section of config.json (`"store": {...}`; its schema is in src/contract/config.ts):
// `retentionDays` (architecture.md "Data at rest") and `keyFile`, where the store's master key lives when
// not in the data directory (keys.ts; docs/security.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { storeSettingsSchema, type KioskConfig } from '../../contract/config.js';
import { StoreError } from './errors.js';

// The `store` section of the one configuration document (src/contract/config.ts).
export { storeSettingsSchema };
export type StoreSettings = z.infer<typeof storeSettingsSchema>;

/** The `store` section of the parsed configuration (validated with the whole document at start). */
export function storeSettingsOf(config: Pick<KioskConfig, 'store'>): StoreSettings {
  return config.store;
}

/**
 * `store.keyFile` of `<dataDir>/config.json`, read directly (the store opens apart from the kiosk's
 * configuration: export process, CLI), or null when none is configured. Only this field is read
 * here, so a mistake elsewhere in the file is reported by the part that owns it; an unreadable file
 * is an error, since guessing the key's place could mean making a new key beside the data.
 */
export function storeKeyFileInDataDir(dataDir: string): string | null {
  const file = join(dataDir, 'config.json');
  if (!existsSync(file)) return null;
  let config: { store?: { keyFile?: unknown } } | null;
  try {
    config = JSON.parse(readFileSync(file, 'utf8')) as typeof config;
  } catch (err) {
    throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `${file} is not readable JSON, so where the store key lives is unknown: ${(err as Error).message}`);
  }
  const keyFile = config?.store?.keyFile;
  if (keyFile === undefined || keyFile === null) return null;
  if (typeof keyFile !== 'string' || keyFile.length === 0) throw new StoreError('STORAGE_UNAVAILABLE', 'KEY_INVALID', `${file}: store.keyFile must be an absolute file path`);
  return keyFile;
}
