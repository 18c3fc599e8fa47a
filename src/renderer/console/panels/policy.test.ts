// The policy screen's pure parts (docs/integrator-setup.md, "Venue and policy"): a number typed with a
// decimal comma is the number (as the thermometer's calibration takes it), every choice and every
// default is said in words in both languages (never the raw `gte` / `review`), and the preview's note
// counts the rows the table shows.
import { describe, expect, it } from 'vitest';
import { createI18n } from '../../i18n.js';
import { defaultText, optionText, parseField, policyGroups, previewNote } from './policy.js';

const number = { type: 'number', nullable: false } as const;

describe('policy form', () => {
  it('reads a decimal comma as a decimal point in a number field', () => {
    expect(parseField(number, '38,5')).toBe(38.5);
    expect(parseField(number, ' 37,0 ')).toBe(37);
    expect(parseField({ type: 'number', nullable: true }, '0,5')).toBe(0.5);
    expect(parseField(number, '38.5')).toBe(38.5);
    // Anything else stays text, so the schema names the field.
    expect(parseField(number, '1,2,3')).toBe('1,2,3');
    expect(parseField(number, 'hot')).toBe('hot');
  });

  it.each(['zh-CN', 'en'] as const)('says every choice and every default in words (%s)', async (language) => {
    const { t } = await createI18n(language);
    for (const f of policyGroups().flatMap((g) => g.fields)) {
      if (f.kind.type !== 'enum') continue;
      for (const o of f.kind.options) {
        const words = optionText(f.path, o, t);
        expect(words, `${f.path} = ${o}`).not.toBe(o);
        if (language === 'en') expect(words, `${f.path} = ${o}`).not.toMatch(/[\u4e00-\u9fff]/);
        else expect(words, `${f.path} = ${o}`).toMatch(/[\u4e00-\u9fff]/);
      }
      if (typeof f.defaultValue === 'string') expect(defaultText(f.defaultValue, t, f.path), f.path).toBe(optionText(f.path, f.defaultValue, t));
    }
  });

  it.each(['zh-CN', 'en'] as const)('counts the preview rows it shows (%s)', async (language) => {
    const { t } = await createI18n(language);
    const note = previewNote(11, t);
    expect(note).toContain('11');
    expect(note).not.toMatch(/Seven|七/);
  });
});
