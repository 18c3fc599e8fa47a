// The conformance runner for health-code spec §5 vectors: every section (`codes`, `policy`,
// `cardOnly`, `trustListUpdates`, `statusLookups`). Used by the test suite and by
// `kiosk conformance FILE`, so any file in the vectors' format can be checked.
import { z } from 'zod';
import { decideForCard, decideForCode, resolvePolicy } from '../policy/policy.js';
import type { Ed25519Verifier } from './ed25519.js';
import { installStatusList, installTrustList, lookupStatus, type PinnedRoot, type StatusList, type TrustList } from './lists.js';
import { verifyCode } from './verify.js';

const root = z.object({ kid: z.string(), pub: z.string() });
const nullableReason = z.string().nullable();
const vectorsSchema = z.object({
  roots: z.array(root),
  trustList: z.string(),
  statusList: z.string().optional(),
  now: z.number().optional(),
  codes: z.array(z.object({ name: z.string(), qr: z.string(), now: z.number(), expect: z.record(z.string(), z.unknown()).and(z.object({ authentic: z.boolean(), reason: nullableReason })) })).default([]),
  policy: z
    .array(
      z.object({
        name: z.string(),
        qr: z.string(),
        now: z.number(),
        policy: z.record(z.string(), z.unknown()).default({}),
        card: z.object({ id: z.string() }).nullable().default(null),
        temperatureC: z.number().nullable().default(null),
        expect: z.object({ decision: z.string(), reason: nullableReason, trustListStale: z.boolean().optional() }),
      }),
    )
    .default([]),
  cardOnly: z
    .array(
      z.object({
        name: z.string(),
        card: z.object({ id: z.string() }),
        now: z.number(),
        policy: z.record(z.string(), z.unknown()).default({}),
        temperatureC: z.number().nullable().default(null),
        statusListCached: z.boolean().default(true),
        expect: z.object({ decision: z.string(), reason: nullableReason }),
      }),
    )
    .default([]),
  trustListUpdates: z
    .array(
      z.object({
        name: z.string(),
        roots: z.array(root),
        current: z.string().nullable(),
        candidate: z.string(),
        kind: z.enum(['trust', 'status']).optional(),
        expect: z.object({ accepted: z.boolean(), reason: nullableReason, seq: z.number().optional() }),
      }),
    )
    .default([]),
  statusLookups: z
    .array(z.object({ id: z.string(), name: z.string().optional(), expect: z.object({ st: z.number(), su: z.number() }).nullable() }))
    .default([]),
});
export type ConformanceVectors = z.infer<typeof vectorsSchema>;

export interface CaseResult {
  section: string;
  name: string;
  ok: boolean;
  /** What differed, for a failing case. */
  message?: string;
}

export class VectorsFormatError extends Error {}

export function parseVectors(json: unknown): ConformanceVectors {
  const parsed = vectorsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VectorsFormatError(`not a vectors file: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  return parsed.data;
}

function compare(section: string, name: string, expected: Record<string, unknown>, actual: Record<string, unknown>): CaseResult {
  const diffs: string[] = [];
  for (const [k, want] of Object.entries(expected)) {
    const got = actual[k];
    if (JSON.stringify(got ?? null) !== JSON.stringify(want ?? null)) diffs.push(`${k}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got ?? null)}`);
  }
  return diffs.length ? { section, name, ok: false, message: diffs.join('; ') } : { section, name, ok: true };
}

export function runConformance(vectors: ConformanceVectors, ed25519: Ed25519Verifier): CaseResult[] {
  const results: CaseResult[] = [];
  const roots: PinnedRoot[] = vectors.roots;
  const trust = installTrustList(vectors.trustList, roots, null, ed25519);
  if (!trust.accepted) {
    return [{ section: 'setup', name: 'trustList', ok: false, message: `cached trust list refused: ${trust.reason} (${trust.message})` }];
  }
  const trustList: TrustList = trust.list;
  let statusList: StatusList | null = null;
  if (vectors.statusList) {
    const status = installStatusList(vectors.statusList, roots, null, ed25519);
    if (!status.accepted) results.push({ section: 'setup', name: 'statusList', ok: false, message: `cached status list refused: ${status.reason}` });
    else statusList = status.list;
  }

  for (const c of vectors.codes) {
    const v = verifyCode(c.qr, { trustList, now: c.now, ed25519 });
    const hc = v.claims?.hc;
    const actual: Record<string, unknown> = {
      authentic: v.authentic,
      reason: v.reason,
      iss: v.claims?.iss,
      iat: v.claims?.iat,
      exp: v.claims?.exp,
      ...(hc ?? {}),
    };
    results.push(compare('codes', c.name, c.expect, actual));
  }

  for (const c of vectors.policy) {
    const policy = resolvePolicy(c.policy);
    const v = verifyCode(c.qr, { trustList, now: c.now, ed25519, skewSeconds: policy.clockSkewSeconds });
    const d = decideForCode({ verification: v, trustList, policy, card: c.card, temperatureC: c.temperatureC, now: c.now });
    results.push(compare('policy', c.name, c.expect, { ...d }));
  }

  for (const c of vectors.cardOnly) {
    const d = decideForCard({
      card: c.card,
      statusList: c.statusListCached ? statusList : null,
      policy: resolvePolicy(c.policy),
      temperatureC: c.temperatureC,
      now: c.now,
    });
    results.push(compare('cardOnly', c.name, c.expect, { decision: d.decision, reason: d.reason }));
  }

  for (const c of vectors.trustListUpdates) {
    const kind = c.kind ?? 'trust';
    const install = kind === 'trust' ? installTrustList : installStatusList;
    let current: { seq: number } | null = null;
    if (c.current) {
      const cur = install(c.current, c.roots, null, ed25519);
      if (!cur.accepted) {
        results.push({ section: 'trustListUpdates', name: c.name, ok: false, message: `current list refused: ${cur.reason}` });
        continue;
      }
      current = cur.list;
    }
    const r = install(c.candidate, c.roots, current, ed25519);
    const actual = r.accepted ? { accepted: true, reason: null, seq: r.list.seq } : { accepted: false, reason: r.reason };
    results.push(compare('trustListUpdates', c.name, c.expect, actual));
  }

  for (const c of vectors.statusLookups) {
    const name = c.name ?? c.id;
    if (!statusList) {
      results.push({ section: 'statusLookups', name, ok: false, message: 'no status list in the vectors' });
      continue;
    }
    const got = lookupStatus(statusList, c.id);
    const ok = JSON.stringify(got) === JSON.stringify(c.expect);
    results.push(ok ? { section: 'statusLookups', name, ok } : { section: 'statusLookups', name, ok, message: `expected ${JSON.stringify(c.expect)}, got ${JSON.stringify(got)}` });
  }
  return results;
}
