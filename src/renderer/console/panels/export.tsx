// Export from the screen (docs/security.md "Exports"): a date range, a decision filter, CSV or XLSX,
// masked or revealed. Core runs it as a job in its own process (src/core/admin/export-methods.ts);
// this panel starts it, draws its progress from the `exportProgress` events (rows done / total),
// cancels it, and ends in a clear state: done with the one-time download link (browser host) or a
// save dialog (Electron), cancelled, or failed with the reason. Revealed asks the PIN again here and
// core checks it again (the screen never decides who may see personal data).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ExportJob } from '../../../contract/api.js';
import type { ConsolePanel, PanelProps } from '../panel.js';

/** Minutes a finished file waits on the kiosk (core's FILE_TTL_MS), for the hint under the link. */
const FILE_MINUTES = 10;

type Decision = 'any' | 'admit' | 'deny' | 'review';

function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function ExportPanel({ call, client, t, language, askPin }: PanelProps) {
  const [from, setFrom] = useState(today());
  const [to, setTo] = useState(today());
  const [decision, setDecision] = useState<Decision>('any');
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [reveal, setReveal] = useState(false);
  const [starting, setStarting] = useState(false);
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState('');
  const [delivered, setDelivered] = useState<'downloaded' | 'saved' | null>(null);
  const jobId = useRef<string | null>(null);
  // What the job was asked for, shown with it (the form's radios read poorly while disabled).
  const [asked, setAsked] = useState<{ from: string; to: string; decision: Decision; format: 'csv' | 'xlsx'; reveal: boolean } | null>(null);
  const n = (x: number) => x.toLocaleString(language);

  const failText = (r: { reason: string; message: string }) => `${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason})`;

  const refresh = async (id: string) => {
    const r = await call('getExportJob', { jobId: id });
    if (r.ok && jobId.current === id) setJob(r.value);
    else if (!r.ok) setError(failText(r));
  };

  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type !== 'exportProgress' || event.jobId !== jobId.current) return;
        setJob((j) => (j && j.jobId === event.jobId ? { ...j, state: event.state, rowsDone: event.rowsDone, total: event.total } : j));
        // The end: read the job once for its file (the link is bound to this screen and session).
        if (event.state !== 'running') void refresh(event.jobId);
      }),
    [],
  );

  const start = async () => {
    setError('');
    setDelivered(null);
    let pin: string | undefined;
    if (reveal) {
      const asked = await askPin(t('export.revealPurpose'));
      if (asked === null) return;
      pin = asked;
    }
    setStarting(true);
    setJob(null);
    setAsked({ from, to, decision, format, reveal });
    const r = await call('startExport', { from, to, decision, format, reveal, language, ...(pin ? { pin } : {}) });
    setStarting(false);
    if (!r.ok) {
      setError(failText(r));
      return;
    }
    jobId.current = r.value.jobId;
    setJob({
      jobId: r.value.jobId,
      state: 'running',
      rowsDone: 0,
      total: r.value.total,
      format,
      revealed: reveal,
      reason: null,
      message: null,
      fileName: null,
      file: 'none',
      downloadUrl: null,
      saveable: false,
    });
    // Events may have gone by before the answer arrived: read the job once.
    await refresh(r.value.jobId);
  };

  const cancel = async () => {
    if (!job) return;
    const r = await call('cancelExport', { jobId: job.jobId });
    if (!r.ok) setError(failText(r));
  };

  const save = async () => {
    if (!job) return;
    const r = await call('saveExport', { jobId: job.jobId });
    if (!r.ok) return setError(failText(r));
    setJob(r.value.job);
    if (r.value.saved) setDelivered('saved');
  };

  const running = starting || job?.state === 'running';
  const percent = job && job.total > 0 ? Math.min(100, Math.round((job.rowsDone / job.total) * 100)) : job?.state === 'done' ? 100 : 0;
  const decisions: Decision[] = ['any', 'admit', 'deny', 'review'];

  return (
    <section id="panel-export" class="panel">
      <h2>{t('panel.export')}</h2>
      <form
        id="export-form"
        class="export-form"
        onSubmit={(e) => {
          e.preventDefault();
          void start();
        }}
      >
        <div class="export-row">
          <label>
            {t('export.from')}
            <input id="export-from" type="date" value={from} max={to} disabled={running} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            {t('export.to')}
            <input id="export-to" type="date" value={to} min={from} disabled={running} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          </label>
          <span class="views-note">{t('export.rangeNote')}</span>
        </div>
        <div class="export-row">
          <label>
            {t('export.decision')}
            <select id="export-decision" value={decision} disabled={running} onChange={(e) => setDecision((e.target as HTMLSelectElement).value as Decision)}>
              {decisions.map((d) => (
                <option value={d}>{t(`export.decision.${d}`)}</option>
              ))}
            </select>
          </label>
          <fieldset class="export-choice">
            <legend>{t('export.format')}</legend>
            {(['csv', 'xlsx'] as const).map((f) => (
              <label class="views-check">
                <input type="radio" name="export-format" id={`export-format-${f}`} checked={format === f} disabled={running} onChange={() => setFormat(f)} />
                {f.toUpperCase()}
              </label>
            ))}
          </fieldset>
        </div>
        <fieldset class="export-choice">
          <legend>{t('export.privacy')}</legend>
          <label class="views-check">
            <input type="radio" name="export-privacy" id="export-masked" checked={!reveal} disabled={running} onChange={() => setReveal(false)} />
            {t('export.masked')}
          </label>
          <label class="views-check">
            <input type="radio" name="export-privacy" id="export-revealed" checked={reveal} disabled={running} onChange={() => setReveal(true)} />
            {t('export.revealed')}
          </label>
        </fieldset>
        <div class="export-row">
          <button id="export-start" type="submit" disabled={running}>
            {t('export.start')}
          </button>
          <span class="views-note">{t('export.language')}</span>
        </div>
      </form>

      {(starting || job) && (
        <div id="export-job" class="export-job" data-state={starting ? 'starting' : job?.state} data-file={job?.file ?? 'none'}>
          <div
            id="export-progress"
            class="bar export-bar"
            role="progressbar"
            aria-valuemin={0}
            aria-valuemax={job?.total ?? 0}
            aria-valuenow={job?.rowsDone ?? 0}
            data-done={job?.rowsDone ?? 0}
            data-total={job?.total ?? 0}
          >
            <span style={{ width: `${percent}%` }} />
          </div>
          {asked && (
            <p id="export-summary" class="views-note">
              {asked.format.toUpperCase()} · {t(asked.reveal ? 'export.revealed' : 'export.masked')} · {asked.from} – {asked.to} · {t(`export.decision.${asked.decision}`)}
            </p>
          )}
          {starting && <p id="export-status">{t('export.starting')}</p>}
          {job?.state === 'running' && (
            <p id="export-status" class="export-status">
              <span data-testid="export-rows">{t('export.running', { done: n(job.rowsDone), total: n(job.total) })}</span>
              <span class="num"> {percent}%</span>
            </p>
          )}
          {job?.state === 'running' && (
            <button id="export-cancel" type="button" class="views-danger" onClick={() => void cancel()}>
              {t('export.cancel')}
            </button>
          )}
          {job?.state === 'done' && (
            <div class="export-end export-done" role="status">
              <p id="export-status">{t('export.done', { rows: n(job.rowsDone) })}</p>
              {job.file === 'ready' && job.downloadUrl && (
                <>
                  <a id="export-download" class="export-download" href={job.downloadUrl} download={job.fileName ?? ''} onClick={() => setDelivered('downloaded')}>
                    {t('export.download', { file: job.fileName ?? '' })}
                  </a>
                  <p class="views-note">{t('export.once', { minutes: FILE_MINUTES })}</p>
                </>
              )}
              {job.file === 'ready' && job.saveable && (
                <button id="export-save" type="button" onClick={() => void save()}>
                  {t('export.save')}
                </button>
              )}
              {job.file === 'delivered' && <p id="export-delivered">{t(delivered === 'saved' ? 'export.saved' : 'export.delivered')}</p>}
              {job.file === 'expired' && <p id="export-expired">{t('export.expired')}</p>}
            </div>
          )}
          {job?.state === 'cancelled' && (
            <p id="export-status" class="export-end export-cancelled" role="status">
              {t('export.cancelled', { done: n(job.rowsDone), total: n(job.total) })}
            </p>
          )}
          {job?.state === 'failed' && (
            <p id="export-status" class="export-end export-failed" role="alert">
              {t('export.failed', { reason: job.reason ? `${t(`reason.${job.reason}`)} (${job.reason})` : '' })}
              {job.message ? <span class="views-detail"> {job.message}</span> : null}
            </p>
          )}
        </div>
      )}
      {error && (
        <p id="export-error" role="alert" class="export-error">
          {error}
        </p>
      )}
    </section>
  );
}

export const exportPanel: ConsolePanel = {
  id: 'export',
  title: (t) => t('panel.export'),
  Component: ExportPanel,
};
