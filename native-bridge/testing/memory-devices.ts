// Devices played on the far end of a MemoryLinkPair (serial/memory-link.ts) for the drivers' unit
// tests: a thermometer head that answers its protocol's query, and an ID card reader module that
// answers find/select/read for a demo person's card. They answer in the same microtask turn the
// query reaches them; time passes only when a test advances its ManualClock.
import { demoPerson, type DemoPerson } from '../../src/core/demo/people.js';
import type { ThermometerProtocol } from '../../src/core/devices/config.js';
import { COMMANDS, IdCardFrameParser, SW3, encodeResponse } from '../idcard/frame.js';
import { encodeReadResponse, simulatedPhoto } from '../idcard/read-response.js';
import { encodeTextBlock } from '../idcard/text-block.js';
import type { MemoryLinkPair } from '../serial/memory-link.js';
import { GY_QUERY, encodeThermometerReply, modbusRequest } from '../thermometer/codec.js';

/** Lets queued microtasks and I/O callbacks run (bytes on a memory link move in microtasks). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Advances `clock` by `ms` in steps, letting bytes move between steps (no real waiting). */
export async function runFor(clock: { advance(ms: number): void }, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await settle();
  }
}

export interface MemoryThermometer {
  /** Object temperature answered; the head reads the room (25 °C) when null. */
  temperature: number | null;
  /** The next N queries get no reply (lost frames). */
  skipNext: number;
  /** The next reply's checksum is broken (once). */
  corruptNext: boolean;
  /** Queries heard. */
  queries: number;
}

function queryOf(protocol: ThermometerProtocol): Buffer | null {
  switch (protocol.name) {
    case 'modbus-rtu':
      return modbusRequest(protocol);
    case 'gy-mcu90614':
      return GY_QUERY;
    case 'lu90614':
      return Buffer.from([0xfa, 0xca, 0xc4]);
    case 'ascii-line':
      return protocol.query === null ? null : Buffer.from(protocol.query, 'latin1');
  }
}

/** A thermometer head speaking `protocol` (polled protocols only) on the device end of `pair`. */
export function playThermometer(pair: MemoryLinkPair, protocol: ThermometerProtocol): MemoryThermometer {
  const state: MemoryThermometer = { temperature: null, skipNext: 0, corruptNext: false, queries: 0 };
  const query = queryOf(protocol);
  if (!query) throw new RangeError('playThermometer answers queries; a streaming module needs a test that writes lines');
  pair.device.onData((bytes) => {
    if (!bytes.equals(query)) return;
    state.queries++;
    if (state.skipNext > 0) {
      state.skipNext--;
      return;
    }
    let reply = encodeThermometerReply(protocol, state.temperature ?? 25);
    if (state.corruptNext) {
      reply = Buffer.from(reply);
      reply[reply.length - 1] = reply[reply.length - 1]! ^ 0x5a;
      state.corruptNext = false;
    }
    pair.device.write(reply);
  });
  return state;
}

export interface MemoryCardReader {
  present(key: string): void;
  remove(): void;
  /** Commands heard, by name. */
  readonly received: string[];
}

const is = (body: Buffer, [cmd, para]: readonly [number, number]) => body[0] === cmd && body[1] === para;

/** An ID card reader module on the device end of `pair`. */
export function playCardReader(pair: MemoryLinkPair): MemoryCardReader {
  let card: DemoPerson | null = null;
  const received: string[] = [];
  const parser = new IdCardFrameParser({
    onFrame: (body) => {
      const name = Object.entries(COMMANDS).find(([, cp]) => is(body, cp))?.[0] ?? 'unknown';
      received.push(name);
      let reply: Buffer;
      if (name === 'find') reply = card ? encodeResponse(SW3.FIND_OK, Buffer.alloc(4)) : encodeResponse(SW3.NO_CARD);
      else if (name === 'select') reply = card ? encodeResponse(SW3.SUCCESS, Buffer.alloc(8)) : encodeResponse(SW3.SELECT_FAILED);
      else if (name === 'readTextPhoto') reply = card ? encodeReadResponse(encodeTextBlock(card), simulatedPhoto(card.key)) : encodeResponse(SW3.READ_FAILED);
      else reply = encodeResponse(0x21);
      pair.device.write(reply);
    },
  });
  pair.device.onData((bytes) => parser.push(bytes));
  return {
    present(key) {
      card = demoPerson(key) ?? null;
      if (!card) throw new RangeError(`no demo person "${key}"`);
    },
    remove() {
      card = null;
    },
    received,
  };
}
