// Cloning a setup from the integrator's screen (docs/integrator-setup.md, "Cloning a setup"): the
// export is this kiosk's setup without anything of its own (src/core/config/clone.ts); a preview
// shows what a file would change here and writes nothing; an apply plans again in core from the
// text (never trusting the screen's copy of the plan), on the revision the preview was made on, and
// puts the new configuration in force the way a settings save does (LiveConfig.apply). Audited by
// the session (the action) and as a configuration change (who, revision, paths; never a value).
import { fail, ok, SETUP_TEXT_MAX_CHARS, type KioskService } from '../../contract/api.js';
import { ConfigConflictError, ConfigError, readConfigDocument, type KioskConfig } from '../config/config.js';
import { applyImport, exportSetup, planImport, setupFileName, setupFileText, type SetupPlan } from '../config/clone.js';
import { auditConfigChange } from './config-methods.js';
import type { AdminDeps } from './deps.js';
import { INTEGRATOR } from './sessions.js';

const covers = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}.`);

/**
 * The plan with one more check only the running kiosk can make: roots from the file that sign
 * neither of the lists this kiosk has installed would stop every code as "issuer unknown" the
 * moment they are in force (the mistake docs/integrator-setup.md "Trust" warns about), so such an
 * import is refused with the reason instead. Roots that still sign the installed lists (a site on
 * one national root) pass.
 */
function planHere(deps: AdminDeps, current: KioskConfig, text: string): SetupPlan {
  const plan = planImport(current, text);
  if (plan.problems.length > 0 || !plan.result || !plan.changes.some((c) => covers('roots', c.path))) return plan;
  const before = deps.lists.cachedSignedBy(current.roots);
  const after = deps.lists.cachedSignedBy(plan.result.roots);
  const lost = (['trust', 'status'] as const).filter((kind) => before[kind] === true && after[kind] === false);
  if (lost.length === 0) return plan;
  const names = lost.map((k) => (k === 'trust' ? 'the installed trust list' : 'the installed status list')).join(' and ');
  return {
    ...plan,
    result: null,
    problems: [{ path: 'roots', message: `the file's roots do not sign ${names}: every code would be refused as issuer unknown; import the lists signed by the new root first (Trust screen), or keep this kiosk's roots` }],
  };
}

/** `path: what; ...` for a refusal, bounded for the contract. */
const problemsText = (plan: SetupPlan) => plan.problems.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 500);

export function cloneMethods(deps: AdminDeps): Pick<KioskService, 'exportSetup' | 'previewSetupImport' | 'applySetupImport'> {
  return {
    async exportSetup(request, context) {
      const held = deps.sessions.require(request.session, context, 'setup-export', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const file = exportSetup(deps.liveConfig.config, deps.clock.now());
      const text = setupFileText(file);
      if (text.length > SETUP_TEXT_MAX_CHARS) return fail('BAD_REQUEST', `this setup is ${text.length} characters, more than a setup file holds (${SETUP_TEXT_MAX_CHARS}): use kiosk config export`);
      deps.log(`setup exported by ${held.session.by} (revision ${deps.liveConfig.revision})`);
      return ok({ fileName: setupFileName(file), text });
    },

    async previewSetupImport(request, context) {
      const held = deps.sessions.require(request.session, context, 'setup-import-preview', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const live = deps.liveConfig;
      const plan = planHere(deps, live.config, request.text);
      const livePaths = live.livePaths();
      return ok({
        revision: live.revision,
        source: plan.source,
        changes: plan.changes.slice(0, 512),
        keptLocal: plan.keptLocal,
        problems: plan.problems.slice(0, 100).map((p) => ({ path: p.path.slice(0, 500), message: p.message.slice(0, 500) })),
        appliesLive: plan.changes.map((c) => c.path).filter((p) => livePaths.some((prefix) => covers(prefix, p))),
      });
    },

    async applySetupImport(request, context) {
      const held = deps.sessions.require(request.session, context, 'setup-import', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      if (deps.configDir === null) return fail('BAD_REQUEST', 'this kiosk runs without a configuration file: nothing to import into');
      const live = deps.liveConfig;
      if (request.baseRevision !== live.revision) {
        return fail('BAD_REQUEST', `the configuration was changed by someone else (revision ${live.revision}, this import was previewed on ${request.baseRevision}): preview it again`);
      }
      const plan = planHere(deps, live.config, request.text);
      if (plan.problems.length > 0) return fail('CONFIG_INVALID', problemsText(plan));
      if (plan.changes.length === 0) return ok({ revision: live.revision, applied: [], restartNeeded: [], keptLocal: plan.keptLocal });
      let saved: KioskConfig;
      try {
        saved = applyImport(deps.configDir, readConfigDocument(deps.configDir), plan, { baseRevision: request.baseRevision });
      } catch (err) {
        if (err instanceof ConfigConflictError) return fail('BAD_REQUEST', err.message.slice(0, 500));
        if (err instanceof ConfigError) return fail('CONFIG_INVALID', err.problems.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 500));
        return fail('STORAGE_UNAVAILABLE', `the configuration could not be saved (${(err as Error).name}: ${(err as Error).message})`.slice(0, 500));
      }
      const outcome = live.apply(saved);
      try {
        auditConfigChange(deps, held.session.by, outcome.revision, outcome.changed);
      } catch (err) {
        // Saved and in force already; the missing row is logged (paths only) rather than undoing the save.
        deps.log(`config-changed (revision ${outcome.revision}, setup import) not audited: ${(err as Error).name}`);
      }
      deps.log(`setup imported by ${held.session.by}: revision ${outcome.revision}, ${outcome.changed.length} paths changed, kept local: ${plan.keptLocal.join(', ')}`);
      return ok({ revision: outcome.revision, applied: outcome.applied.slice(0, 512), restartNeeded: outcome.restartNeeded.slice(0, 512), keptLocal: plan.keptLocal });
    },
  };
}
