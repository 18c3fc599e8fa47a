// A healthy kiosk's heartbeat snapshot for the collector's tests (docs/upload-protocol.md §11): fresh
// lists, its devices connected, disk to spare. `at` is the test's clock (the trust list was issued an
// hour before it); `over` changes what a test is about.
import type { HeartbeatSnapshot } from '../../core/upload/heartbeat.js';

export function sampleSnapshot(at: number, over: Partial<HeartbeatSnapshot> = {}): HeartbeatSnapshot {
  return {
    venueId: 'venue-north',
    softwareVersion: '0.1.0',
    configRevision: 3,
    trustList: { state: 'fresh', seq: 7, issuedAt: at - 3600_000, ageHours: 1 },
    statusList: { state: 'fresh', seq: 42, ageHours: 0.5 },
    devices: [
      { device: 'idcard', configured: true, connected: true, fault: null, lastError: null },
      { device: 'thermometer', configured: true, connected: true, fault: null, lastError: null },
      { device: 'gate', configured: false, connected: false, fault: null, lastError: null },
    ],
    freeDiskBytes: 20 * 1024 ** 3,
    ...over,
  };
}
