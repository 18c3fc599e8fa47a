import { describe, expect, it } from 'vitest';
import { parseCsvRecord } from './csv-record.js';

describe('parseCsvRecord', () => {
  it('splits plain fields, keeping empty ones', () => {
    expect(parseCsvRecord('1,张*,,36.6,')).toEqual(['1', '张*', '', '36.6', '']);
  });

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsvRecord('1,"a, b","say ""hi""","line\nbreak",x')).toEqual(['1', 'a, b', 'say "hi"', 'line\nbreak', 'x']);
    expect(parseCsvRecord('"",""')).toEqual(['', '']);
  });

  it('rejects a malformed record instead of guessing', () => {
    expect(() => parseCsvRecord('"open,1')).toThrow(SyntaxError);
    expect(() => parseCsvRecord('"a"b,1')).toThrow(SyntaxError);
  });
});
