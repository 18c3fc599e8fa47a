// The integrator's part of the trust screen (docs/integrator-setup.md "Trust"; health-code spec §2–4):
// the pinned national roots, each with the SHA-256 fingerprint of its key in groups of four to read
// out against what the national platform published; a root added by pasting it or from its file,
// pinned only after "it matches" is pressed on the fingerprint shown big; a trust or status list
// imported from a file (a USB stick), checked in core exactly as a synced list; "sync now" when a
// collector is configured. Core decides every refusal; the screen words it and shows the reason code.
import { useEffect, useState } from 'preact/hooks';
import type { ListImportResult, FleetSyncOutcomeView, ListSyncOutcomeView, PinnedRootPreview, TrustSetup } from '../../../contract/api.js';
import type { PanelProps } from '../panel.js';
import { fingerprintGroups, localTime } from './views-format.js';

type Call = PanelProps['call'];
type Translate = PanelProps['t'];
type Kind = 'trust' | 'status';
/** The lists a file can be imported as: `dsc` is the signed DSC list for EU DCC codes (docs/dcc-trust.md), when the kiosk keeps one. */
type ImportKind = Kind | 'dsc';

interface Notice {
  tone: 'ok' | 'warn' | 'bad' | 'wait';
  text: string;
  reason?: string;
  /** Core's own words (the path, the seq, what is wrong), under the screen's. */
  detail?: string;
}

/** A refusal: what was refused in the screen's language, the reason in words and code, core's detail. */
const refusal = (t: Translate, r: { reason: string; message: string }, what?: string): Notice => ({
  tone: 'bad',
  reason: r.reason,
  text: `${what ? `${what}: ` : ''}${t(`listProblem.${r.reason}`, { defaultValue: t(`reason.${r.reason}`, { defaultValue: r.reason }) })} (${r.reason})`,
  detail: r.message,
});

/** Whether a root signs the cached lists, in words (null: no such list cached). */
function signsText(t: Translate, signs: { trust: boolean | null; status: boolean | null }): string {
  const one = (kind: Kind, v: boolean | null) => (v === null ? t(`trustSetup.noCached.${kind}`) : t(v ? `trustSetup.signs.${kind}` : `trustSetup.signsNot.${kind}`));
  return `${one('trust', signs.trust)} · ${one('status', signs.status)}`;
}

/** The fingerprint in four lines of four groups: read out group by group. */
function BigFingerprint({ sha256 }: { sha256: string }) {
  const groups = fingerprintGroups(sha256).split(' ');
  const lines = [0, 1, 2, 3].map((i) => groups.slice(i * 4, i * 4 + 4).join(' '));
  return (
    <div id="trust-root-fingerprint" class="trust-big-fingerprint views-mono" data-sha256={sha256}>
      {lines.map((l) => (
        <div>{l}</div>
      ))}
    </div>
  );
}

export function TrustSetupSection({ call, t, onChanged }: { call: Call; t: Translate; onChanged(): void }) {
  const [setup, setSetup] = useState<TrustSetup | null>(null);
  const [rootText, setRootText] = useState('');
  const [preview, setPreview] = useState<PinnedRootPreview | null>(null);
  const [rootNotice, setRootNotice] = useState<Notice | null>(null);
  const [imports, setImports] = useState<Record<ImportKind, Notice | null>>({ trust: null, status: null, dsc: null });
  const [sync, setSync] = useState<{ notice: Notice | null; outcomes: ListSyncOutcomeView[]; fleet?: FleetSyncOutcomeView }>({ notice: null, outcomes: [] });
  const [busy, setBusy] = useState<string | null>(null);

  const load = async () => {
    const r = await call('getTrustSetup', {});
    if (r.ok) setSetup(r.value);
    else setRootNotice(refusal(t, r));
  };
  useEffect(() => {
    void load();
  }, []);
  const changed = async () => {
    await load();
    onChanged();
  };

  const readRootFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    // A root file is a few hundred bytes (roots.json, a PEM); anything big is not one.
    if (file.size > 16 * 1024) {
      setRootNotice({ tone: 'bad', text: t('trustSetup.rootFileTooBig', { name: file.name.slice(0, 60), kb: Math.ceil(file.size / 1024) }) });
      return;
    }
    setRootText(await file.text());
    setPreview(null);
    setRootNotice(null);
  };

  const showFingerprint = async () => {
    if (!rootText.trim()) return;
    setBusy('preview');
    const r = await call('previewPinnedRoot', { root: { text: rootText } });
    setBusy(null);
    if (r.ok) {
      setPreview(r.value);
      setRootNotice(r.value.alreadyPinned ? { tone: 'bad', text: t('trustSetup.alreadyPinned') } : null);
    } else {
      setPreview(null);
      setRootNotice(refusal(t, r));
    }
  };

  const confirmRoot = async () => {
    if (!preview) return;
    setBusy('confirm');
    const r = await call('addPinnedRoot', { root: { kid: preview.kid, pub: preview.pub }, sha256: preview.sha256 });
    setBusy(null);
    if (r.ok) {
      setRootNotice({ tone: 'ok', text: t(r.value.appliedLive ? 'trustSetup.added' : 'trustSetup.addedRestart', { kid: preview.kid }) });
      setPreview(null);
      setRootText('');
      await changed();
    } else setRootNotice(refusal(t, r));
  };

  const removeRoot = async (kid: string) => {
    setBusy(`remove-${kid}`);
    const r = await call('removePinnedRoot', { kid });
    setBusy(null);
    if (r.ok) {
      setRootNotice({ tone: 'ok', text: t('trustSetup.removed', { kid }) });
      await changed();
    } else setRootNotice(refusal(t, r));
  };

  const importFile = async (kind: ImportKind, input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = '';
    if (!file || !setup) return;
    const set = (n: Notice | null) => setImports((prev) => ({ ...prev, [kind]: n }));
    const cap = kind === 'trust' ? setup.limits.trustChars : kind === 'dsc' ? (setup.limits.dscChars ?? 0) : setup.limits.statusChars;
    // Refused before it is read: a file far past any real list is not one (core refuses it too).
    if (file.size > cap * 4) {
      set({ tone: 'bad', reason: 'FORMAT_INVALID', text: t('trustSetup.fileTooBig', { name: file.name.slice(0, 60), mb: (file.size / 1048576).toFixed(1) }) });
      return;
    }
    setBusy(`import-${kind}`);
    try {
      // A list file is base64url and dots: a trailing newline is the file's, not the list's.
      const text = (await file.text()).trim();
      if (text.length === 0 || text.length > cap) {
        set({ tone: 'bad', reason: 'FORMAT_INVALID', text: t('trustSetup.fileTooBig', { name: file.name.slice(0, 60), mb: (file.size / 1048576).toFixed(1) }) });
        return;
      }
      const part = setup.limits.partChars;
      let result: ListImportResult | null = null;
      for (let offset = 0; offset < text.length; offset += part) {
        set({ tone: 'wait', text: t('trustSetup.sending', { name: file.name.slice(0, 60), pct: Math.floor((offset * 100) / text.length) }) });
        const r = await call('importList', { kind, total: text.length, offset, text: text.slice(offset, offset + part) });
        if (!r.ok) {
          set(refusal(t, r, t(`trustSetup.refused.${kind}`)));
          return;
        }
        result = r.value;
      }
      if (result?.done) {
        const installed = t(result.unchanged ? `trustSetup.unchanged.${kind}` : `trustSetup.installed.${kind}`, { seq: result.seq, issued: localTime(result.issuedAt), next: localTime(result.nextUpdateAt), count: result.count });
        // Installed all the same, but past its date or without a signer: said plainly (docs/dcc-trust.md).
        const warnings = (result.warnings ?? []).map((w) =>
          w.code === 'PAST_NEXT_UPDATE'
            ? t('trustSetup.dscWarning.PAST_NEXT_UPDATE', { next: localTime(w.nextUpdateAt) })
            : w.code === 'TOO_OLD'
              ? t('trustSetup.dscWarning.TOO_OLD', { issued: localTime(w.issuedAt), days: w.maxAgeDays })
              : t('trustSetup.dscWarning.NO_CERTIFICATES'),
        );
        set({ tone: warnings.length > 0 ? 'warn' : 'ok', text: [installed, ...warnings].join(' ') });
        await changed();
      }
    } finally {
      setBusy(null);
    }
  };

  const syncNow = async () => {
    setBusy('sync');
    setSync({ notice: { tone: 'wait', text: t('trustSetup.syncing') }, outcomes: [] });
    const r = await call('syncListsNow', {});
    setBusy(null);
    if (r.ok) {
      setSync({ notice: null, outcomes: r.value.outcomes, ...(r.value.fleet ? { fleet: r.value.fleet } : {}) });
      await changed();
    } else setSync({ notice: refusal(t, r), outcomes: [] });
  };

  const notice = (n: Notice | null, id: string) =>
    n && (
      <p id={id} class="device-result" data-tone={n.tone} data-reason={n.reason ?? ''} role={n.tone === 'bad' || n.tone === 'warn' ? 'alert' : undefined}>
        {n.text}
        {n.detail && <span class="trust-detail">{n.detail}</span>}
      </p>
    );
  const onlyOne = (setup?.roots.length ?? 0) <= 1;

  return (
    <section id="trust-setup" class="trust-setup">
      <h3>{t('trustSetup.rootsTitle')}</h3>
      <div class="table-wrap">
        <table id="trust-setup-roots" class="table">
          <thead>
            <tr>
              <th>{t('trust.rootKid')}</th>
              <th>{t('trust.fingerprint')}</th>
              <th>{t('trustSetup.signsWhat')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {setup?.roots.map((r) => (
              <tr data-kid={r.kid}>
                <td class="views-mono">{r.kid}</td>
                <td class="views-mono views-fingerprint" data-sha256={r.sha256 ?? ''}>
                  {r.sha256 ? fingerprintGroups(r.sha256) : t('trustSetup.unreadableKey')}
                </td>
                <td>{signsText(t, r.signs)}</td>
                <td>
                  <button type="button" class="trust-root-remove" data-kid={r.kid} disabled={onlyOne || busy !== null} title={onlyOne ? t('trustSetup.lastRoot') : ''} onClick={() => void removeRoot(r.kid)}>
                    {t('trustSetup.remove')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {onlyOne && setup && (
        <p id="trust-root-last" class="views-note">
          {t('trustSetup.lastRoot')}
        </p>
      )}

      <h3>{t('trustSetup.addTitle')}</h3>
      <div class="trust-add">
        <textarea
          id="trust-root-text"
          rows={3}
          spellcheck={false}
          placeholder={t('trustSetup.pastePlaceholder')}
          value={rootText}
          onInput={(e) => {
            setRootText((e.target as HTMLTextAreaElement).value);
            setPreview(null);
          }}
        />
        <div class="device-actions">
          <label class="trust-file">
            {t('trustSetup.rootFile')}
            <input id="trust-root-file" type="file" accept=".json,.pem,.txt,application/json" onChange={(e) => void readRootFile(e.target as HTMLInputElement)} />
          </label>
          <button id="trust-root-preview" type="button" disabled={!rootText.trim() || busy !== null} onClick={() => void showFingerprint()}>
            {t('trustSetup.showFingerprint')}
          </button>
        </div>
      </div>
      {preview && (
        <div id="trust-root-confirm-box" class="trust-confirm">
          <p>{t('trustSetup.readOut', { kid: preview.kid })}</p>
          <BigFingerprint sha256={preview.sha256} />
          <p id="trust-root-signs">{signsText(t, preview.signs)}</p>
          <div class="device-actions">
            <button id="trust-root-confirm" type="button" disabled={preview.alreadyPinned || busy !== null} onClick={() => void confirmRoot()}>
              {t('trustSetup.confirm')}
            </button>
            <button id="trust-root-cancel" type="button" onClick={() => setPreview(null)}>
              {t('trustSetup.cancel')}
            </button>
          </div>
        </div>
      )}
      {notice(rootNotice, 'trust-root-result')}

      <h3>{t('trustSetup.importTitle')}</h3>
      <p class="views-note">{t('trustSetup.importNote')}</p>
      <div class="trust-imports">
        {(['trust', 'status', ...(setup?.limits.dscChars ? (['dsc'] as const) : [])] as const).map((kind) => (
          <div class="trust-import" data-kind={kind}>
            <label class="trust-file">
              {t(`trustSetup.import.${kind}`)}
              <input id={`trust-import-${kind}`} type="file" accept=".jws,.txt" disabled={busy !== null || !setup} onChange={(e) => void importFile(kind, e.target as HTMLInputElement)} />
            </label>
            {notice(imports[kind], `trust-import-${kind}-result`)}
          </div>
        ))}
      </div>

      <h3>{t('trustSetup.syncTitle')}</h3>
      <div class="device-actions">
        <button id="trust-sync" type="button" disabled={!setup?.syncAvailable || busy !== null} onClick={() => void syncNow()}>
          {t('trustSetup.syncNow')}
        </button>
        {setup && !setup.syncAvailable && (
          <span id="trust-sync-why" class="views-note">
            {/* A URL saved on the Uploads screen is in force after a restart (as that screen says). */}
            {t(setup.collectorPendingRestart ? 'trustSetup.collectorPendingRestart' : 'trustSetup.noCollector')}
          </span>
        )}
      </div>
      {notice(sync.notice, 'trust-sync-result')}
      {sync.outcomes.length > 0 && (
        <ul id="trust-sync-outcomes">
          {sync.outcomes.map((o) => (
            <li data-kind={o.kind} data-outcome={o.outcome} data-reason={o.reason ?? ''}>
              {t(`trustSetup.list.${o.kind}`)}: {t(`trustSetup.sync.${o.outcome}`)}
              {o.seq !== null ? ` · ${t('trust.seq')} ${o.seq}` : ''}
              {o.reason ? ` (${o.reason})` : ''} — {o.message}
            </li>
          ))}
        </ul>
      )}
      {sync.fleet && (
        <p id="trust-sync-fleet" data-testid="trust-sync-fleet" data-outcome={sync.fleet.outcome} data-reason={sync.fleet.reason ?? ''}>
          {t('trustSetup.fleet')}: {t(`trustSetup.fleet.${sync.fleet.outcome}`)}
          {sync.fleet.revision !== null ? ` · ${t('trustSetup.fleet.revision')} ${sync.fleet.revision}` : ''}
          {sync.fleet.reason ? ` (${sync.fleet.reason})` : ''} — {sync.fleet.message}
        </p>
      )}
    </section>
  );
}
