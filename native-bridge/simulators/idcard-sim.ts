// An ID card reader module on the far end of a pty (devices spec §1): answers find, select and read
// for the demo person whose card is "on the reader", from the same fixtures the rest of the demo uses.
import { demoPerson, type DemoPerson } from '../../src/core/demo/people.js';
import { COMMANDS, IdCardFrameParser, SW3, encodeResponse } from '../idcard/frame.js';
import { encodeReadResponse, simulatedPhoto } from '../idcard/read-response.js';
import { encodeTextBlock } from '../idcard/text-block.js';
import { SimulatorBase, type SimulatorOptions } from './base.js';

const is = (body: Buffer, [cmd, para]: readonly [number, number]) => body[0] === cmd && body[1] === para;

export class IdCardSimulator extends SimulatorBase {
  private card: DemoPerson | null = null;
  private readonly parser = new IdCardFrameParser({ onFrame: (body) => void this.onCommand(body) });
  /** The next reply's checksum is broken (once). */
  corruptNext = false;
  /** The next `count` read commands are answered with this SW3 (e.g. 0x41 read failed, 0x33 verification failed). */
  private failReads: { sw3: number; count: number } | null = null;
  /** Called with each command's name as it arrives (tests time faults to a command). */
  onCommandReceived: ((name: string) => void) | null = null;
  /** Bytes spliced into the middle of the next reply (once): garbage inside a frame. */
  garbageInsideNext: Buffer | null = null;
  /** Every command received, by name (tests check the find → select → read order). */
  readonly received: string[] = [];

  constructor(options: SimulatorOptions) {
    super(options);
  }

  get presented(): string | null {
    return this.card?.key ?? null;
  }

  /** Puts a demo person's card on the reader. */
  present(key: string): void {
    const person = demoPerson(key);
    if (!person) throw new RangeError(`no demo person "${key}"`);
    if (person.cardType === null) throw new RangeError(`demo person "${key}" carries no card`);
    this.card = person;
  }

  remove(): void {
    this.card = null;
  }

  /** Answers the next `count` reads with status `sw3` instead of the card. */
  failNextReads(sw3: number, count = 1): void {
    this.failReads = { sw3, count };
  }

  protected onBytes(bytes: Buffer): void {
    this.parser.push(bytes);
  }

  private commandName(body: Buffer): string {
    const entry = Object.entries(COMMANDS).find(([, cp]) => is(body, cp));
    return entry ? entry[0] : 'unknown';
  }

  private async onCommand(body: Buffer): Promise<void> {
    const name = this.commandName(body);
    // The command took its own wire time to arrive (preamble, LEN, body, CHK).
    this.writer.receive(body.length + 8);
    this.received.push(name);
    this.onCommandReceived?.(name);
    let frame = this.answer(body);
    if (this.failReads && name.startsWith('readTextPhoto')) {
      frame = encodeResponse(this.failReads.sw3);
      if (--this.failReads.count <= 0) this.failReads = null;
    }
    if (this.garbageInsideNext) {
      const mid = frame.length >> 1;
      frame = Buffer.concat([frame.subarray(0, mid), this.garbageInsideNext, frame.subarray(mid)]);
      this.garbageInsideNext = null;
    }
    if (this.corruptNext) {
      frame = Buffer.from(frame);
      frame[frame.length - 1] = frame[frame.length - 1]! ^ 0x5a;
      this.corruptNext = false;
    }
    await this.reply(frame);
  }

  private answer(body: Buffer): Buffer {
    const card = this.card;
    if (is(body, COMMANDS.find)) return card ? encodeResponse(SW3.FIND_OK, Buffer.alloc(4)) : encodeResponse(SW3.NO_CARD);
    if (is(body, COMMANDS.select)) return card ? encodeResponse(SW3.SUCCESS, Buffer.alloc(8)) : encodeResponse(SW3.SELECT_FAILED);
    if (is(body, COMMANDS.readTextPhoto) || is(body, COMMANDS.readTextPhotoFingerprint)) {
      if (!card) return encodeResponse(SW3.READ_FAILED);
      const withFingerprint = is(body, COMMANDS.readTextPhotoFingerprint);
      // Demo cards carry no fingerprint: a zero-length block (1297-byte reply, spec §1).
      return encodeReadResponse(encodeTextBlock(card), simulatedPhoto(card.key), withFingerprint ? Buffer.alloc(0) : undefined);
    }
    if (is(body, COMMANDS.readAppendedAddress)) return encodeResponse(card ? SW3.NO_CONTENT : SW3.READ_FAILED);
    if (is(body, COMMANDS.reset) || is(body, COMMANDS.status)) return encodeResponse(SW3.SUCCESS);
    if (is(body, COMMANDS.samId)) return encodeResponse(SW3.SUCCESS, Buffer.from('05.01-20260101-0000000001', 'latin1').subarray(0, 16));
    return encodeResponse(0x21); // command error
  }
}
