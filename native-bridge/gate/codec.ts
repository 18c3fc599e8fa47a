// LCUS-type USB serial relay boards (devices spec §4): 4-byte commands `A0 CH STATE SUM`, CH from 1,
// STATE 1 = contact closed / 0 = open, SUM = low byte of the sum of the first three. No replies.

export function encodeRelayCommand(relay: number, on: boolean): Buffer {
  if (!Number.isInteger(relay) || relay < 1 || relay > 255) throw new RangeError('relay number must be 1–255');
  const frame = Buffer.from([0xa0, relay, on ? 1 : 0, 0]);
  frame[3] = (frame[0]! + frame[1]! + frame[2]!) & 0xff;
  return frame;
}

export interface RelayCommand {
  relay: number;
  on: boolean;
}

/** The board's side: hunts for A0, checks STATE and SUM, and skips a byte on anything else. */
export class RelayCommandParser {
  private buffer: number[] = [];
  peakBuffered = 0;

  constructor(private readonly events: { onCommand(cmd: RelayCommand): void; onDiscard?(bytes: number): void }) {}

  push(chunk: Uint8Array): void {
    for (const byte of chunk) {
      this.buffer.push(byte);
      this.peakBuffered = Math.max(this.peakBuffered, this.buffer.length);
      while (this.buffer.length > 0) {
        if (this.buffer[0] !== 0xa0) {
          this.buffer.shift();
          this.events.onDiscard?.(1);
          continue;
        }
        if (this.buffer.length < 4) break;
        const [, relay, state, sum] = this.buffer as [number, number, number, number];
        if ((state === 0 || state === 1) && ((0xa0 + relay + state) & 0xff) === sum && relay >= 1) {
          this.buffer.splice(0, 4);
          this.events.onCommand({ relay, on: state === 1 });
        } else {
          this.buffer.shift();
          this.events.onDiscard?.(1);
        }
      }
    }
  }
}
