// What a console panel is (docs/admin-console.md, "Panels"): an id, a title in the current
// language and a Preact component. The shell owns the session: `call` adds the token to every
// request and closes the console on SESSION_REQUIRED, so a panel never holds or forwards it.
import type { JSX } from 'preact';
import type { ConsoleRole, KioskClient, Language, MethodName, MethodRequest, MethodResponse, Result } from '../../contract/api.js';
import type { Translate } from '../i18n.js';

export type { Translate };

/** An admin call without the session (the shell adds it). */
export type ConsoleCall = <M extends MethodName>(
  method: M,
  request: Omit<MethodRequest<M>, 'session'>,
) => Promise<Result<MethodResponse<M>>>;

export interface PanelProps {
  /** Adds the session; a SESSION_REQUIRED answer closes the console back to the guard screen. */
  call: ConsoleCall;
  /** Raw client, for events (onEvent). */
  client: KioskClient;
  /** i18n for the current language; panels re-render with a new one when the language changes. */
  t: Translate;
  language: Language;
  /** Asks the admin PIN again (before personal data is revealed); null = cancelled. The shell keeps no PIN. */
  askPin(purpose: string): Promise<string | null>;
  /** Whose PIN opened the session (core refuses the other role's methods anyway). */
  role: ConsoleRole;
}

export interface ConsolePanel {
  /** 'today', 'statistics', 'export', 'trust', 'retention', 'audit', 'settings'. */
  id: string;
  /** In the current language. */
  title(t: Translate): string;
  Component: (props: PanelProps) => JSX.Element;
  /**
   * The roles it is shown to (docs/security.md, "Admin sessions"); default the facility admin only.
   * The integrator's setup screens say `['integrator']`.
   */
  roles?: readonly ConsoleRole[];
}

/** The panels a session of `role` sees, in navigation order. */
export function panelsFor<P extends Pick<ConsolePanel, 'roles'>>(panels: readonly P[], role: ConsoleRole): P[] {
  return panels.filter((p) => (p.roles ?? ['admin']).includes(role));
}
