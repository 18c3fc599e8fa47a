import { afterEach, describe, expect, it, vi } from 'vitest';
import { HEARTBEAT_INTERVAL_MS, KioskEventSchema, type KioskEvent } from '../contract/api.js';
import { startHeartbeat } from './heartbeat.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('host heartbeat', () => {
  it('beats at once and every interval with the contract’s event, and stops when told', () => {
    vi.useFakeTimers();
    const beats: KioskEvent[] = [];
    let now = 1_000;
    const stop = startHeartbeat((e) => beats.push(e), HEARTBEAT_INTERVAL_MS, () => now);
    expect(beats).toEqual([{ type: 'heartbeat', at: 1_000 }]);
    now = 5_000;
    vi.advanceTimersByTime(3 * HEARTBEAT_INTERVAL_MS);
    expect(beats).toHaveLength(4);
    expect(beats[3]).toEqual({ type: 'heartbeat', at: 5_000 });
    for (const b of beats) expect(KioskEventSchema.safeParse(b).success).toBe(true);
    stop();
    vi.advanceTimersByTime(10 * HEARTBEAT_INTERVAL_MS);
    expect(beats).toHaveLength(4);
  });
});
