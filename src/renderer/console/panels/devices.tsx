// The integrator's devices screen (docs/integrator-setup.md, "Devices" and "Thermometer
// calibration"): the serial ports the system lists, one card per device (ID card reader,
// thermometer, serial scanner, gate relay) with its port, baud, protocol and settings, Apply and
// Test; the live frame log (each frame both ways, hex and meaning, errors red); the thermometer's
// calibration against a reference reading. A form is checked with the contract's own device schema
// before it is sent (path and what is wrong); core proves a change on the device before saving it,
// and a refused change names the device's reason while the previous settings keep running.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DeviceHealth, DeviceSetup, Language, MethodResponse, SetupDevice } from '../../../contract/api.js';
import {
  appendFrames,
  BAUDS,
  calibrationOf,
  cardHealth,
  DEVICES,
  differs,
  formOf,
  liveFormProblems,
  PARAMS,
  POLL_MS,
  PROTOCOLS,
  provesOnSamePort,
  settingsOf,
  TEST_MS,
  testNotice,
  text,
  validateDevice,
  type Form,
  type FrameRow,
  type Notice,
  type ProtocolName,
  type Settings,
} from './devices-form.js';
import type { ConsolePanel, PanelProps, Translate } from '../panel.js';

/**
 * A result line kept as what happened, worded when shown: the language can change while it is on
 * screen (the console's toggle), and a line written once would stay in the old one.
 */
type LiveNotice = { tone: Notice['tone']; say(t: Translate): string };
const live = (tone: Notice['tone'], say: (t: Translate) => string): LiveNotice => ({ tone, say });
/** The form's problems, judged again in the current language at each render. */
type LiveErrors = (language: Language) => Record<string, string>;

const reasonText = (t: Translate, reason: string) => t(`deviceReason.${reason}`, { defaultValue: reason });
const clock = (at: number) => {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
};

function DeviceCard(props: {
  t: Translate;
  entry: DeviceSetup['devices'][number];
  /** The device's health from core's last `devices` event since the setup was read (what the status bar shows). */
  live: DeviceHealth | null;
  ports: DeviceSetup['ports'];
  form: Form;
  setForm(f: Form): void;
  errors: Record<string, string>;
  notice: Notice | null;
  busy: boolean;
  /** The form asks for something other than what runs (not applied yet, or refused). */
  dirty: boolean;
  /** False while the form has a problem (checked as it is typed): Apply would only be refused. */
  canApply: boolean;
  onApply(): void;
  onTest(): void;
}) {
  const { t, entry, form, setForm, errors, notice, busy } = props;
  const d = entry.device;
  const id = (field: string) => `device-${d}-${field.replace(/\./g, '-')}`;
  const set = (field: string) => (e: Event) => setForm({ ...form, [field]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  const health = cardHealth(t, entry.health, props.live);
  const fitted = form.enabled === 'true';
  const protocol = (form['protocol.name'] ?? 'modbus-rtu') as ProtocolName;
  const errorsShown = Object.entries(errors);
  const field = (path: string) => errors[`devices.${d}.${path}`] !== undefined;
  return (
    <fieldset class="device-card" id={`device-${d}`} data-device={d} data-health={health.tone}>
      <legend>{t(`devices.kind.${d}`)}</legend>
      <p class="device-health" data-testid={`device-${d}-health`} data-tone={health.tone}>
        {health.text}
      </p>
      <div class="device-fields">
        <label class="device-check">
          <input id={id('enabled')} type="checkbox" checked={fitted} onChange={(e) => setForm({ ...form, enabled: (e.currentTarget as HTMLInputElement).checked ? 'true' : 'false' })} />
          {t(d === 'gate' ? 'devices.gateFitted' : 'devices.fitted')}
        </label>
        {fitted && (
          <>
            <label data-invalid={field('port') ? 'true' : undefined}>
              {t('devices.port')}
              <input id={id('port')} list={`device-ports-${d}`} value={form.port} placeholder="/dev/ttyUSB0" onInput={set('port')} />
              <datalist id={`device-ports-${d}`}>
                {props.ports.map((p) => (
                  <option value={p.path} />
                ))}
              </datalist>
            </label>
            <label data-invalid={field('baudRate') ? 'true' : undefined}>
              {t('devices.baud')}
              <input id={id('baudRate')} list="device-bauds" inputMode="numeric" value={form.baudRate} onInput={set('baudRate')} />
            </label>
            {d === 'thermometer' && (
              <label>
                {t('devices.protocol')}
                <select id={id('protocol')} value={protocol} onChange={set('protocol.name')}>
                  {PROTOCOLS.map((p) => (
                    <option value={p}>{p}</option>
                  ))}
                </select>
              </label>
            )}
            {d === 'thermometer' &&
              PARAMS[protocol].map(({ key, kind }) => (
                <label data-invalid={field(`protocol.${key}`) ? 'true' : undefined}>
                  {t(`devices.param.${key}`)}
                  {kind.type === 'enum' ? (
                    <select id={id(`param.${key}`)} value={form[`${protocol}.${key}`]} onChange={set(`${protocol}.${key}`)}>
                      {kind.options.map((o) => (
                        <option value={o}>{o}</option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={id(`param.${key}`)}
                      inputMode={kind.type === 'number' ? 'decimal' : 'text'}
                      value={form[`${protocol}.${key}`]}
                      placeholder={kind.type === 'text' ? t('devices.noQuery') : ''}
                      onInput={set(`${protocol}.${key}`)}
                    />
                  )}
                </label>
              ))}
            {d === 'gate' && (
              <>
                <label data-invalid={field('relay') ? 'true' : undefined}>
                  {t('devices.relay')}
                  <input id={id('relay')} inputMode="numeric" value={form.relay} onInput={set('relay')} />
                </label>
                <label data-invalid={field('pulseMs') ? 'true' : undefined}>
                  {t('devices.pulseMs')}
                  <input id={id('pulseMs')} inputMode="numeric" value={form.pulseMs} onInput={set('pulseMs')} />
                </label>
              </>
            )}
          </>
        )}
      </div>
      {props.dirty && (
        <p class="device-dirty" data-testid={`device-${d}-dirty`}>
          {t('devices.notApplied', { port: text(entry.running?.port) || t('devices.notFitted') })}
        </p>
      )}
      {errorsShown.length > 0 && (
        <ul class="device-errors" role="alert" data-testid={`device-${d}-errors`}>
          {errorsShown.map(([path, message]) => (
            <li>
              {path}: {message}
            </li>
          ))}
        </ul>
      )}
      <div class="device-actions">
        <button id={id('apply')} type="button" disabled={busy || !props.canApply} onClick={props.onApply}>
          {t('devices.apply')}
        </button>
        <button id={id('test')} type="button" disabled={busy || !entry.health.configured} onClick={props.onTest}>
          {t(`devices.test.${d}`)}
        </button>
      </div>
      {notice && (
        <p class="device-result" id={id('result')} data-tone={notice.tone} role={notice.tone === 'bad' ? 'alert' : 'status'}>
          {notice.text}
        </p>
      )}
    </fieldset>
  );
}

function Calibration(props: { t: Translate; language: Language; reading: MethodResponse<'getFrameLog'>['lastReading']; running: Settings; busy: boolean; revisionAfterSave(): number; onSave(c: { offsetC: number; gain: number }): Promise<boolean> }) {
  const { t, reading, running } = props;
  const [reference, setReference] = useState('');
  const [points, setPoints] = useState<Array<{ raw: number; reference: number }>>([]);
  /** The calibration just saved, said beside its Save button (the points are cleared for the next one). */
  const [saved, setSaved] = useState<{ gain: number; offsetC: number; revision: number } | null>(null);
  const gainNow = typeof running?.gain === 'number' ? running.gain : 1;
  const offsetNow = typeof running?.offsetC === 'number' ? running.offsetC : 0;
  const computed = calibrationOf(points, gainNow);
  const c = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${x.toFixed(2)} °C`);
  const refValue = Number(reference.replace(',', '.'));
  const canTake = reading?.rawCelsius !== null && reading?.rawCelsius !== undefined && reference.trim() !== '' && Number.isFinite(refValue);
  const problems = computed ? validateDevice('thermometer', { ...running, offsetC: computed.offsetC, gain: computed.gain }, props.language) : {};
  return (
    <fieldset class="device-card calibration" id="thermo-calibration">
      <legend>{t('devices.calibration')}</legend>
      <dl class="figures calibration-live">
        <dt>{t('devices.calibRaw')}</dt>
        <dd id="calib-raw">{c(reading?.rawCelsius)}</dd>
        <dt>{t('devices.calibCorrected')}</dt>
        <dd id="calib-corrected">{c(reading?.celsius)}</dd>
        <dt>{t('devices.calibNow')}</dt>
        <dd id="calib-now">{t('devices.calibFormula', { gain: gainNow.toFixed(4), offset: offsetNow.toFixed(2) })}</dd>
      </dl>
      <p class="views-note">{t('devices.calibHow')}</p>
      <div class="device-fields">
        <label>
          {t('devices.calibReference')}
          <input id="calib-reference" inputMode="decimal" value={reference} placeholder="36.5" onInput={(e) => setReference((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <button
          id="calib-take"
          type="button"
          disabled={!canTake || points.length >= 2}
          onClick={() => setPoints([...points, { raw: reading!.rawCelsius!, reference: refValue }])}
        >
          {t('devices.calibTake', { n: points.length + 1 })}
        </button>
        <button id="calib-clear" type="button" disabled={points.length === 0} onClick={() => setPoints([])}>
          {t('devices.calibClear')}
        </button>
      </div>
      {points.length > 0 && (
        <table class="table" id="calib-points">
          <thead>
            <tr>
              <th>#</th>
              <th class="num">{t('devices.calibRaw')}</th>
              <th class="num">{t('devices.calibReference')}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p, i) => (
              <tr>
                <td>{i + 1}</td>
                <td class="num">{p.raw.toFixed(2)}</td>
                <td class="num">{p.reference.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {computed && (
        <p id="calib-computed" data-testid="calib-computed">
          {t('devices.calibResult', { offset: computed.offsetC.toFixed(2), gain: computed.gain.toFixed(4) })}
        </p>
      )}
      {Object.entries(problems).map(([path, message]) => (
        <p class="device-errors" role="alert">
          {path}: {message}
        </p>
      ))}
      <button
        id="calib-save"
        type="button"
        disabled={props.busy || !computed || Object.keys(problems).length > 0}
        onClick={() => {
          if (!computed) return;
          setSaved(null);
          void props.onSave(computed).then((ok) => {
            if (!ok) return;
            setPoints([]);
            setReference('');
            setSaved({ ...computed, revision: props.revisionAfterSave() });
          });
        }}
      >
        {t('devices.calibSave')}
      </button>
      {saved && points.length === 0 && (
        <p class="device-result" id="calib-saved" data-tone="ok" role="status">
          {t('devices.calibSaved', { gain: saved.gain.toFixed(4), offset: saved.offsetC.toFixed(2), revision: saved.revision })}
        </p>
      )}
    </fieldset>
  );
}

function FrameLog(props: { t: Translate; frames: FrameRow[]; skipped: number }) {
  const { t } = props;
  const [filter, setFilter] = useState<'all' | SetupDevice>('all');
  const [errorsOnly, setErrorsOnly] = useState(false);
  const shown = props.frames.filter((f) => (filter === 'all' || f.device === filter) && (!errorsOnly || f.error !== null));
  return (
    <div class="frame-log-body">
      <div class="views-filters">
        <label>
          {t('devices.framesFilter')}{' '}
          <select id="devices-frames-filter" value={filter} onChange={(e) => setFilter((e.currentTarget as HTMLSelectElement).value as 'all' | SetupDevice)}>
            <option value="all">{t('devices.framesAll')}</option>
            {DEVICES.map((d) => (
              <option value={d}>{t(`devices.kind.${d}`)}</option>
            ))}
          </select>
        </label>
        <label class="views-check">
          <input id="devices-frames-errors" type="checkbox" checked={errorsOnly} onChange={(e) => setErrorsOnly((e.currentTarget as HTMLInputElement).checked)} />
          {t('devices.framesErrorsOnly')}
        </label>
        <span class="views-note" data-testid="devices-frames-count">
          {((frames, errs) => `${t(frames === 1 ? 'devices.framesN.one' : 'devices.framesN', { n: frames })}, ${t(errs === 1 ? 'devices.errorsN.one' : 'devices.errorsN', { n: errs })}`)(
            shown.reduce((n, f) => n + f.repeat, 0),
            shown.filter((f) => f.error !== null).reduce((n, f) => n + f.repeat, 0),
          )}
          {props.skipped > 0 ? ` · ${t(props.skipped === 1 ? 'devices.framesSkipped.one' : 'devices.framesSkipped', { n: props.skipped })}` : ''}
        </span>
      </div>
      <div class="table-wrap frame-log-wrap">
        <table class="table frame-log" id="devices-frames">
          <thead>
            <tr>
              <th>{t('devices.framesTime')}</th>
              <th>{t('devices.framesDevice')}</th>
              <th>{t('devices.framesDir')}</th>
              <th>{t('devices.framesHex')}</th>
              <th>{t('devices.framesMeaning')}</th>
            </tr>
          </thead>
          <tbody>
            {shown.length === 0 && (
              <tr>
                <td colSpan={5} class="views-note">
                  {t('devices.framesNone')}
                </td>
              </tr>
            )}
            {/* Newest first: what just happened is at the top without scrolling. */}
            {[...shown].reverse().map((f) => (
              <tr class="frame-row" key={f.seq} data-seq={f.seq} data-device={f.device} data-dir={f.dir} data-error={f.error !== null ? 'true' : undefined}>
                <td class="views-nowrap num">{clock(f.at)}</td>
                <td class="views-nowrap">{t(`devices.kind.${f.device}`)}</td>
                {/* A reply that never came is logged as an empty received frame: it has no direction to show. */}
                <td class="views-nowrap">{f.dir === 'tx' ? t('devices.tx') : f.hex === '' && f.error !== null ? t('devices.noReply') : t('devices.rx')}</td>
                <td class="views-mono frame-hex">{f.hex || '—'}</td>
                <td class="frame-meaning">
                  {f.meaning}
                  {f.error ? ` (${f.error})` : ''}
                  {f.repeat > 1 ? <span class="frame-repeat"> ×{f.repeat}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function DevicesPanel({ call, client, t, language }: PanelProps) {
  const [setup, setSetup] = useState<DeviceSetup | null>(null);
  const [forms, setForms] = useState<Record<string, Form>>({});
  const [errors, setErrors] = useState<Record<string, LiveErrors>>({});
  const [notices, setNotices] = useState<Record<string, LiveNotice | null>>({});
  const [busy, setBusy] = useState<Record<string, boolean>>({});
  const [panelNotice, setPanelNotice] = useState<{ reason: string; message: string } | null>(null);
  const [frames, setFrames] = useState<FrameRow[]>([]);
  const [skipped, setSkipped] = useState(0);
  const [paused, setPaused] = useState(false);
  const [reading, setReading] = useState<MethodResponse<'getFrameLog'>['lastReading']>(null);
  /** Each device's health from core's `devices` events since the setup was last read. */
  const [liveHealth, setLiveHealth] = useState<Record<string, DeviceHealth>>({});
  const cursor = useRef(-1);
  /** The configuration revision last loaded (the calibration's confirmation names it). */
  const revisionRef = useRef(0);
  const pausedRef = useRef(false);
  pausedRef.current = paused;

  const load = async (resetForms: SetupDevice[] | 'all' = 'all') => {
    const r = await call('getDeviceSetup', {});
    if (!r.ok) {
      setPanelNotice({ reason: r.reason, message: r.message });
      return null;
    }
    setPanelNotice(null);
    revisionRef.current = r.value.revision;
    setSetup(r.value);
    setLiveHealth({});
    setForms((old) => {
      const next = { ...old };
      for (const e of r.value.devices) if (resetForms === 'all' || resetForms.includes(e.device) || !next[e.device]) next[e.device] = formOf(e.device, e.running);
      return next;
    });
    return r.value;
  };

  // The card follows the device as the status bar does (core pushes `devices` on every change), not
  // only the snapshot read at load: a driver paused for a same-port change shows offline at once.
  useEffect(
    () =>
      client.onEvent((e) => {
        if (e.type !== 'devices') return;
        setLiveHealth((old) => {
          const next = { ...old };
          for (const h of e.devices) if ((DEVICES as string[]).includes(h.id)) next[h.id] = h;
          return next;
        });
      }),
    [],
  );

  useEffect(() => {
    void load();
    // Polled, not pushed (src/core/admin/device-methods.ts): only what is new since the last poll.
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const poll = async () => {
      const r = await call('getFrameLog', { after: cursor.current });
      if (stopped) return;
      if (r.ok) {
        setReading(r.value.lastReading);
        if (!pausedRef.current) {
          if (r.value.frames.length > 0) setFrames((old) => appendFrames(old, r.value.frames));
          if (r.value.skipped > 0) setSkipped((n) => n + r.value.skipped);
          cursor.current = r.value.last;
        }
      }
      timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, []);

  const entryOf = (d: SetupDevice) => setup?.devices.find((e) => e.device === d) ?? null;

  const apply = async (d: SetupDevice, settings: Settings, purpose: 'setup' | 'calibration' = 'setup'): Promise<boolean> => {
    if (!setup) return false;
    const local = validateDevice(d, settings);
    setErrors({ ...errors, [d]: (language) => validateDevice(d, settings, language) });
    if (Object.keys(local).length > 0) {
      setNotices({ ...notices, [d]: live('bad', (t) => t('devices.invalid')) });
      return false;
    }
    setBusy((b) => ({ ...b, [d]: true }));
    // On its own port the running driver lets go while the new settings are tried (native-bridge/manager.ts
    // applyDevice): the screen says so rather than promising the old ones keep working.
    const samePort = provesOnSamePort(entryOf(d)?.running ?? null, settings);
    setNotices((n) => ({ ...n, [d]: live('wait', (t) => t(samePort ? `devices.provingSamePort.${d === 'thermometer' || d === 'idcard' ? d : 'other'}` : 'devices.proving')) }));
    try {
      const r = await call('applyDeviceSettings', { device: d, settings, baseRevision: setup.revision, purpose });
      if (!r.ok) {
        if (r.reason === 'CONFIG_INVALID') {
          const byPath: Record<string, string> = {};
          for (const part of r.message.split('; ')) {
            const i = part.indexOf(': ');
            if (i > 0) byPath[part.slice(0, i)] = part.slice(i + 2);
          }
          // Core's words (it names the path): shown as core says them.
          setErrors((e) => ({ ...e, [d]: () => byPath }));
        }
        setNotices((n) => ({ ...n, [d]: live('bad', (t) => `${t(`reason.${r.reason}`, { defaultValue: r.reason })} (${r.reason}): ${r.message}`) }));
        return false;
      }
      const v = r.value;
      if (!v.applied) {
        const keptPort = v.running && typeof v.running.port === 'string' ? v.running.port : null;
        const kept = (t: Translate) => (keptPort !== null ? t('devices.keptPort', { port: keptPort }) : t('devices.keptNone'));
        setNotices((n) => ({ ...n, [d]: live('bad', (t) => `${t('devices.refused')}: ${reasonText(t, v.reason)} (${v.reason}) — ${v.message}. ${kept(t)}`) }));
        await load([]);
        return false;
      }
      await load([d]);
      const cal = purpose === 'calibration' && settings ? { gain: Number(settings.gain ?? 1).toFixed(4), offset: Number(settings.offsetC ?? 0).toFixed(2) } : null;
      setNotices((n) => ({ ...n, [d]: live('ok', (t) => (cal ? t('devices.calibSaved', { ...cal, revision: v.revision }) : t('devices.applied', { proven: v.proven, revision: v.revision }))) }));
      return true;
    } finally {
      setBusy((b) => ({ ...b, [d]: false }));
    }
  };

  const test = async (d: SetupDevice) => {
    // Core tests the settings the device runs with; the result names them, and says when the form
    // on screen asks for others (not applied, so not what was tested).
    const running = entryOf(d)?.running ?? null;
    const form = forms[d];
    setBusy((b) => ({ ...b, [d]: true }));
    setNotices((n) => ({ ...n, [d]: live('wait', (t) => t(`devices.testing.${d}`, { seconds: TEST_MS[d] / 1000 })) }));
    try {
      const r = await call('testDevice', { device: d, timeoutMs: TEST_MS[d] });
      setNotices((n) => ({
        ...n,
        [d]: r.ok
          ? live(testNotice(t, r.value, d, running, form).tone, (t) => testNotice(t, r.value, d, running, form).text)
          : live('bad', (t) => `${t(`reason.${r.reason}`, { defaultValue: r.reason })} (${r.reason}): ${r.message}`),
      }));
    } finally {
      setBusy((b) => ({ ...b, [d]: false }));
    }
  };

  const thermo = entryOf('thermometer');
  return (
    <section id="panel-devices" class="panel devices">
      <h2>
        {t('panel.devices')}
        {setup ? (
          <span class="panel-sub" data-testid="devices-revision">
            {t('settings.revision', { revision: setup.revision })}
            {setup.simulated ? ` · ${t('devices.simulated')}` : ''}
          </span>
        ) : null}
      </h2>
      {panelNotice && (
        <p class="device-result" data-tone="bad" role="alert">
          {`${t(`reason.${panelNotice.reason}`, { defaultValue: panelNotice.message })} (${panelNotice.reason}): ${panelNotice.message}`}
        </p>
      )}
      {setup && !setup.available && (
        <p id="devices-unavailable" class="views-warnings" role="alert">
          {t('devices.unavailable')}: {setup.unavailableWhy}
        </p>
      )}
      {setup && (
        <div id="devices-ports" class="devices-ports">
          <h3>{t('devices.ports')}</h3>
          {setup.ports.length === 0 ? (
            <p id="devices-no-ports" class="views-note">
              {t('devices.noPorts', { why: setup.portsProblem ?? '' })}
            </p>
          ) : (
            <ul>
              {setup.ports.map((p) => (
                <li class="views-mono" data-path={p.path}>
                  {p.path}
                  {p.vendorId || p.productId ? ` — ${p.vendorId ?? '?'}:${p.productId ?? '?'}` : ''}
                  {p.manufacturer ? ` ${p.manufacturer}` : ''}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <datalist id="device-bauds">
        {BAUDS.map((b) => (
          <option value={b} />
        ))}
      </datalist>
      {setup && (
        <div class="device-grid">
          {setup.devices.map((entry) => {
            const form = forms[entry.device] ?? formOf(entry.device, entry.running);
            // Checked as typed; core's words for this very form kept beside (cleared when it changes).
            const problems = liveFormProblems(entry.device, form, entry.running, errors[entry.device]?.(language) ?? null, language);
            return (
              <DeviceCard
                t={t}
                entry={entry}
                live={liveHealth[entry.device] ?? null}
                ports={setup.ports}
                form={form}
                setForm={(f) => {
                  setForms((old) => ({ ...old, [entry.device]: f }));
                  // A result about the previous form would be read as about this one: cleared.
                  if (busy[entry.device] !== true) {
                    setNotices((n) => ({ ...n, [entry.device]: null }));
                    setErrors((e) => ({ ...e, [entry.device]: () => ({}) }));
                  }
                }}
                errors={problems.errors}
                notice={((n) => (n ? { tone: n.tone, text: n.say(t) } : null))(notices[entry.device])}
                busy={busy[entry.device] === true || !setup.available}
                dirty={differs(entry.device, forms[entry.device], entry.running)}
                canApply={problems.canApply}
                onApply={() => void apply(entry.device, settingsOf(entry.device, form, entry.running))}
                onTest={() => void test(entry.device)}
              />
            );
          })}
          {thermo && thermo.running && (
            <Calibration
              t={t}
              language={language}
              reading={reading}
              running={thermo.running}
              busy={busy.thermometer === true}
              revisionAfterSave={() => revisionRef.current}
              onSave={(c) => apply('thermometer', { ...thermo.running, offsetC: c.offsetC, gain: c.gain }, 'calibration')}
            />
          )}
        </div>
      )}
      <div id="devices-frame-log" class="frame-log-section">
        <h3>
          {t('devices.frames')}{' '}
          <button id="devices-frames-pause" type="button" aria-pressed={paused ? 'true' : 'false'} onClick={() => setPaused(!paused)}>
            {paused ? t('devices.framesResume') : t('devices.framesPause')}
          </button>{' '}
          <button id="devices-frames-clear" type="button" onClick={() => setFrames([])}>
            {t('devices.framesClear')}
          </button>
        </h3>
        <FrameLog t={t} frames={frames} skipped={skipped} />
      </div>
    </section>
  );
}

export const devicesPanel: ConsolePanel = {
  id: 'devices',
  title: (t) => t('panel.devices'),
  Component: DevicesPanel,
  roles: ['integrator'],
};
