// The kiosk's configuration file (`config.json` in the data directory): venue, kiosk id, pinned
// roots, venue policy. Other parts (devices, upload, screens) keep their own sections in the same
// file with their own schemas; sections this schema does not know are kept as they are.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { venuePolicySchema } from '../policy/policy.js';
import { writeFileAtomic } from './atomic-write.js';

export const CONFIG_FILE = 'config.json';

export const pinnedRootSchema = z.object({ kid: z.string().min(1), pub: z.string().min(1) });

export const kioskConfigSchema = z
  .object({
    venueId: z.string().default('demo-venue'),
    kioskId: z.string().default('kiosk-1'),
    /** National root keys pinned by the integrator (spec §2: more than one lets the root rotate). */
    roots: z.array(pinnedRootSchema).default([]),
    policy: venuePolicySchema.default(venuePolicySchema.parse({})),
  })
  .passthrough();
export type KioskConfig = z.infer<typeof kioskConfigSchema>;

export class ConfigError extends Error {}

export function configPath(dataDir: string): string {
  return join(dataDir, CONFIG_FILE);
}

export function loadConfig(dataDir: string): KioskConfig {
  const file = configPath(dataDir);
  if (!existsSync(file)) return kioskConfigSchema.parse({});
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = kioskConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

export { writeFileAtomic } from './atomic-write.js';

export function saveConfig(dataDir: string, config: KioskConfig): void {
  writeFileAtomic(configPath(dataDir), JSON.stringify(config, null, 2) + '\n');
}
