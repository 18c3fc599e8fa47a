// The README's "Configuration" reference, generated from the one configuration schema
// (./config.ts): every key with its type, default and one line of meaning. Printed and written by
// scripts/config-doc.ts; scripts/config-doc.test.ts fails when README and schema disagree, so a key
// renamed in the schema cannot stay misnamed in the README.
import type { z } from 'zod';
import { kioskConfigSchema } from './config.js';

interface Row {
  key: string;
  type: string;
  default: string;
  meaning: string;
}

type Def = { type: string; [k: string]: unknown };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Unwraps optional/nullable/default, collecting what they say about the key. */
function unwrap(schema: z.ZodType): { inner: z.ZodType; nullable: boolean; optional: boolean; defaultValue: unknown; hasDefault: boolean; description: string | undefined } {
  let s = schema;
  let nullable = false;
  let optional = false;
  let hasDefault = false;
  let defaultValue: unknown;
  let description = s.description;
  for (;;) {
    const def = defOf(s);
    if (def.type === 'optional') optional = true;
    else if (def.type === 'nullable') nullable = true;
    else if (def.type === 'default') {
      if (!hasDefault) {
        hasDefault = true;
        const v = def.defaultValue;
        defaultValue = typeof v === 'function' ? (v as () => unknown)() : v;
      }
    } else break;
    s = def.innerType as z.ZodType;
    description ??= s.description;
  }
  return { inner: s, nullable, optional, defaultValue, hasDefault, description };
}

/** `integer 200–60000`, `number > 0`: the number's format and bounds, from its checks. */
function numberType(s: z.ZodType): string {
  let integer = false;
  let lo = '';
  let hi = '';
  for (const check of (defOf(s).checks as Array<{ _zod: { def: { check: string; format?: string; value?: number; inclusive?: boolean } } }> | undefined) ?? []) {
    const c = check._zod.def;
    if (c.check === 'number_format' && /int/.test(c.format ?? '')) integer = true;
    else if (c.check === 'greater_than') lo = c.inclusive ? `${c.value}` : `> ${c.value}`;
    else if (c.check === 'less_than') hi = c.inclusive ? `${c.value}` : `< ${c.value}`;
  }
  const name = integer ? 'integer' : 'number';
  if (lo && hi && !lo.startsWith('>') && !hi.startsWith('<')) return `${name} ${lo} to ${hi}`;
  const bounds = [lo && (lo.startsWith('>') ? lo : `≥ ${lo}`), hi && (hi.startsWith('<') ? hi : `≤ ${hi}`)].filter(Boolean).join(', ');
  return bounds ? `${name} ${bounds}` : name;
}

/** `string, 1–64 characters`: a string's length bounds, from its checks (a hand-edited name too long is refused at start). */
function stringType(s: z.ZodType): string {
  const def = defOf(s);
  let min: number | undefined;
  let max: number | undefined;
  for (const check of (def.checks as Array<{ _zod: { def: { check: string; minimum?: number; maximum?: number; length?: number } } }> | undefined) ?? []) {
    const c = check._zod.def;
    if (c.check === 'min_length') min = c.minimum;
    else if (c.check === 'max_length') max = c.maximum;
    else if (c.check === 'length_equals') min = max = c.length;
  }
  const name = def.format === 'url' ? 'URL' : 'string';
  if (min !== undefined && min === max) return `${name}, ${min} characters`;
  if (max !== undefined) return min ? `${name}, ${min}–${max} characters` : `${name}, up to ${max} characters`;
  if (min !== undefined && min > 1) return `${name}, ≥ ${min} characters`;
  // min 1 alone is "not empty", which every required name is: not worth a word in every row.
  return name;
}

function typeOf(s: z.ZodType): string {
  const def = defOf(s);
  switch (def.type) {
    case 'string':
      return stringType(s);
    case 'number':
      return numberType(s);
    case 'boolean':
      return 'boolean';
    case 'enum':
      return Object.values(def.entries as Record<string, string>).map((v) => `\`${v}\``).join(' \\| ');
    case 'literal':
      return (def.values as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
    case 'union':
      // A discriminated union is an object whose keys depend on its tag (listed per variant below).
      if (typeof def.discriminator === 'string') return `object by \`${def.discriminator}\``;
      return (def.options as z.ZodType[]).map(typeOf).join(' \\| ');
    case 'array':
      return `list of ${typeOf(def.element as z.ZodType)}`;
    case 'object':
      return 'object';
    default:
      return def.type;
  }
}

function defaultText(u: ReturnType<typeof unwrap>): string {
  if (!u.hasDefault) return u.optional ? 'unset' : 'required';
  const v = u.defaultValue;
  // A section's default is its keys' defaults; a small one (`{"driver":"none"}`) is shown whole.
  if (v !== null && typeof v === 'object') return JSON.stringify(v).length <= 24 ? `\`${JSON.stringify(v)}\`` : 'see keys';
  return `\`${JSON.stringify(v)}\``;
}

function walk(schema: z.ZodType, path: string, rows: Row[]): void {
  const u = unwrap(schema);
  const def = defOf(u.inner);
  const type = typeOf(u.inner) + (u.nullable ? ' \\| null' : '');
  if (path) rows.push({ key: path, type, default: defaultText(u), meaning: u.description ?? '' });
  if (def.type === 'object') {
    for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(v, path ? `${path}.${k}` : k, rows);
  } else if (def.type === 'array' && defOf(unwrap(def.element as z.ZodType).inner).type === 'object') {
    const element = unwrap(def.element as z.ZodType).inner;
    for (const [k, v] of Object.entries(defOf(element).shape as Record<string, z.ZodType>)) walk(v, `${path}[].${k}`, rows);
  } else if (def.type === 'union' && typeof def.discriminator === 'string') {
    // One block per variant, named by its discriminator: `devices.gate (driver: lcus).port`.
    const d = def.discriminator;
    for (const option of def.options as z.ZodType[]) {
      const shape = defOf(option).shape as Record<string, z.ZodType>;
      const tag = (defOf(shape[d]!).values as unknown[])[0];
      for (const [k, v] of Object.entries(shape)) if (k !== d) walk(v, `${path} (${d}: ${String(tag)}).${k}`, rows);
    }
  }
}

/** Every key of config.json as rows: key, type, default, meaning. */
export function configReferenceRows(): Row[] {
  const rows: Row[] = [];
  walk(kioskConfigSchema, '', rows);
  return rows;
}

/** The Markdown table the README carries between its config-reference markers. */
export function configReferenceMarkdown(): string {
  const cell = (s: string) => s.replace(/\|(?<!\\\|)/g, '\\|');
  const lines = ['| Key | Type | Default | Meaning |', '| --- | --- | --- | --- |'];
  for (const r of configReferenceRows()) lines.push(`| \`${r.key}\` | ${r.type} | ${r.default} | ${cell(r.meaning)} |`);
  return lines.join('\n');
}

export const CONFIG_REFERENCE_START = '<!-- config-reference:start (generated by scripts/config-doc.ts from src/contract/config.ts; do not edit by hand) -->';
export const CONFIG_REFERENCE_END = '<!-- config-reference:end -->';
