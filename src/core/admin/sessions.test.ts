import { describe, expect, it } from 'vitest';
import type { CallContext } from '../../contract/api.js';
import { AdminPinGate, hashAdminPin, type AdminAuditTrail } from '../checkpoint/admin-pin.js';
import { ManualClock } from '../checkpoint/clock.js';
import { AdminSessions, type SessionEndReason } from './sessions.js';

/** The audit trail as the entry log keeps it (newest first on read). */
class MemoryTrail implements AdminAuditTrail {
  rows: Array<{ atMs: number; action: string; detail: Record<string, unknown> }> = [];
  audit(action: string, detail: Record<string, unknown>, atMs: number): void {
    this.rows.push({ atMs, action, detail });
  }
  auditOf(actions: readonly string[], limit: number) {
    return this.rows.filter((r) => actions.includes(r.action)).reverse().slice(0, limit);
  }
}

const screen: CallContext = { host: 'browser', clientId: 'ws-1' };
const other: CallContext = { host: 'browser', clientId: 'ws-2' };
const record = hashAdminPin('2468');

function setup(idleMs = 120_000) {
  const clock = new ManualClock();
  const trail = new MemoryTrail();
  const ended: Array<[string, SessionEndReason]> = [];
  const sessions = new AdminSessions({ clock, trail, pinGate: new AdminPinGate(record, clock, trail), idleMs, onEnd: (c, why) => ended.push([c, why]) });
  const open = (ctx = screen) => {
    const r = sessions.open('2468', ctx);
    if (!r.ok) throw new Error(r.message);
    return r.token;
  };
  return { clock, trail, ended, sessions, open };
}

describe('admin sessions', () => {
  it('a wrong PIN opens nothing; the right one gives an opaque token that works only for its connection', () => {
    const { sessions, open } = setup();
    expect(sessions.open('1111', screen)).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    const token = open();
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(sessions.require(token, screen, 'today-figures')).toMatchObject({ ok: true, session: { by: 'browser:ws-1', role: 'admin' } });
    expect(sessions.require(token, other, 'today-figures')).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(sessions.require(undefined, screen, 'today-figures')).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(sessions.require('x'.repeat(32), screen, 'today-figures')).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
  });

  it('ends after the idle time without an admin call; each call restarts the wait', () => {
    const { clock, sessions, open, ended } = setup(120_000);
    const token = open();
    clock.advance(119_000);
    expect(sessions.require(token, screen, 'a')).toMatchObject({ ok: true });
    clock.advance(119_000);
    expect(sessions.require(token, screen, 'b')).toMatchObject({ ok: true });
    expect(ended).toEqual([]);
    // The timer ends it on its own (the screen is told), not only the next call.
    clock.advance(120_000);
    expect(ended).toEqual([['ws-1', 'idle']]);
    expect(sessions.openCount()).toBe(0);
    expect(sessions.require(token, screen, 'c')).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED', message: expect.stringMatching(/closed/) });
  });

  it('input on the console (touch) keeps it alive without an audit row, only for its own connection', () => {
    const { clock, sessions, open, ended, trail } = setup(120_000);
    const token = open();
    const rowsBefore = trail.rows.length;
    // An admin reading a panel for six minutes, tapping now and then, is not thrown out.
    for (let i = 0; i < 3; i++) {
      clock.advance(110_000);
      expect(sessions.touch(token, screen)).toEqual({ ok: true, idleMs: 120_000 });
    }
    clock.advance(110_000);
    expect(ended).toEqual([]);
    expect(sessions.require(token, screen, 'statistics')).toMatchObject({ ok: true });
    expect(trail.rows.length).toBe(rowsBefore + 1); // the one admin call, no row per touch
    expect(trail.rows.at(-1)).toMatchObject({ action: 'admin-action', detail: { what: 'statistics' } });
    // Another screen presenting the token is refused and does not refresh it.
    expect(sessions.touch(token, other)).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(sessions.touch(undefined, screen)).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    // A changed idle time is what touch answers (the console's hint follows it).
    sessions.reconfigure({ idleMs: 300_000 });
    expect(sessions.touch(token, screen)).toEqual({ ok: true, idleMs: 300_000 });
    // Once idle it ends on its own, and a late touch does not bring it back.
    clock.advance(300_000);
    expect(ended).toEqual([['ws-1', 'idle']]);
    expect(sessions.touch(token, screen)).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    expect(sessions.openCount()).toBe(0);
  });

  it('an expired session stays expired on touch even before its timer fires', () => {
    // A clock whose timers never run (a suspended machine waking past the idle limit).
    let t = Date.UTC(2026, 10, 21, 9, 0, 0);
    const clock = { now: () => t, setTimer: () => 0, clearTimer: () => undefined };
    const trail = new MemoryTrail();
    const ended: string[] = [];
    const sessions = new AdminSessions({ clock, trail, pinGate: new AdminPinGate(record, clock, trail), idleMs: 120_000, onEnd: (_c, why) => ended.push(why) });
    const opened = sessions.open('2468', screen);
    if (!opened.ok) throw new Error(opened.message);
    t += 120_000;
    expect(sessions.touch(opened.token, screen)).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED', message: expect.stringMatching(/inactivity/) });
    expect(ended).toEqual(['idle']);
    expect(sessions.touch(opened.token, screen)).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
  });

  it('close ends it; a second session on the same connection replaces the first; dispose (restart) ends all', () => {
    const { sessions, open, ended } = setup();
    const first = open();
    const second = open();
    expect(ended).toEqual([['ws-1', 'replaced']]);
    expect(sessions.require(first, screen, 'a')).toMatchObject({ ok: false });
    sessions.close(second, other); // another screen cannot close it
    expect(sessions.require(second, screen, 'a')).toMatchObject({ ok: true });
    sessions.close(second, screen);
    expect(sessions.require(second, screen, 'a')).toMatchObject({ ok: false, reason: 'SESSION_REQUIRED' });
    open(other);
    sessions.dispose();
    expect(sessions.openCount()).toBe(0);
  });

  it('revealing personal data asks the PIN again, under the same back-off', () => {
    const { sessions, open, trail } = setup();
    const token = open();
    expect(sessions.reconfirm(token, undefined, screen, 'export-revealed')).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    for (let i = 0; i < 3; i++) expect(sessions.reconfirm(token, '0000', screen, 'export-revealed')).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(sessions.reconfirm(token, '0000', screen, 'export-revealed')).toMatchObject({ ok: false, reason: 'UNAUTHORIZED', retryInMs: 30_000 });
    expect(sessions.reconfirm(token, '2468', screen, 'export-revealed')).toMatchObject({ ok: false, reason: 'PIN_LOCKED' });
    // The lockout also holds for opening a new session.
    expect(sessions.open('2468', screen)).toMatchObject({ ok: false, reason: 'PIN_LOCKED' });
    expect(trail.rows.filter((r) => r.action === 'admin-reconfirmed')).toEqual([]);
  });

  it('every admin action, opening and closing is an audit row naming the screen and never the token', () => {
    const { sessions, open, trail } = setup();
    const token = open();
    sessions.require(token, screen, 'statistics');
    expect(sessions.reconfirm(token, '2468', screen, 'export-revealed')).toMatchObject({ ok: true });
    sessions.close(token, screen);
    expect(trail.rows.map((r) => r.action)).toEqual(['admin-view', 'admin-session-opened', 'admin-action', 'admin-action', 'admin-view', 'admin-reconfirmed', 'admin-session-closed']);
    expect(JSON.stringify(trail.rows)).not.toContain(token);
    expect(JSON.stringify(trail.rows)).not.toContain('2468');
  });

  it('refuses the action when the audit row cannot be written', () => {
    const { sessions, open, trail } = setup();
    const token = open();
    trail.audit = () => {
      throw new Error('disk I/O error');
    };
    expect(sessions.require(token, screen, 'statistics')).toMatchObject({ ok: false, reason: 'STORAGE_UNAVAILABLE' });
  });
});

describe('console roles: the admin PIN and the integrator PIN', () => {
  const integratorRecord = hashAdminPin('97531');
  function roles() {
    const clock = new ManualClock();
    const trail = new MemoryTrail();
    const gate = new AdminPinGate(
      [
        { role: 'admin', record },
        { role: 'integrator', record: integratorRecord },
      ],
      clock,
      trail,
    );
    return { trail, sessions: new AdminSessions({ clock, trail, pinGate: gate, idleMs: 120_000 }) };
  }

  it('each PIN opens a session of its own role; a method refuses the role it does not serve', () => {
    const { sessions, trail } = roles();
    const admin = sessions.open('2468', screen);
    const integrator = sessions.open('97531', other);
    expect(admin).toMatchObject({ ok: true, role: 'admin' });
    expect(integrator).toMatchObject({ ok: true, role: 'integrator' });
    if (!admin.ok || !integrator.ok) throw new Error('not opened');
    // Default: the admin's methods only.
    expect(sessions.require(admin.token, screen, 'export')).toMatchObject({ ok: true });
    expect(sessions.require(integrator.token, other, 'export')).toMatchObject({ ok: false, reason: 'UNAUTHORIZED', message: expect.stringMatching(/needs the admin PIN/) });
    expect(sessions.require(integrator.token, other, 'device-apply', ['integrator'])).toMatchObject({ ok: true, session: { role: 'integrator' } });
    expect(sessions.require(admin.token, screen, 'device-apply', ['integrator'])).toMatchObject({ ok: false, reason: 'UNAUTHORIZED', message: expect.stringMatching(/needs the integrator PIN/) });
    expect(sessions.require(admin.token, screen, 'config-read', ['admin', 'integrator'])).toMatchObject({ ok: true });
    // The refused call writes no action row; the allowed ones name the role.
    expect(trail.rows.filter((r) => r.action === 'admin-action').map((r) => [r.detail.role, r.detail.what])).toEqual([
      ['admin', 'export'],
      ['integrator', 'device-apply'],
      ['admin', 'config-read'],
    ]);
  });

  it('a reveal inside the integrator session is refused, and the admin must re-enter the admin PIN, not the integrator one', () => {
    const { sessions } = roles();
    const admin = sessions.open('2468', screen);
    const integrator = sessions.open('97531', other);
    if (!admin.ok || !integrator.ok) throw new Error('not opened');
    expect(sessions.reconfirm(integrator.token, '97531', other, 'export-unmasked')).toMatchObject({ ok: false, reason: 'UNAUTHORIZED' });
    expect(sessions.reconfirm(admin.token, '97531', screen, 'export-unmasked')).toMatchObject({ ok: false, reason: 'UNAUTHORIZED', message: expect.stringMatching(/admin PIN is asked again/) });
    expect(sessions.reconfirm(admin.token, '2468', screen, 'export-unmasked')).toMatchObject({ ok: true });
  });
});
