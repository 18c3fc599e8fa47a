// The setup and settings screens in Chinese (config-meanings.ts): every described configuration
// key has a zh-CN meaning (the schema is walked, so a new key without one fails here), and the
// problems the forms find with the contract's schema are said in Chinese from the fields,
// in English exactly as the schema says them.
import { describe, expect, it } from 'vitest';
import { configProblemsOf, kioskConfigSchema } from '../../contract/config.js';
import { configProblemsIn, describedPaths, meaningOf, ZH_MEANINGS } from './config-meanings.js';
import { validateDevice } from './panels/devices-form.js';
import { validateChanges } from './panels/settings.js';

const HAN = /[\u4e00-\u9fff]/;

describe('zh-CN meanings of the configuration keys', () => {
  const described = describedPaths(kioskConfigSchema);

  it('walks the whole schema: sections, nested devices, union options and array elements', () => {
    for (const path of ['policy.feverThresholdC', 'devices.thermometer.protocol.address', 'devices.thermometer.protocol.query', 'devices.gate.pulseMs', 'guards[].id', 'admin.integratorPin', 'camera.engine', 'upload.collectorUrl']) {
      expect(described.has(path), path).toBe(true);
    }
    expect(described.get('policy.feverThresholdC')).toBe(kioskConfigSchema.shape.policy.unwrap().shape.feverThresholdC.description);
    expect(described.size).toBeGreaterThan(100);
  });

  it('has a Chinese meaning for every path that has an English one, and none for a path that is gone', () => {
    const missing = [...described.keys()].filter((p) => !ZH_MEANINGS[p] || !HAN.test(ZH_MEANINGS[p]!));
    expect(missing, 'add these to ZH_MEANINGS in src/renderer/console/config-meanings.ts').toEqual([]);
    const stale = Object.keys(ZH_MEANINGS).filter((p) => !described.has(p));
    expect(stale).toEqual([]);
  });

  it('keeps the spec citations of the English meaning', () => {
    // A rule number or a spec section the integrator checks against must survive the translation.
    for (const [path, english] of described) {
      for (const cite of english.match(/§\d+|rule \d+/g) ?? []) {
        const wanted = cite.startsWith('rule') ? `规则 ${cite.slice(5)}` : cite;
        expect(ZH_MEANINGS[path], `${path} cites ${cite}`).toContain(wanted);
      }
    }
  });

  it('answers Chinese on the zh-CN screen and the schema English otherwise', () => {
    const english = described.get('policy.feverThresholdC')!;
    expect(meaningOf('policy.feverThresholdC', english, 'zh-CN')).toBe('发热判定阈值（°C），健康码规范 §4 规则 6');
    expect(meaningOf('policy.feverThresholdC', english, 'en')).toBe(english);
    // The README's backticks are not shown on the screen, in either language.
    expect(meaningOf('language', described.get('language')!, 'zh-CN')).toBe('启动时的界面语言（zh-CN 或 en）；默认 zh-CN，命令行 --language 优先');
    expect(meaningOf('language', described.get('language')!, 'en')).not.toContain('`');
  });

  it('a null the policy screen shows as an "off" box is said as that box, in both languages, not as an empty field or a null', () => {
    for (const path of ['policy.dccTestNaatMaxHours', 'policy.dccTestRatMaxHours', 'policy.dccRecoveryMaxDays']) {
      const english = described.get(path)!;
      expect(english).toContain('null');
      expect(meaningOf(path, english, 'zh-CN')).toContain('勾选“关闭”');
      expect(meaningOf(path, english, 'zh-CN')).not.toContain('留空');
      expect(meaningOf(path, english, 'en')).toContain('"off" ticked');
      expect(meaningOf(path, english, 'en')).not.toContain('null');
    }
    expect(meaningOf('policy.dccTestRatMaxHours', described.get('policy.dccTestRatMaxHours')!, 'en')).toContain('rapid tests are not accepted');
  });
});

describe('problems said in the screen language', () => {
  const zh = (path: string, value: unknown) => validateChanges([{ path, value }], 'zh-CN')[path];

  it('builds each common issue from its fields', () => {
    expect(zh('policy.feverThresholdC', 'abc')).toBe('应为数字');
    expect(zh('checkpoint.collectWindowMs', 250.5)).toBe('应为整数');
    expect(zh('policy.requireTemperature', 'yes')).toBe('应为是 / 否');
    expect(zh('policy.maxTrustListAgeDays', 0)).toBe('须大于 0');
    expect(zh('checkpoint.collectWindowMs', 100)).toBe('不能小于 200');
    expect(zh('checkpoint.collectWindowMs', 100_000)).toBe('不能大于 60000');
    expect(zh('venueId', '')).toBe('不能为空');
    expect(zh('kioskName', 'x'.repeat(65))).toBe('最多 64 个字符');
    expect(zh('policy.feverComparison', 'ge')).toBe('只能是以下之一：“gte”、“gt”');
    expect(zh('upload.collectorUrl', 'not a url')).toBe('不是有效的网址');
    expect(validateChanges([{ path: 'policy.bogus', value: 1 }], 'zh-CN')).toEqual({ 'policy.bogus': '未知的配置项' });
  });

  it('says a thermometer protocol that is none of the four in Chinese, at the device path', () => {
    const errors = validateDevice('thermometer', { port: '/dev/ttyUSB1', baudRate: 9600, protocol: { name: 'nope' } }, 'zh-CN');
    expect(errors['devices.thermometer.protocol.name']).toBe('name 的值不在可选范围内');
    const typed = validateDevice('gate', { driver: 'lcus', port: '/dev/ttyUSB3', baudRate: 9600, relay: 9, pulseMs: 500 }, 'zh-CN');
    expect(typed).toEqual({ 'devices.gate.relay': '不能大于 8' });
  });

  it('keeps the paths and the schema English on the English screen', () => {
    const doc = { policy: { feverThresholdC: 'abc', maxTrustListAgeDays: 0, bogus: 1 }, checkpoint: { collectWindowMs: 100 } };
    const parsed = kioskConfigSchema.safeParse(doc);
    if (parsed.success) throw new Error('expected a failed parse');
    expect(configProblemsIn(parsed.error, 'en')).toEqual(configProblemsOf(parsed.error));
    const inZh = configProblemsIn(parsed.error, 'zh-CN');
    expect(inZh.map((p) => p.path)).toEqual(configProblemsOf(parsed.error).map((p) => p.path));
    for (const p of inZh) expect(p.message, p.path).toMatch(HAN);
  });
});
