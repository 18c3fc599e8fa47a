// The trust screen (health-code spec §2–4): the lists the kiosk verifies codes with, their freshness
// and the pinned national roots, with the same warnings the guard screen's status bar shows. Every
// figure is text in a table (no picture only), so it can be read out to the province's help desk.
import { useEffect, useState } from 'preact/hooks';
import type { ListFreshness, TrustOverview } from '../../../contract/api.js';
import { formatAge, listProblemDetail } from '../../view-model.js';
import type { ConsolePanel, PanelProps } from '../panel.js';
import { byteSize, fingerprintGroups, localTime } from './views-format.js';
import { TrustSetupSection } from './trust-setup.js';

function TrustPanel({ call, t, role }: PanelProps) {
  const [view, setView] = useState<TrustOverview | null>(null);
  const [error, setError] = useState('');
  const load = async () => {
    const r = await call('getTrustOverview', {});
    if (r.ok) {
      setView(r.value);
      setError('');
    } else setError(`${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason})`);
  };
  useEffect(() => {
    void load();
  }, []);
  const state = (s: ListFreshness) => <span class={`trust-state trust-state-${s}`}>{t(`trust.state.${s}`)}</span>;
  const age = (ms: number | null) => (ms === null ? '—' : ms < 0 ? t('trust.future') : formatAge(ms, t));
  return (
    <section id="panel-trust" class="panel">
      <h2>{t('panel.trust')}</h2>
      {view && view.warnings.length > 0 && (
        <ul id="trust-warnings" class="views-warnings" role="alert">
          {view.warnings.map((w) => (
            <li data-warning={w}>{t(`trust.warning.${w}`)}</li>
          ))}
        </ul>
      )}
      {view?.listProblems && (
        <ul id="trust-list-problems" class="views-warnings">
          {view.listProblems.map((p) => (
            <li data-list={p.list} data-reason={p.reason}>
              {t(p.list === 'trust' ? 'status.trust.invalid' : 'status.statusList.invalid', { why: t(`listProblem.${p.reason}`, { defaultValue: p.reason }) })}: {listProblemDetail(p, t)}
            </li>
          ))}
        </ul>
      )}
      {view && view.warnings.length === 0 && (
        <p id="trust-ok" class="views-ok">
          {t('trust.allGood')}
        </p>
      )}
      {view && (
        <>
          <div class="views-columns">
            <div>
              <h3>{t('trust.trustList')}</h3>
              <table id="trust-list" class="table" data-state={view.trustList.state}>
                <tbody>
                  <tr>
                    <th>{t('trust.seq')}</th>
                    <td class="num" data-testid="trust-seq">{view.trustList.seq ?? '—'}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.state')}</th>
                    <td>{state(view.trustList.state)}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.issued')}</th>
                    <td>{localTime(view.trustList.issuedAt)}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.age')}</th>
                    <td>{age(view.trustList.ageMs)}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.nextUpdate')}</th>
                    <td>{localTime(view.trustList.nextUpdateAt)}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.keys')}</th>
                    <td class="num" data-testid="trust-keys">{view.trustList.keyCount}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.revokedCodes')}</th>
                    <td class="num" data-testid="trust-revoked-codes">{view.trustList.revokedCodes}</td>
                  </tr>
                </tbody>
              </table>
            </div>
            <div>
              <h3>{t('trust.statusList')}</h3>
              <table id="status-list" class="table" data-state={view.statusList.state}>
                <tbody>
                  <tr>
                    <th>{t('trust.seq')}</th>
                    <td class="num" data-testid="status-seq">{view.statusList.seq ?? '—'}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.state')}</th>
                    <td>{state(view.statusList.state)}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.issued')}</th>
                    <td>{localTime(view.statusList.issuedAt)}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.age')}</th>
                    <td>{age(view.statusList.ageMs)}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.nextUpdate')}</th>
                    <td>{localTime(view.statusList.nextUpdateAt)}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.records')}</th>
                    <td class="num" data-testid="status-records">{view.statusList.records ?? '—'}</td>
                  </tr>
                  <tr>
                    <th>{t('trust.size')}</th>
                    <td class="num">{byteSize(view.statusList.sizeBytes)}</td>
                  </tr>
                </tbody>
              </table>
            </div>
            {view.dscList && (
              <div>
                <h3>{t('trust.dscList')}</h3>
                <table id="dsc-list" class="table" data-state={view.dscList.state}>
                  <tbody>
                    <tr>
                      <th>{t('trust.seq')}</th>
                      <td class="num" data-testid="dsc-seq">{view.dscList.seq ?? '—'}</td>
                    </tr>
                    <tr>
                      <th>{t('trust.state')}</th>
                      <td>{state(view.dscList.state)}</td>
                    </tr>
                    <tr>
                      <th>{t('trust.issued')}</th>
                      <td>{localTime(view.dscList.issuedAt)}</td>
                    </tr>
                    <tr>
                      <th>{t('trust.age')}</th>
                      <td>{age(view.dscList.ageMs)}</td>
                    </tr>
                    <tr>
                      <th>{t('trust.nextUpdate')}</th>
                      <td>{localTime(view.dscList.nextUpdateAt)}</td>
                    </tr>
                    <tr>
                      <th>{t('trust.dscCertificates')}</th>
                      <td class="num" data-testid="dsc-certificates">{view.dscList.certificates}</td>
                    </tr>
                    <tr>
                      <th>{t('trust.dscCountries')}</th>
                      <td data-testid="dsc-countries">{view.dscList.countries.length === 0 ? '—' : view.dscList.countries.map((c) => `${c.country} ${c.certificates}`).join(' · ')}</td>
                    </tr>
                  </tbody>
                </table>
              </div>
            )}
          </div>
          {/* The integrator's actions (docs/integrator-setup.md "Trust"), with its own roots table
              (fingerprint, what each signs, remove); the facility admin only reads. */}
          {role === 'integrator' && <TrustSetupSection call={call} t={t} onChanged={() => void load()} />}
          <h3>{t('trust.provinces')}</h3>
          <div class="table-wrap">
            <table id="trust-provinces" class="table">
              <thead>
                <tr>
                  <th>{t('trust.province')}</th>
                  <th class="num">{t('trust.active')}</th>
                  <th class="num">{t('trust.revoked')}</th>
                  <th>{t('trust.kids')}</th>
                </tr>
              </thead>
              <tbody>
                {view.provinces.map((p) => (
                  <tr data-province={p.province}>
                    <td>
                      {t(`province.${p.province}`, { defaultValue: p.province })} <span class="views-code">{p.province}</span>
                    </td>
                    <td class="num">{p.active}</td>
                    <td class="num">{p.revoked}</td>
                    <td class="views-mono">{p.kids.join(' ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {role !== 'integrator' && <h3>{t('trust.roots')}</h3>}
          <div class="table-wrap" hidden={role === 'integrator'}>
            <table id="trust-roots" class="table">
              <thead>
                <tr>
                  <th>{t('trust.rootKid')}</th>
                  <th>{t('trust.fingerprint')}</th>
                </tr>
              </thead>
              <tbody>
                {view.roots.map((r, i) => (
                  <tr>
                    <td class="views-mono">{r.kid}</td>
                    <td class="views-mono views-fingerprint" data-testid={`root-fingerprint-${i}`} data-sha256={r.sha256}>
                      {fingerprintGroups(r.sha256)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="views-note">
            {t('trust.checkedAt', { time: localTime(view.at) })}
          </p>
        </>
      )}
      <button id="trust-refresh" type="button" onClick={() => void load()}>
        {t('console.refresh')}
      </button>
      {error && (
        <p id="trust-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export const trustPanel: ConsolePanel = {
  id: 'trust',
  title: (t) => t('panel.trust'),
  Component: TrustPanel,
  roles: ['admin', 'integrator'],
};
