import { describe, expect, it } from 'vitest';
import {
  CameraConfigSchema,
  DEFAULT_CAMERA_CONFIG,
  IDLE_PASSAGE,
  KioskEventSchema,
  METHODS,
  METHOD_NAMES,
  PassageViewSchema,
  ReasonSchema,
  fail,
  ok,
  type KioskService,
} from './api.js';
import { dispatchCall } from './dispatch.js';
import { METHOD_NAME_LIST } from './method-names.js';
import { ALL_REASONS } from './reasons.js';

const context = { host: 'browser' as const, clientId: 't' };

describe('contract schemas', () => {
  it('keep scanned text exactly as decoded (spaces are Base45)', () => {
    const text = ' PHC1:A B  C ';
    expect(METHODS.submitScan.request.parse({ text, source: 'camera' }).text).toBe(text);
  });

  it('accept their own defaults and every reason code', () => {
    expect(PassageViewSchema.parse(IDLE_PASSAGE)).toEqual(IDLE_PASSAGE);
    expect(CameraConfigSchema.parse(DEFAULT_CAMERA_CONFIG)).toEqual(DEFAULT_CAMERA_CONFIG);
    for (const r of ALL_REASONS) expect(ReasonSchema.parse(r)).toBe(r);
    expect(ReasonSchema.safeParse('NOT_A_REASON').success).toBe(false);
  });

  it('name the same methods in the zod-free list the preload uses', () => {
    expect([...METHOD_NAME_LIST].sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('refuse unknown events and masked-name overflow', () => {
    expect(KioskEventSchema.safeParse({ type: 'shutdown' }).success).toBe(false);
    expect(PassageViewSchema.safeParse({ ...IDLE_PASSAGE, maskedName: 'x'.repeat(65) }).success).toBe(false);
    expect(PassageViewSchema.safeParse({ ...IDLE_PASSAGE, provinceCode: '33' }).success).toBe(false);
  });
});

describe('dispatchCall', () => {
  const calls: unknown[] = [];
  const service = {
    async submitScan(req: unknown) {
      calls.push(req);
      return ok({ passageId: 'p', duplicate: false, holderName: '张三' });
    },
    async guardReview() {
      return fail('BAD_REQUEST', 'nothing to review');
    },
    async getStatus() {
      throw new Error('database is locked: 110101199003071234');
    },
    async setLanguage() {
      return ok({ language: 'klingon' });
    },
    async getTodayFigures() {
      return undefined;
    },
  } as unknown as KioskService;

  it('validates, calls, and strips fields outside the contract from the answer', async () => {
    expect(await dispatchCall(service, 'submitScan', { text: 'x', source: 'camera' }, context)).toEqual({ ok: true, value: { passageId: 'p', duplicate: false } });
    expect(calls).toEqual([{ text: 'x', source: 'camera' }]);
  });

  it('refuses unknown methods, prototype keys and invalid params with BAD_REQUEST without calling core', async () => {
    calls.length = 0;
    for (const method of ['nope', '__proto__', 'constructor', 'toString', 42, null]) {
      expect(await dispatchCall(service, method, {}, context)).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    }
    expect(await dispatchCall(service, 'submitScan', { text: 'x' }, context)).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(await dispatchCall(service, 'submitScan', 'x', context)).toMatchObject({ ok: false, reason: 'BAD_REQUEST' });
    expect(calls).toEqual([]);
  });

  it('passes refusals through, and turns throws and out-of-contract answers into INTERNAL without leaking the message', async () => {
    expect(await dispatchCall(service, 'guardReview', { passageId: 'p', verdict: 'deny' }, context)).toEqual({ ok: false, reason: 'BAD_REQUEST', message: 'nothing to review' });
    const thrown = await dispatchCall(service, 'getStatus', {}, context);
    expect(thrown).toMatchObject({ ok: false, reason: 'INTERNAL' });
    expect(JSON.stringify(thrown)).not.toContain('110101');
    expect(await dispatchCall(service, 'setLanguage', { language: 'en' }, context)).toMatchObject({ ok: false, reason: 'INTERNAL' });
    expect(await dispatchCall(service, 'getTodayFigures', { session: 'S'.repeat(32) }, context)).toMatchObject({ ok: false, reason: 'INTERNAL' });
  });
});
