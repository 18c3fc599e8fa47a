import { beforeAll, describe, expect, it } from 'vitest';
import { IDLE_PASSAGE, type KioskStatus, type PassageView } from '../contract/api.js';
import { ALL_REASONS } from '../contract/reasons.js';
import { createI18n, PROVINCES, REASON_TEXT, type Translate } from './i18n.js';
import { describePassage, secondsLeft, statusItems, toneOf, trustListItem } from './view-model.js';

let zh: Translate;
let en: Translate;
beforeAll(async () => {
  zh = (await createI18n('zh-CN')).t;
  en = (await createI18n('en')).t;
});

const shown = (patch: Partial<PassageView>): PassageView => ({
  ...IDLE_PASSAGE,
  passageId: 'p1',
  state: 'shown',
  decision: 'admit',
  maskedName: '张*',
  provinceCode: '330000',
  temperatureC: 36.55,
  resetInMs: 3000,
  at: 1,
  ...patch,
});

describe('tone', () => {
  it('is final only once the decision is shown (logged)', () => {
    expect(toneOf(IDLE_PASSAGE)).toBe('idle');
    expect(toneOf({ ...IDLE_PASSAGE, state: 'collecting' })).toBe('waiting');
    expect(toneOf(shown({ state: 'decided' }))).toBe('waiting');
    expect(toneOf(shown({}))).toBe('pass');
    expect(toneOf(shown({ decision: 'deny' }))).toBe('stop');
    expect(toneOf(shown({ decision: 'review', awaitingGuard: true }))).toBe('check');
    expect(toneOf(shown({ decision: 'review', guardVerdict: 'allow' }))).toBe('pass');
    expect(toneOf(shown({ decision: 'review', guardVerdict: 'deny' }))).toBe('stop');
  });
});

describe('passage display', () => {
  it('shows masked name, province, temperature and the reason in zh-CN and en', () => {
    const d = describePassage(shown({ decision: 'deny', reason: 'FEVER', temperatureC: 38.04 }), zh);
    expect(d).toMatchObject({ tone: 'stop', headline: '禁止通行', name: '张*', province: '浙江', temperature: '38.0 °C', reason: '体温异常', showReview: false });
    const e = describePassage(shown({ decision: 'deny', reason: 'IDENTITY_MISMATCH' }), en);
    expect(e).toMatchObject({ headline: 'STOP', province: 'Zhejiang', reason: 'Health code and ID card belong to different people' });
  });

  it('offers the review panel only while a review waits for the guard, then names the guard verdict', () => {
    expect(describePassage(shown({ decision: 'review', reason: 'ANTI_PASSBACK', awaitingGuard: true }), zh)).toMatchObject({ tone: 'check', headline: '人工核验', showReview: true, reason: '近期已通行，需人工核验' });
    expect(describePassage(shown({ decision: 'review', guardVerdict: 'deny' }), zh)).toMatchObject({ tone: 'stop', showReview: false, reason: '安保人员已拒绝' });
    expect(describePassage(shown({ decision: 'deny', awaitingGuard: false }), zh).showReview).toBe(false);
  });

  it('shows no personal details on the idle screen and hints while collecting', () => {
    expect(describePassage({ ...IDLE_PASSAGE, maskedName: '张*' }, zh)).toMatchObject({ name: '', reason: '', headline: '请出示健康码或刷身份证' });
    const collecting = describePassage({ ...IDLE_PASSAGE, passageId: 'p', state: 'collecting', collected: { code: true, card: false, temperature: false } }, zh);
    expect(collecting.hints).toEqual(['请刷身份证', '请测体温']);
    expect(collecting.reason).toBe('');
  });

  it('says when the decision rests on a stale trust list', () => {
    expect(describePassage(shown({ trustListStale: true }), en).trustListStale).toBe('Key list due for update');
    expect(describePassage(shown({}), en).trustListStale).toBe('');
  });
});

describe('countdown', () => {
  it('counts whole seconds on the renderer clock from arrival', () => {
    const p = shown({ resetInMs: 3000 });
    expect(secondsLeft(p, 10_000, 10_000)).toBe(3);
    expect(secondsLeft(p, 10_000, 10_001)).toBe(3);
    expect(secondsLeft(p, 10_000, 11_000)).toBe(2);
    expect(secondsLeft(p, 10_000, 99_000)).toBe(0);
    expect(secondsLeft(shown({ resetInMs: null }), 0, 0)).toBeNull();
  });
});

describe('status bar', () => {
  const now = 1_800_000_000_000;
  const status: KioskStatus = {
    kioskId: 'k',
    version: '1',
    demo: false,
    language: 'zh-CN',
    passage: IDLE_PASSAGE,
    devices: [
      { id: 'r', kind: 'cardReader', state: 'ok', reason: null, detail: null, simulated: true },
      { id: 't', kind: 'thermometer', state: 'offline', reason: 'FRAME_TIMEOUT', detail: null, simulated: true },
      { id: 'g', kind: 'gate', state: 'absent', reason: null, detail: null, simulated: false },
    ],
    connectivity: { online: true, uploadsPending: 0, lastUploadAt: null },
    trustList: { state: 'fresh', seq: 1, issuedAt: now - 2 * 86_400_000, nextUpdateAt: now + 86_400_000 },
    statusList: { state: 'fresh', seq: 1, issuedAt: now, nextUpdateAt: now },
    clock: { warning: false, now, newestSeenAt: now },
    storage: { writable: true, reason: null },
  };

  it('colours devices, network, uploads and list age', () => {
    const items = statusItems(status, now, en, true);
    const level = Object.fromEntries(items.map((i) => [i.id, i.level]));
    expect(level).toEqual({ 'device-r': 'ok', 'device-t': 'bad', 'device-g': 'off', network: 'ok', uploads: 'ok', 'trust-list': 'ok' });
    expect(items.find((i) => i.id === 'trust-list')!.text).toBe('key list 2 d');
  });

  it('warns past nextUpdate, turns red when expired or missing, and leads with clock/storage/connection faults', () => {
    expect(trustListItem({ ...status.trustList, state: 'stale' }, now, en).level).toBe('warn');
    expect(trustListItem({ ...status.trustList, state: 'expired' }, now, en).level).toBe('bad');
    expect(trustListItem({ state: 'missing', seq: null, issuedAt: null, nextUpdateAt: null }, now, zh)).toMatchObject({ level: 'bad', text: '无密钥列表' });
    const items = statusItems({ ...status, clock: { ...status.clock, warning: true }, storage: { writable: false, reason: 'STORAGE_FULL' }, connectivity: { online: false, uploadsPending: 12, lastUploadAt: null } }, now, zh, false);
    expect(items.slice(0, 3).map((i) => [i.id, i.level])).toEqual([['core', 'bad'], ['clock', 'bad'], ['storage', 'bad']]);
    expect(items.find((i) => i.id === 'uploads')).toMatchObject({ level: 'warn', text: '待上传 12' });
  });
});

describe('texts', () => {
  it('has words for every reason code in both languages, and names every province', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const reason of ALL_REASONS) expect(REASON_TEXT[lang][reason], `${lang} ${reason}`).toBeTruthy();
    }
    for (const reason of ALL_REASONS) expect(zh(`reason.${reason}`)).not.toBe(`reason.${reason}`);
    expect(Object.keys(PROVINCES)).toHaveLength(34);
  });
});
