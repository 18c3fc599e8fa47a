// JSON.parse of a UTF-8 Buffer too large to be one string cheaply. V8 puts a string of more than
// 128 KiB in its large-object space: a fresh memory mapping for every such string, every page of it
// faulted in on first touch and unmapped when it dies. On a virtual machine a page fault is dear,
// and a collector made one such string per batch (a 500-entry batch inflates to ~200 KB): it cost
// more than parsing the batch (docs/upload-protocol.md §10, "fourth round"). So a large object is
// cut where it is made of many parts, its largest top-level array between elements, and each piece
// is parsed on its own. The result is the one JSON.parse would give, and a text JSON.parse refuses
// is refused (json-bytes.test.ts holds both against JSON.parse on generated and damaged texts).

/** At most this many bytes go to JSON.parse as one string; larger texts are cut. */
const ONE_STRING_BYTES = 96 * 1024;
/** The elements of a cut array go to JSON.parse this many bytes at a time (an element is never cut). */
const PIECE_BYTES = 48 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

interface ArraySpan {
  /** The member's key as written (quotes included). */
  key: [number, number];
  open: number;
  close: number;
  /** Where the commas between its elements are. */
  commas: number[];
}

interface Layout {
  keys: [number, number][];
  largest: ArraySpan;
}

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * The top-level object's member keys and its largest member array, by one pass over the bytes
 * (strings are skipped with indexOf). Null when the text is not an object holding such an array, or
 * is not well formed in a way this pass sees: the caller then parses it whole, and JSON.parse says why.
 */
function layoutOf(bytes: Buffer): Layout | null {
  const n = bytes.length;
  let i = 0;
  while (i < n && isSpace(bytes[i]!)) i++;
  if (bytes[i] !== 0x7b) return null;
  let depth = 0;
  let ended = false;
  let expectKey = false;
  let lastKey: [number, number] | null = null;
  const keys: [number, number][] = [];
  let current: { key: [number, number]; open: number; commas: number[] } | null = null;
  let largest: ArraySpan | null = null;
  for (; i < n; i++) {
    const c = bytes[i]!;
    if (ended) {
      if (!isSpace(c)) return null;
      continue;
    }
    if (c === QUOTE) {
      let end = i + 1;
      for (;;) {
        end = bytes.indexOf(QUOTE, end);
        if (end < 0) return null;
        let k = end - 1;
        while (bytes[k] === BACKSLASH) k--;
        // An even run of backslashes before the quote escapes only themselves.
        if ((end - 1 - k) % 2 === 0) break;
        end++;
      }
      if (depth === 1 && expectKey) {
        lastKey = [i, end + 1];
        keys.push(lastKey);
        expectKey = false;
      }
      i = end;
      continue;
    }
    switch (c) {
      case 0x7b: // {
        depth++;
        if (depth === 1) expectKey = true;
        break;
      case 0x5b: // [
        depth++;
        if (depth === 2 && lastKey !== null) current = { key: lastKey, open: i, commas: [] };
        break;
      case 0x5d: // ]
      case 0x7d: // }
        depth--;
        if (depth < 0) return null;
        if (depth === 1 && current !== null) {
          if (c === 0x5d && (largest === null || i - current.open > largest.close - largest.open)) largest = { ...current, close: i };
          current = null;
        }
        if (depth === 0) ended = true;
        break;
      case 0x2c: // ,
        if (depth === 1) expectKey = true;
        else if (depth === 2 && current !== null) current.commas.push(i);
        break;
    }
  }
  if (!ended || largest === null) return null;
  return { keys, largest };
}

/** JSON.parse(bytes as UTF-8), without making one string of a large text (see the top of this file). */
export function parseJsonBytes(bytes: Buffer, pieceBytes = PIECE_BYTES, oneStringBytes = ONE_STRING_BYTES): unknown {
  const whole = () => JSON.parse(bytes.toString('utf8')) as unknown;
  if (bytes.length <= oneStringBytes) return whole();
  const layout = layoutOf(bytes);
  if (layout === null) return whole();
  const { key, open, close, commas } = layout.largest;
  const text = (from: number, to: number) => bytes.toString('utf8', from, to);
  const name = JSON.parse(text(key[0], key[1])) as string;
  // A repeated key: JSON.parse keeps its last value, and which one that is depends on the order; and
  // `__proto__` assigned would set the prototype. Both are parsed whole, as JSON.parse would.
  if (name === '__proto__' || layout.keys.filter(([s, e]) => JSON.parse(text(s, e)) === name).length !== 1) return whole();
  if (open + 1 + (bytes.length - close) > oneStringBytes) return whole();
  const envelope = JSON.parse(text(0, open + 1) + text(close, bytes.length)) as Record<string, unknown>;
  const bounds = [open, ...commas, close];
  const elements: unknown[] = [];
  for (let from = 0; from < bounds.length - 1; ) {
    let to = from + 1;
    while (to < bounds.length - 1 && bounds[to + 1]! - bounds[from]! <= pieceBytes) to++;
    const piece = JSON.parse('[' + text(bounds[from]! + 1, bounds[to]!) + ']') as unknown[];
    // Nothing between two commas (or a comma and a bracket): `[1,,2]`, `[1,]`, `[,1]`.
    if (piece.length === 0 && bounds.length > 2) throw new SyntaxError(`Unexpected token ',' in JSON at position ${bounds[from]}`);
    for (const element of piece) elements.push(element);
    from = to;
  }
  envelope[name] = elements;
  return envelope;
}
