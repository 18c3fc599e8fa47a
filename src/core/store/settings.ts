// The entry log's section of config.json (`"store": {...}`), kept by this module as config.ts asks
// of every part: `retentionDays` (issue 3 §5).
import { z } from 'zod';
import { DEFAULT_RETENTION_DAYS } from './purge.js';

export const storeSettingsSchema = z
  .object({
    /** Entries older than this many days are purged. */
    retentionDays: z.number().int().min(1).max(3650).default(DEFAULT_RETENTION_DAYS),
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
