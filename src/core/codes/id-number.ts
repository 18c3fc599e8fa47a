// Resident ID number check digit: ISO 7064 MOD 11-2 (GB 11643), used by health-code spec §1 (`hc.id`
// for `CN`) and devices spec §1 (resident card, and the 2023 foreign permanent resident card `Y`).

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** The check character for the first 17 digits, or null if they are not 17 digits. */
export function mod11_2CheckChar(first17: string): string | null {
  if (!/^\d{17}$/.test(first17)) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

/** True for an 18-character number whose last character is the MOD 11-2 check (X upper case). */
export function isValidResidentIdNumber(id: string): boolean {
  if (id.length !== 18) return false;
  const check = mod11_2CheckChar(id.slice(0, 17));
  return check !== null && id[17] === check;
}

/** Completes 17 digits with their check character (demo data and fixtures). */
export function withCheckChar(first17: string): string {
  const c = mod11_2CheckChar(first17);
  if (c === null) throw new Error('need 17 digits');
  return first17 + c;
}

/**
 * What stays visible of a document number, per document type (`dt` of health-code spec §1, and the
 * card types of devices spec §1). Whatever the rule, `maskDocumentNumber` hides at least half of the
 * characters of any number (rounded up), so a short or unexpected number is never mostly visible.
 * - `CN` resident ID card, 18 characters (spec §1): region prefix (4) and last 4; the birth date
 *   (characters 7–14) is always hidden. 10 of 18 hidden.
 * - `HMT` HK/Macao/Taiwan residence permit, 18 characters with address code 81/82/83 (devices §1
 *   `J`): same as `CN`.
 * - `FP` foreign permanent resident ID card: the 2023 card (`Y`) has 18 digits, masked like `CN`;
 *   the 2017 card (`I`) has 15 characters starting with the 3-letter nationality: 3 and last 3
 *   (9 of 15 hidden). The length tells the two apart.
 * - `PP` passport (typically 9 characters, `E12345678`): first 1 and last 2 (6 of 9 hidden).
 * - no type or an unknown one (a card's 9-character pass number, a future type): a quarter of the
 *   length at each end, at most 4 (5 of 9 hidden, 10 of 18).
 */
export type MaskRule = { keepStart: number; keepEnd: number };

export const DOCUMENT_MASK_RULES: Readonly<Record<string, (length: number) => MaskRule>> = {
  CN: () => ({ keepStart: 4, keepEnd: 4 }),
  HMT: () => ({ keepStart: 4, keepEnd: 4 }),
  FP: (length) => (length === 15 ? { keepStart: 3, keepEnd: 3 } : { keepStart: 4, keepEnd: 4 }),
  PP: () => ({ keepStart: 1, keepEnd: 2 }),
};

function defaultMaskRule(length: number): MaskRule {
  const keep = Math.min(4, Math.floor(length / 4));
  return { keepStart: keep, keepEnd: keep };
}

/** The rule for a document type (upper-cased; unknown and null get the default rule). */
export function documentMaskRule(documentType: string | null | undefined, length: number): MaskRule {
  const rule = documentType ? DOCUMENT_MASK_RULES[documentType.trim().toUpperCase()] : undefined;
  return (rule ?? defaultMaskRule)(length);
}

/**
 * Masks a document number for screens, events, the stored masked column and masked exports
 * (`3301**********1234`, passport `E******78`). At least half of the characters are hidden whatever
 * the type's rule says, so a number shorter than the type expects is still mostly hidden.
 */
export function maskDocumentNumber(id: string, documentType?: string | null): string {
  const chars = [...id];
  const n = chars.length;
  let { keepStart, keepEnd } = documentMaskRule(documentType, n);
  keepStart = Math.max(0, keepStart);
  keepEnd = Math.max(0, keepEnd);
  // At least half hidden: visible characters at most floor(n / 2); trim the end first.
  while ((keepStart + keepEnd) * 2 > n) {
    if (keepEnd >= keepStart && keepEnd > 0) keepEnd--;
    else keepStart--;
  }
  return chars.slice(0, keepStart).join('') + '*'.repeat(n - keepStart - keepEnd) + chars.slice(n - keepEnd).join('');
}

/** Masks a holder's name: keeps the first character (`张*`, `J*** S****` style for Latin names). */
export function maskName(name: string): string {
  const chars = [...name];
  if (chars.length === 0) return '';
  if (/^[\p{Script=Han}·]+$/u.test(name)) return chars[0] + '*'.repeat(Math.max(1, chars.length - 1));
  return name
    .split(/(\s+)/)
    .map((part) => (/^\s+$/.test(part) || part.length === 0 ? part : part[0] + '*'.repeat(part.length - 1)))
    .join('');
}
