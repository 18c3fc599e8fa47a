// The `checkpoint` section of config.json: how long one passage collects, how long a result stays on
// screen, the duplicate window and the optional anti-passback rule (docs/door-passage.md). The schema
// is the `checkpoint` section of the one configuration document (src/contract/config.ts).
import type { z } from 'zod';
import { checkpointConfigSchema } from '../../contract/config.js';

export { checkpointConfigSchema };
export type CheckpointSettings = z.infer<typeof checkpointConfigSchema>;
export type CheckpointSettingsInput = z.input<typeof checkpointConfigSchema>;

export function resolveCheckpointSettings(input: unknown): CheckpointSettings {
  return checkpointConfigSchema.parse(input ?? {});
}
