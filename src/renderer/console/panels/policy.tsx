// Venue and policy, the integrator's screen (docs/integrator-setup.md, "Venue and policy"): venue
// id and name, kiosk name and id, language; every rule of health-code spec §4 and the passage windows, each
// with its default and one line of meaning taken from the contract's schema (`.describe`); and a
// live "what would happen" table: synthetic people decided by core, with the door's own
// decision code, under the rules as typed, beside the rules in force. The form is validated with
// the contract's configuration schema before anything is sent; a save sends only the changed paths
// against the revision it was read at (saveConfigChange), and the policy applies to the next passage.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MethodResponse } from '../../../contract/api.js';
import { checkpointConfigSchema, kioskConfigSchema, venuePolicySchema } from '../../../contract/config.js';
import type { ConsolePanel, PanelProps, Translate } from '../panel.js';
import { SaveNotice, type SaveNoticeState } from '../save-notice.js';
import { problemsFromMessage, validateChanges } from './settings.js';
import { atMostCharacters, inBrackets, meaningOf } from '../config-meanings.js';

type Kind = { type: 'number'; nullable: boolean } | { type: 'boolean' } | { type: 'enum'; options: string[] } | { type: 'string'; optional: boolean };
interface Field {
  path: string;
  kind: Kind;
  meaning: string;
  defaultValue: unknown;
}
type Shape = Record<string, { description?: string }>;
type Preview = MethodResponse<'previewPolicy'>;

/** At most one preview call per this many ms while typing (≤ 4 calls/s). */
export const PREVIEW_DEBOUNCE_MS = 300;

const num = (nullable = false): Kind => ({ type: 'number', nullable });
const bool: Kind = { type: 'boolean' };
const str = (optional = false): Kind => ({ type: 'string', optional });

function section(schema: { shape: unknown }, defaults: Record<string, unknown>, prefix: string, kinds: Record<string, Kind>): Field[] {
  const shape = schema.shape as Shape;
  return Object.entries(kinds).map(([key, kind]) => ({
    path: prefix ? `${prefix}.${key}` : key,
    kind,
    meaning: shape[key]?.description ?? '',
    defaultValue: defaults[key],
  }));
}

/** The groups in screen order; every key of the policy section is here (a test keeps it so). */
export function policyGroups(): Array<{ id: 'venue' | 'policy' | 'dcc' | 'checkpoint'; fields: Field[] }> {
  return [
    {
      id: 'venue',
      fields: section(kioskConfigSchema, { venueId: 'demo-venue', kioskId: 'kiosk-1', language: 'zh-CN' }, '', {
        venueId: str(),
        venueName: str(true),
        kioskName: str(true),
        kioskId: str(),
        language: { type: 'enum', options: ['zh-CN', 'en'] },
      }),
    },
    {
      id: 'policy',
      fields: section(venuePolicySchema, venuePolicySchema.parse({}) as Record<string, unknown>, 'policy', {
        maxTrustListAgeDays: num(),
        maxStatusAgeHours: num(),
        requireTestWithinHours: num(true),
        feverThresholdC: num(),
        feverComparison: { type: 'enum', options: ['gte', 'gt'] },
        requireTemperature: bool,
        temperatureMissingWithThermometer: { type: 'enum', options: ['review', 'admit'] },
        cardOnlyAllowed: bool,
        maxStatusListAgeHours: num(),
        clockSkewSeconds: num(),
      }),
    },
    {
      // Foreign credentials (EU DCC, HC1:), docs/dcc-policy.md: keys of the same policy section.
      id: 'dcc',
      fields: section(venuePolicySchema, venuePolicySchema.parse({}) as Record<string, unknown>, 'policy', {
        dccAccept: bool,
        dccAcceptVaccination: bool,
        dccVaccinationMinDays: num(),
        dccAcceptTest: bool,
        dccTestNaatMaxHours: num(true),
        dccTestRatMaxHours: num(true),
        dccTestNotDetectedCode: str(),
        dccAcceptRecovery: bool,
        dccRecoveryMaxDays: num(true),
      }),
    },
    {
      id: 'checkpoint',
      fields: section(checkpointConfigSchema, checkpointConfigSchema.parse({}) as Record<string, unknown>, 'checkpoint', {
        collectWindowMs: num(),
        resetAfterMs: num(),
        duplicateWindowMs: num(),
        antiPassbackMinutes: num(true),
        waitForCardWithCode: bool,
        waitForCodeWithCard: bool,
        reviewTimeoutMs: num(true),
      }),
    },
  ];
}

function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split('.')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}
const textOf = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** The typed value of a field's text; a number field's bad text stays text so the schema names it. */
export function parseField(kind: Kind, text: string): unknown {
  if (kind.type === 'boolean') return text === 'true';
  if (kind.type === 'enum') return text;
  if (kind.type === 'string') return text.trim() === '' ? (kind.optional ? undefined : '') : text.trim();
  if (text.trim() === '') return kind.nullable ? null : text;
  // A decimal comma (`38,5`, as typed on many keyboards) is the decimal point, as the thermometer's
  // calibration takes it; anything else that is not a number stays text for the schema to name.
  const n = Number(/^\s*[-+]?\d+,\d+\s*$/.test(text) ? text.replace(',', '.') : text);
  return Number.isFinite(n) ? n : text;
}

/** The edited values of one section (`policy` / `checkpoint`), for the preview. */
function sectionValues(fields: Field[], form: Record<string, string>, prefix: string): Record<string, number | boolean | string | null> {
  const out: Record<string, number | boolean | string | null> = {};
  for (const f of fields) {
    if (!f.path.startsWith(`${prefix}.`)) continue;
    const v = parseField(f.kind, form[f.path] ?? '');
    // The wire caps text at 64 characters; longer text is a local error before it gets here.
    out[f.path.slice(prefix.length + 1)] = typeof v === 'string' ? v.slice(0, 64) : (v as number | boolean | null);
  }
  return out;
}

const idOf = (path: string) => `policy-${path.replace(/\./g, '-')}`;

/** A choice in words (gte → "≥ threshold", review → "to the guard"), never the raw value. */
export function optionText(path: string, value: string, t: Translate): string {
  if (path === 'language') return t(`language.name.${value}`, { defaultValue: value });
  return t(`policy.option.${path}.${value}`, { defaultValue: value });
}

/** A field's default as the screen says it; a choice's in the same words as its option. */
export function defaultText(value: unknown, t: Translate, path?: string): string {
  if (value === undefined) return t('settings.unset');
  if (value === null) return t('settings.off');
  if (typeof value === 'boolean') return t(value ? 'settings.yes' : 'settings.no');
  if (path !== undefined && typeof value === 'string' && policyGroups().some((g) => g.fields.some((f) => f.path === path && f.kind.type === 'enum'))) return optionText(path, value, t);
  return String(value);
}

/** The preview's note, counting the people the table shows (seven codes and cards, four EU certificates). */
export function previewNote(rows: number, t: Translate): string {
  return t('policy.preview.note', { count: rows });
}

function caseInputs(c: Preview['cases'][number], t: Translate): string {
  const temp = c.inputs.temperatureC.toFixed(1);
  if (c.inputs.presented === 'card') return t('policy.inputs.card', { temp });
  const dcc = c.inputs.dcc;
  if (c.inputs.presented === 'dcc' && dcc) return t(`policy.inputs.dcc.${dcc.kind}`, { days: dcc.daysAgo ?? 0, hours: dcc.hoursAgo ?? 0, temp });
  return t('policy.inputs.code', {
    status: t(`policy.status.${c.inputs.status ?? 'green'}`),
    assessed: c.inputs.assessedHoursAgo ?? 0,
    test: c.inputs.testHoursAgo ?? 0,
    temp,
  });
}

function DecisionCell({ decision, reason, t, testid }: { decision: string; reason: string | null; t: Translate; testid: string }) {
  return (
    <td class="policy-decision" data-decision={decision} data-testid={testid}>
      <strong>{t(`policy.decision.${decision}`)}</strong>
      {reason && (
        <span class="policy-reason">
          {' '}
          {t(`reason.${reason}`, { defaultValue: reason })} <code>{reason}</code>
        </span>
      )}
    </td>
  );
}

function PolicyPanel({ call, t, language }: PanelProps) {
  /** Nullable numbers the integrator switched on but has not typed yet (empty would read as off). */
  const [switchedOn, setSwitchedOn] = useState<Set<string>>(new Set());
  /** The last number each nullable field held, given back when "off" is unticked. */
  const lastNumber = useRef<Record<string, string>>({});
  const [loaded, setLoaded] = useState<{ revision: number; config: Record<string, unknown>; appliesLive: string[] } | null>(null);
  const [form, setForm] = useState<Record<string, string>>({});
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<SaveNoticeState | null>(null);
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<{ state: 'pending' | 'ready' | 'invalid' | 'failed'; value: Preview | null; message?: string }>({ state: 'pending', value: null });
  const seq = useRef(0);
  const groups = policyGroups();
  const fields = groups.flatMap((g) => g.fields);

  const load = async () => {
    const r = await call('getConfig', {});
    if (!r.ok) {
      setNotice({ tone: 'bad', text: `${t(`reason.${r.reason}`, { defaultValue: r.reason })} (${r.reason}): ${r.message}` });
      return;
    }
    setLoaded(r.value);
    // A key the file leaves out shows its default, so an untouched field is no change; a key set to
    // null is off even where the default is a number (policy.dccTestRatMaxHours).
    setForm(
      Object.fromEntries(
        fields.map((f) => {
          const value = valueAt(r.value.config, f.path);
          return [f.path, textOf(value === undefined ? f.defaultValue : value)];
        }),
      ),
    );
    setServerErrors({});
    setSwitchedOn(new Set());
  };
  // Not reloaded on a `config` event: that would wipe what the integrator is typing; a save made on
  // an older revision is refused by core instead, and "Undo changes" reads the one in force.
  useEffect(() => {
    void load();
  }, []);

  const changes = loaded
    ? fields.flatMap((f) => {
        const value = parseField(f.kind, form[f.path] ?? '');
        const before = valueAt(loaded.config, f.path);
        if (before === undefined && (value === undefined || JSON.stringify(value) === JSON.stringify(f.defaultValue))) return [];
        return JSON.stringify(value) === JSON.stringify(before) ? [] : [{ path: f.path, value }];
      })
    : [];
  const changedPaths = new Set(changes.map((c) => c.path));
  // Judged here with core's own schema: a document of only the changed paths.
  const localErrors = validateChanges(changes, language);
  for (const c of changes) if (typeof c.value === 'string' && c.value.length > 64 && c.path.includes('.')) localErrors[c.path] ??= atMostCharacters(64, language);
  // A nullable number switched on and left empty would be saved as off: asked for instead.
  for (const p of switchedOn) if ((form[p] ?? '').trim() === '') localErrors[p] ??= t('policy.typeNumberOrOff');
  const errors = { ...serverErrors, ...localErrors };
  const ruleErrors = Object.keys(localErrors).filter((p) => p.startsWith('policy.') || p.startsWith('checkpoint.'));
  const policyKey = loaded ? JSON.stringify([sectionValues(fields, form, 'policy'), sectionValues(fields, form, 'checkpoint'), loaded.revision]) : '';

  // The live preview: debounced, and only the latest answer is shown.
  useEffect(() => {
    if (!loaded) return;
    if (ruleErrors.length > 0) {
      seq.current++;
      setPreview({ state: 'invalid', value: null });
      return;
    }
    const mine = ++seq.current;
    setPreview((p) => ({ ...p, state: 'pending' }));
    const timer = setTimeout(() => {
      void call('previewPolicy', { policy: sectionValues(fields, form, 'policy'), checkpoint: sectionValues(fields, form, 'checkpoint') }).then((r) => {
        if (mine !== seq.current) return;
        if (!r.ok) setPreview({ state: 'failed', value: null, message: `${t(`reason.${r.reason}`, { defaultValue: r.reason })} (${r.reason}): ${r.message}` });
        else setPreview({ state: r.value.problems.length > 0 ? 'invalid' : 'ready', value: r.value });
      });
    }, PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [policyKey, ruleErrors.length]);

  const save = async () => {
    if (!loaded || changes.length === 0) return;
    if (Object.keys(localErrors).length > 0) {
      setNotice({ tone: 'bad', text: t('settings.invalid') });
      requestAnimationFrame(() => document.querySelector('#panel-policy .settings-field[data-invalid="true"]')?.scrollIntoView({ block: 'center' }));
      return;
    }
    setBusy(true);
    try {
      const r = await call('saveConfigChange', { baseRevision: loaded.revision, changes });
      if (!r.ok) {
        if (r.reason === 'CONFIG_INVALID') setServerErrors(problemsFromMessage(r.message));
        setNotice({ tone: 'bad', text: `${t(`reason.${r.reason}`, { defaultValue: r.reason })} (${r.reason}): ${r.message}` });
        return;
      }
      await load();
      setNotice({ tone: 'ok', text: t('settings.saved', { revision: r.value.revision }), applied: r.value.applied, restartNeeded: r.value.restartNeeded });
    } finally {
      setBusy(false);
      requestAnimationFrame(() => document.getElementById('policy-notice')?.scrollIntoView({ block: 'nearest' }));
    }
  };

  const live = (path: string) => loaded?.appliesLive.some((p) => path === p || path.startsWith(`${p}.`)) ?? false;
  const problems = preview.value?.problems ?? [];

  const previewTable = (
    <aside id="policy-preview" class="policy-preview" data-state={preview.state} aria-live="polite">
      <h3>{t('policy.preview.title')}</h3>
      {preview.value && preview.value.cases.length > 0 && <p class="policy-preview-note">{previewNote(preview.value.cases.length, t)}</p>}
      {preview.state === 'invalid' && (
        <ul id="policy-preview-problems" class="views-warnings" role="alert">
          {(problems.length > 0 ? problems.map((p) => ({ path: p.path, message: p.message })) : ruleErrors.map((p) => ({ path: p, message: localErrors[p]! }))).map((p) => (
            <li data-path={p.path}>
              {p.path}: {p.message}
            </li>
          ))}
          <li class="policy-preview-paused">{t('policy.preview.invalid')}</li>
        </ul>
      )}
      {preview.state === 'failed' && (
        <p id="policy-preview-error" class="views-warnings" role="alert">
          {preview.message}
        </p>
      )}
      {preview.value && preview.value.cases.length > 0 && (
        <div class="table-wrap">
          <table class="table policy-cases" data-pending={preview.state === 'pending' ? 'true' : undefined}>
            <thead>
              <tr>
                <th>{t('policy.preview.case')}</th>
                <th>{t('policy.preview.inForce')}</th>
                <th>{t('policy.preview.edited')}</th>
              </tr>
            </thead>
            <tbody>
              {preview.value.cases.map((c) => {
                const changed = c.decision !== c.inForce.decision || c.reason !== c.inForce.reason;
                return (
                  <tr data-testid={`policy-case-${c.id}`} data-case={c.id} data-decision={c.decision} data-in-force={c.inForce.decision} data-changed={changed ? 'true' : 'false'} title={c.explanation}>
                    <td>
                      <strong>{t(`policy.case.${c.id}`)}</strong>
                      <span class="policy-case-inputs">{caseInputs(c, t)}</span>
                    </td>
                    <DecisionCell decision={c.inForce.decision} reason={c.inForce.reason} t={t} testid={`policy-case-${c.id}-in-force`} />
                    <DecisionCell decision={c.decision} reason={c.reason} t={t} testid={`policy-case-${c.id}-edited`} />
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </aside>
  );

  return (
    <section id="panel-policy" class="panel settings policy">
      <h2>
        {t('panel.policy')}{' '}
        {loaded && (
          <span class="panel-sub" data-testid="policy-revision">
            {t('settings.revision', { revision: loaded.revision })}
          </span>
        )}
      </h2>
      {loaded && (
        <div class="policy-layout">
          <div class="policy-form">
            {groups.map((g) => (
              <fieldset class="settings-group" id={`policy-group-${g.id}`}>
                <legend>{t(g.id === 'venue' || g.id === 'dcc' ? `policy.group.${g.id}` : `settings.group.${g.id}`)}</legend>
                {g.fields.map((f) => {
                  const id = idOf(f.path);
                  const error = errors[f.path];
                  const text = form[f.path] ?? '';
                  const onInput = (e: Event) => setForm({ ...form, [f.path]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
                  return (
                    <div class="settings-field" data-path={f.path} data-invalid={error ? 'true' : undefined} data-changed={changedPaths.has(f.path) ? 'true' : undefined}>
                      <label for={id}>{t(`policy.field.${f.path}`, { defaultValue: t(`settings.field.${f.path}`, { defaultValue: f.path }) })}</label>
                      {f.kind.type === 'boolean' ? (
                        <select id={id} data-testid={id} value={text} onChange={onInput}>
                          <option value="true">{t('settings.yes')}</option>
                          <option value="false">{t('settings.no')}</option>
                        </select>
                      ) : f.kind.type === 'enum' ? (
                        <select id={id} data-testid={id} value={text} onChange={onInput}>
                          {f.kind.options.map((o) => (
                            // Words for a value where the raw one means nothing to a reader (gte → "≥ threshold").
                            <option value={o}>{optionText(f.path, o, t)}</option>
                          ))}
                        </select>
                      ) : f.kind.type === 'number' && f.kind.nullable ? (
                        // Off is a box to tick, not an empty field to guess (the schema's null).
                        <span class="policy-nullable">
                          <input
                            id={id}
                            data-testid={id}
                            inputMode="decimal"
                            maxLength={32}
                            value={text}
                            disabled={text.trim() === '' && !switchedOn.has(f.path)}
                            onInput={onInput}
                          />
                          <label class="policy-off">
                            <input
                              id={`${id}-off`}
                              data-testid={`${id}-off`}
                              type="checkbox"
                              checked={text.trim() === '' && !switchedOn.has(f.path)}
                              onChange={(e) => {
                                const off = (e.currentTarget as HTMLInputElement).checked;
                                const next = new Set(switchedOn);
                                if (off) {
                                  if (text.trim() !== '') lastNumber.current[f.path] = text;
                                  next.delete(f.path);
                                  setForm({ ...form, [f.path]: '' });
                                } else {
                                  const back = lastNumber.current[f.path] ?? (typeof f.defaultValue === 'number' ? String(f.defaultValue) : '');
                                  if (back === '') next.add(f.path);
                                  setForm({ ...form, [f.path]: back });
                                }
                                setSwitchedOn(next);
                              }}
                            />
                            {t('settings.off')}
                          </label>
                        </span>
                      ) : (
                        <input
                          id={id}
                          data-testid={id}
                          inputMode={f.kind.type === 'number' ? 'decimal' : 'text'}
                          // Longer than any key allows, so a name over its limit is named by the schema, not cut silently.
                          maxLength={f.kind.type === 'string' ? 200 : 32}
                          value={text}
                          onInput={onInput}
                        />
                      )}
                      <span class="settings-applies" data-live={live(f.path) ? 'true' : 'false'}>
                        {live(f.path) ? t('settings.appliesNow') : t('settings.appliesAfterRestart')}
                      </span>
                      <p class="settings-meaning">
                        {meaningOf(f.path, f.meaning, language)}
                        {/* An optional key with no default says what happens when unset in its meaning. */}
                        {f.defaultValue !== undefined && <span class="settings-default">{inBrackets(t('settings.default', { value: defaultText(f.defaultValue, t, f.path) }), language)}</span>}
                      </p>
                      {f.path === 'language' && text !== '' && text !== language && (
                        <p class="settings-meaning" data-testid="policy-language-note">
                          {t('policy.languageNote', { running: t(`language.name.${language}`), saved: t(`language.name.${text}`, { defaultValue: text }) })}
                        </p>
                      )}
                      {error && (
                        <p class="settings-error" role="alert" data-testid={`${id}-error`}>
                          {f.path}: {error}
                        </p>
                      )}
                    </div>
                  );
                })}
              </fieldset>
            ))}
          </div>
          <div class="policy-dock">
            {previewTable}
            <div class="settings-actions policy-actions">
              <button id="policy-save" type="button" disabled={busy || changes.length === 0 || Object.keys(localErrors).length > 0} onClick={() => void save()}>
                {t(changes.length === 1 ? 'settings.save.one' : 'settings.save', { count: changes.length })}
              </button>
              <button id="policy-reload" type="button" disabled={busy} onClick={() => void load()}>
                {t('policy.undo')}
              </button>
            </div>
            {/* The outcome of a save, beside the button that made it (in view at every screen shape). */}
            {notice && (
              <SaveNotice notice={notice} prefix="policy" class="policy-notice" t={t} />
            )}
          </div>
        </div>
      )}
      {!loaded && notice && (
        <p id="policy-load-error" class="views-warnings" role="alert">
          {notice.text}
        </p>
      )}
    </section>
  );
}

export const policyPanel: ConsolePanel = {
  id: 'policy',
  title: (t) => t('panel.policy'),
  Component: PolicyPanel,
  roles: ['integrator'],
};
