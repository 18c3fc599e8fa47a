// The integrator's uploads screen (docs/integrator-setup.md, "Uploads"; docs/upload-protocol.md §1):
// the collector URL (checked with the configuration schema's own rule, saved through
// saveConfigChange; the uploader takes it at the next start, which the screen says), the connection
// test step by step (address, TLS, the collector's answer, this kiosk's key registered) each with
// its reason in words, the device key's fingerprint big enough to read out over the phone, the
// registration command as a QR the platform operator scans with the text below it, and the
// configured kioskId beside the device key's id with a warning (and a one-tap fix) when they differ.
import { useEffect, useState } from 'preact/hooks';
import type { ConnectionStepView, Language, QrMatrix, UploadSetup } from '../../../contract/api.js';
import { uploadConfigSchema } from '../../../contract/config.js';
import type { ConsolePanel, PanelProps, Translate } from '../panel.js';
import { stepDetailIn } from '../step-details.js';

/** The QR's quiet zone, in modules (ISO/IEC 18004 asks for four). */
const QUIET = 4;

/** The symbol as one SVG path (a square per dark module), white around it; crisp at any size. */
export function QrSvg(props: { qr: QrMatrix; label: string }) {
  const { size, modules } = props.qr;
  let d = '';
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) if (modules[y * size + x] === '1') d += `M${x + QUIET} ${y + QUIET}h1v1h-1z`;
  }
  const full = size + 2 * QUIET;
  return (
    <svg id="uploads-qr" data-testid="uploads-qr" data-size={String(size)} viewBox={`0 0 ${full} ${full}`} shape-rendering="crispEdges" role="img" aria-label={props.label}>
      <rect width={full} height={full} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

/** Why the URL cannot be saved, in words; null when the schema takes it (empty = no collector). */
function urlProblem(value: string, t: Translate): string | null {
  if (value.trim() === '') return null;
  const parsed = uploadConfigSchema.shape.collectorUrl.safeParse(value.trim());
  if (!parsed.success) return t('uploads.urlInvalid');
  if (!/^https?:\/\//i.test(value.trim())) return t('uploads.urlScheme');
  return null;
}

const STEP_ICON: Record<ConnectionStepView['state'], string> = { ok: '✓', failed: '✗', skipped: '–' };

function StepList(props: { steps: ConnectionStepView[]; t: Translate; language: Language }) {
  const { t } = props;
  return (
    <ol id="uploads-steps" class="uploads-steps">
      {props.steps.map((s) => (
        <li key={s.step} data-step={s.step} data-state={s.state} data-reason={s.reason ?? ''}>
          <span class="uploads-step-icon" aria-hidden="true">
            {STEP_ICON[s.state]}
          </span>
          <span class="uploads-step-name">{t(`uploads.step.${s.step}`)}</span>
          <span class="uploads-step-state">{t(`uploads.state.${s.state}`)}</span>
          {s.reason && (
            <span class="uploads-step-reason">
              {t(`uploads.reason.${s.reason}`, { defaultValue: s.reason })} ({s.reason})
            </span>
          )}
          {s.detail && <span class="uploads-step-detail">{stepDetailIn(s.detail, props.language)}</span>}
        </li>
      ))}
    </ol>
  );
}

function UploadsPanel({ call, t, client, language }: PanelProps) {
  const [setup, setSetup] = useState<UploadSetup | null>(null);
  const [url, setUrl] = useState('');
  // Kept as what happened and worded at render, so the language toggle re-words it.
  const [notice, setNotice] = useState<{ tone: 'ok' | 'bad'; say(t: Translate): string } | null>(null);
  const [steps, setSteps] = useState<{ url: string; steps: ConnectionStepView[] } | null>(null);
  const [testing, setTesting] = useState(false);
  const [busy, setBusy] = useState(false);

  const failText = (r: { reason: string; message: string }) => (t: Translate) => `${t(`reason.${r.reason}`, { defaultValue: r.message })} (${r.reason}): ${r.message}`;

  const load = async (resetField: boolean) => {
    const r = await call('getUploadSetup', {});
    if (!r.ok) {
      setNotice({ tone: 'bad', say: failText(r) });
      return;
    }
    setSetup(r.value);
    if (resetField) setUrl(r.value.configuredUrl ?? r.value.collectorUrl ?? '');
  };

  useEffect(() => {
    void load(true);
    // A configuration saved elsewhere (settings, cloning, config.json by hand) changes what is shown.
    return client.onEvent((e) => {
      if (e.type === 'config') void load(false);
    });
  }, []);

  const problem = urlProblem(url, t);

  const save = async (changes: { path: string; value: unknown }[]) => {
    if (!setup) return;
    setBusy(true);
    try {
      const r = await call('saveConfigChange', { baseRevision: setup.revision, changes });
      if (!r.ok) {
        setNotice({ tone: 'bad', say: failText(r) });
        return;
      }
      // Upload settings are read when the uploader starts (src/app/compose.ts): say so, do not pretend.
      const restart = r.value.restartNeeded.length > 0;
      const { revision, restartNeeded } = r.value;
      const key = !restart ? 'uploads.saved' : restartNeeded.length === 1 ? 'uploads.savedRestart.one' : 'uploads.savedRestart';
      setNotice({ tone: 'ok', say: (t) => t(key, { revision, paths: restartNeeded.join(', ') }) });
      await load(true);
    } finally {
      setBusy(false);
    }
  };

  const saveUrl = () => {
    if (problem) return;
    const value = url.trim() === '' ? null : url.trim();
    if (setup && value === setup.configuredUrl) {
      setNotice({ tone: 'ok', say: (t) => t('uploads.nothingChanged') });
      return;
    }
    void save([{ path: 'upload.collectorUrl', value }]);
  };

  const test = async () => {
    if (problem) return;
    setTesting(true);
    setSteps(null);
    try {
      const typed = url.trim();
      const r = await call('testCollector', typed ? { url: typed } : {});
      if (!r.ok) {
        setNotice({ tone: 'bad', say: failText(r) });
        return;
      }
      setSteps(r.value);
    } finally {
      setTesting(false);
    }
  };

  const allOk = steps?.steps.every((s) => s.state === 'ok') ?? false;
  const pendingRestart = setup !== null && setup.source !== 'env' && (setup.configuredUrl ?? null) !== (setup.runningUrl ?? null);

  return (
    <section id="panel-uploads" class="panel uploads">
      <h2>{t('panel.uploads')}</h2>
      {setup?.mismatch && (
        <div id="uploads-mismatch" class="uploads-mismatch" role="alert">
          <p>
            <strong>{t('uploads.mismatchTitle')}</strong>
          </p>
          <p>{t('uploads.mismatchText', { kioskId: setup.kioskId, deviceKioskId: setup.deviceKioskId })}</p>
          <button id="uploads-use-key-id" type="button" disabled={busy} onClick={() => void save([{ path: 'kioskId', value: setup.deviceKioskId }])}>
            {t('uploads.useKeyId', { deviceKioskId: setup.deviceKioskId })}
          </button>
        </div>
      )}

      <div class="uploads-layout">
        <div class="uploads-collector">
          <h3>{t('uploads.collector')}</h3>
          <label for="uploads-url">{t('uploads.url')}</label>
          <input
            id="uploads-url"
            type="url"
            inputMode="url"
            spellcheck={false}
            autocomplete="off"
            placeholder="https://collector.example.org"
            value={url}
            aria-invalid={problem ? 'true' : 'false'}
            onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          />
          {problem && (
            <p id="uploads-url-problem" class="uploads-problem" role="alert">
              {problem}
            </p>
          )}
          {setup?.source === 'env' && (
            <p id="uploads-env-note" class="uploads-note">
              {t('uploads.fromEnv', { url: setup.collectorUrl ?? '' })}
            </p>
          )}
          {setup && (
            <p id="uploads-running" class="uploads-note" data-pending={String(pendingRestart)}>
              {setup.runningUrl ? t('uploads.runningWith', { url: setup.runningUrl }) : t('uploads.runningNone')}
              {pendingRestart && ` ${t('uploads.pendingRestart')}`}
            </p>
          )}
          {setup && (setup.caFile || setup.allowInsecureHttp) && (
            <p class="uploads-note" data-testid="uploads-tls-settings">
              {setup.caFile ? t('uploads.caFile', { file: setup.caFile }) : ''} {setup.allowInsecureHttp ? t('uploads.insecureAllowed') : ''}
            </p>
          )}
          <div class="uploads-actions">
            <button id="uploads-test" type="button" disabled={testing || !!problem || (url.trim() === '' && !setup?.collectorUrl)} onClick={() => void test()}>
              {testing ? t('uploads.testing') : t('uploads.test')}
            </button>
            <button id="uploads-save" type="button" disabled={busy || !!problem || !setup} onClick={saveUrl}>
              {t('uploads.save')}
            </button>
          </div>
          {testing && (
            <p id="uploads-testing" class="uploads-note" role="status">
              {t('uploads.testingNote')}
            </p>
          )}
          {steps && (
            <div id="uploads-result" data-all-ok={String(allOk)}>
              <p class="uploads-result-title" data-tone={allOk ? 'ok' : 'bad'}>
                {allOk ? t(setup && steps.url !== setup.runningUrl ? 'uploads.allPassed' : 'uploads.allOk') : t('uploads.notOk')} <code>{steps.url}</code>
              </p>
              {/* The uploader reads its URL at start (src/app/compose.ts): a URL that passed but is not the
                  one running does not upload yet, and the screen says what to do rather than "can upload". */}
              {allOk && setup && steps.url !== setup.runningUrl && (
                <p id="uploads-result-restart" class="uploads-note" data-tone="wait">
                  {steps.url === setup.configuredUrl ? t('uploads.allOkRestart') : t('uploads.allOkUnsaved')}
                </p>
              )}
              <StepList steps={steps.steps} t={t} language={language} />
            </div>
          )}
          {notice && (
            <p id="uploads-notice" data-tone={notice.tone} role="status">
              {notice.say(t)}
            </p>
          )}
        </div>

        <div class="uploads-identity">
          <h3>{t('uploads.identity')}</h3>
          {setup ? (
            <>
              <dl class="figures uploads-ids">
                <dt>{t('uploads.deviceKioskId')}</dt>
                <dd>
                  <code data-testid="uploads-device-kiosk-id">{setup.deviceKioskId}</code>
                </dd>
                <dt>{t('uploads.configuredKioskId')}</dt>
                <dd data-mismatch={String(setup.mismatch !== null)}>
                  <code data-testid="uploads-kiosk-id">{setup.kioskId}</code>
                  {setup.mismatch ? ` ⚠ ${t('uploads.differs')}` : ` ${t('uploads.same')}`}
                </dd>
              </dl>
              <p class="uploads-label">{t('uploads.fingerprint')}</p>
              <p id="uploads-fingerprint" class="uploads-fingerprint">
                {setup.fingerprint}
              </p>
              <h3>{t('uploads.registration')}</h3>
              <p class="uploads-note">{t('uploads.registrationNote')}</p>
              <figure class="uploads-qr-box">
                <QrSvg qr={setup.registration.qr} label={t('uploads.qrLabel')} />
                <figcaption>
                  {/* The collector's database is the operator's to name (it lives on their host), so the
                      command shown asks for it after the part the QR carries. */}
                  <code>
                    <span id="uploads-registration-text">{setup.registration.text}</span> <span id="uploads-registration-db">{`--db <${t('uploads.collectorDb')}>`}</span>
                  </code>
                  <span id="uploads-registration-hint" class="uploads-note">
                    {t('uploads.registrationHint')}
                  </span>
                </figcaption>
              </figure>
            </>
          ) : (
            <p class="uploads-note">{t('uploads.loading')}</p>
          )}
        </div>
      </div>
    </section>
  );
}

export const uploadsPanel: ConsolePanel = {
  id: 'uploads',
  title: (t) => t('panel.uploads'),
  Component: UploadsPanel,
  roles: ['integrator'],
};
