// The browser host's WebSocket framing of the contract (./api.ts). One JSON object per message.
// Client → host: `call`. Host → client: `result` (answering a call by id) or `event`.
// The Electron host needs no framing: ipcRenderer.invoke already pairs requests and answers.
import { z } from 'zod';
import { KioskEventSchema, type KioskEvent, type MethodName, type Result } from './api.js';
import { ReasonSchema } from './api.js';

/** Upper bound on one incoming frame; a scan text is at most 8 KiB, so 64 KiB is ample. */
export const MAX_WIRE_MESSAGE_BYTES = 64 * 1024;

/** The WebSocket path; the upgrade carries the screen's session cookie, nothing in the URL. */
export const WS_PATH = '/kiosk';

/**
 * The query parameter of the browser host's one-time launch URL (`/?launch=…`): the host exchanges
 * it once for an HttpOnly session cookie (docs/security.md, "Who may drive the kiosk").
 */
export const LAUNCH_PARAM = 'launch';

export const WireCallSchema = z
  .object({
    kind: z.literal('call'),
    id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    method: z.string().min(1).max(64),
    params: z.unknown(),
  })
  .strict();
export type WireCall = z.infer<typeof WireCallSchema>;

export const WireResultSchema = z.object({
  kind: z.literal('result'),
  /** Null when the call was too malformed to carry an id. */
  id: z.number().int().nonnegative().nullable(),
  result: z.union([
    z.object({ ok: z.literal(true), value: z.unknown() }),
    z.object({ ok: z.literal(false), reason: ReasonSchema, message: z.string(), retryInMs: z.number().int().nonnegative().optional() }),
  ]),
});
export type WireResult = { kind: 'result'; id: number | null; result: Result<unknown> };

export const WireEventSchema = z.object({ kind: z.literal('event'), event: KioskEventSchema });
export type WireEvent = { kind: 'event'; event: KioskEvent };

export const WireFromHostSchema = z.discriminatedUnion('kind', [WireResultSchema, WireEventSchema]);
export type WireFromHost = WireResult | WireEvent;

export function callMessage(id: number, method: MethodName, params: unknown): WireCall {
  return { kind: 'call', id, method, params };
}
