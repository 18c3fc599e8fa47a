import { describe, expect, it } from 'vitest';
import { DEMO_PEOPLE, demoPerson } from '../../src/core/demo/people.js';
import { decodeTextBlock, encodeTextBlock, TEXT_BLOCK_LENGTH } from './text-block.js';
import { decodeReadResponse, encodeReadResponse, simulatedPhoto } from './read-response.js';
import { parseFrames, toResponse } from './frame.js';
import { ethnicGroup, sexName } from './codes.js';

const card = (key: string) => {
  const r = decodeTextBlock(encodeTextBlock(demoPerson(key)!));
  if (!r.ok) throw new Error(`${key}: ${r.reason} in ${r.field}`);
  return r.card;
};

describe('text block: every demo card round-trips', () => {
  for (const person of DEMO_PEOPLE.filter((p) => p.cardType !== null)) {
    it(`${person.key} (type '${person.cardType}')`, () => {
      const block = encodeTextBlock(person);
      expect(block.length).toBe(TEXT_BLOCK_LENGTH);
      const c = card(person.key);
      expect(c.idNumber).toBe(person.idNumber);
      expect(c.birthDate).toBe(`${person.birthDate.slice(0, 4)}-${person.birthDate.slice(4, 6)}-${person.birthDate.slice(6)}`);
      expect(c.docType).toBe(person.docType);
      expect(c.name).toBe(person.name);
    });
  }
});

describe('text block: fields by card type (spec §1 table)', () => {
  it('resident card: padding removed, ISO dates, sex and ethnic names', () => {
    const c = card('zhaoliu');
    expect(c).toMatchObject({
      cardType: ' ',
      name: '赵六',
      sex: { code: '2', zh: '女', en: 'Female' },
      ethnicGroup: { code: '03', zh: '回族', en: 'Hui' },
      address: '北京市东城区东长安街1号',
      authority: '北京市公安局东城分局',
      validFrom: '2018-09-01',
      validTo: '2038-09-01',
      nameEn: null,
    });
  });

  it('长期 is no expiry', () => {
    expect(card('wangwu').validTo).toBeNull();
  });

  it('the name field starts at offset 0 as UTF-16LE, padded with 0x0020', () => {
    const block = encodeTextBlock(demoPerson('zhangsan')!);
    expect(block.subarray(0, 6)).toEqual(Buffer.from('张三 ', 'utf16le'));
    expect(block.subarray(248, 250)).toEqual(Buffer.from([0x20, 0x00]));
  });

  it('HK/Macao/Taiwan permit J: pass number and issue count', () => {
    const c = card('huangli');
    expect(c).toMatchObject({ cardType: 'J', docType: 'HMT', passNumber: 'H12345678', issueCount: '01', ethnicGroup: null });
  });

  it('foreign permanent resident 2017 (I): English name, nationality, 15-character number', () => {
    const c = card('johnsmith');
    expect(c).toMatchObject({ cardType: 'I', docType: 'FP', nameEn: 'SMITH, JOHN', nationality: 'USA', idNumber: 'USA310075080012', cardVersion: '01' });
  });

  it('foreign permanent resident 2023 (Y): English name continued at offset 220', () => {
    const long = { ...demoPerson('mariagarcia')!, englishName: 'GARCIA LOPEZ DE LA FUENTE MONTOYA, MARIA JOSE' };
    const block = encodeTextBlock(long);
    expect(block.subarray(220, 222)).toEqual(Buffer.from(long.englishName[35]!, 'utf16le'));
    const r = decodeTextBlock(block);
    expect(r.ok && r.card.nameEn).toBe(long.englishName);
    expect(r.ok && r.card.nationality).toBe('ESP');
  });

  it('a resident number with a wrong check character is CARD_ID_CHECKSUM', () => {
    const p = demoPerson('zhangsan')!;
    const last = p.idNumber[17] === '0' ? '1' : '0';
    const r = decodeTextBlock(encodeTextBlock({ ...p, idNumber: p.idNumber.slice(0, 17) + last }));
    expect(r).toEqual({ ok: false, reason: 'CARD_ID_CHECKSUM', field: 'idNumber' });
  });

  it('a Y card number not starting with 9 is CARD_FIELD_INVALID', () => {
    const p = demoPerson('zhangsan')!;
    const r = decodeTextBlock(encodeTextBlock({ ...demoPerson('mariagarcia')!, idNumber: p.idNumber }));
    expect(r).toMatchObject({ ok: false, reason: 'CARD_FIELD_INVALID' });
  });

  it('an impossible date is CARD_DATE_INVALID', () => {
    const r = decodeTextBlock(encodeTextBlock({ ...demoPerson('lisi')!, birthDate: '19920230' }));
    expect(r).toEqual({ ok: false, reason: 'CARD_DATE_INVALID', field: 'birthDate' });
  });

  it('an unknown card type byte is CARD_TYPE_UNKNOWN', () => {
    const block = encodeTextBlock(demoPerson('lisi')!);
    block.write('Q', 248, 'utf16le');
    expect(decodeTextBlock(block)).toMatchObject({ ok: false, reason: 'CARD_TYPE_UNKNOWN' });
  });

  it('an unknown ethnic code is CARD_FIELD_INVALID', () => {
    const r = decodeTextBlock(encodeTextBlock({ ...demoPerson('lisi')!, ethnic: '77' }));
    expect(r).toEqual({ ok: false, reason: 'CARD_FIELD_INVALID', field: 'ethnicGroup' });
  });

  it('code tables: GB/T 3304 ends at 56 Jino, with 97 and 98', () => {
    expect(ethnicGroup('56')).toEqual({ code: '56', zh: '基诺族', en: 'Jino' });
    expect(ethnicGroup('98')?.en).toBe('Foreign origin');
    expect(ethnicGroup('57')).toBeNull();
    expect(sexName('9')).toEqual({ code: '9', zh: '未说明', en: 'Unstated' });
    expect(sexName('3')).toBeNull();
  });
});

describe('read response (30 01)', () => {
  it('is 1295 bytes with the text at frame offset 14 and the photo at 270', () => {
    const text = encodeTextBlock(demoPerson('zhangsan')!);
    const photo = simulatedPhoto('zhangsan');
    const frame = encodeReadResponse(text, photo);
    expect(frame.length).toBe(1295);
    expect(frame.subarray(5, 7)).toEqual(Buffer.from([0x05, 0x08]));
    expect(frame.subarray(14, 270)).toEqual(text);
    expect(frame.subarray(270, 1294)).toEqual(photo);
    const r = decodeReadResponse(toResponse(parseFrames(frame).frames[0]!)!, false);
    expect(r.ok && r.blocks.text).toEqual(text);
  });

  it('with fingerprint (30 10) totals 2321 bytes and the text starts at offset 16', () => {
    const text = encodeTextBlock(demoPerson('lisi')!);
    const frame = encodeReadResponse(text, simulatedPhoto('lisi'), Buffer.alloc(1024, 7));
    expect(frame.length).toBe(2321);
    expect(frame.subarray(16, 272)).toEqual(text);
    const r = decodeReadResponse(toResponse(parseFrames(frame).frames[0]!)!, true);
    expect(r.ok && r.blocks.fingerprint?.length).toBe(1024);
  });

  it('a read that failed carries its SW3 reason', () => {
    expect(decodeReadResponse({ sw1: 0, sw2: 0, sw3: 0x41, data: Buffer.alloc(0) }, false)).toEqual({ ok: false, reason: 'CARD_SW_READ_FAILED' });
  });
});
