// Messages between the renderer's camera code (src/renderer/camera.ts, whose own copy of these
// shapes is src/renderer/decode-protocol.ts) and the decode worker (src/renderer/decode-worker.ts).
// Plain data only. Frame pixels travel as a transferred ArrayBuffer and come back in the result, so
// the camera reuses the same buffer frame after frame instead of allocating a new one.
//
// Flow: camera → {type:'configure'} → worker → {type:'ready'} (or {type:'error'}: no decoding at all;
//       {type:'ready', fallbackFrom} when zxing-wasm failed to load and @zxing/library took over);
//       camera → {type:'frame', seq, …, buffer} → worker → {type:'result', seq, text|null, reason, …, buffer}.
// Every frame gets a result, even a malformed one (reason BAD_FRAME, buffer returned): the camera
// sends its next frame when the previous result arrives, so a missing result would stall it.
import { ENGINE_NAMES, isEngineName, type EngineName, type ScanReason } from './types.js';

export interface ConfigureRequest {
  readonly type: 'configure';
  readonly engine: EngineName;
  /** Where zxing-wasm's .wasm is, relative to the worker script. Default `zxing_reader.wasm` (same folder). */
  readonly wasmUrl?: string;
  /** Per-frame budget in ms (default 50). */
  readonly budgetMs?: number;
  /** `skip` (default) for a camera; `locate` to decode every frame. */
  readonly prefilter?: 'skip' | 'locate' | 'off';
}

export interface FrameRequest {
  readonly type: 'frame';
  /** Chosen by the sender; echoed in the result. */
  readonly seq: number;
  readonly width: number;
  readonly height: number;
  /**
   * `luma`: the first width×height bytes of `buffer` are 8-bit luminance, row-major, no padding (a
   * camera's Y plane); `rgba`: width×height×4 bytes in ImageData layout. Bytes beyond are ignored.
   */
  readonly format: 'luma' | 'rgba';
  /** Transfer it (`postMessage(msg, [msg.buffer])`); it comes back in the result. */
  readonly buffer: ArrayBuffer;
  /** When the frame was captured (sender's clock), echoed back for latency figures. */
  readonly frameAt?: number;
}

export type WorkerRequest = ConfigureRequest | FrameRequest;

export interface ReadyResponse {
  readonly type: 'ready';
  /** The engine now decoding. */
  readonly engine: EngineName;
  /**
   * Set when the configured engine could not be loaded (zxing-wasm's .wasm missing or refused) and
   * the worker fell back to @zxing/library: decoding works, less well; worth a health warning.
   */
  readonly fallbackFrom?: EngineName;
  readonly detail?: string;
}

export interface ResultResponse {
  readonly type: 'result';
  readonly seq: number;
  /** Exactly what the symbol holds, untouched (Base45 has spaces: never trim). Null when none. */
  readonly text: string | null;
  readonly reason: ScanReason | null;
  readonly detail?: string;
  /** Time spent in the worker on this frame. */
  readonly ms: number;
  /** Decoder passes made (0 when the prefilter skipped the frame). */
  readonly attempts: number;
  /** The frame's buffer, handed back for reuse. */
  readonly buffer: ArrayBuffer;
  readonly frameAt: number;
}

/** The worker cannot decode at all (unknown engine, engine failed to load, no configure yet). */
export interface ErrorResponse {
  readonly type: 'error';
  readonly reason: ScanReason;
  readonly message: string;
}

export type WorkerResponse = ReadyResponse | ResultResponse | ErrorResponse;

export type Checked =
  | { readonly ok: true; readonly value: WorkerRequest }
  | {
      readonly ok: false;
      readonly reason: ScanReason;
      readonly message: string;
      /** For a bad frame: what is needed to answer it with a result (seq, frameAt, buffer to return). */
      readonly frame: { seq: number; frameAt: number; buffer: ArrayBuffer } | null;
    };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isDim = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 4096;

/** Validates a message from the camera side; a bad one gets a reason, never an exception. */
export function checkRequest(msg: unknown): Checked {
  if (!isObject(msg)) return { ok: false, reason: 'BAD_FRAME', message: 'message is not an object', frame: null };
  if (msg.type === 'configure') {
    const bad = (message: string): Checked => ({ ok: false, reason: 'ENGINE_UNAVAILABLE', message, frame: null });
    if (!isEngineName(msg.engine)) return bad(`unknown engine ${JSON.stringify(msg.engine)}; expected ${ENGINE_NAMES.join(' or ')}`);
    if (msg.wasmUrl !== undefined && typeof msg.wasmUrl !== 'string') return bad('wasmUrl must be a string');
    if (msg.budgetMs !== undefined && !(typeof msg.budgetMs === 'number' && msg.budgetMs > 0 && msg.budgetMs <= 10_000)) {
      return bad('budgetMs must be a number in (0, 10000]');
    }
    if (msg.prefilter !== undefined && !['skip', 'locate', 'off'].includes(msg.prefilter as string)) return bad('prefilter must be skip, locate or off');
    return { ok: true, value: msg as unknown as ConfigureRequest };
  }
  if (msg.type === 'frame') {
    const seq = typeof msg.seq === 'number' && Number.isFinite(msg.seq) ? msg.seq : -1;
    const frameAt = typeof msg.frameAt === 'number' ? msg.frameAt : 0;
    const buffer = msg.buffer instanceof ArrayBuffer ? msg.buffer : new ArrayBuffer(0);
    const bad = (message: string): Checked => ({ ok: false, reason: 'BAD_FRAME', message, frame: { seq, frameAt, buffer } });
    if (seq < 0) return bad('frame seq must be a non-negative number');
    if (!isDim(msg.width) || !isDim(msg.height)) return bad(`frame size must be integers in 1…4096, got ${String(msg.width)}×${String(msg.height)}`);
    if (msg.format !== 'luma' && msg.format !== 'rgba') return bad(`frame format must be luma or rgba, got ${JSON.stringify(msg.format)}`);
    if (!(msg.buffer instanceof ArrayBuffer)) return bad('frame buffer must be an ArrayBuffer');
    const expected = msg.width * msg.height * (msg.format === 'rgba' ? 4 : 1);
    if (msg.buffer.byteLength < expected) return bad(`frame buffer has ${msg.buffer.byteLength} bytes, expected at least ${expected}`);
    return { ok: true, value: msg as unknown as FrameRequest };
  }
  return { ok: false, reason: 'BAD_FRAME', message: `unknown message type ${JSON.stringify(msg.type)}`, frame: null };
}
