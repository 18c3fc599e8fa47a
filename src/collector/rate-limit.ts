// Token buckets keyed by kiosk (or by remote address before a kiosk is known): a flood gets 429
// with Retry-After instead of starving the collector's single SQLite writer.

export interface RateLimit {
  /** Requests a key may make in a burst. */
  burst: number;
  /** Sustained requests per second per key. */
  perSecond: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token; returns 0 when allowed, else the milliseconds until one is available. */
  take(key: string): number {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: t };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
    if (this.buckets.size > 10_000 && !this.buckets.has(key)) this.prune(t);
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.limit.perSecond) * 1000);
  }

  // Full buckets carry no state worth keeping; dropping them bounds memory under a spray of keys.
  private prune(t: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((t - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(k);
    }
  }
}
