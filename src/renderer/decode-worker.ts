// The camera's decode worker (architecture.md "One passage, end to end"): receives frames from the renderer's camera
// code, runs the shared scan pipeline (src/scan) on them and posts back the decoded text untouched.
// No verification here: the text goes to core as is. Protocol: src/scan/protocol.ts.
import { createZxingLibraryEngine } from '../scan/engine-zxing-library.js';
import { createZxingWasmEngine } from '../scan/engine-zxing-wasm.js';
import type { DecoderEngine } from '../scan/engine.js';
import { ScanPipeline } from '../scan/pipeline.js';
import { checkRequest, type ConfigureRequest, type FrameRequest, type WorkerResponse } from '../scan/protocol.js';
import { ScanError, type EngineName, type ScanResult } from '../scan/types.js';

/** The worker global, typed narrowly: the renderer's tsconfig has DOM, not WebWorker, types. */
interface WorkerScope {
  location: { href: string };
  postMessage(message: WorkerResponse, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<unknown>) => void): void;
}
const scope = self as unknown as WorkerScope;

let pipeline: Promise<ScanPipeline> | null = null;
/** Why the configured engine was replaced by the fallback, if it was. */
let fallback: { from: EngineName; detail: string } | null = null;
// Frames are decoded one at a time, in order: the pipeline reuses its buffers between frames, and
// an engine's await (zxing-wasm) would otherwise let a second frame interleave with the first.
let queue: Promise<void> = Promise.resolve();

async function configure(req: ConfigureRequest): Promise<ScanPipeline> {
  let engine: DecoderEngine;
  fallback = null;
  if (req.engine === 'zxing-wasm') {
    // Our own origin only, next to this script (the build copies the file there); never a CDN.
    const wasmUrl = new URL(req.wasmUrl ?? 'zxing_reader.wasm', scope.location.href).href;
    try {
      engine = await createZxingWasmEngine({ wasmUrl });
    } catch (err) {
      // @zxing/library is the fallback (the decoder benchmark, bench/decode.bench.ts): a door with a weaker decoder beats one with none.
      fallback = { from: 'zxing-wasm', detail: (err as Error)?.message ?? String(err) };
      engine = createZxingLibraryEngine();
    }
  } else {
    engine = createZxingLibraryEngine();
  }
  return new ScanPipeline(engine, { budgetMs: req.budgetMs, prefilter: req.prefilter ?? 'skip' });
}

function reply(seq: number, frameAt: number, buffer: ArrayBuffer, r: ScanResult): void {
  const msg: WorkerResponse = {
    type: 'result',
    seq,
    text: r.text,
    reason: r.reason,
    ...(r.reason !== null && r.detail !== undefined ? { detail: r.detail } : {}),
    ms: r.ms,
    attempts: r.attempts,
    buffer,
    frameAt,
  };
  scope.postMessage(msg, buffer.byteLength > 0 ? [buffer] : []);
}

async function decodeFrame(frame: FrameRequest): Promise<void> {
  const frameAt = frame.frameAt ?? 0;
  if (!pipeline) {
    scope.postMessage({ type: 'error', reason: 'ENGINE_UNAVAILABLE', message: 'frame before configure' });
    reply(frame.seq, frameAt, frame.buffer, { text: null, reason: 'ENGINE_UNAVAILABLE', detail: 'not configured', ms: 0, attempts: 0 });
    return;
  }
  let p: ScanPipeline;
  try {
    p = await pipeline;
  } catch (err) {
    reply(frame.seq, frameAt, frame.buffer, { text: null, reason: 'ENGINE_UNAVAILABLE', detail: (err as Error).message, ms: 0, attempts: 0 });
    return;
  }
  const bytes = frame.width * frame.height * (frame.format === 'rgba' ? 4 : 1);
  const view = new Uint8Array(frame.buffer, 0, bytes);
  const r = await p.decode({ format: frame.format, width: frame.width, height: frame.height, data: view });
  reply(frame.seq, frameAt, frame.buffer, r);
}

async function handle(raw: unknown): Promise<void> {
  const checked = checkRequest(raw);
  if (!checked.ok) {
    if (checked.frame) {
      reply(checked.frame.seq, checked.frame.frameAt, checked.frame.buffer, { text: null, reason: checked.reason, detail: checked.message, ms: 0, attempts: 0 });
    } else {
      scope.postMessage({ type: 'error', reason: checked.reason, message: checked.message });
    }
    return;
  }
  const req = checked.value;
  if (req.type === 'frame') return decodeFrame(req);
  pipeline = configure(req);
  try {
    const p = await pipeline;
    scope.postMessage(fallback ? { type: 'ready', engine: p.engine.name, fallbackFrom: fallback.from, detail: fallback.detail } : { type: 'ready', engine: p.engine.name });
  } catch (err) {
    const reason = err instanceof ScanError ? err.reason : 'ENGINE_UNAVAILABLE';
    scope.postMessage({ type: 'error', reason, message: (err as Error)?.message ?? String(err) });
  }
}

scope.addEventListener('message', (event) => {
  queue = queue
    .then(() => handle(event.data))
    .catch((err: unknown) => {
      scope.postMessage({ type: 'error', reason: 'UNREADABLE', message: `worker error: ${(err as Error)?.message ?? String(err)}` });
    });
});
