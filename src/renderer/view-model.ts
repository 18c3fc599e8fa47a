// Pure functions from contract data to what the screens draw: no DOM here, so the decisions about
// colour, words and countdowns are unit-tested in Node and the DOM code only copies them over.
import type { DeviceHealth, KioskStatus, ListStatus, PassageView } from '../contract/api.js';
import type { Reason } from '../contract/reasons.js';
import type { Translate } from './i18n.js';

/** How often the screen re-checks liveness and countdowns (with CORE_LOST_AFTER_MS: under 2 s to notice a lost core). */
export const LIVENESS_CHECK_MS = 250;

/**
 * pass = green, stop = red, check = amber (waiting for the guard), waiting = collecting/deciding,
 * out = out of service (the core is gone: nothing on screen may invite anyone in).
 */
export type Tone = 'idle' | 'waiting' | 'pass' | 'stop' | 'check' | 'out';

export type MissingItem = 'code' | 'card' | 'temperature';

/** Between the venue's name and the lane's in the status bar. */
export const PLACE_SEPARATOR = ' · ';

/** The status bar's name of the place: the venue's name (config `venueName`) before the lane's. */
export function statusBarName(config: { kioskName: string; venueName?: string | undefined }): string {
  return config.venueName ? `${config.venueName}${PLACE_SEPARATOR}${config.kioskName}` : config.kioskName;
}

export function toneOf(passage: PassageView, coreAlive = true): Tone {
  if (!coreAlive) return 'out';
  if (passage.state === 'idle') return 'idle';
  // `decided` is not yet logged: nothing final is shown until the entry is durable (`shown`).
  if (passage.state !== 'shown' || passage.decision === null) return 'waiting';
  if (passage.decision === 'admit') return 'pass';
  if (passage.decision === 'deny') return 'stop';
  if (passage.awaitingGuard || passage.guardVerdict === null) return 'check';
  return passage.guardVerdict === 'allow' ? 'pass' : 'stop';
}

/** What the passage still waits for while collecting: exactly the core's list (it knows the policy and the devices). */
export function missingItems(passage: PassageView): MissingItem[] {
  return passage.state === 'collecting' ? [...passage.missing] : [];
}

/** Every reason that applies, the decision's own first and no reason twice. */
export function reasonsOf(passage: PassageView): Reason[] {
  const all = passage.reasons;
  const first = passage.reason;
  if (first === null) return [...all];
  return [first, ...all.filter((r) => r !== first)];
}

export interface ScreenContext {
  /** False when the core is gone (socket closed or heartbeat silent): the screen is out of service. */
  coreAlive: boolean;
  /** Venue policy allows entry on an ID card alone (and a reader is fitted): the idle screen may ask for one. */
  cardOnlyAllowed: boolean;
  /** Milliseconds left in the collecting window on the renderer clock, or null. */
  collectLeftMs: number | null;
  /** What this kiosk can take from a person (presentableInputs); null while unknown (as if all). */
  inputs: PresentableInputs | null;
  /**
   * The venue accepts EU DCC certificates (policy.dccAccept; core sends the DSC list's status only
   * then, docs/dcc-policy.md): the invitation names them beside the health code.
   */
  dccAccepted: boolean;
}

const DEFAULT_CONTEXT: ScreenContext = { coreAlive: true, cardOnlyAllowed: true, collectLeftMs: null, inputs: null, dccAccepted: false };

export interface PresentableInputs {
  camera: boolean;
  scanner: boolean;
  card: boolean;
}

/** The inputs fitted on this kiosk, from the devices the status bar shows (absent: not fitted or turned off). */
export function presentableInputs(status: KioskStatus | null): PresentableInputs | null {
  if (!status) return null;
  const fitted = (kind: DeviceHealth['kind']) => status.devices.some((d) => d.kind === kind && d.state !== 'absent');
  return { camera: fitted('camera'), scanner: fitted('scanner'), card: fitted('cardReader') };
}

/**
 * The idle screen's invitation, naming only what this kiosk can take: a kiosk started without a
 * camera asks for the scanner or a card, and one with nothing to read a code or a card says so
 * instead of inviting people to hold a code up to nothing.
 */
function idleHeadline(ctx: ScreenContext): string {
  const inputs = ctx.inputs;
  const codes = ctx.dccAccepted ? 'Dcc' : '';
  if (inputs === null || inputs.camera) return (ctx.cardOnlyAllowed ? 'headline.idle' : 'headline.idleCodeOnly') + codes;
  if (inputs.scanner) return (ctx.cardOnlyAllowed ? 'headline.idleScanner' : 'headline.idleScannerCodeOnly') + codes;
  if (ctx.cardOnlyAllowed) return 'headline.idleCardOnly';
  return inputs.card ? 'headline.noCodeReader' : 'headline.noInput';
}

export interface PassageDisplay {
  tone: Tone;
  headline: string;
  /** Out of service: the same message in the other language, so nobody misreads it. */
  subline: string;
  /** Masked name, province and temperature, each already formatted; empty when unknown. */
  name: string;
  province: string;
  temperature: string;
  /** The decision's reason (the first that applied). */
  reason: string;
  /** Further reasons that also applied, in order. */
  otherReasons: string[];
  /** What is still needed while collecting ("face the thermometer"), one line each. */
  hints: string[];
  /** Seconds left to present what is missing, shown with the hints; null when not collecting. */
  collectSeconds: number | null;
  /** A presentation was held because a review waits for the guard: tell the next person to wait. */
  waitForGuard: string;
  trustListStale: string;
  showReview: boolean;
  /** Whether the camera preview (with its aiming frame) is shown: only when it helps someone present a code. */
  showPreview: boolean;
}

export function describePassage(passage: PassageView, t: Translate, context: Partial<ScreenContext> = {}): PassageDisplay {
  const ctx = { ...DEFAULT_CONTEXT, ...context };
  const tone = toneOf(passage, ctx.coreAlive);
  if (tone === 'out') {
    // Nothing from the last passage stays up: a stale PASS or "show your code" would invite people in.
    return {
      tone,
      headline: t('headline.out'),
      subline: t('headline.outOther'),
      name: '',
      province: '',
      temperature: '',
      reason: '',
      otherReasons: [],
      hints: [t('hint.out')],
      collectSeconds: null,
      waitForGuard: '',
      trustListStale: '',
      showReview: false,
      showPreview: false,
    };
  }
  const missing = missingItems(passage);
  const noCamera = ctx.inputs !== null && !ctx.inputs.camera;
  const hints = missing.map((m) => t(m === 'code' && noCamera && ctx.inputs!.scanner ? 'hint.codeScanner' : `hint.${m}`));
  // After a guard verdict the guard's reason is what the person needs to hear; before it, the kiosk's.
  const reasons: Reason[] =
    passage.guardVerdict === 'allow' ? ['GUARD_ALLOWED'] : passage.guardVerdict === 'deny' ? ['GUARD_DENIED', ...reasonsOf(passage)] : reasonsOf(passage);
  const final = tone === 'pass' || tone === 'stop' || tone === 'check';
  const showDetails = tone !== 'idle';
  return {
    tone,
    headline: tone === 'idle' ? t(idleHeadline(ctx)) : t(`headline.${tone}`),
    subline: '',
    name: showDetails ? (passage.maskedName ?? '') : '',
    province: showDetails ? credentialOf(passage, t) : '',
    temperature: showDetails && passage.temperatureC !== null ? `${passage.temperatureC.toFixed(1)} °C` : '',
    reason: final && reasons.length > 0 ? t(`reason.${reasons[0]}`) : '',
    otherReasons: final ? reasons.slice(1).map((r) => t(`reason.${r}`)) : [],
    hints,
    collectSeconds: passage.state === 'collecting' && ctx.collectLeftMs !== null ? Math.max(0, Math.ceil(ctx.collectLeftMs / 1000)) : null,
    waitForGuard: passage.awaitingGuard && passage.heldAttempts > 0 ? t('hint.waitForGuard') : '',
    trustListStale: tone !== 'idle' && passage.trustListStale ? t('trustListStale') : '',
    showReview: passage.state === 'shown' && passage.awaitingGuard,
    // No camera running: no preview and no aiming frame to hold a code inside.
    showPreview: !noCamera && (tone === 'idle' || passage.state === 'collecting'),
  };
}

/**
 * Where the credential comes from, in the place of the person line that names it: a PHC1 code's
 * province, or an EU certificate's kind, country and type ("欧盟证书 · DE · 疫苗接种"), so the guard
 * knows what the person holds (docs/guard-screen.md). Empty for a card alone or an unverified code.
 */
function credentialOf(passage: PassageView, t: Translate): string {
  if (passage.provinceCode) return t(`province.${passage.provinceCode}`);
  const dcc = passage.dcc;
  if (!dcc) return '';
  return [t('credential.dcc'), dcc.country, t(`credential.dcc.${dcc.type}`)].filter((x) => x).join(' · ');
}

/** Whether the idle screen may ask for an ID card: the venue allows card-only entry and a reader is fitted. */
export function cardOnlyInvited(status: KioskStatus | null): boolean {
  if (!status) return false;
  const allowed = status.cardOnlyAllowed ?? true;
  const reader = status.devices.find((d) => d.kind === 'cardReader');
  return allowed && reader !== undefined && reader.state !== 'absent';
}

/** Milliseconds left in the collecting window on the renderer clock (null outside collecting). */
export function collectLeftMs(passage: PassageView, receivedAt: number, now: number): number | null {
  if (passage.state !== 'collecting' || passage.collectInMs === null) return null;
  return Math.max(0, receivedAt + passage.collectInMs - now);
}

/**
 * Whole seconds left before the screen resets, counted on the renderer's own clock from when the
 * view arrived (so a clock difference between core and screen cannot freeze or skip the countdown).
 */
export function secondsLeft(passage: PassageView, receivedAt: number, now: number): number | null {
  if (passage.resetInMs === null) return null;
  return Math.max(0, Math.ceil((receivedAt + passage.resetInMs - now) / 1000));
}

export type Level = 'ok' | 'warn' | 'bad' | 'off';

export interface StatusItem {
  id: string;
  level: Level;
  text: string;
  /** Why a device is faulty (reason in words, then the driver's detail): shown when its chip is tapped. */
  detail?: string;
}

export function formatAge(ms: number, t: Translate): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes >= 24 * 60) return t('age.days', { n: Math.floor(minutes / (24 * 60)) });
  if (minutes >= 60) return t('age.hours', { n: Math.floor(minutes / 60) });
  return t('age.minutes', { n: minutes });
}

export function deviceItem(device: DeviceHealth, t: Translate, coreAlive = true): StatusItem {
  // With the core gone, the last device report is no longer known to be true: grey, not green.
  const level: Level = !coreAlive
    ? 'off'
    : device.state === 'ok'
      ? 'ok'
      : device.state === 'degraded'
        ? 'warn'
        : device.state === 'absent'
          ? 'off'
          : 'bad';
  const why = device.reason === null ? null : t(`deviceReason.${device.reason}`, { defaultValue: device.reason });
  return {
    id: `device-${device.id}`,
    level,
    text: t(`device.${device.kind}`),
    ...(coreAlive && (level === 'bad' || level === 'warn') ? { detail: [why, device.detail].filter(Boolean).join(' · ') } : {}),
  };
}

/**
 * The configuration chip: config.json is invalid (a hand edit) and the kiosk runs on its last good
 * configuration, or a changed file was not applied. Names the paths; a tap shows what is wrong.
 */
export function configItem(problem: NonNullable<KioskStatus['configProblem']>, t: Translate): StatusItem {
  const paths = problem.paths.slice(0, 3).join(', ') + (problem.paths.length > 3 ? ' …' : '');
  return { id: 'config', level: 'bad', text: t('status.config', { paths }), detail: problem.message };
}

/**
 * A signed list's chip by its age: green with the age, amber past nextUpdate, red when expired or
 * missing. `texts` names the i18n group (status.trust.*, status.dsc.*).
 */
function listAgeItem(id: string, texts: 'trust' | 'dsc', list: ListStatus, now: number, t: Translate): StatusItem {
  const age = list.issuedAt === null ? '' : formatAge(now - list.issuedAt, t);
  switch (list.state) {
    case 'fresh':
      return { id, level: 'ok', text: t(`status.${texts}.fresh`, { age }) };
    case 'stale':
      return { id, level: 'warn', text: t(`status.${texts}.stale`, { age }) };
    case 'expired':
      return { id, level: 'bad', text: t(`status.${texts}.expired`) };
    default:
      return { id, level: 'bad', text: t(`status.${texts}.missing`) };
  }
}

/** Trust list age: amber past nextUpdate, red when expired or missing (health-code spec §2). */
export function trustListItem(list: ListStatus, now: number, t: Translate): StatusItem {
  return listAgeItem('trust-list', 'trust', list, now, t);
}

/**
 * The signed DSC list of EU DCC signers (docs/dcc-trust.md), where the venue accepts foreign
 * credentials: shown exactly as the key list is, since without it every EU certificate is refused.
 */
export function dscListItem(list: ListStatus, now: number, t: Translate): StatusItem {
  return listAgeItem('dsc-list', 'dsc', list, now, t);
}

/**
 * A cached list the kiosk refused at start (status `listProblems`, health-code spec §4): red, with
 * the reason in words; a tap shows the detail core gives (for ROOT_UNKNOWN: the list's signer and
 * the pinned roots with fingerprints), because without it every code is refused as issuer unknown
 * and the guard would not know why.
 */
export function listProblemItem(problem: NonNullable<KioskStatus['listProblems']>[number], t: Translate): StatusItem {
  const why = t(`listProblem.${problem.reason}`, { defaultValue: problem.reason });
  const detail = listProblemDetail(problem, t);
  return problem.list === 'trust'
    ? { id: 'trust-list', level: 'bad', text: t('status.trust.invalid', { why }), detail }
    : { id: 'status-list', level: 'bad', text: t('status.statusList.invalid', { why }), detail };
}

/**
 * A list problem's detail in the screen's language: ROOT_UNKNOWN from the signer and pinned roots
 * core names (so a zh-CN screen does not show core's English sentence); core's `detail` otherwise.
 */
export function listProblemDetail(problem: NonNullable<KioskStatus['listProblems']>[number], t: Translate): string {
  if (problem.reason !== 'ROOT_UNKNOWN' || problem.signerKid === undefined || problem.pinnedRoots === undefined) return problem.detail;
  const pinned = problem.pinnedRoots.map((r) => t('listProblem.pinnedRoot', { kid: r.kid, sha256: r.sha256 ?? t('listProblem.unreadableKey') })).join(t('listProblem.rootSeparator'));
  return t(`listProblem.rootUnknown.${problem.list}`, { signer: problem.signerKid ?? t('listProblem.unreadableKid'), pinned: pinned || t('listProblem.noRoots') });
}

export function statusItems(status: KioskStatus, now: number, t: Translate, coreAlive: boolean): StatusItem[] {
  const items: StatusItem[] = [];
  if (!coreAlive) {
    // Only the loss itself is known now; every other chip is the last word of a core that is gone.
    items.push({ id: 'core', level: 'bad', text: t('status.disconnected') });
    for (const d of status.devices) items.push(deviceItem(d, t, false));
    items.push({ id: 'network', level: 'off', text: t(status.connectivity.online ? 'status.online' : 'status.offline') });
    items.push({ id: 'uploads', level: 'off', text: t('status.uploads', { count: status.connectivity.uploadsPending }) });
    items.push({ ...trustListItem(status.trustList, now, t), level: 'off' });
    if (status.dscList) items.push({ ...dscListItem(status.dscList, now, t), level: 'off' });
    return items;
  }
  // config.json cannot be used and the kiosk runs on what it had: red, naming where the file is wrong.
  if (status.configProblem) items.push(configItem(status.configProblem, t));
  if (status.clock.warning) items.push({ id: 'clock', level: 'bad', text: t('status.clock') });
  if (!status.storage.writable) items.push({ id: 'storage', level: 'bad', text: t('status.storage') });
  for (const d of status.devices) items.push(deviceItem(d, t));
  items.push({
    id: 'network',
    level: status.connectivity.online ? 'ok' : 'warn',
    text: t(status.connectivity.online ? 'status.online' : 'status.offline'),
  });
  items.push({
    id: 'uploads',
    level: status.connectivity.uploadsPending === 0 ? 'ok' : 'warn',
    text: t('status.uploads', { count: status.connectivity.uploadsPending }),
  });
  // A refused trust list says so on its own chip (instead of "no key list"); a refused status list adds one.
  const problems = status.listProblems ?? [];
  const trustProblem = problems.find((p) => p.list === 'trust');
  items.push(trustProblem ? listProblemItem(trustProblem, t) : trustListItem(status.trustList, now, t));
  for (const p of problems) if (p.list === 'status') items.push(listProblemItem(p, t));
  // Present only where policy.dccAccept is on (core leaves it out otherwise).
  if (status.dscList) items.push(dscListItem(status.dscList, now, t));
  return items;
}
