// The devices screen's pure parts (panels/devices.tsx): the form and the settings core receives,
// checked with the contract's device schema; calibration from reference points; the frame log's rows.
// Kept apart from the TSX so they are unit-tested without a DOM (devices.test.ts).
import type { DeviceHealth, DeviceSetup, DeviceTestOutcome, FrameLogEntryView, Language, SetupDevice } from '../../../contract/api.js';
import type { Translate } from '../../i18n.js';
import { configProblemsIn } from '../config-meanings.js';
import { GateConfigSchema, IdCardConfigSchema, ScannerConfigSchema, ThermometerConfigSchema, ThermometerProtocolSchema } from '../../../contract/config.js';

export const DEVICES: SetupDevice[] = ['idcard', 'thermometer', 'scanner', 'gate'];
export const SCHEMA = { idcard: IdCardConfigSchema, thermometer: ThermometerConfigSchema, scanner: ScannerConfigSchema, gate: GateConfigSchema } as const;
export const BAUDS = ['9600', '19200', '38400', '57600', '115200'];
/** How often the frame log is asked for new frames while the panel is open (core answers only what is new). */
export const POLL_MS = 250;
/** Rows kept on screen. */
export const FRAMES_SHOWN = 200;
/** How long a test waits for a card or a scan (someone walks to the reader), a reading, a pulse. */
export const TEST_MS: Record<SetupDevice, number> = { idcard: 15_000, scanner: 15_000, thermometer: 5000, gate: 2000 };

export type ProtocolName = 'modbus-rtu' | 'gy-mcu90614' | 'lu90614' | 'ascii-line';
export const PROTOCOLS: ProtocolName[] = ['modbus-rtu', 'gy-mcu90614', 'lu90614', 'ascii-line'];
export type ParamKind = { type: 'number' } | { type: 'enum'; options: string[] } | { type: 'text' };
/** Each protocol's parameters (src/contract/config.ts ThermometerProtocolSchema), in screen order. */
export const PARAMS: Record<ProtocolName, Array<{ key: string; kind: ParamKind }>> = {
  'modbus-rtu': [
    { key: 'address', kind: { type: 'number' } },
    { key: 'function', kind: { type: 'enum', options: ['3', '4'] } },
    { key: 'register', kind: { type: 'number' } },
    { key: 'count', kind: { type: 'number' } },
    { key: 'valueIndex', kind: { type: 'number' } },
    { key: 'scale', kind: { type: 'number' } },
    { key: 'signed', kind: { type: 'enum', options: ['true', 'false'] } },
  ],
  'gy-mcu90614': [{ key: 'mode', kind: { type: 'enum', options: ['query', 'continuous'] } }],
  lu90614: [],
  'ascii-line': [{ key: 'query', kind: { type: 'text' } }],
};

export type Form = Record<string, string>;
export type Settings = Record<string, unknown> | null;
export type Notice = { tone: 'ok' | 'bad' | 'wait'; text: string };

export const text = (v: unknown) => (v === null || v === undefined ? '' : String(v));

/** A protocol's defaults, from the schema (a protocol picked anew starts from them). */
export function protocolDefaults(name: ProtocolName): Record<string, unknown> {
  const parsed = ThermometerProtocolSchema.safeParse({ name });
  return parsed.success ? (parsed.data as Record<string, unknown>) : { name };
}

/** The form of one device from the settings it runs with. */
export function formOf(device: SetupDevice, running: Settings): Form {
  const s = running ?? {};
  const fitted = running !== null && !(device === 'gate' && s.driver === 'none');
  const form: Form = { enabled: fitted ? 'true' : 'false', port: text(s.port), baudRate: text(s.baudRate ?? (device === 'idcard' ? 115200 : 9600)) };
  if (device === 'thermometer') {
    const p = (s.protocol ?? protocolDefaults('modbus-rtu')) as Record<string, unknown>;
    form['protocol.name'] = text(p.name);
    for (const name of PROTOCOLS) for (const { key } of PARAMS[name]) form[`${name}.${key}`] = text(p.name === name ? p[key] : protocolDefaults(name)[key]);
  }
  if (device === 'gate') {
    form.relay = text(s.relay ?? 1);
    form.pulseMs = text(s.pulseMs ?? 500);
  }
  return form;
}

/** A number field's value; text that is not a number stays text so the schema names it. */
export function num(v: string | undefined): unknown {
  const t = (v ?? '').trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : t;
}

/** The settings the form asks for (null: not fitted), over the running ones so unshown settings are kept. */
export function settingsOf(device: SetupDevice, form: Form, running: Settings): Settings {
  if (form.enabled !== 'true') return null;
  const base: Record<string, unknown> = running && !(device === 'gate' && running.driver === 'none') ? { ...running } : {};
  base.port = (form.port ?? '').trim();
  base.baudRate = num(form.baudRate);
  if (device === 'thermometer') {
    const name = (form['protocol.name'] ?? 'modbus-rtu') as ProtocolName;
    const protocol: Record<string, unknown> = { name };
    for (const { key, kind } of PARAMS[name] ?? []) {
      const v = form[`${name}.${key}`] ?? '';
      protocol[key] = kind.type === 'number' ? num(v) : key === 'function' ? num(v) : key === 'signed' ? v === 'true' : key === 'query' ? (v === '' ? null : v) : v;
    }
    base.protocol = protocol;
  }
  if (device === 'gate') {
    base.driver = 'lcus';
    base.relay = num(form.relay);
    base.pulseMs = num(form.pulseMs);
  }
  return base;
}

/** The form checked with the device's own schema: `devices.<kind>.<path>` → what is wrong. */
export function validateDevice(device: SetupDevice, settings: Settings, language: Language = 'en'): Record<string, string> {
  if (settings === null) return {};
  const parsed = SCHEMA[device].safeParse(settings);
  const errors: Record<string, string> = {};
  // In the screen's language (config-meanings.ts): the device card shows these beside its fields.
  if (!parsed.success) for (const p of configProblemsIn(parsed.error, language)) errors[`devices.${device}${p.path ? `.${p.path}` : ''}`] ??= p.message;
  return errors;
}

/** Calibration from reference points: one point moves the offset (gain kept); two give the gain too. */
export function calibrationOf(points: Array<{ raw: number; reference: number }>, gain: number): { offsetC: number; gain: number } | null {
  const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;
  if (points.length === 0) return null;
  if (points.length === 1 || Math.abs(points[1]!.raw - points[0]!.raw) < 0.5) {
    const p = points[points.length - 1]!;
    return { offsetC: round(p.reference - p.raw * gain, 2), gain };
  }
  const [a, b] = points as [{ raw: number; reference: number }, { raw: number; reference: number }];
  const g = (b.reference - a.reference) / (b.raw - a.raw);
  return { offsetC: round(a.reference - a.raw * g, 2), gain: round(g, 4) };
}

/** Whether the form asks for other settings than the device runs with (an untouched form never does). */
export function differs(device: SetupDevice, form: Form | undefined, running: Settings): boolean {
  if (!form) return false;
  const wanted = settingsOf(device, form, running);
  const parsedWanted = wanted === null ? null : SCHEMA[device].safeParse(wanted);
  const now = running === null || (device === 'gate' && running.driver === 'none') ? null : running;
  if (wanted === null || now === null) return (wanted === null) !== (now === null);
  return !parsedWanted?.success || JSON.stringify(parsedWanted.data) !== JSON.stringify(SCHEMA[device].safeParse(now).data ?? now);
}

/** A frame log row: one frame, or the same frame repeated (a reader polled for a card answers "no card" 40 times a second). */
export type FrameRow = FrameLogEntryView & { repeat: number };
/** How far back a repeat is looked for: a few rows, so every device's poll and reply pair fits. */
const REPEAT_WINDOW = 12;

/**
 * Appends new frames to the rows shown: a frame identical to one of the last few rows (same device,
 * direction, bytes, meaning, error) moves that row to the newest place and counts it, so idle polling
 * stays two rows and an error stays on screen instead of being pushed out within a second.
 */
export function appendFrames(rows: readonly FrameRow[], frames: readonly FrameLogEntryView[], keep = FRAMES_SHOWN): FrameRow[] {
  const out = [...rows];
  for (const f of frames) {
    let merged = false;
    for (let i = out.length - 1; i >= Math.max(0, out.length - REPEAT_WINDOW); i--) {
      const r = out[i]!;
      if (r.device === f.device && r.dir === f.dir && r.hex === f.hex && r.meaning === f.meaning && r.error === f.error) {
        out.splice(i, 1);
        out.push({ ...f, repeat: r.repeat + 1 });
        merged = true;
        break;
      }
    }
    if (!merged) out.push({ ...f, repeat: 1 });
  }
  return out.slice(-keep);
}


/**
 * What the form's problems are now, checked as it is typed (as the policy panel does): the fields to
 * mark red and whether Apply may be pressed. Core's own CONFIG_INVALID words, when it gave some for
 * this very form, are kept beside the local ones; a form changed since is judged afresh.
 */
export function liveFormProblems(device: SetupDevice, form: Form, running: Settings, serverErrors: Record<string, string> | null, language: Language = 'en'): { errors: Record<string, string>; canApply: boolean } {
  const errors = { ...(serverErrors ?? {}), ...validateDevice(device, settingsOf(device, form, running), language) };
  return { errors, canApply: Object.keys(errors).length === 0 };
}

/** The same port before and after: the running driver lets go of it while the new settings are tried. */
export function provesOnSamePort(running: Settings, next: Settings): boolean {
  return running !== null && next !== null && typeof running.port === 'string' && running.port === next.port;
}

/** The settings a device runs with, in a few words: port, baud, the thermometer's protocol, the gate's relay. */
export function runningSummary(t: Translate, device: SetupDevice, running: Settings): string | null {
  if (running === null || (device === 'gate' && running.driver === 'none')) return null;
  const parts = [text(running.port), t('devices.summaryBaud', { baud: text(running.baudRate) })];
  const protocol = running.protocol as { name?: unknown } | undefined;
  if (device === 'thermometer' && protocol) parts.push(text(protocol.name));
  if (device === 'gate' && running.relay !== undefined) parts.push(t('devices.summaryRelay', { relay: text(running.relay) }));
  return parts.filter((p) => p !== '').join(t('devices.summarySeparator'));
}

const reasonText = (t: Translate, reason: string) => t(`deviceReason.${reason}`, { defaultValue: reason });

/**
 * A test's result as the card shows it. Core tests the device as it runs (testDevice takes no
 * settings), so the line names those settings, and when the form asks for others it says they are
 * not applied yet and were not tested: a green reading must not pass for a proof of the form.
 */
export function testNotice(t: Translate, r: DeviceTestOutcome, device: SetupDevice, running: Settings, form: Form | undefined): Notice {
  const notice = testResult(t, r);
  const summary = runningSummary(t, device, running);
  const tested = summary === null ? '' : t('devices.testedRunning', { settings: summary });
  const unapplied = differs(device, form, running) ? t('devices.testFormNotApplied') : '';
  return { tone: notice.tone, text: `${notice.text}${tested}${unapplied}` };
}

function testResult(t: Translate, r: DeviceTestOutcome): Notice {
  if (!r.passed) return { tone: 'bad', text: `${t('devices.testFailed')}: ${reasonText(t, r.reason)} (${r.reason}) — ${r.message}` };
  if (r.card) return { tone: 'ok', text: t('devices.testCard', { name: r.card.maskedName, number: r.card.maskedDocumentNumber, type: r.card.docType }) };
  if (r.reading) {
    const c = (x: number | null) => (x === null ? '—' : x.toFixed(2));
    return r.reading.valid
      ? { tone: 'ok', text: t('devices.testReading', { celsius: c(r.reading.celsius), raw: c(r.reading.rawCelsius) }) }
      : { tone: 'bad', text: t('devices.testReadingOut', { raw: c(r.reading.rawCelsius), reason: reasonText(t, r.reading.reason ?? '') }) };
  }
  if (r.scan) return { tone: 'ok', text: t('devices.testScan', { length: r.scan.length, preview: r.scan.preview }) };
  if (r.pulse) return { tone: 'ok', text: r.pulse.driver === 'none' ? t('devices.testNoGate') : t('devices.testPulse', { relay: r.pulse.relay, ms: r.pulse.ms }) };
  return { tone: 'ok', text: r.summary };
}

/**
 * What a device card says about the device now. The setup read (getDeviceSetup) is a snapshot taken
 * when the screen loaded or last applied; core's `devices` event, the one the status bar follows,
 * is newer when it came later, and the card follows it, so a driver paused while new settings are
 * tried on its own port shows offline with "paused while new settings are tried" as the status bar
 * does (docs/integrator-setup.md, "Devices"), never "working".
 */
export function cardHealth(t: Translate, health: DeviceSetup['devices'][number]['health'], live: DeviceHealth | null): { tone: 'ok' | 'bad' | 'off'; text: string } {
  if (live) {
    if (live.state === 'absent') return { tone: 'off', text: t('devices.notFitted') };
    if (live.state === 'ok') return { tone: 'ok', text: t('devices.working', { port: health.port ?? live.detail ?? '' }) };
    const reason = live.reason ?? 'PORT_UNAVAILABLE';
    return { tone: 'bad', text: `${reasonText(t, reason)} (${reason})${live.detail ? ` — ${live.detail}` : ''}` };
  }
  if (!health.configured) return { tone: 'off', text: t('devices.notFitted') };
  const problem = health.fault ?? (health.connected ? null : 'PORT_UNAVAILABLE');
  if (problem) return { tone: 'bad', text: `${reasonText(t, problem)} (${problem})${health.detail ? ` — ${health.detail}` : ''}` };
  return { tone: 'ok', text: t('devices.working', { port: health.port ?? '' }) };
}
