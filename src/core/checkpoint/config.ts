// The `checkpoint` section of config.json: how long one passage collects, how long a result stays on
// screen, the duplicate window and the optional anti-passback rule (docs/door-passage.md). The kiosk config
// schema passes unknown sections through, so this section is parsed here, next to its only user.
import { z } from 'zod';

export const checkpointConfigSchema = z.object({
  /**
   * How long a passage waits, from its first input, for the rest of what the holder presents (card
   * after code, code after card, a temperature). Decided earlier as soon as everything expected is in.
   */
  collectWindowMs: z.number().int().min(200).max(60_000).default(2500),
  /** How long a pass/stop result stays on screen before the screen returns to idle. */
  resetAfterMs: z.number().int().min(500).max(120_000).default(4000),
  /** Duplicate rule: the same code or card again within 10 s makes no second entry. */
  duplicateWindowMs: z.number().int().min(0).max(600_000).default(10_000),
  /** Anti-passback, optional: the same person admitted within this many minutes → `review`. Off (null) by default. */
  antiPassbackMinutes: z.number().positive().max(7 * 24 * 60).nullable().default(null),
  /**
   * With a code, also wait (up to the window) for an ID card. Off by default: most holders show only
   * a code and should not wait; a card read before the code, or in the same window, is still matched.
   */
  waitForCardWithCode: z.boolean().default(false),
  /** With a card alone, wait (up to the window) for a code, so card-then-code is matched as one passage. */
  waitForCodeWithCard: z.boolean().default(true),
  /**
   * A review waits this long for the guard and then resets unanswered (the entry keeps `review`, and
   * the log says it timed out), so one unanswered CHECK never closes the lane for good
   * (docs/door-passage.md). null: waits for the guard however long it takes.
   */
  reviewTimeoutMs: z.number().int().min(1000).nullable().default(30_000),
});
export type CheckpointSettings = z.infer<typeof checkpointConfigSchema>;
export type CheckpointSettingsInput = z.input<typeof checkpointConfigSchema>;

export function resolveCheckpointSettings(input: unknown): CheckpointSettings {
  return checkpointConfigSchema.parse(input ?? {});
}
