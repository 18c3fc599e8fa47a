// The 256-byte text block of a card read (devices spec §1, "Text block"): UTF-16LE fields padded with
// spaces, laid out by the card type at offset 248. Decoding removes padding, turns dates into ISO
// dates (长期 into "no expiry"), maps sex and ethnic codes to names, and checks the ID number.
import type { DeviceReason } from '../../src/contract/reasons.js';
import type { CardDocType, CardType, CodedValue, DecodedCard } from '../../src/core/devices/types.js';
import { isValidResidentIdNumber } from '../../src/core/codes/id-number.js';
import type { DemoPerson } from '../../src/core/demo/people.js';
import { ethnicGroup, sexName } from './codes.js';

export const TEXT_BLOCK_LENGTH = 256;
export const PHOTO_LENGTH = 1024;
const NO_EXPIRY = '长期';

/** Byte offset and length of each field, per card type (devices spec §1 table and the two paragraphs after it). */
const LAYOUT = {
  resident: { name: [0, 30], sex: [30, 2], ethnic: [32, 4], birth: [36, 16], address: [52, 70], id: [122, 36], authority: [158, 30], from: [188, 16], to: [204, 16] },
  hmt: { name: [0, 30], sex: [30, 2], birth: [36, 16], address: [52, 70], id: [122, 36], authority: [158, 30], from: [188, 16], to: [204, 16], pass: [220, 18], issues: [238, 4] },
  fp2017: { nameEn: [0, 120], sex: [120, 2], id: [122, 30], nationality: [152, 6], name: [158, 30], from: [188, 16], to: [204, 16], birth: [220, 16], version: [236, 4], authorityCode: [240, 8] },
  fp2023: { name: [0, 30], sex: [30, 2], birth: [36, 16], nameEn: [52, 70], id: [122, 36], from: [188, 16], to: [204, 16], nameEn2: [220, 22], country: [242, 6] },
} as const;
const CARD_TYPE_OFFSET = 248;

type Field = readonly [number, number];

export type TextDecodeResult = { ok: true; card: Omit<DecodedCard, 'photo'> } | { ok: false; reason: DeviceReason; field: string };

class FieldError extends Error {
  constructor(
    readonly reason: DeviceReason,
    readonly field: string,
  ) {
    super(`${reason} in ${field}`);
  }
}

/** Reads a field and removes its padding (spaces, and NULs some modules use). */
function text(block: Uint8Array, [offset, length]: Field): string {
  return Buffer.from(block.buffer, block.byteOffset + offset, length)
    .toString('utf16le')
    .replace(/[\u0020\u0000]+$/u, '');
}

function optional(block: Uint8Array, field: Field): string | null {
  const value = text(block, field);
  return value === '' ? null : value;
}

function isoDate(raw: string, field: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(raw);
  if (!m) throw new FieldError('CARD_DATE_INVALID', field);
  const [, y, mo, d] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  // Reject 20230230 and the like: the date must survive a round trip.
  if (date.getUTCFullYear() !== Number(y) || date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) {
    throw new FieldError('CARD_DATE_INVALID', field);
  }
  return `${y}-${mo}-${d}`;
}

function validTo(raw: string): string | null {
  return raw === NO_EXPIRY ? null : isoDate(raw, 'validTo');
}

function sex(raw: string): CodedValue {
  const value = sexName(raw);
  if (!value) throw new FieldError('CARD_FIELD_INVALID', 'sex');
  return value;
}

function required(block: Uint8Array, field: Field, name: string): string {
  const value = text(block, field);
  if (value === '') throw new FieldError('CARD_FIELD_INVALID', name);
  return value;
}

/** The card type byte: space, NUL or '0' mean a resident ID card (spec: "space or 0"). */
export function cardTypeOf(block: Uint8Array): CardType | null {
  const ch = String.fromCharCode(block[CARD_TYPE_OFFSET]! | (block[CARD_TYPE_OFFSET + 1]! << 8));
  if (ch === ' ' || ch === '\u0000' || ch === '0') return ' ';
  if (ch === 'J' || ch === 'I' || ch === 'Y') return ch;
  return null;
}

function checkedId18(id: string, pattern: RegExp): string {
  if (!pattern.test(id)) throw new FieldError('CARD_FIELD_INVALID', 'idNumber');
  if (!isValidResidentIdNumber(id)) throw new FieldError('CARD_ID_CHECKSUM', 'idNumber');
  return id;
}

const EMPTY = {
  nameEn: null,
  ethnicGroup: null,
  address: null,
  authority: null,
  passNumber: null,
  issueCount: null,
  nationality: null,
  cardVersion: null,
  authorityCode: null,
} as const;

export function decodeTextBlock(block: Uint8Array): TextDecodeResult {
  if (block.length !== TEXT_BLOCK_LENGTH) return { ok: false, reason: 'FRAME_LENGTH', field: 'text' };
  const type = cardTypeOf(block);
  if (type === null) return { ok: false, reason: 'CARD_TYPE_UNKNOWN', field: 'cardType' };
  try {
    return { ok: true, card: decodeByType(block, type) };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, reason: err.reason, field: err.field };
    throw err;
  }
}

function decodeByType(block: Uint8Array, type: CardType): Omit<DecodedCard, 'photo'> {
  const docType: CardDocType = type === ' ' ? 'CN' : type === 'J' ? 'HMT' : 'FP';
  if (type === ' ') {
    const L = LAYOUT.resident;
    const ethnicCode = text(block, L.ethnic);
    const ethnic = ethnicGroup(ethnicCode);
    if (!ethnic) throw new FieldError('CARD_FIELD_INVALID', 'ethnicGroup');
    return {
      ...EMPTY,
      cardType: type,
      docType,
      name: required(block, L.name, 'name'),
      sex: sex(text(block, L.sex)),
      ethnicGroup: ethnic,
      birthDate: isoDate(text(block, L.birth), 'birthDate'),
      address: optional(block, L.address),
      // GB 11643: 17 digits and a check character (digit or X).
      idNumber: checkedId18(text(block, L.id), /^\d{17}[\dX]$/),
      authority: optional(block, L.authority),
      validFrom: isoDate(text(block, L.from), 'validFrom'),
      validTo: validTo(text(block, L.to)),
    };
  }
  if (type === 'J') {
    const L = LAYOUT.hmt;
    return {
      ...EMPTY,
      cardType: type,
      docType,
      name: required(block, L.name, 'name'),
      sex: sex(text(block, L.sex)),
      birthDate: isoDate(text(block, L.birth), 'birthDate'),
      address: optional(block, L.address),
      // Residence permits use the address codes 810000 (HK), 820000 (Macao), 830000 (Taiwan).
      idNumber: checkedId18(text(block, L.id), /^8[123]0000\d{11}[\dX]$/),
      authority: optional(block, L.authority),
      validFrom: isoDate(text(block, L.from), 'validFrom'),
      validTo: validTo(text(block, L.to)),
      passNumber: optional(block, L.pass),
      issueCount: optional(block, L.issues),
    };
  }
  if (type === 'I') {
    const L = LAYOUT.fp2017;
    const id = text(block, L.id);
    // 2017 permit number: 3-letter nationality code and 12 digits; it has no MOD 11-2 check character.
    if (!/^[A-Z]{3}\d{12}$/.test(id)) throw new FieldError('CARD_FIELD_INVALID', 'idNumber');
    const nameEn = required(block, L.nameEn, 'nameEn');
    return {
      ...EMPTY,
      cardType: type,
      docType,
      name: text(block, L.name) || nameEn,
      nameEn,
      sex: sex(text(block, L.sex)),
      birthDate: isoDate(text(block, L.birth), 'birthDate'),
      idNumber: id,
      validFrom: isoDate(text(block, L.from), 'validFrom'),
      validTo: validTo(text(block, L.to)),
      nationality: optional(block, L.nationality),
      cardVersion: optional(block, L.version),
      authorityCode: optional(block, L.authorityCode),
    };
  }
  const L = LAYOUT.fp2023;
  // The English name's first 35 characters sit at 52; the rest continues at 220.
  const nameEn = (Buffer.from(block.subarray(L.nameEn[0], L.nameEn[0] + L.nameEn[1])).toString('utf16le') + text(block, L.nameEn2)).replace(/[\u0020\u0000]+$/u, '');
  return {
    ...EMPTY,
    cardType: type,
    docType,
    name: required(block, L.name, 'name'),
    nameEn: nameEn === '' ? null : nameEn,
    sex: sex(text(block, L.sex)),
    birthDate: isoDate(text(block, L.birth), 'birthDate'),
    idNumber: checkedId18(text(block, L.id), /^9\d{16}[\dX]$/),
    validFrom: isoDate(text(block, L.from), 'validFrom'),
    validTo: validTo(text(block, L.to)),
    nationality: optional(block, L.country),
  };
}

// ---- encoding (simulator and fixtures) ----

function put(block: Buffer, [offset, length]: Field, value: string, field: string): void {
  const bytes = Buffer.from(value, 'utf16le');
  if (bytes.length > length) throw new RangeError(`${field} does not fit its ${length / 2}-character field`);
  bytes.copy(block, offset);
}

/** Encodes a demo person's card into a text block exactly as a reader module returns it. */
export function encodeTextBlock(person: DemoPerson): Buffer {
  if (person.cardType === null) throw new RangeError(`${person.key} carries no card`);
  const block = Buffer.from(' '.repeat(TEXT_BLOCK_LENGTH / 2), 'utf16le');
  if (person.cardType === ' ' || person.cardType === 'J') {
    const L = person.cardType === ' ' ? LAYOUT.resident : LAYOUT.hmt;
    put(block, L.name, person.name, 'name');
    put(block, L.sex, person.sex, 'sex');
    if (person.cardType === ' ') put(block, LAYOUT.resident.ethnic, person.ethnic ?? '01', 'ethnic');
    put(block, L.birth, person.birthDate, 'birthDate');
    put(block, L.address, person.address ?? '', 'address');
    put(block, L.id, person.idNumber, 'idNumber');
    put(block, L.authority, person.authority ?? '', 'authority');
    put(block, L.from, person.validFrom, 'validFrom');
    put(block, L.to, person.validTo, 'validTo');
    if (person.cardType === 'J') {
      put(block, LAYOUT.hmt.pass, person.passNumber ?? '', 'passNumber');
      put(block, LAYOUT.hmt.issues, '01', 'issueCount');
    }
  } else if (person.cardType === 'I') {
    const L = LAYOUT.fp2017;
    put(block, L.nameEn, person.englishName ?? person.name, 'nameEn');
    put(block, L.sex, person.sex, 'sex');
    put(block, L.id, person.idNumber, 'idNumber');
    put(block, L.nationality, person.nationality ?? '', 'nationality');
    put(block, L.name, person.name, 'name');
    put(block, L.from, person.validFrom, 'validFrom');
    put(block, L.to, person.validTo, 'validTo');
    put(block, L.birth, person.birthDate, 'birthDate');
    put(block, L.version, '01', 'cardVersion');
  } else {
    const L = LAYOUT.fp2023;
    const nameEn = person.englishName ?? '';
    put(block, L.name, person.name, 'name');
    put(block, L.sex, person.sex, 'sex');
    put(block, L.birth, person.birthDate, 'birthDate');
    put(block, L.nameEn, nameEn.slice(0, 35), 'nameEn');
    put(block, L.nameEn2, nameEn.slice(35), 'nameEn');
    put(block, L.id, person.idNumber, 'idNumber');
    put(block, L.from, person.validFrom, 'validFrom');
    put(block, L.to, person.validTo, 'validTo');
    put(block, L.country, person.nationality ?? '', 'nationality');
  }
  put(block, [CARD_TYPE_OFFSET, 2], person.cardType, 'cardType');
  return block;
}
