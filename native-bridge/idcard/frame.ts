// ID card reader frames (devices spec §1, "Frames"): AA AA AA 96 69 | LEN(2, BE) | body… | CHK, where
// LEN counts every byte after itself (checksum included) and CHK is the XOR from LEN's first byte
// through the last body byte. The parser hunts for the preamble and resynchronises after noise, and
// its buffer never holds more than one maximum frame.
import type { DeviceReason } from '../../src/contract/reasons.js';

export const PREAMBLE = Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]);
/** Preamble plus the two LEN bytes. */
export const HEADER_LENGTH = 7;
/** Largest frame in the spec: read text + photo + fingerprint (30 10) with a 1024-byte fingerprint. */
export const MAX_FRAME_LENGTH = 2321;
/** A command carries CMD PARA CHK (LEN 3); a response SW1 SW2 SW3 CHK at least (LEN 4). */
const MIN_LEN = 3;
const MAX_LEN = MAX_FRAME_LENGTH - HEADER_LENGTH;

/** Commands (devices spec §1, "Commands"): CMD and PARA. */
export const COMMANDS = {
  reset: [0x10, 0xff],
  status: [0x11, 0xff],
  samId: [0x12, 0xff],
  find: [0x20, 0x01],
  select: [0x20, 0x02],
  readTextPhoto: [0x30, 0x01],
  readAppendedAddress: [0x30, 0x03],
  readTextPhotoFingerprint: [0x30, 0x10],
} as const satisfies Record<string, readonly [number, number]>;
export type CommandName = keyof typeof COMMANDS;

/** SW3 values (devices spec §1, "Status byte SW3"). */
export const SW3 = {
  SUCCESS: 0x90,
  FIND_OK: 0x9f,
  NO_CONTENT: 0x91,
  NO_CARD: 0x80,
  SELECT_FAILED: 0x81,
  READ_FAILED: 0x41,
} as const;

const SW3_REASONS: ReadonlyMap<number, DeviceReason> = new Map<number, DeviceReason>([
  [0x91, 'CARD_SW_NO_CONTENT'],
  [0x80, 'CARD_SW_NO_CARD'],
  [0x81, 'CARD_SW_SELECT_FAILED'],
  [0x10, 'CARD_SW_HOST_CHECKSUM'],
  [0x11, 'CARD_SW_HOST_LENGTH'],
  [0x21, 'CARD_SW_COMMAND'],
  [0x23, 'CARD_SW_NOT_PERMITTED'],
  [0x24, 'CARD_SW_UNRECOGNISED'],
  [0x31, 'CARD_SW_AUTH_CARD_TO_MODULE'],
  [0x32, 'CARD_SW_AUTH_MODULE_TO_CARD'],
  [0x33, 'CARD_SW_VERIFY_FAILED'],
  [0x40, 'CARD_SW_UNKNOWN_CARD_TYPE'],
  [0x41, 'CARD_SW_READ_FAILED'],
  [0x47, 'CARD_SW_RANDOM_FAILED'],
  [0x60, 'CARD_SW_SELF_TEST_FAILED'],
  [0x66, 'CARD_SW_NOT_AUTHORISED'],
]);

/** The named reason for a non-success SW3 (90 and 9F are successes and have none). */
export function sw3Reason(sw3: number): DeviceReason {
  return SW3_REASONS.get(sw3) ?? 'CARD_SW_UNKNOWN_STATUS';
}

/** Every SW3 the spec names, for tests and the decode command. */
export const KNOWN_SW3: readonly number[] = [0x90, 0x9f, ...SW3_REASONS.keys()];

function xorOf(bytes: Uint8Array, start: number, end: number): number {
  let x = 0;
  for (let i = start; i < end; i++) x ^= bytes[i]!;
  return x;
}

/** Builds a frame around `body` (CMD PARA DATA… for the host; SW1 SW2 SW3 DATA… for the reader). */
export function encodeFrame(body: Uint8Array): Buffer {
  const len = body.length + 1;
  if (len < MIN_LEN || len > MAX_LEN) throw new RangeError(`frame body of ${body.length} bytes is outside the protocol's limits`);
  const frame = Buffer.alloc(HEADER_LENGTH + len);
  PREAMBLE.copy(frame, 0);
  frame.writeUInt16BE(len, 5);
  frame.set(body, HEADER_LENGTH);
  frame[frame.length - 1] = xorOf(frame, 5, frame.length - 1);
  return frame;
}

export function encodeCommand(name: CommandName): Buffer {
  return encodeFrame(Uint8Array.from(COMMANDS[name]));
}

export function encodeResponse(sw3: number, data: Uint8Array = new Uint8Array(0), sw1 = 0, sw2 = 0): Buffer {
  const body = Buffer.alloc(3 + data.length);
  body[0] = sw1;
  body[1] = sw2;
  body[2] = sw3;
  body.set(data, 3);
  return encodeFrame(body);
}

export interface ResponseFrame {
  sw1: number;
  sw2: number;
  sw3: number;
  data: Buffer;
}

export function toResponse(body: Buffer): ResponseFrame | null {
  if (body.length < 3) return null;
  return { sw1: body[0]!, sw2: body[1]!, sw3: body[2]!, data: body.subarray(3) };
}

export interface FrameParserEvents {
  /** The bytes between LEN and CHK of a frame whose length and checksum were right. */
  onFrame(body: Buffer): void;
  /** Bytes thrown away: FRAME_NOISE (no preamble), FRAME_LENGTH (impossible LEN), FRAME_CHECKSUM. */
  onDiscard?(reason: 'FRAME_NOISE' | 'FRAME_LENGTH' | 'FRAME_CHECKSUM', bytes: number): void;
}

/**
 * Incremental frame parser. Input may arrive one byte at a time or a megabyte at once; the pending
 * buffer is capped at MAX_FRAME_LENGTH because input is taken in slices no larger than the room left.
 */
export class IdCardFrameParser {
  private buffer: Buffer = Buffer.alloc(0);
  /** Largest the pending buffer has ever been (tests check the bound). */
  peakBuffered = 0;

  constructor(private readonly events: FrameParserEvents) {}

  get buffered(): number {
    return this.buffer.length;
  }

  /** Forgets a partial frame (after a command timed out: a half frame must not poison the next reply). */
  reset(): void {
    if (this.buffer.length) this.events.onDiscard?.('FRAME_NOISE', this.buffer.length);
    this.buffer = Buffer.alloc(0);
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length) {
      const room = MAX_FRAME_LENGTH - this.buffer.length;
      const take = Math.min(room, chunk.length - offset);
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk.subarray(offset, offset + take)]) : Buffer.from(chunk.subarray(offset, offset + take));
      offset += take;
      this.peakBuffered = Math.max(this.peakBuffered, this.buffer.length);
      this.drain();
    }
  }

  private drop(count: number): void {
    this.buffer = this.buffer.subarray(count);
  }

  private drain(): void {
    for (;;) {
      const start = this.buffer.indexOf(PREAMBLE);
      if (start < 0) {
        // Keep a tail that could be the start of a preamble split across chunks; the rest is noise.
        const keep = this.preamblePrefixAtEnd();
        const noise = this.buffer.length - keep;
        if (noise > 0) {
          this.events.onDiscard?.('FRAME_NOISE', noise);
          this.drop(noise);
        }
        return;
      }
      if (start > 0) {
        this.events.onDiscard?.('FRAME_NOISE', start);
        this.drop(start);
      }
      if (this.buffer.length < HEADER_LENGTH) return;
      const len = this.buffer.readUInt16BE(5);
      if (len < MIN_LEN || len > MAX_LEN) {
        // An impossible LEN means this was not a real preamble: skip one byte and hunt again.
        this.events.onDiscard?.('FRAME_LENGTH', 1);
        this.drop(1);
        continue;
      }
      const total = HEADER_LENGTH + len;
      if (this.buffer.length < total) return;
      const chk = this.buffer[total - 1]!;
      if (xorOf(this.buffer, 5, total - 1) !== chk) {
        // A real frame may begin inside the damaged one: resynchronise from the next byte.
        this.events.onDiscard?.('FRAME_CHECKSUM', 1);
        this.drop(1);
        continue;
      }
      const body = Buffer.from(this.buffer.subarray(HEADER_LENGTH, total - 1));
      this.drop(total);
      this.events.onFrame(body);
    }
  }

  private preamblePrefixAtEnd(): number {
    const max = Math.min(PREAMBLE.length - 1, this.buffer.length);
    for (let n = max; n > 0; n--) {
      if (this.buffer.subarray(this.buffer.length - n).equals(PREAMBLE.subarray(0, n))) return n;
    }
    return 0;
  }
}

/** Parses every complete frame in `bytes` (the decode command and tests). */
export function parseFrames(bytes: Uint8Array): { frames: Buffer[]; discarded: Array<{ reason: string; bytes: number }>; leftover: number } {
  const frames: Buffer[] = [];
  const discarded: Array<{ reason: string; bytes: number }> = [];
  const parser = new IdCardFrameParser({ onFrame: (b) => frames.push(b), onDiscard: (reason, n) => discarded.push({ reason, bytes: n }) });
  parser.push(bytes);
  return { frames, discarded, leftover: parser.buffered };
}

/** Wire time of `bytes` bytes at `baud` with 8N1 framing (10 bits a byte), in ms. */
export function wireTimeMs(bytes: number, baud: number): number {
  return (bytes * 10 * 1000) / baud;
}
