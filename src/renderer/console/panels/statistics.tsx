// Statistics (docs/admin-console.md, "Statistics"): today or a chosen range of up to 90 venue-local
// days: entries per hour, admitted / denied / review per day, temperatures, reasons, methods and
// provinces, as charts drawn here (uPlot) AND the numbers beside them in tables, so every figure can
// be read off and checked. Counts only, from core's hourly roll-ups; nothing personal is asked for.
// "Admitted / denied / review" count what happened at the door (the guard's override where there is
// one, else the kiosk's decision); the kiosk's own decisions are in the day table beside them.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { MAX_STATISTICS_DAYS, type Statistics } from '../../../contract/api.js';
import { Chart, type ChartSeries } from '../chart.js';
import type { ConsolePanel, PanelProps, Translate } from '../panel.js';

const COLOUR = { admit: '#0a8f3c', deny: '#c8102e', review: '#e39b00', total: '#7fb0e6', temp: '#b48ae6' };
const pad = (n: number) => String(n).padStart(2, '0');
/** Axis steps of the hour chart over several days: whole days (in hours). */
const DAY_STEPS = [24, 48, 72, 96, 120, 168, 336, 504, 720];

/** Today's date (`YYYY-MM-DD`) in `timeZone` (the venue's, once core has named it), else the screen's. */
function todayIn(timeZone: string | null, now = Date.now()): string {
  if (timeZone) {
    try {
      return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
    } catch {
      // an unknown zone: the screen's own below
    }
  }
  const d = new Date(now);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `date` plus `days` (calendar arithmetic). */
function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

function daysBetween(from: string, to: string): number {
  const ms = (s: string) => {
    const [y, m, d] = s.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((ms(to) - ms(from)) / 86_400_000) + 1;
}

const PRESETS = [
  { id: 'today', days: 1 },
  { id: '7', days: 7 },
  { id: '30', days: 30 },
  { id: '90', days: 90 },
] as const;

function share(n: number, total: number): string {
  return total > 0 ? `${((100 * n) / total).toFixed(1)}%` : '—';
}

/**
 * Who issued a code (statistics.ts `provinces`): a card alone (null), a code that did not verify
 * (''), an EU certificate (its country, `EU` when it did not verify), else a Chinese province.
 */
function provinceName(code: string | null, t: Translate): string {
  if (code === null) return t('stats.province.none');
  if (code === '') return t('stats.province.unverified');
  if (code === 'EU') return t('stats.issuer.euUnverified');
  if (/^[A-Z]{2}$/.test(code)) return t('stats.issuer.euCountry', { country: code });
  const key = `province.${code}`;
  const name = t(key);
  return name === key ? t('stats.province.unknown') : name;
}

interface CodeCountRow {
  /** The row's own data attribute (data-reason / data-province) the e2e finds it by. */
  attrs: Record<string, string>;
  testid: string;
  name: string;
  code: string;
  count: number;
}

/** A table of counts by a coded kind (reasons, provinces): name, code, entries and share of the total. */
function CodeCountTable({ id, t, nameHeader, total, rows, empty }: { id: string; t: Translate; nameHeader: string; total: number; rows: CodeCountRow[]; empty?: string }) {
  return (
    <table id={id} class="table">
      <thead>
        <tr>
          <th>{nameHeader}</th>
          <th>{t('stats.code')}</th>
          <th class="num">{t('stats.entries')}</th>
          <th class="num">{t('stats.share')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr {...r.attrs} data-testid={r.testid}>
            <td>{r.name}</td>
            <td class="stats-code">{r.code}</td>
            <td class="num" data-col="count">
              {r.count}
            </td>
            <td class="num">{share(r.count, total)}</td>
          </tr>
        ))}
        {empty !== undefined && rows.length === 0 && (
          <tr>
            <td colSpan={4}>{empty}</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function StatisticsPanel({ call, t, language }: PanelProps) {
  const [zone, setZone] = useState<string | null>(null);
  const [from, setFrom] = useState(() => todayIn(null));
  const [to, setTo] = useState(() => todayIn(null));
  const [stats, setStats] = useState<Statistics | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [loadedAt, setLoadedAt] = useState<number | null>(null);

  const load = async (f: string, l: string) => {
    // The same rule core applies, said here before asking (core refuses it with BAD_REQUEST anyway).
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f) || !/^\d{4}-\d{2}-\d{2}$/.test(l) || daysBetween(f, l) < 1 || daysBetween(f, l) > MAX_STATISTICS_DAYS) {
      setError(t('stats.badRange', { max: MAX_STATISTICS_DAYS }));
      return;
    }
    setBusy(true);
    try {
      const result = await call('getStatistics', { from: f, to: l });
      if (result.ok) {
        setStats(result.value);
        setZone(result.value.timeZone);
        setLoadedAt(Date.now());
        setError('');
      } else setError(`${t(`reason.${result.reason}`)} (${result.reason}): ${result.message}`);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load(from, to);
  }, []);

  const choose = (days: number) => {
    const last = todayIn(zone);
    const first = addDays(last, -(days - 1));
    setFrom(first);
    setTo(last);
    void load(first, last);
  };

  const oneDay = stats !== null && stats.from === stats.to;
  const charts = useMemo(() => {
    if (!stats) return null;
    // A new day starts where the wall clock goes back to a smaller hour (midnight; DST days included).
    let dayIndex = 0;
    const hourLabels = stats.hours.hourOfDay.map((h, i) => {
      if (i > 0 && h < stats.hours.hourOfDay[i - 1]! && dayIndex < stats.days.length - 1) dayIndex++;
      // Over several days the axis is labelled at day starts only (its steps are whole days).
      return oneDay ? `${pad(h)}:00` : (stats.days[dayIndex]?.date.slice(5) ?? '');
    });
    const perHour: ChartSeries[] = [{ label: t('stats.entries'), values: stats.hours.total, colour: COLOUR.total }];
    const dayLabels = stats.days.map((d) => d.date.slice(5));
    // Stacked: each bar drawn over the taller one before it (review on top of denied on top of admitted).
    const perDay: ChartSeries[] = [
      { label: t('stats.final.review'), values: stats.days.map((d) => d.final.admit + d.final.deny + d.final.review), colour: COLOUR.review },
      { label: t('stats.final.deny'), values: stats.days.map((d) => d.final.admit + d.final.deny), colour: COLOUR.deny },
      { label: t('stats.final.admit'), values: stats.days.map((d) => d.final.admit), colour: COLOUR.admit },
    ];
    const tempLabels = stats.temperature.bins.map((b) => (b.tenths / 10).toFixed(1));
    const temp: ChartSeries[] = [{ label: t('stats.entries'), values: stats.temperature.bins.map((b) => b.count), colour: COLOUR.temp }];
    return { hourLabels, perHour, dayLabels, perDay, tempLabels, temp };
  }, [stats, language]);

  const hourRows = stats && oneDay ? stats.hours.hourOfDay.map((h, i) => ({ h, n: stats.hours.total[i] ?? 0, i })) : [];
  const tempRows = stats ? stats.temperature.bins.filter((b) => b.count > 0) : [];

  return (
    <section id="panel-statistics" class="panel">
      <h2>
        {t('panel.statistics')}
        {stats ? (
          <span id="stats-range" class="panel-sub">
            {t('stats.range', { from: stats.from, to: stats.to, days: stats.days.length, zone: stats.timeZone })}
          </span>
        ) : null}
        {loadedAt !== null ? (
          <span id="stats-as-of" class="panel-sub">
            {t('console.asOf', { time: new Date(loadedAt).toLocaleTimeString(language, { hour12: false }) })}
          </span>
        ) : null}
      </h2>

      <form
        id="stats-controls"
        class="stats-controls"
        onSubmit={(e) => {
          e.preventDefault();
          void load(from, to);
        }}
      >
        <div class="stats-presets" role="group">
          {PRESETS.map((p) => (
            <button type="button" id={`stats-preset-${p.id}`} disabled={busy} onClick={() => choose(p.days)}>
              {t(`stats.preset.${p.id}`)}
            </button>
          ))}
        </div>
        <label>
          {t('stats.from')} <input id="stats-from" type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          {t('stats.to')} <input id="stats-to" type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        </label>
        <button id="stats-show" type="submit" disabled={busy}>
          {t('stats.show')}
        </button>
      </form>
      {error && (
        <p id="stats-error" role="alert" class="stats-error">
          {error}
        </p>
      )}

      {stats && charts && (
        <>
          <dl id="stats-summary" class="figures">
            <dt>{t('stats.total')}</dt>
            <dd data-testid="stats-total">{stats.total}</dd>
            <dt>{t('stats.final.admit')}</dt>
            <dd data-testid="stats-final-admit">{stats.decisions.final.admit}</dd>
            <dt>{t('stats.final.deny')}</dt>
            <dd data-testid="stats-final-deny">{stats.decisions.final.deny}</dd>
            <dt>{t('stats.final.review')}</dt>
            <dd data-testid="stats-final-review">{stats.decisions.final.review}</dd>
          </dl>
          <p class="stats-note" id="stats-counted">
            {t('stats.counted')}
          </p>
          {stats.total === 0 && <p id="stats-empty">{t('stats.empty')}</p>}

          <div class="stats-grid">
            <div class="stats-card" id="stats-card-hours">
              <h3>{oneDay ? t('stats.perHour') : t('stats.perHourRange', { days: stats.days.length })}</h3>
              <Chart
                id="stats-chart-hours"
                kind={oneDay ? 'bars' : 'line'}
                labels={charts.hourLabels}
                series={charts.perHour}
                title={t('stats.perHour')}
                {...(oneDay ? {} : { steps: DAY_STEPS })}
              />
              {oneDay ? (
                <div class="table-wrap">
                  <table id="stats-hours" class="table stats-hours">
                    <thead>
                      <tr>
                        <th>{t('stats.hour')}</th>
                        <th class="num">{t('stats.entries')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {hourRows.map((r) => (
                        <tr data-hour={r.h} data-testid={`stats-hour-${r.i}`}>
                          <td>{`${pad(r.h)}:00–${pad((r.h + 1) % 24)}:00`}</td>
                          <td class="num">{r.n}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : (
                <p class="stats-note">{t('stats.hoursInDays')}</p>
              )}
            </div>

            <div class="stats-card" id="stats-card-days">
              <h3>{t('stats.perDay')}</h3>
              {stats.days.length > 1 && <Chart id="stats-chart-days" kind="bars" labels={charts.dayLabels} series={charts.perDay} title={t('stats.perDay')} />}
              <div class="table-wrap">
                <table id="stats-days" class="table">
                  <thead>
                    <tr>
                      <th>{t('stats.date')}</th>
                      <th class="num">{t('stats.total')}</th>
                      <th class="num">{t('stats.final.admit')}</th>
                      <th class="num">{t('stats.final.deny')}</th>
                      <th class="num">{t('stats.final.review')}</th>
                      <th class="num" title={t('stats.kioskDecision')}>
                        {t('stats.kioskShort')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {stats.days.map((d) => (
                      <tr data-date={d.date} data-testid={`stats-day-${d.date}`}>
                        <td>{d.date}</td>
                        <td class="num" data-col="total">
                          {d.total}
                        </td>
                        <td class="num" data-col="admit">
                          {d.final.admit}
                        </td>
                        <td class="num" data-col="deny">
                          {d.final.deny}
                        </td>
                        <td class="num" data-col="review">
                          {d.final.review}
                        </td>
                        <td class="num stats-kiosk" data-col="kiosk">{`${d.kiosk.admit} / ${d.kiosk.deny} / ${d.kiosk.review}`}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <p class="stats-note">{t('stats.kioskColumn')}</p>
            </div>

            <div class="stats-card" id="stats-card-temperature">
              <h3>{t('stats.temperature')}</h3>
              <Chart id="stats-chart-temperature" kind="bars" labels={charts.tempLabels} series={charts.temp} title={t('stats.temperature')} />
              <div class="table-wrap">
                <table id="stats-temperature" class="table stats-temps">
                  <thead>
                    <tr>
                      <th>°C</th>
                      <th class="num">{t('stats.entries')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <tr data-testid="stats-temp-under">
                      <td>{t('stats.temp.under')}</td>
                      <td class="num">{stats.temperature.under}</td>
                    </tr>
                    {tempRows.map((b) => (
                      <tr data-tenths={b.tenths} data-testid={`stats-temp-${b.tenths}`}>
                        <td>{(b.tenths / 10).toFixed(1)}</td>
                        <td class="num">{b.count}</td>
                      </tr>
                    ))}
                    <tr data-testid="stats-temp-over">
                      <td>{t('stats.temp.over')}</td>
                      <td class="num">{stats.temperature.over}</td>
                    </tr>
                    <tr data-testid="stats-temp-none">
                      <td>{t('stats.temp.none')}</td>
                      <td class="num">{stats.temperature.none}</td>
                    </tr>
                  </tbody>
                </table>
              </div>
            </div>

            <div class="stats-card" id="stats-card-reasons">
              <h3>{t('stats.reasons')}</h3>
              <div class="table-wrap">
                <CodeCountTable
                  id="stats-reasons"
                  t={t}
                  nameHeader={t('stats.reason')}
                  total={stats.total}
                  empty={t('stats.noReasons')}
                  rows={stats.reasons.map((r) => ({ attrs: { 'data-reason': r.reason }, testid: `stats-reason-${r.reason}`, name: t(`reason.${r.reason}`), code: r.reason, count: r.count }))}
                />
              </div>
            </div>

            <div class="stats-card" id="stats-card-methods">
              <h3>{t('stats.methods')}</h3>
              <div class="table-wrap">
                <table id="stats-methods" class="table">
                  <tbody>
                    {(['code', 'card', 'both'] as const).map((m) => (
                      <tr data-method={m} data-testid={`stats-method-${m}`}>
                        <td>{t(`stats.method.${m}`)}</td>
                        <td class="num" data-col="count">
                          {stats.methods[m]}
                        </td>
                        <td class="num">{share(stats.methods[m], stats.total)}</td>
                        <td class="stats-bar-cell">
                          <div class="bar">
                            <span style={{ width: share(stats.methods[m], stats.total) === '—' ? '0%' : share(stats.methods[m], stats.total) }} />
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h3>{t('stats.provinces')}</h3>
              <div class="table-wrap">
                <CodeCountTable
                  id="stats-provinces"
                  t={t}
                  nameHeader={t('stats.province')}
                  total={stats.total}
                  rows={stats.provinces.map((p) => ({
                    attrs: { 'data-province': p.code === null ? 'none' : p.code === '' ? 'unverified' : p.code },
                    testid: `stats-province-${p.code === null ? 'none' : p.code === '' ? 'unverified' : p.code}`,
                    name: provinceName(p.code, t),
                    code: p.code ?? '—',
                    count: p.count,
                  }))}
                />
              </div>
            </div>
          </div>
        </>
      )}
    </section>
  );
}

export const statisticsPanel: ConsolePanel = {
  id: 'statistics',
  title: (t) => t('panel.statistics'),
  Component: StatisticsPanel,
};
