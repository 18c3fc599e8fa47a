// The small admin view: today's figures, behind the admin PIN the core checks (hashed and
// rate-limited there; the renderer only forwards what was typed and forgets it).
import type { TodayFigures } from '../contract/api.js';
import { call, type ConnectedClient } from './client.js';
import type { Translate } from './i18n.js';

function byId(id: string): HTMLElement {
  const found = document.getElementById(id);
  if (!found) throw new Error(`index.html lacks #${id}`);
  return found;
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
  const close = () => {
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
    void call(client, 'getTodayFigures', typed ? { pin: typed } : {}).then((result) => {
      const t = translate();
      if (result.ok) {
        byId('admin-figures').replaceChildren(...renderFigures(result.value, t));
        byId('admin-error').textContent = '';
      } else {
        byId('admin-error').textContent = `${t(`reason.${result.reason}`)} (${result.reason})`;
      }
    });
  });
  if (location.pathname === '/admin') open();
}
