// Pure functions from contract data to what the screens draw: no DOM here, so the decisions about
// colour, words and countdowns are unit-tested in Node and the DOM code only copies them over.
import type { DeviceHealth, KioskStatus, ListStatus, PassageView } from '../contract/api.js';
import type { Translate } from './i18n.js';

/** pass = green, stop = red, check = amber (waiting for the guard), waiting = collecting/deciding. */
export type Tone = 'idle' | 'waiting' | 'pass' | 'stop' | 'check';

export function toneOf(passage: PassageView): Tone {
  if (passage.state === 'idle') return 'idle';
  // `decided` is not yet logged: nothing final is shown until the entry is durable (`shown`).
  if (passage.state !== 'shown' || passage.decision === null) return 'waiting';
  if (passage.decision === 'admit') return 'pass';
  if (passage.decision === 'deny') return 'stop';
  if (passage.awaitingGuard || passage.guardVerdict === null) return 'check';
  return passage.guardVerdict === 'allow' ? 'pass' : 'stop';
}

export interface PassageDisplay {
  tone: Tone;
  headline: string;
  /** Masked name, province and temperature, each already formatted; empty when unknown. */
  name: string;
  province: string;
  temperature: string;
  reason: string;
  /** Hints for what is still missing while collecting (card, temperature). */
  hints: string[];
  trustListStale: string;
  showReview: boolean;
}

export function describePassage(passage: PassageView, t: Translate): PassageDisplay {
  const tone = toneOf(passage);
  const hints: string[] = [];
  if (passage.state === 'collecting') {
    if (passage.collected.code && !passage.collected.card) hints.push(t('hint.card'));
    if (!passage.collected.temperature) hints.push(t('hint.temperature'));
  }
  // After a guard verdict the guard's reason is what the person needs to hear; before it, the kiosk's.
  const reasonCode =
    passage.guardVerdict === 'allow' ? 'GUARD_ALLOWED' : passage.guardVerdict === 'deny' ? 'GUARD_DENIED' : passage.reason;
  const showDetails = tone !== 'idle';
  return {
    tone,
    headline: t(`headline.${tone}`),
    name: showDetails ? (passage.maskedName ?? '') : '',
    province: showDetails && passage.provinceCode ? t(`province.${passage.provinceCode}`) : '',
    temperature: showDetails && passage.temperatureC !== null ? `${passage.temperatureC.toFixed(1)} °C` : '',
    reason: tone === 'idle' || tone === 'waiting' || reasonCode === null ? '' : t(`reason.${reasonCode}`),
    hints,
    trustListStale: tone !== 'idle' && passage.trustListStale ? t('trustListStale') : '',
    showReview: passage.state === 'shown' && passage.awaitingGuard,
  };
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
}

export function formatAge(ms: number, t: Translate): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes >= 24 * 60) return t('age.days', { n: Math.floor(minutes / (24 * 60)) });
  if (minutes >= 60) return t('age.hours', { n: Math.floor(minutes / 60) });
  return t('age.minutes', { n: minutes });
}

export function deviceItem(device: DeviceHealth, t: Translate): StatusItem {
  const level: Level = device.state === 'ok' ? 'ok' : device.state === 'degraded' ? 'warn' : device.state === 'absent' ? 'off' : 'bad';
  return { id: `device-${device.id}`, level, text: t(`device.${device.kind}`) };
}

/** Trust list age: amber past nextUpdate, red when expired or missing (issue 5 §4). */
export function trustListItem(list: ListStatus, now: number, t: Translate): StatusItem {
  const age = list.issuedAt === null ? '' : formatAge(now - list.issuedAt, t);
  switch (list.state) {
    case 'fresh':
      return { id: 'trust-list', level: 'ok', text: t('status.trust.fresh', { age }) };
    case 'stale':
      return { id: 'trust-list', level: 'warn', text: t('status.trust.stale', { age }) };
    case 'expired':
      return { id: 'trust-list', level: 'bad', text: t('status.trust.expired') };
    default:
      return { id: 'trust-list', level: 'bad', text: t('status.trust.missing') };
  }
}

export function statusItems(status: KioskStatus, now: number, t: Translate, connected: boolean): StatusItem[] {
  const items: StatusItem[] = [];
  if (!connected) items.push({ id: 'core', level: 'bad', text: t('status.disconnected') });
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
  items.push(trustListItem(status.trustList, now, t));
  return items;
}
