import { beforeAll, describe, expect, it } from 'vitest';
import { createI18n, type Translate } from '../i18n.js';
import { durationText, endNotice } from './session-text.js';

let zh: Translate;
let en: Translate;
beforeAll(async () => {
  zh = (await createI18n('zh-CN')).t;
  en = (await createI18n('en')).t;
});

describe('the notice when the console closes itself', () => {
  it('says the session ended after the idle time without input, in whole minutes or seconds', () => {
    expect(endNotice('idle', 120_000, en)).toBe('Admin session ended after 2 min without input');
    expect(endNotice('idle', 120_000, zh)).toBe('管理会话已结束：2 分钟无操作');
    expect(endNotice('idle', 15_000, en)).toBe('Admin session ended after 15 s without input');
    expect(endNotice('idle', 90_000, en)).toBe('Admin session ended after 90 s without input');
  });

  it('names a session replaced elsewhere or refused by core; a close the admin asked for needs no notice', () => {
    expect(endNotice('replaced', 120_000, en)).toBe('Admin session opened elsewhere');
    expect(endNotice('required', 120_000, zh)).toBe('管理会话已结束，请重新输入管理密码');
    expect(endNotice('closed', 120_000, en)).toBe('');
    expect(endNotice('cancelled', 120_000, en)).toBe('');
  });

  it('durations read as the idle hint shows them', () => {
    expect(durationText(3_600_000, en)).toBe('60 min');
    expect(durationText(45_000, zh)).toBe('45 秒');
  });
});
