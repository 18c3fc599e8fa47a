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

/** Masks a document number for screens and exports: keeps the first 4 and last 4 (`3301**********1234`). */
export function maskDocumentNumber(id: string): string {
  if (id.length <= 8) return id.length <= 2 ? '*'.repeat(id.length) : id[0] + '*'.repeat(id.length - 2) + id[id.length - 1];
  return id.slice(0, 4) + '*'.repeat(id.length - 8) + id.slice(-4);
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
