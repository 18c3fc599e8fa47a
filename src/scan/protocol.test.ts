import { describe, expect, it } from 'vitest';
import { checkRequest } from './protocol.js';

describe('checkRequest (decode worker messages)', () => {
  it('accepts a configure and a frame', () => {
    expect(checkRequest({ type: 'configure', engine: 'zxing-wasm' }).ok).toBe(true);
    expect(checkRequest({ type: 'configure', engine: 'zxing-library', budgetMs: 40, prefilter: 'locate' }).ok).toBe(true);
    const frame = { type: 'frame', seq: 1, width: 4, height: 2, format: 'luma', buffer: new ArrayBuffer(8), frameAt: 5 };
    expect(checkRequest(frame)).toEqual({ ok: true, value: frame });
    // A reused buffer larger than the frame is fine.
    expect(checkRequest({ ...frame, buffer: new ArrayBuffer(64) }).ok).toBe(true);
  });

  it('refuses an unknown engine as ENGINE_UNAVAILABLE', () => {
    const r = checkRequest({ type: 'configure', engine: 'quirc' });
    expect(r).toMatchObject({ ok: false, reason: 'ENGINE_UNAVAILABLE', frame: null });
    expect(!r.ok && r.message).toMatch(/unknown engine "quirc"/);
  });

  it('answers a bad frame with BAD_FRAME and what is needed to hand its buffer back', () => {
    const buffer = new ArrayBuffer(10);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ width: 4, height: 4, format: 'luma' }, /expected at least 16/],
      [{ width: 2, height: 2, format: 'rgba' }, /expected at least 16/],
      [{ width: 0, height: 2, format: 'luma' }, /frame size/],
      [{ width: 2.5, height: 2, format: 'luma' }, /frame size/],
      [{ width: 2, height: 2, format: 'yuv' }, /format must be luma or rgba/],
      [{ width: 2, height: 2, format: 'luma', seq: 'x' }, /seq/],
    ];
    for (const [fields, message] of cases) {
      const r = checkRequest({ type: 'frame', seq: 7, frameAt: 3, buffer, ...fields });
      expect(r.ok, JSON.stringify(fields)).toBe(false);
      if (r.ok) continue;
      expect(r.reason).toBe('BAD_FRAME');
      expect(r.message).toMatch(message);
      expect(r.frame?.buffer).toBe(buffer);
    }
    const noBuffer = checkRequest({ type: 'frame', seq: 1, width: 1, height: 1, format: 'luma', buffer: [1] });
    expect(noBuffer).toMatchObject({ ok: false, reason: 'BAD_FRAME' });
  });

  it('refuses non-objects and unknown types', () => {
    for (const msg of [null, 42, 'frame', { type: 'decode' }]) expect(checkRequest(msg)).toMatchObject({ ok: false, reason: 'BAD_FRAME', frame: null });
  });
});
