import { describe, expect, it } from 'vitest';
import { IdCardFrameParser, encodeCommand, encodeResponse } from '../native-bridge/idcard/frame.js';
import { countPlantedFrames, plantFrames } from './planted-frames.js';

const frames = [encodeCommand('find'), encodeResponse(0x9f, Buffer.alloc(4)), encodeResponse(0x90, Buffer.alloc(1200, 0x5a))];

function parse(stream: Buffer, chunk: number): Buffer[] {
  const found: Buffer[] = [];
  const parser = new IdCardFrameParser({ onFrame: (body) => found.push(body) });
  for (let at = 0; at < stream.length; at += chunk) parser.push(stream.subarray(at, at + chunk));
  return found;
}

describe('planted frames', () => {
  it('plants every frame, half of them behind a decoy header, and the parser finds each one', () => {
    const { stream, plantedBodies, decoys } = plantFrames(200_000, frames, 60);
    expect(plantedBodies).toHaveLength(60);
    expect(decoys).toBe(30);
    for (const chunk of [1, 97, 4096]) {
      expect(countPlantedFrames(plantedBodies, parse(stream, chunk))).toEqual({ planted: 60, found: 60, missing: 0, spurious: 0, allFound: true });
    }
  });

  it('the decoys are real traps: a parser that trusts the first preamble it sees loses the frames behind them', () => {
    const { stream, plantedBodies } = plantFrames(50_000, frames, 20);
    // A naive reader: take LEN after each preamble and skip the whole span, right or wrong.
    const found: Buffer[] = [];
    for (let at = stream.indexOf(Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69])); at >= 0; ) {
      const len = stream.readUInt16BE(at + 5);
      found.push(stream.subarray(at + 7, at + 7 + len - 1));
      at = stream.indexOf(Buffer.from([0xaa, 0xaa, 0xaa, 0x96, 0x69]), at + 7 + len);
    }
    const count = countPlantedFrames(plantedBodies, found);
    expect(count.missing).toBe(10);
    expect(count.allFound).toBe(false);
  });

  it('counts a planted frame the parser did not report as missing, and an unplanted one as spurious', () => {
    const a = Buffer.from([1]);
    const b = Buffer.from([2]);
    const c = Buffer.from([3]);
    expect(countPlantedFrames([a, b, c], [a, c])).toEqual({ planted: 3, found: 2, missing: 1, spurious: 0, allFound: false });
    expect(countPlantedFrames([a, b], [a, Buffer.from([9]), b])).toEqual({ planted: 2, found: 2, missing: 0, spurious: 1, allFound: true });
    expect(countPlantedFrames([a, a], [a])).toMatchObject({ found: 1, missing: 1 });
  });
});
