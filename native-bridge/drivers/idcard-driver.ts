// ID card reader driver (devices spec §1): find → select → read, each with a timeout and bounded
// retries, and a polling loop that reports a card presented (read once per presentation, not again
// while it stays on the reader) and removed. Personal data goes to the event sink only, never to a log.
import type { DeviceReason } from '../../src/contract/reasons.js';
import type { IdCardConfig } from '../../src/core/devices/config.js';
import type { CardPhoto, DecodedCard } from '../../src/core/devices/types.js';
import { COMMANDS, HEADER_LENGTH, IdCardFrameParser, PREAMBLE, SW3, encodeCommand, encodeFrame, sw3Reason, toResponse, wireTimeMs, type CommandName, type ResponseFrame } from '../idcard/frame.js';
import { decodeReadResponse, type ReadBlocks } from '../idcard/read-response.js';
import { decodeTextBlock } from '../idcard/text-block.js';
import type { DeviceLink } from '../serial/device-link.js';
import { deviceClock, type Clock } from '../serial/clock.js';
import { errorWords, type DriverOptions, type DriverSink } from './sink.js';

/** Turns the 1024-byte WLT photo into a bitmap. None by default: only a vendor library can (spec §1). */
export type PhotoDecoder = (wlt: Uint8Array) => Promise<CardPhoto['decoded']>;

export class DeviceError extends Error {
  constructor(readonly reason: DeviceReason) {
    super(reason);
  }
}

/** A failure names its reason and, for a text block that failed its checks, the field (never its value). */
export type CardReadResult = { ok: true; card: DecodedCard } | { ok: false; reason: DeviceReason; field?: string };

/** Reply sizes, for read timeouts that grow with the baud rate. */
const READ_REPLY_BYTES = 1295;
const READ_FINGERPRINT_REPLY_BYTES = 2321;

export async function decodeCard(blocks: ReadBlocks, photoDecoder?: PhotoDecoder): Promise<CardReadResult> {
  const text = decodeTextBlock(blocks.text);
  if (!text.ok) return { ok: false, reason: text.reason, field: text.field };
  let decoded: CardPhoto['decoded'] = null;
  if (photoDecoder) {
    try {
      decoded = await photoDecoder(blocks.photo);
    } catch {
      // A decoder that fails leaves the photo undecoded; the card itself is still good.
      decoded = null;
    }
  }
  return { ok: true, card: { ...text.card, photo: { format: 'wlt', bytes: new Uint8Array(blocks.photo), decoded } } };
}

const COMMAND_WORDS: Record<CommandName, string> = {
  reset: 'reset module',
  status: 'module status',
  samId: 'read module id',
  find: 'find card',
  select: 'select card',
  readTextPhoto: 'read text + photo',
  readAppendedAddress: 'read appended address',
  readTextPhotoFingerprint: 'read text + photo + fingerprint',
};

/** "find card (20 01)": a command in the frame log. */
export function describeCardCommand(name: CommandName): string {
  const [cmd, para] = COMMANDS[name];
  return `${COMMAND_WORDS[name]} (${cmd.toString(16).toUpperCase()} ${para.toString(16).padStart(2, '0').toUpperCase()})`;
}

/**
 * Replies longer than this may carry personal data (a read: text, photo, fingerprint; an appended
 * address). The frame log shows their header (preamble, LEN, SW1–SW3: 10 bytes) and length only.
 */
const PERSONAL_REPLY_DATA = 16;

/** What a reply means, and the bytes the frame log may show (personal data never). */
export function describeCardReply(body: Buffer, command: CommandName | null): { bytes: Buffer; total: number; meaning: string } {
  const response = toResponse(body)!;
  const total = HEADER_LENGTH + body.length + 1;
  const sw = response.sw3.toString(16).toUpperCase().padStart(2, '0');
  if (response.data.length > PERSONAL_REPLY_DATA) {
    const header = Buffer.alloc(HEADER_LENGTH + 3);
    PREAMBLE.copy(header, 0);
    header.writeUInt16BE(body.length + 1, 5);
    body.copy(header, HEADER_LENGTH, 0, 3);
    const what = command === 'readTextPhoto' || command === 'readTextPhotoFingerprint' ? 'read reply' : `reply SW3 ${sw}`;
    return { bytes: header, total, meaning: `${what}, ${total} bytes (personal data not shown)` };
  }
  let meaning: string;
  if (response.sw3 === SW3.FIND_OK) meaning = `card found (${sw})`;
  else if (response.sw3 === SW3.NO_CARD) meaning = `no card (${sw})`;
  else if (response.sw3 === SW3.SUCCESS) meaning = `${command ? COMMAND_WORDS[command] : 'command'}: success (${sw})`;
  else meaning = `${sw3Reason(response.sw3)} (${sw})`;
  return { bytes: encodeFrame(body), total, meaning };
}

/** absent: no card; reading: found, not yet reported; present: reported (presented or rejected). */
type PresenceState = 'absent' | 'reading' | 'present';

/**
 * Whether a reply can answer `command`: a success carries that command's data (find: 9F and 4 bytes;
 * select: 90 and at most the card's serial; read: 90 and the blocks).
 */
function plausibleReply(command: CommandName, r: ResponseFrame): boolean {
  const success = r.sw3 === SW3.SUCCESS || r.sw3 === SW3.FIND_OK;
  // A failure answers any command; acting on a stale one costs one more poll at worst.
  if (!success) return true;
  switch (command) {
    case 'find':
      return r.sw3 === SW3.FIND_OK && r.data.length === 4;
    case 'select':
      return r.sw3 === SW3.SUCCESS && r.data.length <= 8;
    case 'readTextPhoto':
    case 'readTextPhotoFingerprint':
      return r.sw3 === SW3.SUCCESS && r.data.length > 256;
    default:
      return r.sw3 === SW3.SUCCESS;
  }
}

export class IdCardDriver {
  private readonly parser: IdCardFrameParser;
  private pending: { command: CommandName; resolve(frame: ResponseFrame): void; fail(error: DeviceError): void } | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private state: PresenceState = 'absent';
  private misses = 0;
  private wake: (() => void) | null = null;
  private readonly unlisten: () => void;
  /** Serialises commands: the module answers one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;

  constructor(
    private readonly link: DeviceLink,
    private readonly config: IdCardConfig,
    private readonly sink: DriverSink,
    private readonly photoDecoder?: PhotoDecoder,
    options: DriverOptions = {},
  ) {
    this.clock = options.clock ?? deviceClock;
    this.parser = new IdCardFrameParser({
      onFrame: (body) => this.onFrame(body),
      onDiscard: (reason, bytes) => {
        this.sink.health.error(reason);
        // Count only: discarded bytes may be part of a damaged read reply (personal data).
        this.sink.frame?.('rx', null, errorWords(reason, bytes), reason);
      },
    });
    this.unlisten = link.listen({
      onData: (bytes) => this.parser.push(bytes),
      onOpen: () => {
        this.sink.health.setConnected(true);
        this.wake?.();
      },
      onClose: () => {
        this.sink.health.setConnected(false);
        this.parser.reset();
        // A reader that vanished holds no card we can vouch for; a card still there is read again on
        // return. Only a card that was reported is reported removed.
        if (this.state === 'present') this.cardGone();
        else this.state = 'absent';
      },
      onError: (reason) => this.sink.health.error(reason),
    });
  }

  /** Largest the frame parser's buffer has been (bounded by one maximum frame). */
  get peakBuffered(): number {
    return this.parser.peakBuffered;
  }

  private onFrame(body: Buffer): void {
    const response = toResponse(body);
    if (!response) {
      this.sink.health.error('FRAME_LENGTH');
      this.sink.frame?.('rx', null, `frame too short (${body.length} bytes after LEN)`, 'FRAME_LENGTH');
      return;
    }
    this.sink.health.goodFrame();
    const pending = this.pending;
    const expected = pending !== null && plausibleReply(pending.command, response);
    if (this.sink.frame) {
      const shown = describeCardReply(body, pending?.command ?? null);
      this.sink.frame('rx', shown.bytes, expected ? shown.meaning : `unexpected: ${shown.meaning}`, expected ? null : 'FRAME_UNEXPECTED', shown.total);
    }
    if (!pending || !expected) {
      // A late answer to a command that already timed out (a read reply arriving while find waits):
      // never mistake it for the answer to the command now pending.
      this.sink.health.error('FRAME_UNEXPECTED');
      return;
    }
    this.pending = null;
    pending.resolve(response);
  }

  /** Sends one command and waits for its answer, retrying after a timeout up to `config.retries` times. */
  transact(name: CommandName, timeoutMs = this.timeoutFor(name)): Promise<ResponseFrame> {
    const run = async () => {
      let lastError: DeviceReason = 'FRAME_TIMEOUT';
      for (let attempt = 0; attempt <= this.config.retries; attempt++) {
        if (!this.link.connected) throw new DeviceError('PORT_UNAVAILABLE');
        try {
          return await this.once(name, timeoutMs);
        } catch (err) {
          if (!(err instanceof DeviceError) || err.reason === 'PORT_UNAVAILABLE') throw err;
          lastError = err.reason;
          this.sink.health.error(err.reason);
        }
      }
      throw new DeviceError(lastError);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  private timeoutFor(name: CommandName): number {
    const base = this.config.commandTimeoutMs;
    if (name === 'readTextPhoto') return base + wireTimeMs(READ_REPLY_BYTES, this.config.baudRate);
    if (name === 'readTextPhotoFingerprint') return base + wireTimeMs(READ_FINGERPRINT_REPLY_BYTES, this.config.baudRate);
    return base;
  }

  private once(name: CommandName, timeoutMs: number): Promise<ResponseFrame> {
    return new Promise<ResponseFrame>((resolve, reject) => {
      const timer = this.clock.setTimer(timeoutMs, () => {
        this.pending = null;
        this.sink.frame?.('rx', null, `timeout: no reply to ${COMMAND_WORDS[name]} in ${timeoutMs} ms`, 'FRAME_TIMEOUT');
        // Whatever half frame is buffered belongs to the command that timed out.
        this.parser.reset();
        reject(new DeviceError('FRAME_TIMEOUT'));
      });
      this.pending = {
        command: name,
        resolve: (frame) => {
          this.clock.clearTimer(timer);
          resolve(frame);
        },
        fail: (error) => {
          this.clock.clearTimer(timer);
          reject(error);
        },
      };
      const command = encodeCommand(name);
      this.sink.frame?.('tx', command, describeCardCommand(name));
      this.link.write(command).catch(() => {
        this.clock.clearTimer(timer);
        this.pending = null;
        reject(new DeviceError('PORT_UNAVAILABLE'));
      });
    });
  }

  /** Selects and reads the card that find reported (spec §1: every read is preceded by find and select). */
  private async selectAndRead(): Promise<CardReadResult> {
    const selected = await this.transact('select');
    if (selected.sw3 !== SW3.SUCCESS) return { ok: false, reason: sw3Reason(selected.sw3) };
    const read = await this.transact('readTextPhoto');
    const blocks = decodeReadResponse(read, false);
    if (!blocks.ok) return blocks;
    return decodeCard(blocks.blocks, this.photoDecoder);
  }

  /** One find → select → read (the `devices test idcard` command). */
  async readOnce(): Promise<CardReadResult> {
    try {
      const found = await this.transact('find');
      if (found.sw3 !== SW3.FIND_OK) return { ok: false, reason: sw3Reason(found.sw3) };
      return await this.selectAndRead();
    } catch (err) {
      if (err instanceof DeviceError) return { ok: false, reason: err.reason };
      throw err;
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.pollLoop();
  }

  async stop(): Promise<void> {
    this.running = false;
    // A command in flight ends now rather than at its timeout: a driver being replaced (a device
    // change applied on the same port) must let go of the port at once.
    const pending = this.pending;
    this.pending = null;
    pending?.fail(new DeviceError('PORT_UNAVAILABLE'));
    this.wake?.();
    await this.loop;
    this.unlisten();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const clock = this.clock;
      const timer = clock.setTimer(ms, done);
      function done() {
        clock.clearTimer(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private cardGone(): void {
    this.state = 'absent';
    this.misses = 0;
    this.sink.emit({ type: 'card-removed', at: this.clock.now() });
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      if (!this.link.connected) {
        await this.sleep(1000);
        continue;
      }
      try {
        await this.pollOnce();
      } catch (err) {
        // Timeouts and a vanished port are already counted in health. Anything else is a fault of
        // ours, but the queue at the door must not stop for it: count it and carry on.
        if (!(err instanceof DeviceError)) this.sink.health.error('PORT_ERROR');
      }
      if (this.running) await this.sleep(this.config.pollIntervalMs);
    }
  }

  private async pollOnce(): Promise<void> {
    const found = await this.transact('find');
    if (found.sw3 === SW3.FIND_OK) {
      this.misses = 0;
      if (this.state === 'present') return;
      this.state = 'reading';
      await this.readPresentation();
      return;
    }
    if (found.sw3 === SW3.NO_CARD) {
      if (this.state === 'present' && ++this.misses >= this.config.removeAfterMisses) this.cardGone();
      return;
    }
    this.sink.health.error(sw3Reason(found.sw3));
  }

  /** Reads the card now on the reader, with up to `readAttempts` attempts; reports it once. */
  private async readPresentation(): Promise<void> {
    let last: DeviceReason = 'CARD_SW_READ_FAILED';
    for (let attempt = 1; attempt <= this.config.readAttempts && this.running; attempt++) {
      if (attempt > 1) {
        const found = await this.transact('find');
        if (found.sw3 !== SW3.FIND_OK) {
          // Taken away before it could be read: nothing was presented after all.
          this.state = 'absent';
          return;
        }
      }
      let result: CardReadResult;
      try {
        result = await this.selectAndRead();
      } catch (err) {
        if (!(err instanceof DeviceError)) throw err;
        result = { ok: false, reason: err.reason };
        if (err.reason === 'PORT_UNAVAILABLE') {
          this.state = 'absent';
          return;
        }
      }
      if (result.ok) {
        this.state = 'present';
        this.sink.emit({ type: 'card-presented', at: this.clock.now(), card: result.card });
        return;
      }
      last = result.reason;
      this.sink.health.error(result.reason);
      // A text block that fails its checks reads the same every time: no point trying again.
      if (result.reason.startsWith('CARD_') && !result.reason.startsWith('CARD_SW_')) break;
    }
    // Unplugged or stopped meanwhile: nothing to report.
    if (this.state !== 'reading' || !this.running) return;
    this.state = 'present';
    this.sink.emit({ type: 'card-rejected', at: this.clock.now(), reason: last });
  }
}
