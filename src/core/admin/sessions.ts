// Admin sessions (docs/security.md, "Admin sessions"): the admin PIN opens a session held here in
// core, never in a screen. A session is an opaque random token bound to the connection that opened
// it (the contract's CallContext.clientId), so a token read off one screen is worthless on another.
// It ends when the screen closes it, after `admin.sessionIdleSeconds` without an admin call or input
// on the console (`touch`), and on restart (nothing is persisted). The PIN's back-off and lockout (./admin-pin in checkpoint) apply to
// opening a session and to every re-confirmation exactly as to a bare PIN check, because both go
// through the same PinGate and its audit-counted failures.
//
// Every admin method calls `require(token, context, what)` first: it checks the session, refreshes
// its idle timer and writes the audit row naming the action. Revealing personal data calls
// `reconfirm`, which also needs the PIN again, even inside an open session.
//
// A session has the role of the PIN that opened it: the facility admin's or the integrator's
// (`admin.integratorPin`). A method names the roles it serves (`require(..., INTEGRATOR)`); by
// default only the admin's, so the integrator never reaches the entry log, and the admin never
// rewires the devices or the trust roots.
import { randomBytes } from 'node:crypto';
import type { CallContext } from '../../contract/api.js';
import type { AdminAuditTrail, AdminPinGate, ConsoleRole } from '../checkpoint/admin-pin.js';
import type { Clock } from '../checkpoint/clock.js';

export const ADMIN_SESSION_AUDIT = {
  opened: 'admin-session-opened',
  closed: 'admin-session-closed',
  /** One admin method used inside a session; `detail.what` names it. */
  action: 'admin-action',
  /** The PIN asked again before personal data is shown or exported unmasked. */
  reconfirmed: 'admin-reconfirmed',
} as const;

/** Why a session ended, as the screen is told (`adminSession` event). */
export type SessionEndReason = 'closed' | 'idle' | 'replaced';

export type SessionFailure = { ok: false; reason: 'SESSION_REQUIRED' | 'UNAUTHORIZED' | 'PIN_LOCKED' | 'STORAGE_UNAVAILABLE'; message: string; retryInMs?: number };

/** The roles a method serves (the last argument of `require`). */
export const ADMIN_ONLY: readonly ConsoleRole[] = ['admin'];
export const INTEGRATOR: readonly ConsoleRole[] = ['integrator'];
export const ADMIN_OR_INTEGRATOR: readonly ConsoleRole[] = ['admin', 'integrator'];

export interface AdminSessionInfo {
  /** `host:clientId` of the screen that holds it, for audit rows. */
  by: string;
  role: ConsoleRole;
  openedAt: number;
}

interface Session extends AdminSessionInfo {
  token: string;
  clientId: string;
  lastUsedAt: number;
  timer: unknown;
}

export interface AdminSessionsOptions {
  clock: Clock;
  pinGate: AdminPinGate;
  trail: AdminAuditTrail;
  /** Idle time after which a session ends (config `admin.sessionIdleSeconds`). */
  idleMs: number;
  /** Told when a session ends on its own or is closed, so the screen can leave the console. */
  onEnd?: (clientId: string, reason: SessionEndReason) => void;
}

const callerOf = (context: CallContext) => `${context.host}:${context.clientId}`.slice(0, 100);

/** A session of a role the call does not serve is refused, naming whose PIN it needs; null when it serves. */
function roleRefusal(session: AdminSessionInfo, what: string, roles: readonly ConsoleRole[]): SessionFailure | null {
  if (roles.includes(session.role)) return null;
  return { ok: false, reason: 'UNAUTHORIZED', message: `${what.slice(0, 60)}: needs the ${roles.join(' or ')} PIN (this session is the ${session.role}'s)` };
}

export class AdminSessions {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: AdminSessionsOptions) {}

  get idleMs(): number {
    return this.options.idleMs;
  }

  /**
   * A new idle time or PIN from a configuration saved while the kiosk runs (src/core/config/live.ts):
   * open sessions keep going under the new idle time from their next call; the PIN gate's failure
   * count lives in the audit trail, so replacing the gate resets no lockout.
   */
  reconfigure(next: { idleMs?: number; pinGate?: AdminPinGate }): void {
    if (next.idleMs !== undefined) this.options.idleMs = next.idleMs;
    if (next.pinGate !== undefined) this.options.pinGate = next.pinGate;
  }

  /** The PIN opens a session for this connection; one connection holds at most one (a new one replaces it). */
  open(pin: string, context: CallContext): { ok: true; token: string; idleMs: number; role: ConsoleRole } | SessionFailure {
    const by = callerOf(context);
    const check = this.options.pinGate.checkRole(pin, { by, what: 'open-session' });
    if (!check.ok) return check;
    for (const s of this.sessions.values()) if (s.clientId === context.clientId) this.end(s, 'replaced');
    const now = this.options.clock.now();
    const token = randomBytes(24).toString('base64url');
    const session: Session = { token, clientId: context.clientId, by, role: check.role, openedAt: now, lastUsedAt: now, timer: null };
    this.sessions.set(token, session);
    this.armIdleTimer(session);
    this.options.trail.audit(ADMIN_SESSION_AUDIT.opened, { by, role: check.role }, now);
    return { ok: true, token, idleMs: this.options.idleMs, role: check.role };
  }

  /**
   * The session behind `token`, for an admin call from `context`: refused when there is none, when it
   * has been idle too long, or when another connection presents it. Refreshes the idle timer and
   * audits the action (`what`: the method or a short description; never personal data). A session
   * of a role the method does not serve is refused (UNAUTHORIZED, naming whose PIN it needs).
   */
  require(token: string | undefined, context: CallContext, what: string, roles: readonly ConsoleRole[] = ADMIN_ONLY): { ok: true; session: AdminSessionInfo } | SessionFailure {
    const live = this.refresh(token, context);
    if (!live.ok) return live;
    const { session, now } = live;
    const refused = roleRefusal(session, what, roles);
    if (refused) return refused;
    try {
      this.options.trail.audit(ADMIN_SESSION_AUDIT.action, { by: session.by, role: session.role, what: what.slice(0, 100) }, now);
    } catch (err) {
      // No audit row, no admin action: the trail must not have holes (docs/security.md).
      return { ok: false, reason: 'STORAGE_UNAVAILABLE', message: `admin actions need the audit log (${(err as Error).name})` };
    }
    return { ok: true, session: { by: session.by, role: session.role, openedAt: session.openedAt } };
  }

  /**
   * For a read a panel repeats while it is open (the devices screen's live frame log, four times a
   * second): the same checks as `require`, but no audit row (opening the panel was audited, and a row
   * per poll would bury the trail) and no refresh of the idle timer, so an integrator who walks away
   * with the log open is still logged out after the idle time ("idle means no input").
   */
  observe(token: string | undefined, context: CallContext, what: string, roles: readonly ConsoleRole[] = ADMIN_ONLY): { ok: true; session: AdminSessionInfo } | SessionFailure {
    const live = this.live(token, context);
    if (!live.ok) return live;
    const { session } = live;
    const refused = roleRefusal(session, what, roles);
    if (refused) return refused;
    return { ok: true, session: { by: session.by, role: session.role, openedAt: session.openedAt } };
  }

  /**
   * Input on the console (a tap, a key, a scroll) keeps the session alive: "2 minutes without input"
   * (docs/security.md, "Admin sessions") means the admin is away, not that they are reading a panel
   * without calling anything. Same checks as `require` (this connection only, an idle one stays
   * ended) but no audit row: input is not an admin action, and a row per tap would bury the trail.
   * Answers the idle time now in force, so the screen's hint follows a changed configuration.
   */
  touch(token: string | undefined, context: CallContext): { ok: true; idleMs: number } | SessionFailure {
    const live = this.refresh(token, context);
    return live.ok ? { ok: true, idleMs: this.options.idleMs } : live;
  }

  /** The live session behind `token` for this connection, its idle timer restarted; an idle one is ended. */
  private refresh(token: string | undefined, context: CallContext): { ok: true; session: Session; now: number } | SessionFailure {
    const live = this.live(token, context);
    if (!live.ok) return live;
    const { session, now } = live;
    session.lastUsedAt = now;
    this.armIdleTimer(session);
    return { ok: true, session, now };
  }

  /** The session behind `token` if it is this connection's and not idle (an idle one is ended); its timer untouched. */
  private live(token: string | undefined, context: CallContext): { ok: true; session: Session; now: number } | SessionFailure {
    const session = token === undefined ? undefined : this.sessions.get(token);
    const now = this.options.clock.now();
    if (!session || session.clientId !== context.clientId) {
      return { ok: false, reason: 'SESSION_REQUIRED', message: 'the admin console is closed: enter the admin PIN' };
    }
    if (now - session.lastUsedAt >= this.options.idleMs) {
      this.end(session, 'idle');
      return { ok: false, reason: 'SESSION_REQUIRED', message: 'the admin session ended after inactivity: enter the admin PIN' };
    }
    return { ok: true, session, now };
  }

  /** A session and the PIN again: for revealing personal data (an unmasked export). */
  reconfirm(token: string | undefined, pin: string | undefined, context: CallContext, what: string): { ok: true; session: AdminSessionInfo } | SessionFailure {
    const held = this.require(token, context, what);
    if (!held.ok) return held;
    if (pin === undefined) return { ok: false, reason: 'UNAUTHORIZED', message: 'showing personal data needs the admin PIN again' };
    const check = this.options.pinGate.checkRole(pin, { by: held.session.by, what: `reconfirm:${what}`.slice(0, 100) });
    if (!check.ok) return check;
    // The session's own PIN again, not another role's.
    if (check.role !== held.session.role) return { ok: false, reason: 'UNAUTHORIZED', message: `the ${held.session.role} PIN is asked again, not the ${check.role}'s` };
    this.options.trail.audit(ADMIN_SESSION_AUDIT.reconfirmed, { by: held.session.by, what: what.slice(0, 100) }, this.options.clock.now());
    return held;
  }

  /** The screen closes its session ("close" on the console). Unknown tokens are ignored: closing twice is fine. */
  close(token: string, context: CallContext): void {
    const session = this.sessions.get(token);
    if (session && session.clientId === context.clientId) this.end(session, 'closed');
  }

  /** The connection went away: its session goes with it. */
  closeClient(clientId: string): void {
    for (const s of [...this.sessions.values()]) if (s.clientId === clientId) this.end(s, 'closed');
  }

  openCount(): number {
    return this.sessions.size;
  }

  /** Ends every session (shutdown); nothing is persisted, so a restart starts with none. */
  dispose(): void {
    for (const s of this.sessions.values()) this.options.clock.clearTimer(s.timer);
    this.sessions.clear();
  }

  private armIdleTimer(session: Session): void {
    if (session.timer !== null) this.options.clock.clearTimer(session.timer);
    session.timer = this.options.clock.setTimer(this.options.idleMs, () => {
      session.timer = null;
      if (this.sessions.get(session.token) === session && this.options.clock.now() - session.lastUsedAt >= this.options.idleMs) this.end(session, 'idle');
    });
  }

  private end(session: Session, reason: SessionEndReason): void {
    if (!this.sessions.delete(session.token)) return;
    if (session.timer !== null) this.options.clock.clearTimer(session.timer);
    session.timer = null;
    try {
      this.options.trail.audit(ADMIN_SESSION_AUDIT.closed, { by: session.by, why: reason }, this.options.clock.now());
    } catch {
      // The session ends regardless: failing to record the end must not keep it open.
    }
    this.options.onEnd?.(session.clientId, reason);
  }
}
