// Settings (docs/admin-console.md, "Settings"; docs/security.md, "Configuration"): the parts of
// config.json a facility admin may change on the screen — the venue rules of health-code spec §4,
// the passage windows, language, lane name, retention, session idle time, uploads. Each field shows
// its default and one line of meaning, both taken from the contract's schema (the `.describe()`
// texts), and whether a change applies at once or after a restart (core says which: `appliesLive`).
// A change is validated here with the very schema core validates it with (kioskConfigSchema) before
// it is sent; core validates again and names any path it refuses. Secrets (PINs, key files) are
// neither shown nor changed here.
import { useEffect, useState } from 'preact/hooks';
import {
  checkpointConfigSchema,
  kioskConfigSchema,
  storeSettingsSchema,
  uploadConfigSchema,
  venuePolicySchema,
  adminSettingsSchema,
} from '../../../contract/config.js';
import type { Language } from '../../../contract/api.js';
import { configProblemsIn, inBrackets, meaningOf } from '../config-meanings.js';
import type { ConsolePanel, PanelProps, Translate } from '../panel.js';
import { SaveNotice, type SaveNoticeState } from '../save-notice.js';

type Kind = { type: 'number'; nullable: boolean } | { type: 'boolean' } | { type: 'enum'; options: string[] } | { type: 'string'; nullable: boolean };

interface Field {
  path: string;
  kind: Kind;
  /** One line of meaning: the schema's own description. */
  meaning: string;
  /** The schema's default, as text ("unset" when there is none). */
  defaultValue: unknown;
}

/** A schema section's keys, for their `.describe()` texts. */
type Shape = Record<string, { description?: string }>;

function field(shape: Shape, defaults: Record<string, unknown>, section: string, key: string, kind: Kind): Field {
  const schema = shape[key]!;
  return { path: section ? `${section}.${key}` : key, kind, meaning: schema.description ?? '', defaultValue: defaults[key] };
}

const num = (nullable = false): Kind => ({ type: 'number', nullable });
const bool: Kind = { type: 'boolean' };

/** The fields, grouped, in the order the screen shows them. */
function settingsGroups(): Array<{ id: string; fields: Field[] }> {
  const policy = venuePolicySchema.shape as unknown as Shape;
  const policyDefaults = venuePolicySchema.parse({}) as Record<string, unknown>;
  const checkpoint = checkpointConfigSchema.shape as unknown as Shape;
  const checkpointDefaults = checkpointConfigSchema.parse({}) as Record<string, unknown>;
  const top = kioskConfigSchema.shape as unknown as Shape;
  const store = storeSettingsSchema.shape as unknown as Shape;
  const admin = adminSettingsSchema.shape as unknown as Shape;
  const upload = uploadConfigSchema.shape as unknown as Shape;
  return [
    {
      id: 'policy',
      fields: [
        field(policy, policyDefaults, 'policy', 'maxTrustListAgeDays', num()),
        field(policy, policyDefaults, 'policy', 'maxStatusAgeHours', num()),
        field(policy, policyDefaults, 'policy', 'requireTestWithinHours', num(true)),
        field(policy, policyDefaults, 'policy', 'feverThresholdC', num()),
        field(policy, policyDefaults, 'policy', 'feverComparison', { type: 'enum', options: ['gte', 'gt'] }),
        field(policy, policyDefaults, 'policy', 'requireTemperature', bool),
        field(policy, policyDefaults, 'policy', 'temperatureMissingWithThermometer', { type: 'enum', options: ['review', 'admit'] }),
        field(policy, policyDefaults, 'policy', 'cardOnlyAllowed', bool),
        field(policy, policyDefaults, 'policy', 'maxStatusListAgeHours', num()),
        field(policy, policyDefaults, 'policy', 'clockSkewSeconds', num()),
      ],
    },
    {
      id: 'checkpoint',
      fields: [
        field(checkpoint, checkpointDefaults, 'checkpoint', 'collectWindowMs', num()),
        field(checkpoint, checkpointDefaults, 'checkpoint', 'resetAfterMs', num()),
        field(checkpoint, checkpointDefaults, 'checkpoint', 'duplicateWindowMs', num()),
        field(checkpoint, checkpointDefaults, 'checkpoint', 'antiPassbackMinutes', num(true)),
        field(checkpoint, checkpointDefaults, 'checkpoint', 'waitForCardWithCode', bool),
        field(checkpoint, checkpointDefaults, 'checkpoint', 'waitForCodeWithCard', bool),
        field(checkpoint, checkpointDefaults, 'checkpoint', 'reviewTimeoutMs', num(true)),
      ],
    },
    {
      id: 'kiosk',
      fields: [
        field(top, { language: 'zh-CN' }, '', 'language', { type: 'enum', options: ['zh-CN', 'en'] }),
        field(top, {}, '', 'kioskName', { type: 'string', nullable: false }),
        field(store, storeSettingsSchema.parse({}) as Record<string, unknown>, 'store', 'retentionDays', num()),
        field(admin, adminSettingsSchema.parse({}) as Record<string, unknown>, 'admin', 'sessionIdleSeconds', num()),
        field(upload, uploadConfigSchema.parse({}) as Record<string, unknown>, 'upload', 'collectorUrl', { type: 'string', nullable: true }),
        field(upload, uploadConfigSchema.parse({}) as Record<string, unknown>, 'upload', 'listSyncMinutes', num()),
      ],
    },
  ];
}

function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split('.')) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}

/** The form's text for a value (numbers and strings as typed; null as empty). */
function textOf(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

/** The typed value of the form's text; a number field's bad text stays text so the schema names it. */
function parseInput(kind: Kind, text: string): unknown {
  if (kind.type === 'boolean') return text === 'true';
  if (kind.type === 'enum') return text;
  if (kind.type === 'string') return text.trim() === '' ? (kind.nullable ? null : undefined) : text.trim();
  if (text.trim() === '') return kind.nullable ? null : text;
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/**
 * The changes the form makes, validated with the contract's schema: a document holding only the
 * changed paths is parsed by kioskConfigSchema, so each value is judged in its place with core's rules.
 */
export function validateChanges(changes: Array<{ path: string; value: unknown }>, language: Language = 'en'): Record<string, string> {
  const doc: Record<string, unknown> = {};
  for (const { path, value } of changes) {
    const keys = path.split('.');
    let node = doc;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[keys[keys.length - 1]!] = value;
  }
  const parsed = kioskConfigSchema.safeParse(doc);
  const errors: Record<string, string> = {};
  // Said in the screen's language (config-meanings.ts), from the issue itself.
  if (!parsed.success) for (const p of configProblemsIn(parsed.error, language)) errors[p.path] ??= p.message;
  return errors;
}

/** Core's CONFIG_INVALID message (`path: what; path: what`) as per-field errors. */
export function problemsFromMessage(message: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of message.split('; ')) {
    const i = part.indexOf(': ');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 2);
  }
  return out;
}

const covers = (prefix: string, path: string) => path === prefix || path.startsWith(`${prefix}.`);
const idOf = (path: string) => `setting-${path.replace(/\./g, '-')}`;

function defaultText(value: unknown, t: Translate): string {
  if (value === undefined) return t('settings.unset');
  if (value === null) return t('settings.off');
  if (typeof value === 'boolean') return t(value ? 'settings.yes' : 'settings.no');
  return String(value);
}

function SettingsPanel({ call, t, language }: PanelProps) {
  const [loaded, setLoaded] = useState<{ revision: number; config: Record<string, unknown>; appliesLive: string[] } | null>(null);
  const [form, setForm] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<SaveNoticeState | null>(null);
  const [busy, setBusy] = useState(false);
  const groups = settingsGroups();
  const fields = groups.flatMap((g) => g.fields);

  const load = async () => {
    const r = await call('getConfig', {});
    if (!r.ok) {
      setNotice({ tone: 'bad', text: `${t(`reason.${r.reason}`)} (${r.reason}): ${r.message}` });
      return;
    }
    setLoaded(r.value);
    // A key the file leaves out shows its default (the schema's), so an untouched field is no change.
    setForm(Object.fromEntries(fields.map((f) => [f.path, textOf(valueAt(r.value.config, f.path) ?? f.defaultValue)])));
    setErrors({});
  };
  useEffect(() => {
    void load();
  }, []);

  const changes = loaded
    ? fields.flatMap((f) => {
        const value = parseInput(f.kind, form[f.path] ?? '');
        const before = valueAt(loaded.config, f.path);
        if (before === undefined && (value === undefined || JSON.stringify(value) === JSON.stringify(f.defaultValue))) return [];
        return JSON.stringify(value) === JSON.stringify(before) ? [] : [{ path: f.path, value }];
      })
    : [];

  const save = async () => {
    if (!loaded || changes.length === 0) return;
    const local = validateChanges(changes, language);
    setErrors(local);
    if (Object.keys(local).length > 0) {
      setNotice({ tone: 'bad', text: t('settings.invalid') });
      // The first field marked red, where the admin can correct it.
      requestAnimationFrame(() => document.querySelector('.settings-field[data-invalid="true"]')?.scrollIntoView({ block: 'center' }));
      return;
    }
    setBusy(true);
    try {
      const r = await call('saveConfigChange', { baseRevision: loaded.revision, changes });
      if (!r.ok) {
        if (r.reason === 'CONFIG_INVALID') setErrors(problemsFromMessage(r.message));
        setNotice({ tone: 'bad', text: `${t(`reason.${r.reason}`)} (${r.reason}): ${r.message}` });
        return;
      }
      await load();
      setNotice({ tone: 'ok', text: t('settings.saved', { revision: r.value.revision }), applied: r.value.applied, restartNeeded: r.value.restartNeeded });
    } finally {
      setBusy(false);
      // The outcome is at the top of a long form: bring it into view.
      requestAnimationFrame(() => document.getElementById('settings-notice')?.scrollIntoView({ block: 'nearest' }));
    }
  };

  const live = (path: string) => loaded?.appliesLive.some((p) => covers(p, path)) ?? false;

  return (
    <section id="panel-settings" class="panel settings">
      <h2>
        {t('panel.settings')}{' '}
        {loaded ? (
          <span class="panel-sub" data-testid="settings-revision">
            {t('settings.revision', { revision: loaded.revision })}
          </span>
        ) : null}
      </h2>
      {notice && (
        <SaveNotice notice={notice} prefix="settings" t={t} />
      )}
      {loaded &&
        groups.map((g) => (
          <fieldset class="settings-group" id={`settings-group-${g.id}`}>
            <legend>{t(`settings.group.${g.id}`)}</legend>
            {g.fields.map((f) => {
              const id = idOf(f.path);
              const error = errors[f.path];
              const text = form[f.path] ?? '';
              const onInput = (e: Event) => setForm({ ...form, [f.path]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
              return (
                <div class="settings-field" data-path={f.path} data-invalid={error ? 'true' : undefined}>
                  <label for={id}>{t(`settings.field.${f.path}`, { defaultValue: f.path })}</label>
                  {f.kind.type === 'boolean' ? (
                    <select id={id} data-testid={id} value={text} onChange={onInput}>
                      <option value="true">{t('settings.yes')}</option>
                      <option value="false">{t('settings.no')}</option>
                    </select>
                  ) : f.kind.type === 'enum' ? (
                    <select id={id} data-testid={id} value={text} onChange={onInput}>
                      {f.kind.options.map((o) => (
                        <option value={o}>{o}</option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={id}
                      data-testid={id}
                      inputMode={f.kind.type === 'number' ? 'decimal' : 'text'}
                      value={text}
                      placeholder={f.kind.nullable ? t('settings.off') : ''}
                      onInput={onInput}
                    />
                  )}
                  <span class="settings-applies" data-live={live(f.path) ? 'true' : 'false'}>
                    {live(f.path) ? t('settings.appliesNow') : t('settings.appliesAfterRestart')}
                  </span>
                  <p class="settings-meaning">
                    {meaningOf(f.path, f.meaning, language)}<span class="settings-default">{inBrackets(t('settings.default', { value: defaultText(f.defaultValue, t) }), language)}</span>
                  </p>
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
      <div class="settings-actions">
        <button id="settings-save" type="button" disabled={busy || changes.length === 0} onClick={() => void save()}>
          {t('settings.save', { count: changes.length })}
        </button>
        <button id="settings-reload" type="button" disabled={busy} onClick={() => void load()}>
          {t('console.refresh')}
        </button>
      </div>
    </section>
  );
}

export const settingsPanel: ConsolePanel = {
  id: 'settings',
  title: (t) => t('panel.settings'),
  Component: SettingsPanel,
  roles: ['admin', 'integrator'],
};
