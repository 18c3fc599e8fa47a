// The admin console's shell (docs/admin-console.md): loaded as its own chunk only when the admin
// presses the admin button, so the guard screen starts as fast as without it. It asks the PIN,
// opens a session in core, shows the panels (./panels/index.ts) with a language toggle and "close",
// and leaves for the guard screen when the session ends (closed, idle, SESSION_REQUIRED); input in it
// keeps the session open (touchAdminSession). The
// session token lives only in this component's state; the PIN is forwarded as typed and forgotten.
//
// The door keeps working underneath: the guard screen stays mounted (the camera keeps decoding,
// core keeps deciding, logging and driving the gate), and every result is shown here in a banner
// over the console. A review waiting for the guard is never hidden: the banner holds it, with allow
// and deny, until the guard decides (docs/admin-console.md, "The door under the console").
import { render } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConsoleRole, Failure, KioskClient, KioskEvent, Language, MethodName, MethodRequest, MethodResponse, PassageView, Result } from '../../contract/api.js';
import { fail } from '../../contract/api.js';
import type { Translate } from '../i18n.js';
import { adminPinText, pinFailureText } from '../pin-text.js';
import { describePassage } from '../view-model.js';
import { panelsFor, type ConsoleCall, type PanelProps } from './panel.js';
import { durationText, endNotice, type ConsoleEnd } from './session-text.js';
import { PANELS } from './panels/index.js';

export type { ConsoleEnd };

export interface ConsoleOptions {
  client: KioskClient;
  language: Language;
  /** The screen's translator; its output follows the language main.ts sets (setLanguage below re-renders). */
  t: Translate;
  /** The passage on the guard screen when the console opens (a review may already be waiting). */
  passage: PassageView;
  guardPinRequired: boolean;
  /** The console has closed itself: main.ts unmounts it and shows `notice` (empty: none) on the guard screen. */
  onExit(why: ConsoleEnd, notice: string): void;
}

export interface ConsoleHandle {
  /** The language changed (core's `language` event, already applied to `t`): re-render everything. */
  setLanguage(language: Language): void;
  /** Leaves the console (closing the session if one is open). */
  close(): void;
  unmount(): void;
}

const BANNER_MS = 6000;
/** The least time between two "the admin is here" touches of the session (a fraction of its idle time). */
const TOUCH_EVERY_MS = 15_000;

function PinForm(props: { client: KioskClient; t: Translate; onOpened(session: string, idleMs: number, role: ConsoleRole): void; onCancel(): void }) {
  const { t } = props;
  const [refusal, setRefusal] = useState<{ failure: Failure; at: number } | null>(null);
  const [now, setNow] = useState(Date.now());
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  // A lock counts down live from the core's retryInMs (on this screen's clock); no PIN is kept.
  const waiting = refusal?.failure.retryInMs !== undefined && refusal.at + refusal.failure.retryInMs > now;
  useEffect(() => {
    if (!waiting) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [waiting]);
  const text = refusal ? adminPinText(refusal.failure, t, refusal.at, now) : '';
  const submit = async (e: Event) => {
    e.preventDefault();
    const field = input.current;
    if (!field) return;
    const typed = field.value;
    field.value = '';
    if (!/^\d{4,12}$/.test(typed)) {
      setRefusal({ failure: fail('BAD_REQUEST', 'PIN format'), at: Date.now() });
      return;
    }
    setBusy(true);
    const opened = await props.client.openAdminSession({ pin: typed });
    setBusy(false);
    if (opened.ok) props.onOpened(opened.value.session, opened.value.idleMs, opened.value.role);
    else {
      setRefusal({ failure: opened, at: Date.now() });
      setNow(Date.now());
      field.focus();
    }
  };
  const formatProblem = refusal?.failure.reason === 'BAD_REQUEST' && refusal.failure.message === 'PIN format';
  return (
    <form id="console-pin-form" class="console-pin" onSubmit={(e) => void submit(e)}>
      <h1>{t('console.pinTitle')}</h1>
      <label for="console-pin">{t('console.pinLabel')}</label>
      <input id="console-pin" ref={input} type="password" inputMode="numeric" autoComplete="off" maxLength={12} />
      <div class="console-pin-buttons">
        <button id="console-pin-submit" type="submit" disabled={busy || (waiting && refusal?.failure.reason === 'PIN_LOCKED')}>
          {t('console.open')}
        </button>
        <button id="console-pin-cancel" type="button" onClick={props.onCancel}>
          {t('console.cancel')}
        </button>
      </div>
      <p id="console-pin-error" role="alert" data-reason={refusal?.failure.reason ?? ''} data-locked={String(waiting)}>
        {formatProblem ? t('console.pinFormat') : text}
      </p>
    </form>
  );
}

/** The PIN asked again (reveal): typed, handed to the panel, never kept here. */
function AskPin(props: { t: Translate; purpose: string; onDone(pin: string | null): void }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <div id="console-askpin" class="console-modal" role="dialog" aria-modal="true">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const typed = input.current?.value ?? '';
          if (input.current) input.current.value = '';
          props.onDone(typed);
        }}
      >
        <p id="console-askpin-purpose">{props.t('console.askPin', { purpose: props.purpose })}</p>
        <input id="console-askpin-pin" ref={input} type="password" inputMode="numeric" autoComplete="off" maxLength={12} />
        <div class="console-pin-buttons">
          <button id="console-askpin-confirm" type="submit">{props.t('console.confirm')}</button>
          <button id="console-askpin-cancel" type="button" onClick={() => props.onDone(null)}>
            {props.t('console.cancel')}
          </button>
        </div>
      </form>
    </div>
  );
}

/**
 * The door's latest result over the console: verdict colour, headline, masked name, reason, for a
 * few seconds; a review stays with allow/deny (and the guard PIN when guards are configured) until
 * the guard decides.
 */
function PassageBanner(props: { client: KioskClient; t: Translate; passage: PassageView; guardPinRequired: boolean }) {
  const { t, passage } = props;
  const [hiddenFor, setHiddenFor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const guardPin = useRef<HTMLInputElement>(null);
  const key = `${passage.passageId}:${passage.state}:${passage.guardVerdict ?? ''}:${passage.awaitingGuard}`;
  const d = describePassage(passage, t);
  const review = d.showReview;
  const final = passage.state === 'shown';
  useEffect(() => {
    setError('');
    if (!final || review) return;
    const timer = setTimeout(() => setHiddenFor(key), BANNER_MS);
    return () => clearTimeout(timer);
  }, [key, final, review]);
  if (!final || (hiddenFor === key && !review)) return null;
  const decide = async (verdict: 'allow' | 'deny') => {
    if (!passage.passageId) return;
    const pin = props.guardPinRequired ? (guardPin.current?.value ?? '') : undefined;
    if (pin !== undefined && !/^\d{4,12}$/.test(pin)) {
      setError(t('review.pinNeeded'));
      guardPin.current?.focus();
      return;
    }
    const result = await props.client.guardReview({ passageId: passage.passageId, verdict, ...(pin === undefined ? {} : { guardPin: pin }) });
    if (guardPin.current) guardPin.current.value = '';
    if (!result.ok) setError(result.retryInMs !== undefined ? pinFailureText(result, t) : t(`reason.${result.reason}`));
  };
  return (
    <section
      id="console-banner"
      class="console-banner"
      data-tone={d.tone}
      data-decision={passage.decision ?? ''}
      data-entry-id={passage.entryId === null ? '' : String(passage.entryId)}
      data-review={String(review)}
      role="alert"
    >
      <div class="console-banner-line">
        <span class="console-banner-door">{t('console.passage')}</span>
        <strong id="console-banner-headline">{d.headline}</strong>
        {d.name && <span id="console-banner-name">{d.name}</span>}
        {d.temperature && <span>{d.temperature}</span>}
        {d.reason && <span id="console-banner-reason">{d.reason}</span>}
      </div>
      {review && (
        <div class="console-banner-review">
          <span>{t('console.reviewWaiting')}</span>
          {props.guardPinRequired && (
            <input id="console-review-pin" ref={guardPin} type="password" inputMode="numeric" autoComplete="off" maxLength={12} placeholder={t('review.pin')} />
          )}
          <button id="console-review-allow" type="button" class="allow" onClick={() => void decide('allow')}>
            {t('review.allow')}
          </button>
          <button id="console-review-deny" type="button" class="deny" onClick={() => void decide('deny')}>
            {t('review.deny')}
          </button>
        </div>
      )}
      {error && <p class="console-banner-error" role="alert">{error}</p>}
    </section>
  );
}

interface RootProps extends ConsoleOptions {
  language: Language;
  /** Bumped by the handle when the language changes: everything re-renders with the new words. */
  revision: number;
  exitRef: { current: (why: ConsoleEnd) => void };
}

function ConsoleRoot(props: RootProps) {
  const { client, t, language } = props;
  const [session, setSession] = useState<{ token: string; idleMs: number; role: ConsoleRole } | null>(null);
  const [panelId, setPanelId] = useState('');
  const [passage, setPassage] = useState<PassageView>(props.passage);
  const [asking, setAsking] = useState<{ purpose: string; resolve(pin: string | null): void } | null>(null);
  const sessionRef = useRef(session);
  sessionRef.current = session;
  const ended = useRef(false);

  const exit = useCallback(
    (why: ConsoleEnd) => {
      if (ended.current) return;
      ended.current = true;
      const held = sessionRef.current;
      // "Close" ends the session in core too; an ended session needs no closing.
      if (held && why === 'closed') void client.closeAdminSession({ session: held.token });
      asking?.resolve(null);
      props.onExit(why, endNotice(why, held?.idleMs ?? 0, t));
    },
    [client, props, t, asking],
  );
  props.exitRef.current = exit;

  useEffect(
    () =>
      client.onEvent((event: KioskEvent) => {
        if (event.type === 'passage') setPassage(event.passage);
        // The session ended in core (idle, replaced, closed): back to the guard screen at once.
        else if (event.type === 'adminSession' && !event.open && sessionRef.current) exit(event.why === 'closed' ? 'required' : event.why);
      }),
    [client, exit],
  );

  const call = useCallback<ConsoleCall>(
    async <M extends MethodName>(method: M, request: Omit<MethodRequest<M>, 'session'>): Promise<Result<MethodResponse<M>>> => {
      const held = sessionRef.current;
      if (!held) return fail('SESSION_REQUIRED', 'no admin session');
      const full = { ...request, session: held.token } as MethodRequest<M>;
      const result = await (client[method] as (r: MethodRequest<M>) => Promise<Result<MethodResponse<M>>>)(full);
      if (!result.ok && result.reason === 'SESSION_REQUIRED') exit('required');
      return result;
    },
    [client, exit],
  );

  // Input inside the console keeps the session open: it ends after idleMs without input, not without
  // a call, so an admin reading a chart is not thrown out (docs/security.md, "Admin sessions"). At
  // most one touch per TOUCH_EVERY_MS: the idle time is minutes, and a scroll fires many events.
  // Core answers its idle time now in force, so the hint follows a changed configuration.
  const lastTouch = useRef(0);
  const touchSession = useCallback(() => {
    const held = sessionRef.current;
    const now = Date.now();
    if (!held || now - lastTouch.current < TOUCH_EVERY_MS) return;
    lastTouch.current = now;
    void client.touchAdminSession({ session: held.token }).then((touched) => {
      if (sessionRef.current?.token !== held.token) return;
      if (!touched.ok) {
        if (touched.reason === 'SESSION_REQUIRED') exit('required');
        return;
      }
      if (touched.value.idleMs !== sessionRef.current.idleMs) setSession({ ...held, idleMs: touched.value.idleMs });
    });
  }, [client, exit]);
  // A saved configuration may change the idle time: ask at once, so the hint does not wait for input.
  useEffect(
    () =>
      client.onEvent((event: KioskEvent) => {
        if (event.type !== 'config') return;
        lastTouch.current = 0;
        touchSession();
      }),
    [client, touchSession],
  );

  const askPin = useCallback((purpose: string) => new Promise<string | null>((resolve) => setAsking({ purpose, resolve })), []);

  const panelProps: PanelProps = useMemo(
    () => ({ call, client, t, language, askPin, role: session?.role ?? 'admin' }),
    // A new revision (language change) gives panels new props, so they re-render in the new language.
    [call, client, t, language, askPin, props.revision, session?.role],
  );

  const banner = <PassageBanner client={client} t={t} passage={passage} guardPinRequired={props.guardPinRequired} />;
  if (!session) {
    return (
      <div class="console" data-state="pin" lang={language}>
        {banner}
        <PinForm client={client} t={t} onOpened={(token, idleMs, role) => setSession({ token, idleMs, role })} onCancel={() => exit('cancelled')} />
      </div>
    );
  }
  // The admin's screens or the integrator's: whose PIN opened the session (docs/security.md, "Admin sessions").
  const shown = panelsFor(PANELS, session.role);
  const current = shown.find((p) => p.id === panelId) ?? shown[0];
  const Panel = current?.Component;
  return (
    <div
      class="console"
      data-state="open"
      data-role={session.role}
      data-panel={current?.id ?? ''}
      lang={language}
      onPointerDownCapture={touchSession}
      onKeyDownCapture={touchSession}
      onWheelCapture={touchSession}
      onInputCapture={touchSession}
    >
      {banner}
      <header class="console-head">
        <h1 id="console-title">{t(session.role === 'integrator' ? 'console.integratorTitle' : 'console.title')}</h1>
        <nav id="console-nav" aria-label={t('console.title')}>
          {shown.map((p) => (
            <button
              type="button"
              id={`console-nav-${p.id}`}
              data-testid={`console-nav-${p.id}`}
              aria-current={p.id === current?.id ? 'page' : undefined}
              onClick={() => setPanelId(p.id)}
            >
              {p.title(t)}
            </button>
          ))}
        </nav>
        <div class="console-tools">
          <span id="console-idle" class="console-idle">
            {t('console.idleLeft', { duration: durationText(session.idleMs, t) })}
          </span>
          <button id="console-language" type="button" onClick={() => void client.setLanguage({ language: language === 'zh-CN' ? 'en' : 'zh-CN' })}>
            {t('language.toggle')}
          </button>
          <button id="console-close" type="button" onClick={() => exit('closed')}>
            {t('console.close')}
          </button>
        </div>
      </header>
      <main id="console-body" class="console-body" data-panel={current?.id ?? ''}>
        {Panel && <Panel key={current.id} {...panelProps} />}
      </main>
      {asking && (
        <AskPin
          t={t}
          purpose={asking.purpose}
          onDone={(pin) => {
            asking.resolve(pin);
            setAsking(null);
          }}
        />
      )}
    </div>
  );
}

/** The console's own stylesheets (and uPlot's), from our origin beside this chunk; added once. */
function linkStyles(): void {
  for (const name of ['console.css', 'uplot.css']) {
    const href = new URL(`./${name}`, import.meta.url).href;
    if (document.querySelector(`link[href="${href}"]`)) continue;
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    document.head.append(link);
  }
}

/** Mounts the console into `host` (the guard screen's #admin area). */
export function mountConsole(host: HTMLElement, options: ConsoleOptions): ConsoleHandle {
  linkStyles();
  let language = options.language;
  let revision = 0;
  let mounted = true;
  const exitRef = { current: (_why: ConsoleEnd) => {} };
  const draw = () => {
    if (mounted) render(<ConsoleRoot {...options} language={language} revision={revision} exitRef={exitRef} />, host);
  };
  draw();
  return {
    setLanguage(next) {
      language = next;
      revision++;
      draw();
    },
    close() {
      exitRef.current('closed');
    },
    unmount() {
      mounted = false;
      render(null, host);
    },
  };
}
