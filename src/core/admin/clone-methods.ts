// Cloning a setup from the integrator's screen (docs/integrator-setup.md, "Cloning a setup"): the
// export is this kiosk's setup without anything of its own (src/core/config/clone.ts); a preview
// shows what a file would change here and writes nothing; an apply plans again in core from the
// text (never trusting the screen's copy of the plan), on the revision the preview was made on, and
// puts the new configuration in force the way a settings save does (LiveConfig.apply). Audited by
// the session (the action) and as a configuration change (who, revision, paths; never a value).
import { fail, ok, SETUP_TEXT_MAX_CHARS, type KioskService } from '../../contract/api.js';
import { readConfigDocument, type KioskConfig } from '../config/config.js';
import { applyImport, checkImportRoots, exportSetup, planImport, setupFileName, setupFileText, type SetupPlan } from '../config/clone.js';
import { covers, saveApplyAudit } from './config-methods.js';
import type { AdminDeps } from './deps.js';
import { INTEGRATOR } from './sessions.js';

/**
 * This kiosk's configuration with its devices as they RUN: the device manager's settings (what the
 * Devices screen shows and last proved) when it has them, else config.json's. The demo's simulated
 * devices run from settings that are not in config.json (src/app/compose.ts startDemoDevices), and a
 * running device's port is this kiosk's own port whether or not config.json holds it; the CLI has no
 * device manager and uses config.json.
 */
function asRunning(deps: AdminDeps, config: KioskConfig): KioskConfig {
  const running = deps.devices?.deviceSettings?.();
  if (!running) return config;
  return { ...config, devices: structuredClone(running) as KioskConfig['devices'] };
}

/** The plan against the running devices, checked against this kiosk's installed lists (roots; src/core/config/clone.ts checkImportRoots). */
function planHere(deps: AdminDeps, current: KioskConfig, text: string): SetupPlan {
  const base = asRunning(deps, current);
  return checkImportRoots(base, planImport(base, text), (roots) => deps.lists.cachedSignedBy(roots));
}

/**
 * A plan made against the running devices, as changes to config.json: a device whose settings
 * change is written as its whole section (with this kiosk's port), since config.json may not hold
 * that device at all and a lone leaf would leave a section without a port.
 */
function forConfigFile(plan: SetupPlan, current: KioskConfig): SetupPlan {
  if (!plan.result) return plan;
  const result = plan.result;
  const kinds = [...new Set(plan.changes.filter((c) => c.path.startsWith('devices.')).map((c) => c.path.split('.')[1]!))] as Array<keyof KioskConfig['devices']>;
  if (kinds.length === 0) return plan;
  const changes = plan.changes.filter((c) => !c.path.startsWith('devices.'));
  for (const kind of kinds) changes.push({ path: `devices.${kind}`, from: current.devices[kind], to: structuredClone(result.devices[kind]) });
  return { ...plan, changes };
}

/** `path: what; ...` for a refusal, bounded for the contract. */
const problemsText = (plan: SetupPlan) => plan.problems.map((p) => `${p.path}: ${p.message}`).join('; ').slice(0, 500);

export function cloneMethods(deps: AdminDeps): Pick<KioskService, 'exportSetup' | 'previewSetupImport' | 'applySetupImport'> {
  return {
    async exportSetup(request, context) {
      const held = deps.sessions.require(request.session, context, 'setup-export', INTEGRATOR);
      if (!held.ok) return fail(held.reason, held.message, held.retryInMs);
      const file = exportSetup(asRunning(deps, deps.liveConfig.config), deps.clock.now());
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
      const configDir = deps.configDir;
      const saved = saveApplyAudit(
        deps,
        held.session.by,
        () => applyImport(configDir, readConfigDocument(configDir), forConfigFile(plan, live.config), { baseRevision: request.baseRevision }),
        'setup import',
      );
      if (!saved.ok) return saved;
      const outcome = saved.value;
      deps.log(`setup imported by ${held.session.by}: revision ${outcome.revision}, ${outcome.changed.length} paths changed, kept local: ${plan.keptLocal.join(', ')}`);
      return ok({ revision: outcome.revision, applied: outcome.applied.slice(0, 512), restartNeeded: outcome.restartNeeded.slice(0, 512), keptLocal: plan.keptLocal });
    },
  };
}
