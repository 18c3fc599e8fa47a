// The entry log's section of config.json (`"store": {...}`), kept by this module as config.ts asks
// of every part: `retentionDays` (architecture.md "Data at rest") and `keyFile`, where the store's master key lives when
// not in the data directory (keys.ts; docs/security.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_RETENTION_DAYS } from './purge.js';
import { StoreError } from './errors.js';

export const storeSettingsSchema = z
  .object({
    /** Entries older than this many days are purged. */
    retentionDays: z.number().int().min(1).max(3650).default(DEFAULT_RETENTION_DAYS),
    /** Absolute path of the master key file on another mount; default `<dataDir>/entry-store.key`. */
    keyFile: z.string().min(1).optional(),
  })
  .strict();
export type StoreSettings = z.infer<typeof storeSettingsSchema>;

/** Reads `config.store`; a malformed section is a clear error, a missing one gives the defaults. */
export function storeSettingsOf(config: Record<string, unknown>): StoreSettings {
  const parsed = storeSettingsSchema.safeParse(config.store ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`config.json: store.${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
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
