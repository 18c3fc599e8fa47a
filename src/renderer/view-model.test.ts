import { beforeAll, describe, expect, it } from 'vitest';
import { IDLE_PASSAGE, type KioskStatus, type PassageView } from '../contract/api.js';
import { ALL_REASONS } from '../contract/reasons.js';
import { createI18n, PROVINCES, REASON_TEXT, type Translate } from './i18n.js';
import { cardOnlyInvited, collectLeftMs, describePassage, missingItems, presentableInputs, reasonsOf, secondsLeft, statusBarName, statusItems, toneOf, trustListItem } from './view-model.js';

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

/** A kiosk with nothing to report at `now` (no devices, fresh lists, online), changed by `overrides`. */
function quietStatus(now: number, overrides: Partial<KioskStatus> = {}): KioskStatus {
  return {
    kioskId: 'k',
    version: '1',
    demo: false,
    language: 'zh-CN',
    passage: IDLE_PASSAGE,
    devices: [],
    connectivity: { online: true, uploadsPending: 0, lastUploadAt: null },
    trustList: { state: 'fresh', seq: 1, issuedAt: now, nextUpdateAt: now + 86_400_000 },
    statusList: { state: 'fresh', seq: 1, issuedAt: now, nextUpdateAt: now },
    clock: { warning: false, now, newestSeenAt: now },
    storage: { writable: true, reason: null },
    ...overrides,
  };
}

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

  it('names an EU certificate where a province goes: kind, issuing country, type in words (docs/guard-screen.md)', () => {
    const dcc = (type: 'v' | 't' | 'r', country: string | null = 'DE') => shown({ provinceCode: null, maskedName: 'E**** M*********', dcc: { type, country } });
    expect(describePassage(dcc('v'), zh)).toMatchObject({ name: 'E**** M*********', province: '欧盟证书 · DE · 疫苗接种' });
    expect(describePassage(dcc('v'), en).province).toBe('EU certificate · DE · vaccination');
    expect(describePassage(dcc('t', 'AT'), en).province).toBe('EU certificate · AT · test');
    expect(describePassage(dcc('r'), zh).province).toBe('欧盟证书 · DE · 康复');
    expect(describePassage(dcc('r', null), en).province).toBe('EU certificate · recovery');
    // On CHECK too (a card beside it), where the guard compares the certificate with the document.
    expect(describePassage({ ...dcc('t'), decision: 'review', reason: 'DCC_CARD_UNMATCHED', awaitingGuard: true }, en)).toMatchObject({ tone: 'check', province: 'EU certificate · DE · test', reason: 'ID card with an EU certificate: check they are the same person' });
    expect(describePassage(shown({ provinceCode: null }), en).province).toBe('');
  });

  it('offers the review panel only while a review waits for the guard, then names the guard verdict', () => {
    expect(describePassage(shown({ decision: 'review', reason: 'ANTI_PASSBACK', awaitingGuard: true }), zh)).toMatchObject({ tone: 'check', headline: '人工核验', showReview: true, reason: '近期已通行，需人工核验' });
    expect(describePassage(shown({ decision: 'review', guardVerdict: 'deny' }), zh)).toMatchObject({ tone: 'stop', showReview: false, reason: '安保人员已拒绝' });
    expect(describePassage(shown({ decision: 'deny', awaitingGuard: false }), zh).showReview).toBe(false);
  });

  it('shows no personal details on the idle screen and hints while collecting', () => {
    expect(describePassage({ ...IDLE_PASSAGE, maskedName: '张*' }, zh)).toMatchObject({ name: '', reason: '', headline: '请出示健康码或刷身份证' });
    const collecting = describePassage({ ...IDLE_PASSAGE, passageId: 'p', state: 'collecting', collected: { code: true, card: false, temperature: false }, missing: ['card', 'temperature'] }, zh);
    expect(collecting.hints).toEqual(['请刷身份证', '请面向测温仪']);
    expect(collecting.reason).toBe('');
  });

  it('says exactly what is still needed, from the core\'s list, with the seconds left', () => {
    const base: PassageView = { ...IDLE_PASSAGE, passageId: 'p', state: 'collecting', collected: { code: true, card: true, temperature: false }, collectInMs: 4200, at: 5 };
    const onlyThermometer = { ...base, missing: ['temperature'] } satisfies PassageView;
    expect(missingItems(onlyThermometer)).toEqual(['temperature']);
    const en1 = describePassage(onlyThermometer, en, { collectLeftMs: collectLeftMs(onlyThermometer, 10_000, 10_000) });
    expect(en1).toMatchObject({ hints: ['Face the thermometer'], collectSeconds: 5, tone: 'waiting' });
    const cardOnly = { ...base, collected: { code: true, card: false, temperature: true }, missing: ['card'] } satisfies PassageView;
    expect(describePassage(cardOnly, zh, { collectLeftMs: collectLeftMs(cardOnly, 10_000, 11_000) })).toMatchObject({ hints: ['请刷身份证'], collectSeconds: 4 });
    // The core says nothing more is missing (e.g. a faulty thermometer is not waited for): no hint.
    expect(describePassage({ ...base, missing: [] } as PassageView, en).hints).toEqual([]);
    expect(describePassage({ ...base, missing: ['code'] } as PassageView, en).hints).toEqual(['Show your health code']);
    expect(collectLeftMs(base, 10_000, 20_000)).toBe(0);
    expect(collectLeftMs(IDLE_PASSAGE, 0, 0)).toBeNull();
    expect(missingItems({ ...base, state: 'shown', missing: ['card'] } as PassageView)).toEqual([]);
  });

  it('asks for an ID card on the idle screen only when card-only entry is allowed and a reader is fitted', () => {
    const reader = { id: 'r', kind: 'cardReader' as const, state: 'ok' as const, reason: null, detail: null, simulated: false };
    const status = (cardOnlyAllowed: boolean | undefined, readerState: 'ok' | 'absent' | 'offline' = 'ok') =>
      ({ devices: [{ ...reader, state: readerState }], ...(cardOnlyAllowed === undefined ? {} : { cardOnlyAllowed }) }) as unknown as KioskStatus;
    expect(cardOnlyInvited(status(true))).toBe(true);
    expect(cardOnlyInvited(status(undefined))).toBe(true);
    expect(cardOnlyInvited(status(false))).toBe(false);
    expect(cardOnlyInvited(status(true, 'absent'))).toBe(false);
    expect(cardOnlyInvited(null)).toBe(false);
    expect(describePassage(IDLE_PASSAGE, zh, { cardOnlyAllowed: false }).headline).toBe('请出示健康码');
    expect(describePassage(IDLE_PASSAGE, en, { cardOnlyAllowed: false }).headline).toBe('Show your health code');
    expect(describePassage(IDLE_PASSAGE, en, { cardOnlyAllowed: true }).headline).toBe('Show your health code or tap your ID card');
  });

  it('shows every reason that applies, the decision\'s first, in both languages', () => {
    const redAndFever = shown({ decision: 'deny', reason: 'STATUS_RED', temperatureC: 38.5, reasons: ['STATUS_RED', 'FEVER'] });
    expect(reasonsOf(redAndFever)).toEqual(['STATUS_RED', 'FEVER']);
    expect(describePassage(redAndFever, zh)).toMatchObject({ reason: '红码，禁止通行', otherReasons: ['体温异常'], temperature: '38.5 °C' });
    expect(describePassage(redAndFever, en)).toMatchObject({ reason: 'Red code: no entry', otherReasons: ['Temperature too high'] });
    // The decision's reason leads even if the list were ordered otherwise; no duplicates.
    expect(reasonsOf(shown({ reason: 'FEVER', reasons: ['STATUS_RED', 'FEVER'] }))).toEqual(['FEVER', 'STATUS_RED']);
    // A core that sends one reason still shows it.
    expect(describePassage(shown({ decision: 'deny', reason: 'STATUS_RED' }), en)).toMatchObject({ reason: 'Red code: no entry', otherReasons: [] });
    // Nothing final while collecting.
    expect(describePassage({ ...redAndFever, state: 'collecting' }, en)).toMatchObject({ reason: '', otherReasons: [] });
  });

  it('tells the next person to wait while a review holds their presentation', () => {
    const held = shown({ decision: 'review', reason: 'ANTI_PASSBACK', awaitingGuard: true, heldAttempts: 1 });
    expect(describePassage(held, zh).waitForGuard).toBe('请稍候，等待工作人员处理');
    expect(describePassage(held, en)).toMatchObject({ waitForGuard: 'Please wait for the guard', showReview: true });
    expect(describePassage({ ...held, heldAttempts: 0 } as PassageView, en).waitForGuard).toBe('');
  });

  it('shows out of service in both languages, with nothing that invites people in, when the core is gone', () => {
    for (const p of [IDLE_PASSAGE, shown({}), { ...IDLE_PASSAGE, passageId: 'c', state: 'collecting' as const }, shown({ decision: 'review', awaitingGuard: true })]) {
      const d = describePassage(p, zh, { coreAlive: false });
      expect(d).toMatchObject({ tone: 'out', headline: '暂停服务', subline: 'Out of service', name: '', reason: '', showReview: false, showPreview: false });
      expect(d.hints.join(' ')).toContain('Do not enter');
      expect(d.headline + d.subline + d.hints.join('')).not.toMatch(/出示|健康码|通过|PASS|show/i);
    }
    expect(describePassage(IDLE_PASSAGE, en, { coreAlive: false })).toMatchObject({ headline: 'Out of service', subline: '暂停服务' });
    expect(toneOf(shown({}), false)).toBe('out');
  });

  it('shows the camera preview at idle and while collecting only', () => {
    expect(describePassage(IDLE_PASSAGE, en).showPreview).toBe(true);
    expect(describePassage({ ...IDLE_PASSAGE, passageId: 'c', state: 'collecting' }, en).showPreview).toBe(true);
    expect(describePassage(shown({}), en).showPreview).toBe(false);
    expect(describePassage(shown({ decision: 'review', awaitingGuard: true }), en).showPreview).toBe(false);
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
  it('names the venue before the lane when the venue has a name, else only the lane', () => {
    expect(statusBarName({ kioskName: '1号通道', venueName: '东门商场' })).toBe('东门商场 · 1号通道');
    expect(statusBarName({ kioskName: 'Lane 1' })).toBe('Lane 1');
  });
  const now = 1_800_000_000_000;
  const status = quietStatus(now, {
    devices: [
      { id: 'r', kind: 'cardReader', state: 'ok', reason: null, detail: null, simulated: true },
      { id: 't', kind: 'thermometer', state: 'offline', reason: 'FRAME_TIMEOUT', detail: null, simulated: true },
      { id: 'g', kind: 'gate', state: 'absent', reason: null, detail: null, simulated: false },
    ],
    trustList: { state: 'fresh', seq: 1, issuedAt: now - 2 * 86_400_000, nextUpdateAt: now + 86_400_000 },
  });

  it('colours devices, network, uploads and list age', () => {
    const items = statusItems(status, now, en, true);
    const level = Object.fromEntries(items.map((i) => [i.id, i.level]));
    expect(level).toEqual({ 'device-r': 'ok', 'device-t': 'bad', 'device-g': 'off', network: 'ok', uploads: 'ok', 'trust-list': 'ok' });
    expect(items.find((i) => i.id === 'trust-list')!.text).toBe('key list 2 d');
  });

  it('shows the EU DSC list like the key list, only when core reports it (policy.dccAccept), in both languages', () => {
    const dscList = { state: 'fresh' as const, seq: 3, issuedAt: now - 3 * 3_600_000, nextUpdateAt: now + 86_400_000 };
    expect(statusItems(status, now, en, true).some((i) => i.id === 'dsc-list')).toBe(false);
    expect(statusItems({ ...status, dscList }, now, en, true).find((i) => i.id === 'dsc-list')).toEqual({ id: 'dsc-list', level: 'ok', text: 'EU signer list 3 h' });
    expect(statusItems({ ...status, dscList }, now, zh, true).find((i) => i.id === 'dsc-list')).toEqual({ id: 'dsc-list', level: 'ok', text: '欧盟证书列表 3小时' });
    expect(statusItems({ ...status, dscList: { ...dscList, state: 'stale' } }, now, en, true).find((i) => i.id === 'dsc-list')).toMatchObject({ level: 'warn', text: 'EU signer list due 3 h' });
    expect(statusItems({ ...status, dscList: { ...dscList, state: 'expired' } }, now, en, true).find((i) => i.id === 'dsc-list')).toMatchObject({ level: 'bad', text: 'EU signer list out of date' });
    expect(statusItems({ ...status, dscList: { state: 'missing', seq: null, issuedAt: null, nextUpdateAt: null } }, now, zh, true).find((i) => i.id === 'dsc-list')).toMatchObject({ level: 'bad', text: '无欧盟证书列表' });
    // With the core gone the last word is grey, as every other chip.
    expect(statusItems({ ...status, dscList }, now, en, false).find((i) => i.id === 'dsc-list')).toMatchObject({ level: 'off' });
  });

  it('warns past nextUpdate, turns red when expired or missing, and leads with clock/storage/connection faults', () => {
    expect(trustListItem({ ...status.trustList, state: 'stale' }, now, en).level).toBe('warn');
    expect(trustListItem({ ...status.trustList, state: 'expired' }, now, en).level).toBe('bad');
    expect(trustListItem({ state: 'missing', seq: null, issuedAt: null, nextUpdateAt: null }, now, zh)).toMatchObject({ level: 'bad', text: '无密钥列表' });
    const items = statusItems({ ...status, clock: { ...status.clock, warning: true }, storage: { writable: false, reason: 'STORAGE_FULL' }, connectivity: { online: false, uploadsPending: 12, lastUploadAt: null } }, now, zh, true);
    expect(items.slice(0, 2).map((i) => [i.id, i.level])).toEqual([['clock', 'bad'], ['storage', 'bad']]);
    expect(items.find((i) => i.id === 'uploads')).toMatchObject({ level: 'warn', text: '待上传 12' });
  });

  it('greys every chip but the lost core when the core is gone (its last report is no longer known to be true)', () => {
    const allOk = { ...status, devices: status.devices.map((d) => ({ ...d, state: 'ok' as const, reason: null })) };
    const items = statusItems(allOk, now, zh, false);
    expect(items[0]).toMatchObject({ id: 'core', level: 'bad', text: '与核心断开' });
    expect(items.slice(1).map((i) => i.level)).toEqual(items.slice(1).map(() => 'off'));
    expect(items.map((i) => i.id)).toEqual(['core', 'device-r', 'device-t', 'device-g', 'network', 'uploads', 'trust-list']);
    expect(statusItems(allOk, now, zh, true).some((i) => i.id === 'core')).toBe(false);
  });

  it('says why a device is faulty (reason in words and the driver\'s detail) for a tap on its chip', () => {
    const faulty = { ...status, devices: [{ id: 't', kind: 'thermometer' as const, state: 'offline' as const, reason: 'FRAME_CHECKSUM' as const, detail: 'no valid frame in 1200 ms', simulated: false }] };
    expect(statusItems(faulty, now, en, true).find((i) => i.id === 'device-t')).toMatchObject({ level: 'bad', detail: 'bad checksum · no valid frame in 1200 ms' });
    expect(statusItems(faulty, now, zh, true).find((i) => i.id === 'device-t')!.detail).toBe('数据校验错误 · no valid frame in 1200 ms');
    expect(statusItems(status, now, en, true).find((i) => i.id === 'device-r')!.detail).toBeUndefined();
  });
});

describe('list problem chip', () => {
  const now = 1_800_000_000_000;
  const status = quietStatus(now, { trustList: { state: 'missing', seq: null, issuedAt: null, nextUpdateAt: null } });
  const detail = 'the installed trust list is signed by root r2026 (fp 1a2b), pinned: r2025 (fp 9f8e)';

  it('a trust list the pinned root did not sign turns the key-list chip red with the reason, and a tap shows the detail', () => {
    const refused = { ...status, listProblems: [{ list: 'trust' as const, reason: 'ROOT_UNKNOWN' as const, detail }] };
    const zhChip = statusItems(refused, now, zh, true).filter((i) => i.id === 'trust-list');
    expect(zhChip).toEqual([{ id: 'trust-list', level: 'bad', text: '密钥列表无效: 根密钥不匹配', detail }]);
    expect(statusItems(refused, now, en, true).find((i) => i.id === 'trust-list')).toMatchObject({ level: 'bad', text: 'Key list not trusted: root mismatch', detail });
    // Without a problem the same status says only that no list is installed, with nothing to tap.
    expect(statusItems(status, now, en, true).find((i) => i.id === 'trust-list')).toEqual({ id: 'trust-list', level: 'bad', text: 'no key list' });
  });

  it('a root mismatch is worded in the screen language from the signer and the pinned roots core names, not core\'s English', () => {
    const sha = 'e63f87ccaf2d0fce4e20907bf465745010df63b374c0c6706d9440d190e7aca8';
    const named = { list: 'trust' as const, reason: 'ROOT_UNKNOWN' as const, detail, signerKid: 'RMBni9Lnkpg', pinnedRoots: [{ kid: '5j-HzK8tD84', sha256: sha }] };
    const refused = { ...status, listProblems: [named] };
    expect(statusItems(refused, now, zh, true).find((i) => i.id === 'trust-list')!.detail).toBe(
      `已安装的密钥列表由根公钥 RMBni9Lnkpg 签发，该根公钥未固定；已固定的根公钥：5j-HzK8tD84（SHA-256 ${sha}）。在固定该根公钥或安装由已固定根公钥签发的密钥列表之前，所有健康码都会以“签发者未知”被拒绝`,
    );
    expect(statusItems(refused, now, en, true).find((i) => i.id === 'trust-list')!.detail).toBe(
      `the installed key list is signed by root RMBni9Lnkpg, which is not pinned; pinned root(s): 5j-HzK8tD84 (SHA-256 ${sha}). Every code is refused as issuer unknown until that root is pinned or a key list signed by a pinned root is installed`,
    );
    const statusRefused = { ...status, listProblems: [{ ...named, list: 'status' as const, signerKid: null, pinnedRoots: [] }] };
    expect(statusItems(statusRefused, now, zh, true).find((i) => i.id === 'status-list')!.detail).toBe(
      '已安装的状态名单由根公钥 （无法读取编号） 签发，该根公钥未固定；已固定的根公钥：无。在固定该根公钥或安装由已固定根公钥签发的状态名单之前，本机没有状态名单可用',
    );
  });

  it('a refused status list gets its own red chip; the key-list chip keeps its age', () => {
    const refused = { ...status, trustList: { state: 'fresh' as const, seq: 1, issuedAt: now, nextUpdateAt: now + 86_400_000 }, listProblems: [{ list: 'status' as const, reason: 'SIGNATURE_INVALID' as const, detail: 'bad signature' }] };
    const items = statusItems(refused, now, en, true);
    expect(items.find((i) => i.id === 'trust-list')).toMatchObject({ level: 'ok' });
    expect(items.find((i) => i.id === 'status-list')).toEqual({ id: 'status-list', level: 'bad', text: 'Status list not trusted: bad signature', detail: 'bad signature' });
  });
});

describe('configuration chip', () => {
  const now = 1_800_000_000_000;
  const status = quietStatus(now);

  it('is red and names the path while config.json cannot be used, first in the bar; absent otherwise', () => {
    const problem = { paths: ['devices.thermometer.protocol'], message: 'config.json: devices.thermometer.protocol: Invalid input' };
    const zhItems = statusItems({ ...status, configProblem: problem }, now, zh, true);
    expect(zhItems[0]).toEqual({ id: 'config', level: 'bad', text: '配置错误: devices.thermometer.protocol', detail: problem.message });
    expect(statusItems({ ...status, configProblem: problem }, now, en, true)[0]!.text).toBe('Config error: devices.thermometer.protocol');
    expect(statusItems({ ...status, configProblem: { paths: ['a', 'b', 'c', 'd'], message: 'm' } }, now, en, true)[0]!.text).toBe('Config error: a, b, c …');
    expect(statusItems(status, now, zh, true).some((i) => i.id === 'config')).toBe(false);
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

describe('the idle invitation names what this kiosk can take', () => {
  let en: Translate;
  beforeAll(async () => {
    en = (await createI18n('en')).t;
  });
  const status = (fitted: Array<'camera' | 'scanner' | 'cardReader'>, cardOnlyAllowed = true): KioskStatus =>
    ({
      cardOnlyAllowed,
      devices: (['camera', 'cardReader', 'thermometer', 'scanner', 'gate'] as const).map((kind) => ({ id: kind, kind, state: fitted.includes(kind as never) ? 'ok' : 'absent', reason: null, detail: null, simulated: false })),
    }) as unknown as KioskStatus;
  const idle = (s: KioskStatus) => describePassage(IDLE_PASSAGE, en, { cardOnlyAllowed: cardOnlyInvited(s), inputs: presentableInputs(s) });

  it('a camera: hold the code up (with the preview)', () => {
    expect(idle(status(['camera', 'cardReader']))).toMatchObject({ headline: 'Show your health code or tap your ID card', showPreview: true });
  });

  it('a venue taking EU certificates names them beside the health code, wherever a code can be read', () => {
    const dcc = (s: KioskStatus) => describePassage(IDLE_PASSAGE, en, { cardOnlyAllowed: cardOnlyInvited(s), inputs: presentableInputs(s), dccAccepted: true }).headline;
    expect(dcc(status(['camera', 'cardReader']))).toBe('Show your health code or EU certificate, or tap your ID card');
    expect(dcc(status(['camera', 'cardReader'], false))).toBe('Show your health code or EU certificate');
    expect(dcc(status(['scanner', 'cardReader']))).toBe('Scan your health code or EU certificate at the scanner, or tap your ID card');
    expect(dcc(status(['scanner']))).toBe('Scan your health code or EU certificate at the scanner');
    // A card alone cannot carry a certificate.
    expect(dcc(status(['cardReader']))).toBe('Tap your ID card');
  });

  it('no camera: the scanner or the card, and no preview or aiming frame', () => {
    expect(idle(status(['scanner', 'cardReader']))).toMatchObject({ headline: 'Scan your health code at the scanner or tap your ID card', showPreview: false });
    expect(idle(status(['scanner']))).toMatchObject({ headline: 'Scan your health code at the scanner', showPreview: false });
    expect(idle(status(['cardReader']))).toMatchObject({ headline: 'Tap your ID card', showPreview: false });
  });

  it('nothing to read a code or a card: says so and asks for the integrator', () => {
    expect(idle(status([]))).toMatchObject({ headline: 'No input device on this kiosk: call the integrator', showPreview: false });
    expect(idle(status(['cardReader'], false)).headline).toBe('This kiosk cannot read health codes (no camera or scanner): call the integrator');
  });
});
