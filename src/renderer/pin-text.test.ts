import { beforeAll, describe, expect, it } from 'vitest';
import { fail } from '../contract/api.js';
import { adminPinText, pinFailureText } from './pin-text.js';
import { createI18n, type Translate } from './i18n.js';

let zh: Translate;
let en: Translate;
beforeAll(async () => {
  zh = (await createI18n('zh-CN')).t;
  en = (await createI18n('en')).t;
});

describe('a refused PIN in words', () => {
  it('while locked, says locked and for how long, in both languages (not "not authorised")', () => {
    const locked = fail('PIN_LOCKED', 'too many wrong PINs; try again in 26 s', 25_400);
    expect(en(`reason.PIN_LOCKED`)).not.toBe('reason.PIN_LOCKED');
    expect(pinFailureText(locked, en)).toBe('Locked after too many wrong PINs: try again in 26 s');
    expect(pinFailureText(locked, zh)).toBe('密码错误次数过多，已锁定，请 26 秒后再试');
    expect(pinFailureText(locked, en)).not.toMatch(/not authorised/i);
  });

  it('a wrong PIN that closes the gate says so with the wait; a plain wrong PIN stays "not authorised"', () => {
    expect(pinFailureText(fail('UNAUTHORIZED', 'wrong admin PIN; try again in 30 s', 30_000), en)).toBe('Wrong PIN: locked, try again in 30 s');
    expect(pinFailureText(fail('UNAUTHORIZED', 'wrong admin PIN; try again in 30 s', 30_000), zh)).toBe('密码错误，已锁定，请 30 秒后再试');
    expect(pinFailureText(fail('UNAUTHORIZED', 'wrong admin PIN'), en)).toBe('Not authorised (UNAUTHORIZED)');
    expect(pinFailureText(fail('STORAGE_UNAVAILABLE', 'no audit'), zh)).toBe('无法记录通行，暂停自动放行 (STORAGE_UNAVAILABLE)');
  });
});

describe("the admin console's PIN form", () => {
  it('says "wrong PIN" for a plain wrong PIN, in both languages', () => {
    expect(adminPinText(fail('UNAUTHORIZED', 'wrong admin PIN'), en, 0, 0)).toBe('Wrong PIN');
    expect(adminPinText(fail('UNAUTHORIZED', 'wrong admin PIN'), zh, 0, 0)).toBe('密码错误');
  });

  it('counts a lock down live from retryInMs and drops the line when the wait is over', () => {
    const locked = fail('PIN_LOCKED', 'locked', 30_000);
    expect(adminPinText(locked, en, 1_000, 1_000)).toBe('Locked after too many wrong PINs: try again in 30 s');
    expect(adminPinText(locked, en, 1_000, 11_500)).toBe('Locked after too many wrong PINs: try again in 20 s');
    expect(adminPinText(locked, en, 1_000, 30_900)).toBe('Locked after too many wrong PINs: try again in 1 s');
    expect(adminPinText(locked, en, 1_000, 31_000)).toBe('');
    expect(adminPinText(fail('UNAUTHORIZED', 'wrong; locked', 8_000), zh, 0, 2_000)).toBe('密码错误，已锁定，请 6 秒后再试');
    expect(adminPinText(fail('UNAUTHORIZED', 'wrong; locked', 8_000), en, 0, 9_000)).toBe('Wrong PIN');
  });

  it('names other refusals with their code', () => {
    expect(adminPinText(fail('STORAGE_UNAVAILABLE', 'no audit'), en, 0, 0)).toBe('Cannot log entries: automatic entry paused (STORAGE_UNAVAILABLE)');
  });
});
