// The read reply (devices spec §1, "The read response"): after SW1 SW2 SW3 come the block lengths
// (text, photo; plus fingerprint for 30 10), each 2 bytes big-endian, then the blocks themselves.
// For 30 01 the text starts at frame offset 14 and the photo at 270; the frame is 1295 bytes.
import type { DeviceReason } from '../../src/contract/reasons.js';
import { SW3, encodeResponse, sw3Reason, type ResponseFrame } from './frame.js';
import { PHOTO_LENGTH, TEXT_BLOCK_LENGTH } from './text-block.js';

export interface ReadBlocks {
  text: Buffer;
  photo: Buffer;
  fingerprint: Buffer | null;
}

export function encodeReadResponse(text: Uint8Array, photo: Uint8Array, fingerprint?: Uint8Array): Buffer {
  const lengths = fingerprint ? [text.length, photo.length, fingerprint.length] : [text.length, photo.length];
  const head = Buffer.alloc(lengths.length * 2);
  lengths.forEach((n, i) => head.writeUInt16BE(n, i * 2));
  return encodeResponse(SW3.SUCCESS, Buffer.concat([head, text, photo, ...(fingerprint ? [fingerprint] : [])]));
}

export function decodeReadResponse(frame: ResponseFrame, withFingerprint: boolean): { ok: true; blocks: ReadBlocks } | { ok: false; reason: DeviceReason } {
  if (frame.sw3 !== SW3.SUCCESS) return { ok: false, reason: sw3Reason(frame.sw3) };
  const count = withFingerprint ? 3 : 2;
  const data = frame.data;
  if (data.length < count * 2) return { ok: false, reason: 'FRAME_LENGTH' };
  const lengths = Array.from({ length: count }, (_, i) => data.readUInt16BE(i * 2));
  const [textLength, photoLength, fingerprintLength = 0] = lengths as [number, number, number?];
  // The layout is fixed by the spec; anything else is a reply we must not guess at.
  if (textLength !== TEXT_BLOCK_LENGTH || photoLength !== PHOTO_LENGTH || data.length !== count * 2 + textLength + photoLength + fingerprintLength) {
    return { ok: false, reason: 'FRAME_LENGTH' };
  }
  const textStart = count * 2;
  const text = Buffer.from(data.subarray(textStart, textStart + textLength));
  const photo = Buffer.from(data.subarray(textStart + textLength, textStart + textLength + photoLength));
  const fingerprint = withFingerprint ? Buffer.from(data.subarray(textStart + textLength + photoLength)) : null;
  return { ok: true, blocks: { text, photo, fingerprint } };
}

/** A deterministic stand-in for a WLT photo (simulator): the real format is proprietary (spec §1). */
export function simulatedPhoto(seed: string): Buffer {
  const photo = Buffer.alloc(PHOTO_LENGTH);
  let x = 2166136261;
  for (const ch of seed) x = Math.imul(x ^ ch.charCodeAt(0), 16777619) >>> 0;
  photo.write('WLT', 0, 'latin1');
  for (let i = 3; i < PHOTO_LENGTH; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    photo[i] = x & 0xff;
  }
  return photo;
}
