// The retention screen (architecture.md "Data at rest"; docs/upload-protocol.md §2 "Kiosk
// bookkeeping"): the configured days, the oldest entry, what the next purge removes and what it keeps
// because the collector has not acknowledged it, and when it runs. "Purge now" asks for confirmation,
// naming what will go, before core runs the scheduled purge's own path (audited with who asked).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PurgeOutcome, RetentionView } from '../../../contract/api.js';
import type { ConsolePanel, PanelProps } from '../panel.js';
import { localTime } from './views-format.js';

function RetentionPanel({ call, t }: PanelProps) {
  const [view, setView] = useState<RetentionView | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<PurgeOutcome | null>(null);
  const [error, setError] = useState('');
  const confirmBox = useRef<HTMLDivElement>(null);
  // On a short landscape screen the question can open below the fold: bring it into view.
  useEffect(() => {
    if (confirming) confirmBox.current?.scrollIntoView({ block: 'nearest' });
  }, [confirming]);
  const failText = (r: { reason: string; message: string }) => `${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason})`;
  const load = async () => {
    const r = await call('getRetention', {});
    if (r.ok) {
      setView(r.value);
      setError('');
    } else setError(failText(r));
  };
  useEffect(() => {
    void load();
  }, []);
  const purge = async () => {
    setBusy(true);
    const r = await call('purgeNow', {});
    setBusy(false);
    setConfirming(false);
    if (r.ok) {
      setOutcome(r.value);
      setError('');
      await load();
    } else setError(failText(r));
  };
  const next = view?.next;
  const kept = next ? next.entriesKeptUnacknowledged + next.overridesKeptUnacknowledged : 0;
  return (
    <section id="panel-retention" class="panel">
      <h2>{t('panel.retention')}</h2>
      {view && next && (
        <>
          <dl id="retention-figures" class="figures">
            <dt>{t('retention.days')}</dt>
            <dd data-testid="retention-days">{t('retention.daysValue', { n: view.retentionDays })}</dd>
            <dt>{t('retention.oldest')}</dt>
            <dd data-testid="retention-oldest" data-at={view.oldestEntryAt ?? ''}>
              {view.oldestEntryAt === null ? t('retention.none') : localTime(view.oldestEntryAt)}
            </dd>
            <dt>{t('retention.entries')}</dt>
            <dd data-testid="retention-entries">{view.entries}</dd>
            <dt>{t('retention.cutoff')}</dt>
            <dd data-testid="retention-cutoff" data-at={view.cutoffAt}>
              {localTime(view.cutoffAt)}
            </dd>
          </dl>
          <h3>{t('retention.nextPurge')}</h3>
          <table id="retention-plan" class="table">
            <tbody>
              <tr>
                <th>{t('retention.removesEntries')}</th>
                <td class="num" data-testid="retention-removes">{next.entriesRemoved}</td>
              </tr>
              <tr>
                <th>{t('retention.removesOverrides')}</th>
                <td class="num" data-testid="retention-removes-overrides">{next.overridesRemoved}</td>
              </tr>
              <tr data-kept={String(kept > 0)}>
                <th>{t('retention.keptUnacknowledged')}</th>
                <td class="num" data-testid="retention-kept">{kept}</td>
              </tr>
              {next.entriesKeptOutOfOrder > 0 && (
                <tr>
                  <th>{t('retention.keptOutOfOrder')}</th>
                  <td class="num">{next.entriesKeptOutOfOrder}</td>
                </tr>
              )}
              <tr>
                <th>{t('retention.runsAt')}</th>
                <td data-testid="retention-next-at">{view.nextPurgeAt === null ? '—' : localTime(view.nextPurgeAt)}</td>
              </tr>
              <tr>
                <th>{t('retention.lastPurge')}</th>
                <td>
                  {view.lastPurge
                    ? t('retention.lastPurgeValue', { time: localTime(view.lastPurge.at), entries: view.lastPurge.entriesDeleted, overrides: view.lastPurge.overridesDeleted })
                    : t('retention.none')}
                </td>
              </tr>
            </tbody>
          </table>
          <p class="views-note">{view.uploading ? t('retention.uploadingNote', { seq: view.acknowledgedThroughSeq ?? 0 }) : t('retention.offlineNote')}</p>
          {!confirming && (
            <button id="retention-purge" type="button" disabled={busy} onClick={() => setConfirming(true)}>
              {t('retention.purgeNow')}
            </button>
          )}
          {confirming && (
            <div id="retention-confirm" ref={confirmBox} class="views-confirm" role="alertdialog">
              <p>
                {next.entriesRemoved + next.overridesRemoved > 0
                  ? t('retention.confirmText', { entries: next.entriesRemoved, overrides: next.overridesRemoved, time: localTime(view.cutoffAt) })
                  : t('retention.confirmNothing')}
              </p>
              <button id="retention-confirm-yes" type="button" class="views-danger" disabled={busy} onClick={() => void purge()}>
                {t('retention.confirmYes')}
              </button>
              <button id="retention-confirm-no" type="button" disabled={busy} onClick={() => setConfirming(false)}>
                {t('console.cancel')}
              </button>
            </div>
          )}
        </>
      )}
      {outcome && (
        <p id="retention-result" class="views-ok" data-entries={outcome.entriesDeleted} data-overrides={outcome.overridesDeleted}>
          {t('retention.result', {
            entries: outcome.entriesDeleted,
            overrides: outcome.overridesDeleted,
            kept: outcome.kept.entriesKeptUnacknowledged + outcome.kept.overridesKeptUnacknowledged,
          })}
        </p>
      )}
      <button id="retention-refresh" type="button" onClick={() => void load()}>
        {t('console.refresh')}
      </button>
      {error && (
        <p id="retention-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export const retentionPanel: ConsolePanel = {
  id: 'retention',
  title: (t) => t('panel.retention'),
  Component: RetentionPanel,
};
