import { describe, expect, it } from 'vitest';
import { CORE_LOST_AFTER_MS, HEARTBEAT_INTERVAL_MS } from '../contract/api.js';
import { CoreLiveness } from './liveness.js';
import { LIVENESS_CHECK_MS } from './view-model.js';

describe('core liveness', () => {
  it('is dead before the first connection and as soon as the socket closes', () => {
    const l = new CoreLiveness();
    expect(l.alive(0)).toBe(false);
    l.connection(true, 1000);
    expect(l.alive(1000)).toBe(true);
    l.connection(false, 1001);
    expect(l.alive(1001)).toBe(false);
  });

  it('is dead once the heartbeat has been silent longer than CORE_LOST_AFTER_MS on an open socket, and alive again when it resumes', () => {
    const l = new CoreLiveness();
    l.connection(true, 0);
    let last = 0;
    for (let t = HEARTBEAT_INTERVAL_MS; t <= 4000; t += HEARTBEAT_INTERVAL_MS) {
      l.heard(t);
      last = t;
      expect(l.alive(t + HEARTBEAT_INTERVAL_MS - 1)).toBe(true);
    }
    // The process stops after its last beat: the socket stays open, nothing more arrives.
    expect(l.alive(last + CORE_LOST_AFTER_MS)).toBe(true);
    expect(l.alive(last + CORE_LOST_AFTER_MS + 1)).toBe(false);
    l.heard(9000);
    expect(l.alive(9000)).toBe(true);
  });

  it('lets the screen notice a lost core within 2 s (silence limit plus its check period) without flickering on one late beat', () => {
    expect(CORE_LOST_AFTER_MS + LIVENESS_CHECK_MS).toBeLessThanOrEqual(2000);
    expect(CORE_LOST_AFTER_MS).toBeGreaterThanOrEqual(2 * HEARTBEAT_INTERVAL_MS);
  });
});
