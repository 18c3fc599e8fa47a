// The audit view (docs/security.md, "Admin sessions"): who did what and when — exports, reveals,
// configuration changes, PIN failures, sessions, purges, and the guards' overrides of reviews —
// newest first, filtered by kind and day, a page at a time, and downloadable as CSV. Core withholds
// personal data before a row leaves it, so nothing here needs hiding. The CSV is built from core's
// chunks into a Blob and saved through a blob: link (the renderer CSP allows blob: URLs; the page
// never navigates to it, the download attribute saves it).
import { useEffect, useState } from 'preact/hooks';
import type { AuditCursor, AuditRow } from '../../../contract/api.js';
import type { ConsolePanel, PanelProps } from '../panel.js';
import { dayEnd, dayStart, localTime } from './views-format.js';

/** The kinds an admin filters by, each the audit actions it stands for. */
export const AUDIT_KINDS: Record<string, string[]> = {
  exports: ['export', 'export-refused'],
  reveals: ['admin-reconfirmed', 'search'],
  // Signed fleet configuration applied or refused (docs/upload-protocol.md §12) is a configuration change too.
  config: ['config-changed', 'fleet-config-applied', 'fleet-config-refused'],
  pinFailures: ['admin-pin-failed', 'admin-pin-locked', 'guard-pin-failed', 'guard-pin-locked'],
  overrides: ['guard-override', 'guard-verdict'],
  sessions: ['admin-session-opened', 'admin-session-closed', 'admin-action', 'admin-view'],
  retention: ['purge', 'backup', 'restore'],
};
const PAGE = 50;
/** Every plain audit row reads `completed`; the outcome says something only for long actions (exports) or when one did not complete. */
const shownOutcome = (r: AuditRow) => r.outcome !== null && (r.outcome !== 'completed' || r.action === 'export');
/** A download stops here: far more than an admin reads, and a bounded Blob on a small kiosk. */
const MAX_EXPORT_ROWS = 100_000;

function AuditPanel({ call, t }: PanelProps) {
  const [kinds, setKinds] = useState<string[]>([]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [next, setNext] = useState<AuditCursor | null>(null);
  const [matched, setMatched] = useState<number | null>(null);
  const [error, setError] = useState('');
  const [exporting, setExporting] = useState<{ rows: number; done: boolean; url?: string; name?: string } | null>(null);

  const filters = () => {
    const actions = kinds.flatMap((k) => AUDIT_KINDS[k] ?? []);
    const f = dayStart(from);
    const e = dayEnd(to);
    return { ...(actions.length ? { actions } : {}), ...(f !== undefined ? { from: f } : {}), ...(e !== undefined ? { to: e } : {}) };
  };
  const load = async (more: boolean) => {
    const r = await call('getAudit', { ...filters(), limit: PAGE, ...(more && next ? { before: next } : {}) });
    if (!r.ok) {
      setError(`${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason}): ${r.message}`);
      return;
    }
    setError('');
    setRows(more ? [...rows, ...r.value.rows] : r.value.rows);
    setNext(r.value.next);
    setMatched(r.value.matched);
  };
  useEffect(() => {
    void load(false);
  }, []);
  useEffect(
    () => () => {
      if (exporting?.url) URL.revokeObjectURL(exporting.url);
    },
    [exporting?.url],
  );

  const download = async () => {
    if (exporting?.url) URL.revokeObjectURL(exporting.url);
    setExporting({ rows: 0, done: false });
    const parts: string[] = [];
    let before: AuditCursor | undefined;
    let count = 0;
    for (;;) {
      const r = await call('exportAudit', { ...filters(), ...(before ? { before } : {}) });
      if (!r.ok) {
        setExporting(null);
        setError(`${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason}): ${r.message}`);
        return;
      }
      parts.push(r.value.csv);
      count += r.value.rows;
      setExporting({ rows: count, done: false });
      if (!r.value.next || count >= MAX_EXPORT_ROWS) break;
      before = r.value.next;
    }
    // A byte-order mark so a spreadsheet opens the UTF-8 text as UTF-8 (Chinese labels in `who`).
    const blob = new Blob(['\ufeff', ...parts], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const name = `audit-${localTime(Date.now()).replace(/[^\d]/g, '').slice(0, 12)}.csv`;
    setExporting({ rows: count, done: true, url, name });
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
  };

  const toggle = (k: string) => setKinds(kinds.includes(k) ? kinds.filter((x) => x !== k) : [...kinds, k]);
  const actionText = (a: string) => t(`audit.action.${a}`, { defaultValue: a });
  return (
    <section id="panel-audit" class="panel">
      <h2>{t('panel.audit')}</h2>
      <form
        id="audit-filters"
        class="views-filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load(false);
        }}
      >
        <fieldset>
          <legend>{t('audit.kinds')}</legend>
          {Object.keys(AUDIT_KINDS).map((k) => (
            <label class="views-check">
              <input type="checkbox" id={`audit-kind-${k}`} data-testid={`audit-kind-${k}`} checked={kinds.includes(k)} onChange={() => toggle(k)} />
              {t(`audit.kind.${k}`)}
            </label>
          ))}
        </fieldset>
        <label>
          {t('audit.from')} <input id="audit-from" type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('audit.to')} <input id="audit-to" type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <button id="audit-apply" type="submit">
          {t('audit.apply')}
        </button>
        <button id="audit-export" type="button" disabled={exporting !== null && !exporting.done} onClick={() => void download()}>
          {t('audit.export')}
        </button>
      </form>
      {exporting && (
        <p id="audit-export-status" data-done={String(exporting.done)} data-rows={exporting.rows}>
          {exporting.done ? t('audit.exported', { rows: exporting.rows }) : t('audit.exporting', { rows: exporting.rows })}{' '}
          {exporting.url && (
            <a id="audit-export-link" href={exporting.url} download={exporting.name}>
              {exporting.name}
            </a>
          )}
        </p>
      )}
      {matched !== null && (
        <p id="audit-matched" data-matched={matched} data-shown={rows.length}>
          {t('audit.matched', { shown: rows.length, matched })}
        </p>
      )}
      <div class="table-wrap">
        <table id="audit-rows" class="table views-audit">
          <thead>
            <tr>
              <th>{t('audit.time')}</th>
              <th>{t('audit.action')}</th>
              <th>{t('audit.who')}</th>
              <th>{t('audit.outcome')}</th>
              <th>{t('audit.detail')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr data-action={r.action} data-source={r.source} data-seq={r.seq}>
                <td class="views-nowrap">{localTime(r.at)}</td>
                <td>
                  {actionText(r.action)}
                  <div class="views-code">{r.action}</div>
                </td>
                <td class="views-who">{r.who ?? '—'}</td>
                <td>{shownOutcome(r) ? t(`audit.outcome.${r.outcome}`, { defaultValue: r.outcome ?? '' }) : ''}</td>
                <td class="views-detail">
                  {r.detail
                    .filter(([k]) => k !== 'by')
                    .map(([k, v]) => `${k}=${v}`)
                    .join('; ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next && (
        <button id="audit-more" type="button" onClick={() => void load(true)}>
          {t('audit.more')}
        </button>
      )}
      {error && (
        <p id="audit-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export const auditPanel: ConsolePanel = {
  id: 'audit',
  title: (t) => t('panel.audit'),
  Component: AuditPanel,
};
