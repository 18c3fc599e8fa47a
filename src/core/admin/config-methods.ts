// The settings screen (docs/security.md, "Configuration"): the admin reads the configuration in
// force and changes it. A change is made against the revision it was read at (a stale one is refused
// rather than silently undoing someone else's save), validated with the contract's own schema (the
// screen validated the form with the same one), written atomically with the next revision, put in
// force at once wherever the part allows (src/core/config/live.ts), and audited with who, when, the
// revision and the paths: never a value, so neither a secret nor a person's data reaches the trail.
import { fail, ok, type Failure, type KioskService, type Ok } from '../../contract/api.js';
import { ConfigConflictError, ConfigError, updateConfig, type ConfigChange, type KioskConfig } from '../config/config.js';
import type { ApplyOutcome } from '../config/live.js';
import type { AdminDeps } from './deps.js';
import { ADMIN_OR_INTEGRATOR } from './sessions.js';

export const CONFIG_AUDIT = {
  /** A saved or reloaded configuration: `detail` has by, revision and paths (never values). */
  changed: 'config-changed',
} as const;

/**
 * Paths whose values are secrets or are set elsewhere: never shown, never changed from the screen.
 * PIN hashes (`kiosk admin set-pin`, `set-guard-pin`), the store's key file, the demo PKI seed.
 */
export const CONFIG_SECRET_PATHS = ['admin.pin', 'admin.integratorPin', 'guards', 'store.keyFile', 'demo'] as const;
/** Written by the kiosk itself on every save. */
const KIOSK_OWNED_PATHS = ['revision'] as const;

/** Whether `path` is `prefix` or lies under it. */
export const covers = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}.`);

/** The configuration as the screen may see it: secrets replaced by "set" / "not set". */
export function configForScreen(config: KioskConfig): Record<string, unknown> {
  const copy = structuredClone(config) as Record<string, unknown> & KioskConfig;
  const shown = copy as unknown as Record<string, unknown>;
  shown.admin = { ...copy.admin, pin: copy.admin.pin ? 'set' : 'not set', integratorPin: copy.admin.integratorPin ? 'set' : 'not set' };
  shown.guards = copy.guards.map((g) => ({ id: g.id, pin: 'set' }));
  shown.store = { ...copy.store, keyFile: copy.store.keyFile ? 'set' : 'not set' };
  if (copy.demo) shown.demo = { seed: 'set' };
  return shown;
}

/** Audits a configuration change (a save from a screen, or config.json reloaded after it changed). */
export function auditConfigChange(deps: Pick<AdminDeps, 'store' | 'clock'>, by: string, revision: number, paths: readonly string[]): void {
  deps.store.audit(CONFIG_AUDIT.changed, { by: by.slice(0, 100), revision, paths: paths.slice(0, 64).map((p) => p.slice(0, 200)) }, deps.clock.now());
}

/**
 * The tail every screen that writes config.json shares (a settings save, a setup import): write with
 * `save`, put the result in force at once (LiveConfig.apply) and audit it. A save that fails is
 * answered with its reason: a stale revision, a document the schema refuses (paths and what is wrong:
 * the schema's messages never quote the value) or a file that could not be written. A missing audit
 * row is logged (paths only, or `source`) rather than undoing a save that is in force already.
 */
export function saveApplyAudit(
  deps: Pick<AdminDeps, 'store' | 'clock' | 'log' | 'liveConfig'>,
  by: string,
  save: () => KioskConfig,
  source?: string,
): Ok<ApplyOutcome> | Failure {
  let saved: KioskConfig;
  try {
    saved = save();
  } catch (err) {
    if (err instanceof ConfigConflictError) return fail('BAD_REQUEST', err.message.slice(0, 500));
    if (err instanceof ConfigError) return fail('CONFIG_INVALID', err.problems.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 500));
    return fail('STORAGE_UNAVAILABLE', `the configuration could not be saved (${(err as Error).name}: ${(err as Error).message})`.slice(0, 500));
  }
  const outcome = deps.liveConfig.apply(saved);
  try {
    auditConfigChange(deps, by, outcome.revision, outcome.changed);
  } catch (err) {
    deps.log(`config-changed (revision ${outcome.revision}, ${source ?? outcome.changed.join(', ')}) not audited: ${(err as Error).name}`);
  }
  return ok(outcome);
}

export function configMethods(deps: AdminDeps): Pick<KioskService, 'getConfig' | 'saveConfigChange'> {
  return {
    async getConfig(request, context) {
      const held = deps.sessions.require(request.session, context, 'config-read', ADMIN_OR_INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const live = deps.liveConfig;
      return ok({ revision: live.revision, config: configForScreen(live.config), appliesLive: live.livePaths() });
    },

    async saveConfigChange(request, context) {
      const held = deps.sessions.require(request.session, context, 'config-change', ADMIN_OR_INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      if (deps.configDir === null) return fail('BAD_REQUEST', 'this kiosk runs without a configuration file: nothing to save');
      const forbidden = request.changes.map((c) => c.path).filter((p) => [...CONFIG_SECRET_PATHS, ...KIOSK_OWNED_PATHS].some((s) => covers(s, p) || covers(p, s)));
      if (forbidden.length > 0) {
        return fail('BAD_REQUEST', `${forbidden.join(', ')}: not changed from the screen (PINs: kiosk admin set-pin / set-guard-pin; the revision is the kiosk's)`.slice(0, 500));
      }
      const configDir = deps.configDir;
      const saved = saveApplyAudit(deps, held.session.by, () => updateConfig(configDir, request.changes as ConfigChange[], { baseRevision: request.baseRevision }));
      if (!saved.ok) return saved;
      const outcome = saved.value;
      deps.log(`configuration revision ${outcome.revision} saved by ${held.session.by}: ${outcome.changed.join(', ') || 'no values changed'}`);
      return ok({ revision: outcome.revision, applied: outcome.applied, restartNeeded: outcome.restartNeeded });
    },
  };
}
