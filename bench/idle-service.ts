// The idle scripted kiosk core that the browser-side benchmarks (first-paint, preview) serve the
// guard page from: a fresh status with nothing attached and no codes, so what they measure is the
// page's own work. Each benchmark passes its camera setting and any methods it serves besides.
import { IDLE_PASSAGE, fail, ok, type CameraConfig, type KioskService, type KioskStatus } from '../src/contract/api.js';
import { serviceWith } from '../src/contract/service-with.js';

export function idleService(camera: CameraConfig, more: Partial<KioskService> = {}): KioskService {
  const now = Date.now();
  const status: KioskStatus = {
    kioskId: 'bench',
    version: 'bench',
    demo: false,
    language: 'zh-CN',
    passage: { ...IDLE_PASSAGE, at: now },
    devices: [],
    connectivity: { online: true, uploadsPending: 0, lastUploadAt: null },
    trustList: { state: 'fresh', seq: 1, issuedAt: now, nextUpdateAt: now + 86_400_000 },
    statusList: { state: 'fresh', seq: 1, issuedAt: now, nextUpdateAt: now + 86_400_000 },
    clock: { warning: false, now, newestSeenAt: now },
    storage: { writable: true, reason: null },
  };
  return serviceWith({
    getStatus: async () => ok(status),
    submitScan: async () => fail('BAD_REQUEST', 'no codes in this benchmark'),
    setLanguage: async (r) => ok({ language: r.language }),
    getRendererConfig: async () => ok({ camera, language: 'zh-CN', sounds: false, kioskName: 'bench' }),
    reportCamera: async () => ok({}),
    subscribe: () => () => {},
    ...more,
  });
}
