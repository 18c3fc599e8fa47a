// Device health is judged by what the device answers (docs/door-passage.md, "Device health"): a
// period without a valid frame makes a polled device faulty only when the device failed exchanges in
// it, never because the kiosk itself stalled and asked nothing.
import { describe, expect, it } from 'vitest';
import type { DeviceHealth } from '../../src/core/devices/types.js';
import { FAILED_EXCHANGES_FOR_FAULT, HealthTracker } from './health.js';

function tracker() {
  let now = 1_000_000;
  const published: DeviceHealth[] = [];
  const t = new HealthTracker('thermometer', '/dev/null', (h) => published.push(h), 0, () => now);
  t.expectValidFrameWithin(1400);
  t.setConnected(true);
  return {
    t,
    advance: (ms: number) => (now += ms),
    last: () => published[published.length - 1]!,
  };
}

describe('HealthTracker period rule', () => {
  it('a stall with no failed exchange is not a fault (the kiosk asked nothing)', () => {
    const { t, advance } = tracker();
    advance(10_000);
    t.checkPeriod();
    expect(t.snapshot().fault).toBeNull();
    t.dispose();
  });

  it('a device that fails every exchange for the period is faulty, with the reason', () => {
    const { t, advance, last } = tracker();
    for (let i = 0; i < FAILED_EXCHANGES_FOR_FAULT - 1; i++) t.error('FRAME_TIMEOUT');
    advance(1500);
    t.checkPeriod();
    expect(t.snapshot().fault).toBeNull();
    t.error('FRAME_TIMEOUT');
    t.checkPeriod();
    expect(t.snapshot()).toMatchObject({ fault: 'FRAME_TIMEOUT' });
    expect(last().detail).toMatch(/no valid frame within 1400 ms \(no reply\)/);
    // A valid frame clears it at once, and the count starts over.
    t.goodFrame();
    expect(t.snapshot().fault).toBeNull();
    advance(5000);
    t.checkPeriod();
    expect(t.snapshot().fault).toBeNull();
    t.dispose();
  });

  it('failed exchanges within the period are not yet a fault', () => {
    const { t, advance } = tracker();
    for (let i = 0; i < 10; i++) t.error('FRAME_CHECKSUM');
    advance(1000);
    t.checkPeriod();
    expect(t.snapshot().fault).toBeNull();
    advance(500);
    t.checkPeriod();
    expect(t.snapshot().fault).toBe('FRAME_CHECKSUM');
    t.dispose();
  });
});
