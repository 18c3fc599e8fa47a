// The small admin view: today's figures, behind the admin PIN the core checks (hashed and
// rate-limited there; the renderer only forwards what was typed and forgets it).
import type { Failure, TodayFigures } from '../contract/api.js';
import { call, type ConnectedClient } from './client.js';
import type { Translate } from './i18n.js';

function byId(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found;
}

/**
 * A refused PIN in words: while the gate is closed after too many wrong PINs even the right PIN is
 * refused, so the screen says "locked, try again in N s" rather than "not authorised"
 * (docs/security.md, "Admin PIN").
 */
export function pinFailureText(failure: Failure, t: Translate): string {
  const seconds = failure.retryInMs === undefined ? null : Math.max(1, Math.ceil(failure.retryInMs / 1000));
  if (failure.reason === 'PIN_LOCKED' && seconds !== null) return t('pin.locked', { seconds });
  if (failure.reason === 'UNAUTHORIZED' && seconds !== null) return t('pin.wrongLocked', { seconds });
  return `${t(`reason.${failure.reason}`)} (${failure.reason})`;
}

export function renderFigures(figures: TodayFigures, t: Translate): HTMLElement[] {
  const rows: [string, string][] = [
    [t('admin.total'), String(figures.total)],
    [t('admin.admitted'), String(figures.admitted)],
    [t('admin.denied'), String(figures.denied)],
    [t('admin.reviewed'), String(figures.reviewed)],
    [t('admin.uploadsPending'), String(figures.uploadsPending)],
    ...figures.byReason.map((r): [string, string] => [t(`reason.${r.reason}`), String(r.count)]),
  ];
  return rows.flatMap(([label, value]) => [
    Object.assign(document.createElement('dt'), { textContent: label }),
    Object.assign(document.createElement('dd'), { textContent: value }),
  ]);
}

export function setupAdmin(client: ConnectedClient, translate: () => Translate, guard: () => HTMLElement): void {
  const admin = byId('admin');
  const pin = byId('admin-pin') as HTMLInputElement;
  const open = () => {
    const t = translate();
    byId('admin-title').textContent = t('admin.title');
    byId('admin-pin-label').textContent = t('admin.pin');
    byId('admin-show').textContent = t('admin.show');
    byId('admin-close').textContent = t('admin.close');
    byId('admin-figures').replaceChildren();
    byId('admin-error').textContent = '';
    admin.hidden = false;
    guard().hidden = true;
    pin.focus();
  };
  let session: string | null = null;
  const close = () => {
    if (session !== null) void call(client, 'closeAdminSession', { session });
    session = null;
    pin.value = '';
    byId('admin-figures').replaceChildren();
    admin.hidden = true;
    guard().hidden = false;
  };
  byId('admin-open').addEventListener('click', open);
  byId('admin-close').addEventListener('click', close);
  byId('admin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const typed = pin.value;
    pin.value = '';
    void (async () => {
      const opened = await call(client, 'openAdminSession', { pin: typed });
      if (!opened.ok) return opened;
      session = opened.value.session;
      return call(client, 'getTodayFigures', { session });
    })().then((result) => {
      const t = translate();
      if (result.ok) {
        byId('admin-figures').replaceChildren(...renderFigures(result.value, t));
        byId('admin-error').textContent = '';
      } else {
        byId('admin-error').textContent = pinFailureText(result, t);
      }
    });
  });
  if (location.pathname === '/admin') open();
}
