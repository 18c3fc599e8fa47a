// Today's figures (counts only, no personal data). "Uploads pending" is the status bar's own figure:
// both come from core's one connectivity source, the panel starts from the figure core computed for
// getTodayFigures and then follows the same `connectivity` events the status bar follows, so the two
// never disagree (docs/admin-console.md, "Today").
import { useEffect, useState } from 'preact/hooks';
import type { TodayFigures } from '../../../contract/api.js';
import type { ConsolePanel, PanelProps } from '../panel.js';

function TodayPanel({ call, client, t, language }: PanelProps) {
  const [figures, setFigures] = useState<TodayFigures | null>(null);
  const [pending, setPending] = useState<number | null>(null);
  const [error, setError] = useState('');
  // Counts are read when the panel opens or on "refresh" (an admin call, which keeps the session
  // alive, so the door's traffic must not make them); the time says how fresh they are.
  const [loadedAt, setLoadedAt] = useState<number | null>(null);
  const load = async () => {
    const result = await call('getTodayFigures', {});
    if (result.ok) {
      setFigures(result.value);
      setPending(result.value.uploadsPending);
      setLoadedAt(Date.now());
      setError('');
    } else setError(`${t(`reason.${result.reason}`)} (${result.reason})`);
  };
  useEffect(() => {
    void load();
    return client.onEvent((event) => {
      if (event.type === 'connectivity') setPending(event.connectivity.uploadsPending);
    });
  }, []);
  const rows: [string, string, string][] = figures
    ? [
        ['total', t('admin.total'), String(figures.total)],
        ['admitted', t('admin.admitted'), String(figures.admitted)],
        ['denied', t('admin.denied'), String(figures.denied)],
        ['reviewed', t('admin.reviewed'), String(figures.reviewed)],
        ['uploads-pending', t('admin.uploadsPending'), String(pending ?? figures.uploadsPending)],
      ]
    : [];
  return (
    <section id="panel-today" class="panel">
      <h2>
        {t('admin.title')} {figures ? <span class="panel-sub">{figures.day}</span> : null}
        {loadedAt !== null ? (
          <span id="today-as-of" class="panel-sub">
            {t('console.asOf', { time: new Date(loadedAt).toLocaleTimeString(language, { hour12: false }) })}
          </span>
        ) : null}
      </h2>
      <dl id="today-figures" class="figures">
        {rows.map(([id, label, value]) => (
          <>
            <dt>{label}</dt>
            <dd data-testid={`today-${id}`}>{value}</dd>
          </>
        ))}
      </dl>
      {figures && figures.byReason.length > 0 && (
        <table id="today-reasons" class="table">
          <tbody>
            {figures.byReason.map((r) => (
              <tr data-reason={r.reason}>
                <td>{t(`reason.${r.reason}`)}</td>
                <td class="num">{r.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button id="today-refresh" type="button" onClick={() => void load()}>
        {t('console.refresh')}
      </button>
      {error && (
        <p id="today-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export const todayPanel: ConsolePanel = {
  id: 'today',
  title: (t) => t('panel.today'),
  Component: TodayPanel,
};
