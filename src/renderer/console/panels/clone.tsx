// Cloning a setup (docs/integrator-setup.md, "Cloning a setup"): the integrator exports this kiosk's
// setup to a file (a Blob saved through a blob: link, as the audit CSV is: the file holds no
// personal data and no secret, core leaves those out), and imports a file from another kiosk: core
// answers every difference (path, this kiosk's value, the file's), what it keeps of this kiosk's own
// (ports, calibration, PINs, its id) and why a file cannot be applied (each problem with its path).
// Nothing is written until the integrator confirms; core plans again from the text on the revision
// the preview was made on, so a change made meanwhile is refused rather than undone.
import { useState } from 'preact/hooks';
import { SETUP_TEXT_MAX_CHARS, type MethodResponse } from '../../../contract/api.js';
import type { ConsolePanel, PanelProps, Translate } from '../panel.js';

type Plan = MethodResponse<'previewSetupImport'>;
type Applied = MethodResponse<'applySetupImport'>;

/** Why a path stays this kiosk's own (the i18n key under `clone.why.`). */
export function keptLocalWhy(path: string): string {
  if (path.endsWith('.port')) return 'port';
  if (path === 'devices.thermometer.offsetC' || path === 'devices.thermometer.gain') return 'calibration';
  if (path === 'admin.pin' || path === 'admin.integratorPin' || path === 'guards') return 'pin';
  if (path === 'kioskId' || path === 'kioskName') return 'identity';
  if (path === 'camera.deviceId') return 'camera';
  if (path === 'demo' || path === 'store.keyFile') return 'secret';
  return 'file';
}

/** A configuration value as one line of the differences table. */
export function valueText(value: unknown, t: Translate): string {
  if (value === undefined) return t('clone.notSet');
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

const cut = (s: string, n = 90) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function ClonePanel({ call, t }: PanelProps) {
  const [exported, setExported] = useState<{ url: string; name: string; bytes: number } | null>(null);
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState<'export' | 'preview' | 'apply' | null>(null);
  const [applied, setApplied] = useState<Applied | null>(null);
  const [error, setError] = useState('');

  const refusal = (r: { reason: string; message: string }) => `${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason}): ${r.message}`;

  const exportSetup = async () => {
    setBusy('export');
    setError('');
    try {
      const r = await call('exportSetup', {});
      if (!r.ok) {
        setError(refusal(r));
        return;
      }
      if (exported) URL.revokeObjectURL(exported.url);
      const blob = new Blob([r.value.text], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      setExported({ url, name: r.value.fileName, bytes: blob.size });
      const a = document.createElement('a');
      a.href = url;
      a.download = r.value.fileName;
      a.click();
    } finally {
      setBusy(null);
    }
  };

  const preview = async (chosen: { name: string; text: string }) => {
    setBusy('preview');
    setError('');
    setPlan(null);
    setApplied(null);
    setConfirming(false);
    try {
      const r = await call('previewSetupImport', { text: chosen.text });
      if (!r.ok) {
        setError(refusal(r));
        return;
      }
      setPlan(r.value);
    } finally {
      setBusy(null);
    }
  };

  const choose = async (input: HTMLInputElement) => {
    const picked = input.files?.[0];
    if (!picked) return;
    setPlan(null);
    setApplied(null);
    setConfirming(false);
    // Refused here before it is read: a setup file is a few kilobytes (core refuses more anyway).
    if (picked.size > SETUP_TEXT_MAX_CHARS * 4) {
      setFile(null);
      setError(t('clone.tooLarge', { name: cut(picked.name, 60), bytes: picked.size, max: SETUP_TEXT_MAX_CHARS }));
      return;
    }
    const text = await picked.text();
    if (text.length === 0 || text.length > SETUP_TEXT_MAX_CHARS) {
      setFile(null);
      setError(text.length === 0 ? t('clone.empty', { name: cut(picked.name, 60) }) : t('clone.tooLarge', { name: cut(picked.name, 60), bytes: picked.size, max: SETUP_TEXT_MAX_CHARS }));
      return;
    }
    const chosen = { name: picked.name, text };
    setFile(chosen);
    await preview(chosen);
  };

  const apply = async () => {
    if (!file || !plan) return;
    setBusy('apply');
    setError('');
    try {
      const r = await call('applySetupImport', { text: file.text, baseRevision: plan.revision });
      if (!r.ok) {
        setConfirming(false);
        setError(refusal(r));
        return;
      }
      setApplied(r.value);
      setConfirming(false);
      setPlan(null);
    } finally {
      setBusy(null);
    }
  };

  const live = new Set(plan?.appliesLive ?? []);
  const canApply = plan !== null && plan.problems.length === 0 && plan.changes.length > 0;
  return (
    <section id="panel-clone" class="panel">
      <h2>{t('panel.clone')}</h2>
      <p class="clone-intro">{t('clone.intro')}</p>

      <div class="clone-sections">
        <div class="clone-section">
          <h3>{t('clone.exportTitle')}</h3>
          <p class="clone-note">{t('clone.exportNote')}</p>
          <div class="clone-actions">
            <button id="clone-export" type="button" disabled={busy !== null} onClick={() => void exportSetup()}>
              {t('clone.export')}
            </button>
            {exported && (
              <span id="clone-export-status" data-bytes={exported.bytes}>
                {t('clone.exported', { bytes: exported.bytes })}{' '}
                <a id="clone-export-link" href={exported.url} download={exported.name}>
                  {exported.name}
                </a>
              </span>
            )}
          </div>
        </div>
        <div class="clone-section">
          <h3>{t('clone.importTitle')}</h3>
          <p class="clone-note">{t('clone.importNote')}</p>
          <div class="clone-actions">
            <label class="clone-file">
              {t('clone.chooseFile')}{' '}
              <input id="clone-import-file" type="file" accept=".json,application/json" disabled={busy === 'apply'} onChange={(e) => void choose(e.target as HTMLInputElement)} />
            </label>
            {busy === 'preview' && <span id="clone-previewing">{t('clone.previewing')}</span>}
          </div>
        </div>
      </div>

      {error && (
        <p id="clone-error" class="clone-notice" data-tone="bad" role="alert">
          {error}
        </p>
      )}

      {plan && (
        <div id="clone-plan" data-revision={plan.revision} data-changes={plan.changes.length} data-problems={plan.problems.length}>
          {plan.source && (
            <p id="clone-source" class="clone-source">
              {t('clone.source', { file: cut(file?.name ?? '', 60), venue: plan.source.venueId || '?', kiosk: plan.source.kioskId || '?', at: plan.source.exportedAt.replace('T', ' ').slice(0, 16) || '?' })}
            </p>
          )}
          {plan.problems.length > 0 && (
            <div id="clone-problems" class="clone-notice" data-tone="bad" role="alert">
              <p>
                <strong>{t('clone.problemsTitle', { n: plan.problems.length })}</strong>
              </p>
              <table class="table clone-table">
                <thead>
                  <tr>
                    <th>{t('clone.path')}</th>
                    <th>{t('clone.what')}</th>
                  </tr>
                </thead>
                <tbody>
                  {plan.problems.map((p) => (
                    <tr data-path={p.path}>
                      <td class="clone-path">{p.path}</td>
                      <td>{p.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {plan.problems.length === 0 && plan.changes.length === 0 && (
            <p id="clone-no-changes" class="clone-notice" data-tone="ok">
              {t('clone.noChanges')}
            </p>
          )}
          {plan.changes.length > 0 && (
            <>
              <h4>{t('clone.changesTitle', { n: plan.changes.length })}</h4>
              <div class="table-wrap">
                <table id="clone-changes" class="table clone-table">
                  <thead>
                    <tr>
                      <th>{t('clone.path')}</th>
                      <th>{t('clone.thisKiosk')}</th>
                      <th>{t('clone.theFile')}</th>
                      <th>{t('clone.when')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {plan.changes.map((c) => {
                      const from = valueText(c.from, t);
                      const to = valueText(c.to, t);
                      return (
                        <tr data-path={c.path} data-from={from} data-to={to}>
                          <td class="clone-path">{c.path}</td>
                          <td class="clone-from" title={from}>
                            {cut(from)}
                          </td>
                          <td class="clone-to" title={to}>
                            {cut(to)}
                          </td>
                          <td class="clone-when">{live.has(c.path) ? t('clone.now') : t('clone.afterRestart')}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </>
          )}
          {plan.problems.length === 0 && plan.keptLocal.length > 0 && (
            <>
              <h4>{t('clone.keptTitle', { n: plan.keptLocal.length })}</h4>
              <ul id="clone-kept-local" class="clone-kept">
                {plan.keptLocal.map((p) => (
                  <li data-path={p}>
                    <span class="clone-path">{p}</span> — {t(`clone.why.${keptLocalWhy(p)}`)}
                  </li>
                ))}
              </ul>
            </>
          )}
          {canApply && (
            <div class="clone-actions clone-apply-bar">
              {!confirming ? (
                <button id="clone-apply" type="button" disabled={busy !== null} onClick={() => setConfirming(true)}>
                  {t('clone.apply', { n: plan.changes.length })}
                </button>
              ) : (
                <span id="clone-confirm-box" class="clone-confirm" role="alertdialog">
                  {t('clone.confirmText', { n: plan.changes.length })}{' '}
                  <button id="clone-confirm" type="button" disabled={busy !== null} onClick={() => void apply()}>
                    {t('clone.confirm')}
                  </button>{' '}
                  <button id="clone-cancel" type="button" disabled={busy !== null} onClick={() => setConfirming(false)}>
                    {t('console.cancel')}
                  </button>
                </span>
              )}
            </div>
          )}
        </div>
      )}

      {applied && (
        <div id="clone-result" class="clone-notice" data-tone="ok" data-revision={applied.revision} data-restart={applied.restartNeeded.length}>
          <p>
            <strong>{t('clone.applied', { revision: applied.revision })}</strong>
          </p>
          <p>{t('clone.appliedNow', { n: applied.applied.length })}</p>
          {applied.restartNeeded.length > 0 && (
            <p id="clone-restart" data-testid="clone-restart">
              {t('clone.restartNeeded', { n: applied.restartNeeded.length, paths: cut(applied.restartNeeded.join(', '), 300) })}
            </p>
          )}
          {applied.keptLocal.length > 0 && <p>{t('clone.appliedKept', { paths: cut(applied.keptLocal.join(', '), 300) })}</p>}
        </div>
      )}
    </section>
  );
}

export const clonePanel: ConsolePanel = {
  id: 'clone',
  title: (t) => t('panel.clone'),
  Component: ClonePanel,
  roles: ['integrator'],
};
