// A parser stream for the devices benchmark: seeded random bytes with real frames planted among
// them, and decoys (a bare preamble with a plausible LEN and no valid frame behind it) placed right
// before some real frames so the parser must resynchronise inside a false frame to find the real one
// (devices spec §1, "Frames": the reader hunts for the preamble). Throughput alone says nothing about
// a parser that loses frames; the count of planted frames found does.
import { HEADER_LENGTH, PREAMBLE } from '../native-bridge/idcard/frame.js';
import { mulberry32 } from '../src/base/prng.js';

export interface PlantedStream {
  stream: Buffer;
  /** Each planted frame's body (what the parser's onFrame hands back), in stream order. */
  plantedBodies: Buffer[];
  decoys: number;
}

/**
 * `noiseBytes` of seeded noise with `frames` planted at spread-out, seeded positions, each in turn
 * (cycling through the list). Every other frame is preceded by a decoy header whose LEN reaches into
 * the real frame, so only a resync after the decoy's checksum fails can recover it.
 */
export function plantFrames(noiseBytes: number, frames: readonly Buffer[], count: number, seed = 19): PlantedStream {
  const rand = mulberry32(seed);
  const bodyOf = (f: Buffer) => f.subarray(HEADER_LENGTH, f.length - 1);
  const gap = Math.floor(noiseBytes / (count + 1));
  const parts: Buffer[] = [];
  const plantedBodies: Buffer[] = [];
  let decoys = 0;
  const noise = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
    return b;
  };
  for (let k = 0; k < count; k++) {
    parts.push(noise(Math.max(0, gap - Math.floor(rand() * (gap / 2)))));
    const frame = frames[k % frames.length]!;
    if (k % 2 === 1) {
      // Preamble, a LEN whose false frame ends two bytes before the real frame does, and three
      // noise bytes, one of them chosen so the false frame's checksum is wrong (a chance pass would
      // swallow the real frame, which no parser could then find).
      const decoy = Buffer.alloc(PREAMBLE.length + 2 + 3);
      PREAMBLE.copy(decoy, 0);
      const len = 3 + frame.length - 2;
      decoy.writeUInt16BE(len, PREAMBLE.length);
      noise(3).copy(decoy, PREAMBLE.length + 2);
      const span = Buffer.concat([decoy, frame]);
      const total = HEADER_LENGTH + len;
      let x = 0;
      for (let i = 5; i < total - 1; i++) x ^= span[i]!;
      if (x === span[total - 1]) decoy.writeUInt8(decoy.readUInt8(decoy.length - 1) ^ 1, decoy.length - 1);
      parts.push(decoy);
      decoys++;
    }
    parts.push(frame);
    plantedBodies.push(Buffer.from(bodyOf(frame)));
  }
  parts.push(noise(gap));
  return { stream: Buffer.concat(parts), plantedBodies, decoys };
}

export interface PlantedCount {
  planted: number;
  found: number;
  missing: number;
  /** Frames the parser reported that were not planted (noise that passed LEN and checksum). */
  spurious: number;
  allFound: boolean;
}

/**
 * Matches what the parser found against what was planted, in stream order: each found body is the
 * next planted one still unmatched, or spurious. A planted body skipped over is missing.
 */
export function countPlantedFrames(plantedBodies: readonly Buffer[], foundBodies: readonly Buffer[]): PlantedCount {
  let next = 0;
  let found = 0;
  let spurious = 0;
  for (const body of foundBodies) {
    let at = -1;
    for (let j = next; j < plantedBodies.length; j++) {
      if (plantedBodies[j]!.equals(body)) {
        at = j;
        break;
      }
    }
    if (at < 0) {
      spurious++;
      continue;
    }
    found++;
    next = at + 1;
  }
  const missing = plantedBodies.length - found;
  return { planted: plantedBodies.length, found, missing, spurious, allFound: missing === 0 };
}
