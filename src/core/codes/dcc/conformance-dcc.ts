// The EU DCC public test data (dgc-testdata layout: <STATE>/2DCode/raw/*.json, some under a schema
// version folder, common/ for structural cases) checked one expectation at a time against the kiosk's
// own answer at that layer (docs/dcc.md, "Conformance"). Each case's TESTCTX.CERTIFICATE is the only
// DSC known and TESTCTX.VALIDATIONCLOCK is "now". A layer's input is the case's own field for it when
// present, else what the earlier layers make of the case's PREFIX (so every case is answered).
//
// The picture layer decodes the case's PNG with the kiosk's camera pipeline; core may not import it
// (architecture.md, "Layout"), so the caller injects it. Without one, EXPECTEDPICTUREDECODE is not checked.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { cborDecode } from '../cbor.js';
import { DEFAULT_CLOCK_SKEW_SECONDS } from '../verify.js';
import type { DscEntry } from './types.js';
import {
  certValidAt,
  cborToJson,
  dccCoseAlg,
  dccCoseKid,
  dccType,
  decodeDccCose,
  decodeDccCwt,
  decodeHc1Base45,
  ekuAllows,
  findDsc,
  Hc1LayerError,
  inflateHc1,
  kidOfCertificate,
  unprefixHc1,
  validateDccSchema,
  verifyDccSignature,
} from './verify-hc1.js';

/** The expectations this runner computes, in layer order. EXPECTEDENCODE and EXPECTEDVALIDJSON concern issuing and JSON round trips, not the kiosk. */
export const DCC_EXPECTATIONS = [
  'EXPECTEDUNPREFIX',
  'EXPECTEDB45DECODE',
  'EXPECTEDCOMPRESSION',
  'EXPECTEDDECODE',
  'EXPECTEDVERIFY',
  'EXPECTEDEXPIRATIONCHECK',
  'EXPECTEDKEYUSAGE',
  'EXPECTEDSCHEMAVALIDATION',
  'EXPECTEDVALIDOBJECT',
  'EXPECTEDPICTUREDECODE',
] as const;
export type DccExpectation = (typeof DCC_EXPECTATIONS)[number];

/** Decodes a PNG through the kiosk's camera pipeline: the text exactly as read, or null when none. */
export type PictureDecoder = (png: Uint8Array) => Promise<string | null>;

export interface DccDisagreement {
  /** The case file, relative to the directory walked, with forward slashes. */
  case: string;
  expectation: DccExpectation | 'FILE';
  expected: boolean | null;
  kiosk: boolean | null;
  /** Why the kiosk answered as it did (a reason code and detail; never personal data). */
  detail: string;
}

export interface DccConformanceReport {
  cases: number;
  expectations: Record<string, { checked: number; agree: number }>;
  disagreements: DccDisagreement[];
}

interface Answer {
  ok: boolean;
  detail: string;
}

type RawCase = Record<string, unknown> & { TESTCTX?: Record<string, unknown>; EXPECTEDRESULTS?: Record<string, unknown> };

/** Every `*.json` under a `2DCode/raw` folder, sorted; `schemas/` and other files are not cases. */
export function findDccCaseFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        if (name !== 'schemas' && !name.startsWith('.')) walk(p);
      } else if (name.endsWith('.json') && p.split(sep).slice(-3, -1).join('/').toLowerCase() === '2dcode/raw') {
        out.push(p);
      }
    }
  };
  walk(dir);
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function hexField(c: RawCase, name: string): Uint8Array | undefined {
  const v = str(c[name]);
  if (v === undefined) return undefined;
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(v)) throw new Hc1LayerError('DCC_COSE_INVALID', `${name} is not hex`);
  return Buffer.from(v, 'hex');
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** CBOR equality as the test data's README asks (maps unordered): both decoded, compared structurally. */
function cborEqual(a: unknown, b: unknown): boolean {
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !cborEqual(v, b.get(k))) return false;
    return true;
  }
  if (a instanceof Uint8Array && b instanceof Uint8Array) return sameBytes(a, b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => cborEqual(x, b[i]));
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ta = a as { tag?: unknown; value?: unknown };
    const tb = b as { tag?: unknown; value?: unknown };
    return ta.tag === tb.tag && ta.tag !== undefined && cborEqual(ta.value, tb.value);
  }
  return Object.is(a, b);
}

// The chain of layers, each taking the case's own field when it has one.
const base45Of = (c: RawCase): string => {
  const b45 = str(c.BASE45);
  if (b45 !== undefined) return b45;
  const fromPrefix = unprefixHc1(str(c.PREFIX) ?? '');
  if (fromPrefix === null) throw new Error('no BASE45 and no HC1: PREFIX');
  return fromPrefix;
};
const compressedOf = (c: RawCase): Uint8Array => hexField(c, 'COMPRESSED') ?? decodeHc1Base45(base45Of(c));
const coseOf = (c: RawCase): Uint8Array => hexField(c, 'COSE') ?? inflateHc1(compressedOf(c));

function why(err: unknown): string {
  if (err instanceof Hc1LayerError) return `${err.reason}: ${err.message}`;
  return (err as Error)?.message ?? String(err);
}

function attempt(fn: () => Answer): Answer {
  try {
    return fn();
  } catch (err) {
    return { ok: false, detail: why(err) };
  }
}

function caseClock(c: RawCase): number | null {
  const clock = str(c.TESTCTX?.VALIDATIONCLOCK);
  if (clock === undefined) return null;
  const ms = Date.parse(clock);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

function caseCertificate(c: RawCase): X509Certificate {
  const b64 = str(c.TESTCTX?.CERTIFICATE);
  if (!b64) throw new Hc1LayerError('DCC_KEY_UNKNOWN', 'case has no TESTCTX.CERTIFICATE');
  try {
    return new X509Certificate(Buffer.from(b64, 'base64'));
  } catch (err) {
    throw new Hc1LayerError('DCC_KEY_UNKNOWN', `TESTCTX.CERTIFICATE: ${(err as Error).message}`);
  }
}

/** The one-entry DSC list the case's certificate makes (kid as the EU gateway computes it). */
function caseDscs(cert: X509Certificate): Map<string, DscEntry> {
  const kid = kidOfCertificate(cert.raw);
  return new Map([[kid, { kid, country: '', certificate: cert }]]);
}

/** Layers 4–8 (COSE, alg, CWT, kid, signature) with the case's certificate as the only DSC. */
function verifiedCose(c: RawCase): { cert: X509Certificate; hcert: Record<string, unknown> } {
  const cose = decodeDccCose(coseOf(c));
  const alg = dccCoseAlg(cose);
  const cwt = decodeDccCwt(cose.payload);
  const cert = caseCertificate(c);
  const dsc = findDsc(dccCoseKid(cose), caseDscs(cert));
  if (!verifyDccSignature(cose, alg, dsc.certificate)) throw new Hc1LayerError('DCC_SIGNATURE_INVALID', `${alg} signature does not verify`);
  return { cert, hcert: cwt.hcert };
}

/** The hcert the schema layer sees: the case's CBOR field (a CWT, or the bare hcert), else the code's. */
function hcertOf(c: RawCase): Record<string, unknown> {
  const cbor = hexField(c, 'CBOR');
  if (cbor === undefined) return decodeDccCwt(decodeDccCose(coseOf(c)).payload).hcert;
  let item: unknown;
  try {
    item = cborDecode(cbor);
  } catch (err) {
    throw new Hc1LayerError('DCC_CWT_INVALID', `CBOR: ${(err as Error).message}`);
  }
  if (item instanceof Map && item.has(-260)) return decodeDccCwt(cbor).hcert;
  try {
    const json = cborToJson(item);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('not a map');
    return json as Record<string, unknown>;
  } catch (err) {
    throw new Hc1LayerError('DCC_CWT_INVALID', `hcert: ${(err as Error).message}`);
  }
}

/** Layer 11 as the verifier applies it: the schema of the payload's own `ver`, and one entry of one type. */
function schemaAnswer(hcert: Record<string, unknown>): Answer {
  const s = validateDccSchema(hcert);
  if (!s.ok) return { ok: false, detail: `DCC_SCHEMA_INVALID: ${s.detail}` };
  if (!dccType(hcert)) return { ok: false, detail: 'DCC_SCHEMA_INVALID: not exactly one entry of exactly one of v, t, r' };
  return { ok: true, detail: 'schema valid' };
}

const LAYERS: Record<Exclude<DccExpectation, 'EXPECTEDPICTUREDECODE'>, (c: RawCase) => Answer> = {
  EXPECTEDUNPREFIX: (c) => {
    const b45 = unprefixHc1(str(c.PREFIX) ?? '');
    if (b45 === null) return { ok: false, detail: 'FORMAT_UNKNOWN: no HC1: prefix' };
    const expected = str(c.BASE45);
    if (expected !== undefined && b45 !== expected) return { ok: false, detail: 'text after the prefix differs from BASE45' };
    return { ok: true, detail: 'prefix HC1:' };
  },
  EXPECTEDB45DECODE: (c) => {
    const bytes = decodeHc1Base45(base45Of(c));
    const expected = hexField(c, 'COMPRESSED');
    if (expected !== undefined && !sameBytes(bytes, expected)) return { ok: false, detail: 'Base45 decodes to other bytes than COMPRESSED' };
    return { ok: true, detail: 'Base45 decodes' };
  },
  EXPECTEDCOMPRESSION: (c) => {
    const cose = inflateHc1(compressedOf(c));
    const expected = hexField(c, 'COSE');
    if (expected !== undefined && !sameBytes(cose, expected)) return { ok: false, detail: 'inflates to other bytes than COSE' };
    return { ok: true, detail: 'zlib inflates' };
  },
  EXPECTEDDECODE: (c) => {
    const cose = decodeDccCose(coseOf(c));
    decodeDccCwt(cose.payload);
    const expected = hexField(c, 'CBOR');
    if (expected !== undefined) {
      let other: unknown;
      try {
        other = cborDecode(expected);
      } catch (err) {
        return { ok: false, detail: `CBOR field does not decode: ${(err as Error).message}` };
      }
      // CBOR is the whole CWT in some states' data and the bare hcert in others'.
      const payload = cborDecode(cose.payload) as Map<unknown, unknown>;
      const mine = other instanceof Map && other.has(-260) ? payload : (payload.get(-260) as Map<unknown, unknown>).get(1);
      if (!cborEqual(mine, other)) return { ok: false, detail: 'payload differs from CBOR' };
    }
    return { ok: true, detail: 'COSE and CWT decode' };
  },
  EXPECTEDVERIFY: (c) => {
    verifiedCose(c);
    return { ok: true, detail: 'signature verifies' };
  },
  EXPECTEDEXPIRATIONCHECK: (c) => {
    const now = caseClock(c);
    if (now === null) return { ok: false, detail: 'no usable VALIDATIONCLOCK' };
    const cwt = decodeDccCwt(decodeDccCose(coseOf(c)).payload);
    const skew = DEFAULT_CLOCK_SKEW_SECONDS;
    if (!certValidAt(caseCertificate(c), now, skew)) return { ok: false, detail: 'DCC_CERT_EXPIRED: DSC not valid at VALIDATIONCLOCK' };
    if (cwt.iat > now + skew) return { ok: false, detail: 'DCC_NOT_YET_VALID: iat after VALIDATIONCLOCK' };
    if (cwt.exp < now - skew) return { ok: false, detail: 'DCC_EXPIRED: exp before VALIDATIONCLOCK' };
    return { ok: true, detail: 'valid at VALIDATIONCLOCK' };
  },
  EXPECTEDKEYUSAGE: (c) => {
    const { cert, hcert } = verifiedCose(c);
    const type = dccType(hcert);
    if (type && !ekuAllows(cert, type)) return { ok: false, detail: `DCC_CERT_USAGE: EKU does not cover type ${type}` };
    return { ok: true, detail: `EKU allows ${type ?? 'the payload'}` };
  },
  EXPECTEDSCHEMAVALIDATION: (c) => schemaAnswer(hcertOf(c)),
  EXPECTEDVALIDOBJECT: (c) => {
    const json = c.JSON;
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return { ok: false, detail: 'no JSON object' };
    return schemaAnswer(json as Record<string, unknown>);
  },
};

async function pictureAnswer(c: RawCase, decode: PictureDecoder): Promise<Answer> {
  const b64 = str(c['2DCODE']);
  if (!b64) return { ok: false, detail: 'no 2DCODE' };
  let text: string | null;
  try {
    text = await decode(Buffer.from(b64, 'base64'));
  } catch (err) {
    return { ok: false, detail: `picture: ${(err as Error).message}` };
  }
  if (text === null) return { ok: false, detail: 'no code read from the picture' };
  if (text !== str(c.PREFIX)) return { ok: false, detail: 'picture reads as other text than PREFIX' };
  return { ok: true, detail: 'picture reads as PREFIX' };
}

export async function runDccConformance(dir: string, opts: { pictureDecoder?: PictureDecoder } = {}): Promise<DccConformanceReport> {
  const report: DccConformanceReport = { cases: 0, expectations: {}, disagreements: [] };
  for (const name of DCC_EXPECTATIONS) report.expectations[name] = { checked: 0, agree: 0 };
  for (const file of findDccCaseFiles(dir)) {
    const id = relative(dir, file).split(sep).join('/');
    let c: RawCase;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
      c = parsed as RawCase;
    } catch (err) {
      report.disagreements.push({ case: id, expectation: 'FILE', expected: null, kiosk: null, detail: `unreadable: ${(err as Error).message}` });
      continue;
    }
    report.cases++;
    const expected = c.EXPECTEDRESULTS ?? {};
    for (const name of DCC_EXPECTATIONS) {
      const want = expected[name];
      if (typeof want !== 'boolean') continue;
      let answer: Answer;
      if (name === 'EXPECTEDPICTUREDECODE') {
        // No decoder injected, or no picture in the case (as the data's own test runner, it is skipped).
        if (!opts.pictureDecoder || !str(c['2DCODE'])) continue;
        answer = await pictureAnswer(c, opts.pictureDecoder);
      } else {
        answer = attempt(() => LAYERS[name](c));
      }
      const tally = report.expectations[name]!;
      tally.checked++;
      if (answer.ok === want) tally.agree++;
      else report.disagreements.push({ case: id, expectation: name, expected: want, kiosk: answer.ok, detail: answer.detail });
    }
  }
  return report;
}

/** The text report: one line per disagreement, one per expectation, then `N passed, N failed`. */
export function formatDccReport(report: DccConformanceReport): string {
  const lines = report.disagreements.map((d) =>
    d.expectation === 'FILE' ? `FAIL ${d.case}: ${d.detail}` : `FAIL ${d.case} ${d.expectation}: expected ${String(d.expected)}, kiosk ${String(d.kiosk)} (${d.detail})`,
  );
  let passed = 0;
  for (const [name, t] of Object.entries(report.expectations)) {
    lines.push(`${name} checked ${t.checked} agree ${t.agree}`);
    passed += t.agree;
  }
  lines.push(`${passed} passed, ${report.disagreements.length} failed`);
  return lines.join('\n') + '\n';
}
