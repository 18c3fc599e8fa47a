// A thermometer change tried on the same port while people pass: the old driver lets go of the port
// for up to the proof time, and a passage made meanwhile is decided at once, not after the proof
// (docs/door-passage.md: the passage does not wait for a device that is not working). The real
// device manager on in-memory lines and the real kiosk service, one manual clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { CallContext, KioskEvent } from '../src/contract/api.js';
import { ListCache } from '../src/core/codes/list-cache.js';
import { issueDemoCode, makeDemoPki } from '../src/core/codes/pki.js';
import { kioskConfigSchema } from '../src/core/config/config.js';
import { ManualClock } from '../src/core/checkpoint/clock.js';
import { createCheckpointService } from '../src/core/checkpoint/service.js';
import { T0, person } from '../src/core/checkpoint/test-support.js';
import { EntryStore } from '../src/core/store/entry-store.js';
import { DeviceManager } from './manager.js';
import { MemoryLinkPair } from './serial/memory-link.js';
import { playThermometer, runFor } from './testing/memory-devices.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const THERMO = '/dev/mem-thermo';
const MODBUS = { name: 'modbus-rtu' } as const;
const ctx: CallContext = { host: 'browser', clientId: 'ws-1' };

it('a passage made while a thermometer change is proven on the same port is decided at once', async () => {
  const pki = makeDemoPki({ seed: 'apply-during-passage', now: Math.floor(T0 / 1000) });
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-apply-passage-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock(T0);
  const pair = new MemoryLinkPair({ clock, path: THERMO, deviceBaudRate: 9600 });
  const head = playThermometer(pair, { ...MODBUS, address: 1, function: 3, register: 0, count: 1, valueIndex: 0, scale: 0.1, signed: true });
  head.temperature = 36.6;
  const manager = new DeviceManager({ thermometer: { port: THERMO, baudRate: 9600, protocol: MODBUS } }, { clock, openLink: (_kind, _path, baud) => pair.hostAt(baud) });
  const lists = new ListCache(dir, pki.roots).load();
  lists.installTrust(pki.trustListJws);
  lists.installStatus(pki.statusListJws);
  const store = EntryStore.open(dir);
  const logs: string[] = [];
  const cp = createCheckpointService({ config: kioskConfigSchema.parse({ kioskId: 'kiosk-7', roots: pki.roots }), store, lists, devices: manager, clock, log: (l) => logs.push(l) });
  cleanups.push(() => store.close());
  cleanups.push(() => cp.close());
  const events: KioskEvent[] = [];
  cp.service.subscribe((e) => events.push(e));
  await manager.start();
  cleanups.push(() => manager.stop());
  await runFor(clock, 1000);
  const thermo = () => manager.health().find((h) => h.device === 'thermometer')!;
  expect(thermo()).toMatchObject({ connected: true, fault: null });

  // Settings the head does not answer (it speaks Modbus): the proof runs its full 3 s, then fails.
  let applied: unknown = null;
  void manager.applyDevice('thermometer', { port: THERMO, baudRate: 9600, protocol: { name: 'lu90614' } }, { proveWithinMs: 3000 }).then((r) => (applied = r));
  await runFor(clock, 1000);
  expect(applied).toBeNull();
  expect(thermo()).toMatchObject({ connected: false, fault: 'PORT_UNAVAILABLE' });
  expect(thermo().detail).toContain('paused while new settings are tried');

  const at = clock.now();
  await cp.service.submitScan({ text: issueDemoCode(pki.provinces, person('zhangsan'), Math.floor(at / 1000)), source: 'camera' }, ctx);
  await cp.flow.settled();
  const last = events.flatMap((e) => (e.type === 'passage' ? [e.passage] : [])).pop()!;
  // Decided with no reading and no time passed: a fitted thermometer that is not working sends it to the guard.
  expect(last).toMatchObject({ state: 'shown', reason: 'TEMPERATURE_MISSING' });
  expect(clock.now()).toBe(at);

  await runFor(clock, 3000);
  expect(applied).toMatchObject({ ok: false, reason: 'FRAME_TIMEOUT' });
  await runFor(clock, 1000);
  // The old settings run again and the thermometer is back.
  expect(thermo()).toMatchObject({ connected: true, fault: null });
  expect(logs.some((l) => l.startsWith('device thermometer offline (PORT_UNAVAILABLE): port /dev/mem-thermo paused'))).toBe(true);
});
