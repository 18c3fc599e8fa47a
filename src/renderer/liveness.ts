// Whether the core is there, as the screen can tell: connected, and heard from (any event, the
// heartbeat included) within CORE_LOST_AFTER_MS. A stopped or hung core process keeps its socket
// open, so the connection alone says nothing; silence does (docs/guard-screen.md, "Out of service").
// No DOM and no timers here: the screen feeds it the clock, so tests drive time.
import { CORE_LOST_AFTER_MS } from '../contract/api.js';

export class CoreLiveness {
  private connected = false;
  private lastHeardAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly lostAfterMs: number = CORE_LOST_AFTER_MS) {}

  /** The transport's (re)connection or loss. A fresh connection must still be heard from. */
  connection(connected: boolean, now: number): void {
    this.connected = connected;
    if (connected) this.lastHeardAt = now;
  }

  /** Anything from the core: an event (heartbeat or other) or an answer to a call. */
  heard(now: number): void {
    this.lastHeardAt = now;
  }

  alive(now: number): boolean {
    return this.connected && now - this.lastHeardAt <= this.lostAfterMs;
  }
}
