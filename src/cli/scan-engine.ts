// Node side of the scan engines: `kiosk decode-image` and the decode benchmark load engines here.
// zxing-wasm's .wasm is read from the installed package, never fetched (the package's default is a
// CDN, which an offline kiosk must not use).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createZxingLibraryEngine } from '../scan/engine-zxing-library.js';
import { createZxingWasmEngine } from '../scan/engine-zxing-wasm.js';
import type { DecoderEngine } from '../scan/engine.js';
import { ScanError, type EngineName } from '../scan/types.js';

/** Path of zxing-wasm's reader binary inside node_modules. */
export function zxingWasmPath(): string {
  return createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');
}

export async function createEngine(name: EngineName): Promise<DecoderEngine> {
  if (name === 'zxing-library') return createZxingLibraryEngine();
  let bytes: Buffer;
  try {
    bytes = await readFile(zxingWasmPath());
  } catch (err) {
    throw new ScanError('ENGINE_UNAVAILABLE', `zxing-wasm binary not found: ${(err as Error).message}`);
  }
  // A standalone ArrayBuffer holding exactly the file (a Buffer may be a slice of a shared pool).
  const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return createZxingWasmEngine({ wasmBinary });
}
