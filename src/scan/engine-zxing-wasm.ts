// ZXing-C++ compiled to WebAssembly (`zxing-wasm`, reader-only build). By default that package
// fetches its .wasm from a CDN; a kiosk is offline and must never do that, so the caller always
// supplies the bytes (Node: read from node_modules) or a URL on our own origin (the renderer build
// copies the file to dist/renderer/zxing_reader.wasm).
//
// Frames go in as grey, straight into one reused buffer on the wasm heap. The package's public
// `readBarcodes` only takes RGBA, which it converts back to grey into a fresh buffer and a fresh
// heap allocation on every call (~1 ms per 640×480 frame, a third of a decode); its module exposes
// the grey entry point `readBarcodesFromPixmap` that `readBarcodes` itself calls, with the options
// encoded by the package's exported encoders. If a future version drops that entry point we fall
// back to the public path (the tests decode through whichever is in use).
import {
  binarizers,
  characterSets,
  defaultReaderOptions,
  eanAddOnSymbols,
  encodeFormats,
  prepareZXingModule,
  readBarcodes,
  textModes,
  type ReaderOptions,
  type ZXingReaderOptions,
} from 'zxing-wasm/reader';
import { lumaToRgba } from './luminance.js';
import { ScanError, type LumaImage } from './types.js';
import type { DecodeContext, DecoderEngine, EngineAttempt } from './engine.js';

export type ZxingWasmSource = { readonly wasmBinary: ArrayBuffer } | { readonly wasmUrl: string };

const READER_OPTIONS: ReaderOptions = {
  formats: ['QRCode'],
  tryHarder: true,
  tryInvert: true,
  // Phones are held upright or nearly; ZXing-C++ handles any in-plane rotation without this.
  tryRotate: false,
  tryDownscale: true,
  maxNumberOfSymbols: 1,
  // Plain: the symbol's content as text, no human-readable rewriting.
  textMode: 'Plain',
};

/** READER_OPTIONS as the module's grey entry point takes them (what the package does internally). */
function encodedOptions(): ZXingReaderOptions {
  const o = { ...defaultReaderOptions, ...READER_OPTIONS };
  return {
    ...o,
    formats: encodeFormats(o.formats),
    binarizer: binarizers.indexOf(o.binarizer),
    eanAddOnSymbol: eanAddOnSymbols.indexOf(o.eanAddOnSymbol),
    textMode: textModes.indexOf(o.textMode),
    characterSet: characterSets.indexOf(o.characterSet),
  } as ZXingReaderOptions;
}

/** The parts of the Emscripten module we use (typed here: the package's types lean on @types/emscripten). */
interface GreyEntryModule {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  readonly HEAPU8: Uint8Array;
  readBarcodesFromPixmap(
    ptr: number,
    width: number,
    height: number,
    options: ZXingReaderOptions,
  ): { size(): number; get(i: number): { isValid: boolean; error: string; text: string } | undefined; delete?(): void };
}

/** What readBarcodes checks for: `width`, `height`, `data` (it never touches anything else of ImageData). */
type ImageDataLike = Parameters<typeof readBarcodes>[0];

/**
 * Loads the wasm module from the given source and returns the engine. Rejects with
 * ENGINE_UNAVAILABLE when the module cannot be instantiated (missing or corrupt file).
 */
export async function createZxingWasmEngine(source: ZxingWasmSource, opts: { publicPathOnly?: boolean } = {}): Promise<DecoderEngine> {
  const overrides =
    'wasmBinary' in source
      ? { wasmBinary: source.wasmBinary }
      : {
          locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? source.wasmUrl : prefix + path),
        };
  let module: Partial<GreyEntryModule>;
  try {
    module = (await prepareZXingModule({ overrides, fireImmediately: true })) as unknown as Partial<GreyEntryModule>;
  } catch (err) {
    throw new ScanError('ENGINE_UNAVAILABLE', `zxing-wasm could not be loaded: ${(err as Error)?.message ?? String(err)}`);
  }
  const grey =
    !opts.publicPathOnly &&
    typeof module.readBarcodesFromPixmap === 'function' && typeof module._malloc === 'function' && typeof module._free === 'function'
      ? (module as GreyEntryModule)
      : null;
  const options = encodedOptions();
  let heapPtr = 0;
  let heapSize = 0;
  let rgba = new Uint8Array(0);

  const decodeGrey = (module: GreyEntryModule, image: LumaImage): EngineAttempt => {
    const n = image.width * image.height;
    if (n > heapSize) {
      if (heapPtr) module._free(heapPtr);
      heapPtr = module._malloc(n);
      heapSize = heapPtr ? n : 0;
      if (!heapPtr) throw new ScanError('ENGINE_UNAVAILABLE', `zxing-wasm could not allocate ${n} bytes`);
    }
    // HEAPU8 is re-read each time: the heap's ArrayBuffer is replaced when wasm memory grows.
    module.HEAPU8.set(image.data.subarray(0, n), heapPtr);
    const results = module.readBarcodesFromPixmap(heapPtr, image.width, image.height, options);
    try {
      let text: string | null = null;
      const found = results.size();
      for (let i = 0; i < found && text === null; i++) {
        const r = results.get(i);
        if (r && r.isValid && r.error === '') text = r.text;
      }
      return { text, sawSymbol: found > 0, passes: 1 };
    } finally {
      // Embind vectors live on the wasm heap until deleted.
      results.delete?.();
    }
  };

  const decodeRgba = async (image: LumaImage): Promise<EngineAttempt> => {
    // The public path: grey replicated into R, G and B round-trips exactly through its conversion.
    if (rgba.length < image.width * image.height * 4) rgba = new Uint8Array(image.width * image.height * 4);
    const pixels = lumaToRgba(image, rgba);
    const results = await readBarcodes({ data: pixels, width: image.width, height: image.height } as unknown as ImageDataLike, READER_OPTIONS);
    const hit = results.find((r) => r.isValid && r.error === '');
    return { text: hit ? hit.text : null, sawSymbol: results.length > 0, passes: 1 };
  };

  return {
    name: 'zxing-wasm',
    async decode(image: LumaImage, _context: DecodeContext): Promise<EngineAttempt> {
      return grey ? decodeGrey(grey, image) : decodeRgba(image);
    },
  };
}
