// A scripted KioskService for the screen-and-host e2e tests: it answers the way the core would
// (passage events after a scan, a review that waits for the guard) so the renderer, the camera path
// and the browser host can be tested in Chromium on their own. The passage journeys with the real
// core (codes, policy, store, devices) use the real composition instead.
import {
  DEFAULT_CAMERA_CONFIG,
  IDLE_PASSAGE,
  fail,
  ok,
  type KioskEvent,
  type KioskService,
  type KioskStatus,
  type PassageView,
} from '../../src/contract/api.js';
import { serviceWith } from '../../src/contract/service-with.js';

const SCRIPTED_ADMIN_SESSION = 'scripted-admin-session-0001';

export interface ScriptedService {
  service: KioskService;
  scans: string[];
  reviews: { passageId: string; verdict: string }[];
  emit(event: KioskEvent): void;
  status: KioskStatus;
}

/** `respond`: what passage view to show for a scanned text (shown immediately, like a fast core). */
/** `guardPin`: guards are configured, and a verdict needs this PIN (as the core's guard gate asks). */
export function scriptedService(
  respond: (text: string, passageId: string) => PassageView,
  statusPatch: Partial<KioskStatus> = {},
  options: { guardPin?: string } = {},
): ScriptedService {
  const listeners = new Set<(e: KioskEvent) => void>();
  const scans: string[] = [];
  const reviews: { passageId: string; verdict: string }[] = [];
  let current: PassageView = { ...IDLE_PASSAGE, at: Date.now() };
  const now = Date.now();
  const status: KioskStatus = {
    kioskId: 'e2e',
    version: 'test',
    demo: true,
    language: 'zh-CN',
    passage: current,
    devices: [
      { id: 'camera', kind: 'camera', state: 'offline', reason: null, detail: null, simulated: false },
      { id: 'reader', kind: 'cardReader', state: 'ok', reason: null, detail: '/dev/pts/9', simulated: true },
      { id: 'thermo', kind: 'thermometer', state: 'offline', reason: 'PORT_UNAVAILABLE', detail: null, simulated: true },
    ],
    connectivity: { online: false, uploadsPending: 3, lastUploadAt: null },
    trustList: { state: 'fresh', seq: 7, issuedAt: now - 3 * 86_400_000, nextUpdateAt: now + 4 * 86_400_000 },
    statusList: { state: 'fresh', seq: 3, issuedAt: now - 3_600_000, nextUpdateAt: now + 86_400_000 },
    clock: { warning: false, now, newestSeenAt: now },
    storage: { writable: true, reason: null },
    ...statusPatch,
  };
  const emit = (event: KioskEvent) => listeners.forEach((l) => l(event));
  let n = 0;
  const service: KioskService = serviceWith({
    async getStatus() {
      return ok({ ...status, passage: current });
    },
    async submitScan(request) {
      scans.push(request.text);
      const passageId = `p-${++n}`;
      current = respond(request.text, passageId);
      emit({ type: 'passage', passage: current });
      return ok({ passageId, duplicate: false });
    },
    async guardReview(request) {
      if (current.passageId !== request.passageId || !current.awaitingGuard) return fail('BAD_REQUEST', 'no such review');
      if (options.guardPin !== undefined && request.guardPin !== options.guardPin) return fail('UNAUTHORIZED', 'a guard PIN is required for a verdict');
      reviews.push(request);
      current = { ...current, awaitingGuard: false, guardVerdict: request.verdict, at: Date.now() };
      emit({ type: 'passage', passage: current });
      return ok(current);
    },
    async openAdminSession(request) {
      if (request.pin !== '1234') return fail('UNAUTHORIZED', 'wrong PIN');
      return ok({ session: SCRIPTED_ADMIN_SESSION, idleMs: 120_000, role: 'admin' });
    },
    async closeAdminSession() {
      return ok({});
    },
    async getTodayFigures(request) {
      if (request.session !== SCRIPTED_ADMIN_SESSION) return fail('SESSION_REQUIRED', 'no admin session');
      return ok({ day: '2026-11-22', total: 5, admitted: 3, denied: 2, reviewed: 1, byReason: [{ reason: 'STATUS_RED', count: 2 }], uploadsPending: 3 });
    },
    async setLanguage(request) {
      status.language = request.language;
      emit({ type: 'language', language: request.language });
      return ok({ language: request.language });
    },
    async getRendererConfig() {
      return ok({ camera: DEFAULT_CAMERA_CONFIG, language: status.language, sounds: true, kioskName: 'E2E 1号通道', guardPinRequired: options.guardPin !== undefined });
    },
    async reportCamera(request) {
      status.devices = status.devices.map((d) => (d.kind === 'camera' ? { ...d, state: request.state, detail: request.detail } : d));
      emit({ type: 'devices', devices: status.devices });
      return ok({});
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
  return { service, scans, reviews, emit, status };
}

export function shownPassage(passageId: string, patch: Partial<PassageView>): PassageView {
  return {
    ...IDLE_PASSAGE,
    passageId,
    state: 'shown',
    collected: { code: true, card: false, temperature: true },
    method: 'code',
    maskedName: '张*',
    maskedDocumentNumber: '3301**********1234',
    provinceCode: '330000',
    temperatureC: 36.5,
    resetInMs: 5000,
    entryId: 1,
    at: Date.now(),
    ...patch,
  };
}
