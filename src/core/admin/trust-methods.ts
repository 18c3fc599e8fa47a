// The trust screen (health-code spec §2–4): what the kiosk verifies codes against. The trust list's
// seq, issue time, next update and keys per province; its revoked codes; the status list's seq, size
// and age; the pinned national roots with the SHA-256 of each public key, for reading out against
// the root the province published; and the warnings the guard screen's status bar shows, taken from
// the same freshness, clock and refused-list functions the status bar gets (never worked out a second way).
import { createHash } from 'node:crypto';
import { fail, ok, type KioskService, type TrustOverview, type TrustWarning } from '../../contract/api.js';
import { base64urlDecode } from '../../base/base64url.js';
import type { AdminDeps } from './deps.js';
import type { DscEntry } from '../codes/dcc/types.js';
import { ADMIN_OR_INTEGRATOR } from './sessions.js';

/** SHA-256 of a pinned root's raw public key (config `roots[].pub`, b64url), lower-case hex; null when it is not b64url. */
export function rootFingerprint(pub: string): string | null {
  const raw = base64urlDecode(pub);
  return raw === null ? null : createHash('sha256').update(raw).digest('hex');
}

/** The DSC list's signers counted by issuing country, most first (then by country code). */
function dscSigners(dscs: ReadonlyMap<string, DscEntry> | undefined): { certificates: number; countries: { country: string; certificates: number }[] } {
  const byCountry = new Map<string, number>();
  for (const d of dscs?.values() ?? []) byCountry.set(d.country, (byCountry.get(d.country) ?? 0) + 1);
  const countries = [...byCountry]
    .map(([country, certificates]) => ({ country: country.slice(0, 8), certificates }))
    .sort((a, b) => b.certificates - a.certificates || a.country.localeCompare(b.country))
    .slice(0, 300);
  return { certificates: dscs?.size ?? 0, countries };
}

export function trustMethods(deps: AdminDeps): Pick<KioskService, 'getTrustOverview'> {
  return {
    async getTrustOverview(request, context) {
      const held = deps.sessions.require(request.session, context, 'trust-overview', ADMIN_OR_INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      try {
        const at = deps.clock.now();
        const { trustList, statusList, dscList } = deps.listsStatus();
        const clock = deps.clockStatus();
        const trust = deps.lists.trustList;
        const status = deps.lists.statusList;

        const byProvince = new Map<string, { province: string; active: number; revoked: number; kids: string[] }>();
        for (const key of trust?.keys.values() ?? []) {
          const p = byProvince.get(key.iss) ?? { province: key.iss.slice(0, 32), active: 0, revoked: 0, kids: [] };
          if (key.revoked) p.revoked++;
          else p.active++;
          if (p.kids.length < 64) p.kids.push(key.kid.slice(0, 64));
          byProvince.set(key.iss, p);
        }
        const provinces = [...byProvince.values()].sort((a, b) => a.province.localeCompare(b.province)).slice(0, 128);

        const roots = deps.config.roots
          .slice(0, 16)
          .map((r) => ({ kid: r.kid.slice(0, 64), sha256: rootFingerprint(r.pub) }))
          .filter((r): r is { kid: string; sha256: string } => r.sha256 !== null);

        // A list refused at start is named as such (not merely "missing"): the guard's chip says the same.
        const listProblems = deps.listProblems();
        const refused = (list: 'trust' | 'status') => listProblems.some((p) => p.list === list);
        const warnings: TrustWarning[] = [];
        if (refused('trust')) warnings.push('trustListRefused');
        else if (trustList.state === 'missing') warnings.push('trustListMissing');
        if (trustList.state === 'stale') warnings.push('trustListStale');
        if (trustList.state === 'expired') warnings.push('trustListExpired');
        if (refused('status')) warnings.push('statusListRefused');
        else if (statusList.state === 'missing') warnings.push('statusListMissing');
        if (statusList.state === 'stale') warnings.push('statusListStale');
        if (statusList.state === 'expired') warnings.push('statusListExpired');
        if (dscList?.state === 'missing') warnings.push('dscListMissing');
        if (dscList?.state === 'stale') warnings.push('dscListStale');
        if (dscList?.state === 'expired') warnings.push('dscListExpired');
        if (clock.warning) warnings.push('clockBackwards');
        if (roots.length === 0) warnings.push('noPinnedRoot');

        const ageOf = (issuedAt: number | null) => (issuedAt === null ? null : at - issuedAt);
        const overview: TrustOverview = {
          at,
          trustList: { ...trustList, ageMs: ageOf(trustList.issuedAt), keyCount: trust?.keys.size ?? 0, revokedCodes: trust?.revokedCodes.size ?? 0 },
          provinces,
          statusList: {
            ...statusList,
            ageMs: ageOf(statusList.issuedAt),
            records: status ? status.count : null,
            sizeBytes: status ? status.records.length : null,
          },
          ...(dscList ? { dscList: { ...dscList, ageMs: ageOf(dscList.issuedAt), ...dscSigners(deps.dscList?.list?.dscs) } } : {}),
          roots,
          clock,
          warnings,
          ...(listProblems.length > 0 ? { listProblems } : {}),
        };
        return ok(overview);
      } catch (err) {
        deps.log(`trust overview failed: ${(err as Error).name}`);
        return fail('INTERNAL', `the trust overview could not be built (${(err as Error).name})`);
      }
    },
  };
}
