// Time as the passage flow sees it: a clock and one-shot timers, injected so that tests drive the
// collect window, the duplicate window and the screen reset without sleeping (tests never depend on
// wall-clock time).

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimer(ms: number, fn: () => void): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    // A pending screen reset must not keep a CLI process alive on its own.
    t.unref();
    return t;
  },
  clearTimer(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

/** A clock that moves only when told to: `advance(ms)` fires every timer that falls due, in order. */
export class ManualClock implements Clock {
  private nextId = 1;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(private t: number = Date.UTC(2026, 10, 21, 9, 0, 0)) {}

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  pending(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const until = this.t + ms;
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | null = null;
      for (const entry of this.timers) if (entry[1].at <= until && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = until;
  }
}
