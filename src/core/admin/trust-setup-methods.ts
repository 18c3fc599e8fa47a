// The integrator's trust setup (docs/integrator-setup.md "Trust"; health-code spec §2–4): the pinned
// national roots, each shown with the SHA-256 of its public key to read out against the root the
// national platform published, added only once that fingerprint is confirmed and never down to none;
// a trust or status list brought on a USB stick, installed only through the very checks a synced list
// passes (ListCache: format, type, pinned root, signature, rollback floor) and refused with the
// list reason otherwise; and "sync now" through the uploader's own list sync.
import { createPublicKey } from 'node:crypto';
import {
  fail,
  LIST_IMPORT_MAX_CHARS,
  LIST_IMPORT_PART_CHARS,
  ok,
  type KioskService,
  type MethodRequest,
  type MethodResponse,
  type Result,
} from '../../contract/api.js';
import { base64urlDecode, base64urlEncode } from '../../base/base64url.js';
import { ConfigConflictError, ConfigError, updateConfig } from '../config/config.js';
import { keyId } from '../codes/ed25519.js';
import { MAX_TRUST_LIST_CHARS, type PinnedRoot } from '../codes/lists.js';
import { dscListWarnings, MAX_DSC_LIST_CHARS } from '../codes/dcc/dsc-list.js';
import { auditConfigChange } from './config-methods.js';
import type { AdminDeps } from './deps.js';
import { INTEGRATOR } from './sessions.js';
import { rootFingerprint } from './trust-methods.js';

export const TRUST_SETUP_AUDIT = {
  /** A list file imported from the screen: by, kind, accepted, the reason or the seq (never its contents). */
  listImported: 'list-imported',
} as const;

/** The trust overview shows at most this many roots; more is a mistake, not a rotation (spec §2). */
export const MAX_PINNED_ROOTS = 16;

type RootInput = MethodRequest<'previewPinnedRoot'>['root'];
type RootRows = MethodResponse<'getTrustSetup'>['roots'];

const ROOT_FORMATS = 'paste {"kid":…,"pub":…} JSON, the roots.json `kiosk pki demo` writes, a base64url public key or an Ed25519 PEM';

/**
 * A root from the two fields, or from a pasted text / root file in the forms the PKI tools write
 * (`kiosk pki demo` writes roots.json, an array of `{kid,pub}`). The kid is checked against the key:
 * spec §2 makes it the first 8 bytes of SHA-256 of the raw key, and a list is checked by that kid.
 */
export function parseRootInput(input: RootInput): { ok: true; root: PinnedRoot } | { ok: false; message: string } {
  let kid: string | null = null;
  let pub: string;
  if ('kid' in input) {
    kid = input.kid.trim();
    pub = input.pub.trim();
  } else {
    const text = input.text.trim();
    if (text.startsWith('-----BEGIN')) {
      try {
        const key = createPublicKey(text);
        if (key.asymmetricKeyType !== 'ed25519') return { ok: false, message: `the PEM holds a ${key.asymmetricKeyType ?? 'unknown'} key; a national root is Ed25519 (spec §2)` };
        pub = String(key.export({ format: 'jwk' }).x);
      } catch {
        return { ok: false, message: 'the PEM is not a public key' };
      }
    } else if (text.startsWith('{') || text.startsWith('[')) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return { ok: false, message: `not valid JSON; ${ROOT_FORMATS}` };
      }
      const list = Array.isArray(json) ? json : typeof json === 'object' && json !== null && Array.isArray((json as { roots?: unknown }).roots) ? (json as { roots: unknown[] }).roots : [json];
      if (list.length !== 1) return { ok: false, message: `the text holds ${list.length} roots; add them one at a time` };
      const one = list[0] as { kid?: unknown; pub?: unknown } | null;
      if (typeof one !== 'object' || one === null || typeof one.pub !== 'string') return { ok: false, message: `no "pub" (the root's public key) in the JSON; ${ROOT_FORMATS}` };
      if (one.kid !== undefined && typeof one.kid !== 'string') return { ok: false, message: '"kid" is not a string' };
      kid = typeof one.kid === 'string' ? one.kid.trim() : null;
      pub = one.pub.trim();
    } else if (/^[A-Za-z0-9_-]+$/.test(text)) {
      pub = text;
    } else {
      return { ok: false, message: `not a root; ${ROOT_FORMATS}` };
    }
  }
  const raw = base64urlDecode(pub);
  if (raw === null) return { ok: false, message: 'pub is not base64url (RFC 4648 §5, no padding)' };
  if (raw.length !== 32) return { ok: false, message: `pub is ${raw.length} bytes; an Ed25519 public key is 32 (spec §2)` };
  const ownKid = base64urlEncode(keyId(raw));
  if (kid !== null && kid !== ownKid) return { ok: false, message: `kid ${kid.slice(0, 64)} is not this key's kid (${ownKid}: the first 8 bytes of SHA-256 of the key, spec §2)` };
  return { ok: true, root: { kid: ownKid, pub: base64urlEncode(raw) } };
}

/** One import in progress (one at a time on a kiosk: a new one replaces it). */
interface PendingImport {
  token: string;
  kind: 'trust' | 'status' | 'dsc';
  total: number;
  /** The parts as UTF-8 bytes, encoded as each arrives: a 70 MB list is never joined into one text here. */
  parts: Buffer[];
  received: number;
  by: string;
}

export function trustSetupMethods(deps: AdminDeps): Pick<KioskService, 'getTrustSetup' | 'previewPinnedRoot' | 'addPinnedRoot' | 'removePinnedRoot' | 'importList' | 'syncListsNow'> {
  let pending: PendingImport | null = null;

  const rows = (roots: readonly PinnedRoot[]): RootRows =>
    roots.slice(0, MAX_PINNED_ROOTS).map((r) => ({ kid: r.kid.slice(0, 64), sha256: rootFingerprint(r.pub), signs: deps.lists.cachedSignedBy([r]) }));

  const listsChanged = () => deps.emit({ type: 'lists', ...deps.listsStatus() });

  /** Saves `roots` in config.json (on the revision in force), puts it in force and audits the paths. */
  const saveRoots = (by: string, roots: PinnedRoot[]): Result<MethodResponse<'addPinnedRoot'>> => {
    if (deps.configDir === null) return fail('BAD_REQUEST', 'this kiosk runs without a configuration file: nothing to save');
    const live = deps.liveConfig;
    let outcome;
    try {
      const saved = updateConfig(deps.configDir, [{ path: 'roots', value: roots }], { baseRevision: live.revision });
      outcome = live.apply(saved);
    } catch (err) {
      if (err instanceof ConfigConflictError) return fail('BAD_REQUEST', err.message.slice(0, 500));
      if (err instanceof ConfigError) return fail('CONFIG_INVALID', err.problems.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 500));
      return fail('STORAGE_UNAVAILABLE', `the pinned roots could not be saved (${(err as Error).name}: ${(err as Error).message})`.slice(0, 500));
    }
    try {
      auditConfigChange(deps, by, outcome.revision, outcome.changed);
    } catch (err) {
      deps.log(`config-changed (revision ${outcome.revision}, roots) not audited: ${(err as Error).name}`);
    }
    const appliedLive = outcome.applied.includes('roots');
    deps.log(`pinned roots saved by ${by}: ${roots.map((r) => r.kid).join(', ')}${appliedLive ? '' : ' (in force after a restart)'}`);
    listsChanged();
    return ok({ revision: outcome.revision, roots: rows(roots), appliedLive });
  };

  // The uploader (and its list sync) starts with the URL in force at start (src/app/compose.ts):
  // one saved since (the Uploads screen) waits for a restart; KIOSK_COLLECTOR_URL would override it.
  const collectorPendingRestart = () => !(deps.listSync?.available() ?? false) && !process.env.KIOSK_COLLECTOR_URL && !!deps.config.upload.collectorUrl;

  return {
    async getTrustSetup(request, context) {
      const held = deps.sessions.require(request.session, context, 'trust-setup', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      return ok({
        roots: rows(deps.config.roots),
        syncAvailable: deps.listSync?.available() ?? false,
        ...(collectorPendingRestart() ? { collectorPendingRestart: true } : {}),
        lastSync: (deps.listSync?.last() ?? []).slice(0, 2).map((o) => ({ ...o, message: o.message.slice(0, 300) })),
        limits: { partChars: LIST_IMPORT_PART_CHARS, trustChars: MAX_TRUST_LIST_CHARS, statusChars: LIST_IMPORT_MAX_CHARS, maxRoots: MAX_PINNED_ROOTS, ...(deps.dscList ? { dscChars: MAX_DSC_LIST_CHARS } : {}) },
      });
    },

    async previewPinnedRoot(request, context) {
      const held = deps.sessions.require(request.session, context, 'trust-root-preview', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const parsed = parseRootInput(request.root);
      if (!parsed.ok) return fail('BAD_REQUEST', parsed.message.slice(0, 500));
      const { root } = parsed;
      return ok({
        kid: root.kid,
        pub: root.pub,
        sha256: rootFingerprint(root.pub)!,
        alreadyPinned: deps.config.roots.some((r) => r.kid === root.kid),
        signs: deps.lists.cachedSignedBy([root]),
      });
    },

    async addPinnedRoot(request, context) {
      const held = deps.sessions.require(request.session, context, 'trust-root-add', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const parsed = parseRootInput(request.root);
      if (!parsed.ok) return fail('BAD_REQUEST', parsed.message.slice(0, 500));
      const { root } = parsed;
      const sha256 = rootFingerprint(root.pub)!;
      // The fingerprint the integrator read out and confirmed must be this key's: a key changed
      // between the preview and the confirmation is not the one that was confirmed.
      if (request.sha256 !== sha256) return fail('BAD_REQUEST', `the confirmed fingerprint is not this key's (${sha256}): preview the root again and read it out`);
      const roots = deps.config.roots;
      if (roots.some((r) => r.kid === root.kid)) return fail('BAD_REQUEST', `root ${root.kid} is already pinned`);
      if (roots.length >= MAX_PINNED_ROOTS) return fail('BAD_REQUEST', `a kiosk pins at most ${MAX_PINNED_ROOTS} roots; remove one that is retired first`);
      return saveRoots(held.session.by, [...roots, root]);
    },

    async removePinnedRoot(request, context) {
      const held = deps.sessions.require(request.session, context, 'trust-root-remove', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const roots = deps.config.roots;
      if (!roots.some((r) => r.kid === request.kid)) return fail('BAD_REQUEST', `no pinned root has kid ${request.kid}`);
      const remaining = roots.filter((r) => r.kid !== request.kid);
      // Spec §2: a list is accepted only under a pinned root; with none, no list could ever be installed.
      if (remaining.length === 0) return fail('BAD_REQUEST', 'a kiosk needs at least one pinned root: add the new root before removing this one');
      // Removing the only root that signs a list in use would drop that list (every code refused as
      // issuer unknown): a rotation installs a list signed by the new root first.
      const signed = deps.lists.cachedSignedBy(remaining);
      for (const kind of ['trust', 'status'] as const) {
        const inUse = kind === 'trust' ? deps.lists.trustList : deps.lists.statusList;
        if (inUse && signed[kind] === false) {
          return fail('BAD_REQUEST', `root ${request.kid} is the only pinned root that signs the ${kind} list in use: install a ${kind} list signed by another pinned root first`);
        }
      }
      return saveRoots(held.session.by, remaining);
    },

    async importList(request, context) {
      if (request.offset === 0) {
        const held = deps.sessions.require(request.session, context, `list-import-${request.kind}`, INTEGRATOR);
        if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
        if (request.kind === 'trust' && request.total > MAX_TRUST_LIST_CHARS) {
          return fail('FORMAT_INVALID', `a trust list is at most ${MAX_TRUST_LIST_CHARS} characters (this file has ${request.total}): not a trust list`);
        }
        // The DSC list of EU DCC signer certificates (docs/dcc-trust.md): the same import, its own checks.
        if (request.kind === 'dsc' && !deps.dscList) return fail('BAD_REQUEST', 'this kiosk keeps no DSC list');
        if (request.kind === 'dsc' && request.total > MAX_DSC_LIST_CHARS) {
          return fail('FORMAT_INVALID', `a DSC list is at most ${MAX_DSC_LIST_CHARS} characters (this file has ${request.total}): not a DSC list`);
        }
        pending = { token: request.session, kind: request.kind, total: request.total, parts: [], received: 0, by: held.session.by };
      } else {
        // The parts after the first belong to the import the first one opened (audited there): the
        // same live session of this connection, in order.
        const live = deps.sessions.touch(request.session, context);
        if (!live.ok) return fail(live.reason, live.message, live.retryInMs);
        if (!pending || pending.token !== request.session || pending.kind !== request.kind || pending.total !== request.total || pending.received !== request.offset) {
          return fail('BAD_REQUEST', `this part (at ${request.offset}) is not the next one of an import in progress: start the import again`);
        }
      }
      const cur = pending!;
      if (cur.received + request.text.length > cur.total) {
        pending = null;
        return fail('BAD_REQUEST', `the parts are longer than the ${cur.total} characters announced: start the import again`);
      }
      cur.parts.push(Buffer.from(request.text, 'utf8'));
      cur.received += request.text.length;
      if (cur.received < cur.total) return ok({ done: false as const, received: cur.received });

      pending = null;
      const parts = cur.parts.splice(0);
      let r;
      try {
        // installAsync: a large list is checked and written in a worker thread while passages go on.
        // A DSC list is small (a few MB at most): checked on this thread.
        r = cur.kind === 'dsc' ? deps.dscList!.install(Buffer.concat(parts).toString('utf8')) : await deps.lists.installAsync(cur.kind, parts);
      } catch (err) {
        deps.log(`${cur.kind} list import failed: ${(err as Error).name}: ${(err as Error).message}`);
        return fail('STORAGE_UNAVAILABLE', `the ${cur.kind} list could not be written (${(err as Error).name}); the installed one stays`);
      }
      // The very DSC list in use offered again is `unchanged` (docs/dcc-trust.md), audited as such.
      const unchanged = r.accepted && 'unchanged' in r && r.unchanged;
      const auditRow = r.accepted ? { by: cur.by, kind: cur.kind, accepted: true, seq: r.list.seq, ...(unchanged ? { unchanged: true } : {}) } : { by: cur.by, kind: cur.kind, accepted: false, reason: r.reason };
      try {
        deps.store.audit(TRUST_SETUP_AUDIT.listImported, auditRow, deps.clock.now());
      } catch (err) {
        deps.log(`list-imported (${cur.kind}) not audited: ${(err as Error).name}`);
      }
      if (!r.accepted) {
        deps.log(`${cur.kind} list import refused (${r.reason}): ${r.message}`);
        return fail(r.reason, `${cur.kind} list refused (${r.reason}): ${r.message}; the installed list stays`.slice(0, 500));
      }
      deps.log(`${cur.kind} list seq ${r.list.seq} ${unchanged ? 'imported again unchanged' : 'imported'} from a file by ${cur.by}`);
      listsChanged();
      const list = r.list;
      // A newer, validly signed DSC list is installed even when past its date or empty; the screen says so.
      const warnings =
        list.kind === 'dsc'
          ? dscListWarnings(list, Math.floor(deps.clock.now() / 1000), deps.config.policy.maxTrustListAgeDays).map((w) =>
              w.code === 'PAST_NEXT_UPDATE' ? { code: w.code, nextUpdateAt: w.nextUpdate * 1000 } : w.code === 'TOO_OLD' ? { code: w.code, issuedAt: w.issued * 1000, maxAgeDays: w.maxAgeDays } : w,
            )
          : [];
      return ok({
        done: true as const,
        kind: cur.kind,
        seq: list.seq,
        issuedAt: list.issued * 1000,
        nextUpdateAt: list.nextUpdate * 1000,
        count: list.kind === 'trust' ? list.keys.size : list.kind === 'dsc' ? list.dscs.size : list.count,
        ...(unchanged ? { unchanged: true } : {}),
        ...(warnings.length > 0 ? { warnings } : {}),
      });
    },

    async syncListsNow(request, context) {
      const held = deps.sessions.require(request.session, context, 'lists-sync-now', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      if (!deps.listSync || !deps.listSync.available()) {
        if (collectorPendingRestart()) return fail('BAD_REQUEST', 'the collector URL is saved (upload.collectorUrl) and takes effect after the kiosk restarts: sync works then; until then import the lists from a file');
        return fail('BAD_REQUEST', 'no collector configured (upload.collectorUrl, or it is not in use: see the log): import the lists from a file');
      }
      let outcomes;
      try {
        outcomes = await deps.listSync.syncNow();
      } catch (err) {
        return fail('INTERNAL', `the list sync failed (${(err as Error).name}: ${(err as Error).message})`.slice(0, 500));
      }
      // The uploader answers nothing when it refused its collector at start (e.g. COLLECTOR_INSECURE).
      if (outcomes.length === 0) return fail('BAD_REQUEST', 'a collector is configured but not in use (see the log: e.g. plain http beyond this machine): import the lists from a file');
      listsChanged();
      // The fleet bundle comes from the same collector: Sync now fetches it too, so a push need not
      // wait for the next list sync (docs/upload-protocol.md §12). Its failure is an outcome, not a refusal.
      let fleet;
      if (deps.listSync.fleetNow) {
        try {
          fleet = await deps.listSync.fleetNow();
        } catch (err) {
          fleet = { outcome: 'failed' as const, revision: null, reason: 'COLLECTOR_ERROR', message: `${(err as Error).name}: ${(err as Error).message}` };
        }
        fleet = { ...fleet, message: fleet.message.slice(0, 500) };
      }
      return ok({ outcomes: outcomes.slice(0, 2).map((o) => ({ kind: o.kind, outcome: o.outcome, reason: o.reason, message: o.message.slice(0, 300), seq: o.seq })), ...(fleet ? { fleet } : {}) });
    },
  };
}
