// Serial scanner and gate relay over real ptys against their simulators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScannerSimulator } from '../simulators/scanner-sim.js';
import { GateSimulator } from '../simulators/gate-sim.js';
import { GROW_ACK } from '../scanner/framer.js';
import { errorsOf, startRig, until, type Rig } from '../testing/rig.js';

const CODE = 'PHC1:NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IUKRG*%R3 $%*+-./:  ';

describe('serial scanner over a pty', () => {
  let rig: Rig<ScannerSimulator>;
  beforeAll(async () => {
    rig = await startRig(
      'scanner',
      (pair) => new ScannerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair, ack: 'grow', codeOnTrigger: 'TRIGGERED' }),
      (port) => ({ scanner: { port, baudRate: 9600, idleGapMs: 50, maxLength: 512, triggerHex: '7E 00 08 01 00 02 01 AB CD' } }),
    );
  });
  afterAll(async () => {
    await rig?.stop();
  });

  for (const [label, terminator] of [['CRLF', '\r\n'], ['CR', '\r'], ['LF', '\n'], ['nothing (idle gap)', '']] as const) {
    it(`delivers the text byte for byte when it ends with ${label}`, async () => {
      const text = rig.next('scanner-text');
      await rig.sim.send(CODE, terminator);
      expect((await text).text).toBe(CODE);
    });
  }

  it('does not mistake the trigger acknowledgement for a code', async () => {
    const text = rig.next('scanner-text');
    expect(await rig.manager.scanner!.trigger()).toBe(true);
    expect((await text).text).toBe('TRIGGERED');
    expect(rig.manager.scanner!.acks).toBeGreaterThan(0);
    expect(rig.events.filter((e) => e.type === 'scanner-text').map((e) => (e as { text: string }).text)).not.toContain(GROW_ACK.toString('latin1'));
  });

  it('drops an overlong run and reads the next code', async () => {
    const text = rig.next('scanner-text', (e) => e.text === 'AFTER');
    await rig.sim.sendRaw(Buffer.alloc(2000, 0x41));
    // The next scan comes after a pause (a person presents another code): the idle gap ends the run.
    await new Promise((r) => setTimeout(r, 150));
    await rig.sim.send('AFTER');
    await text;
    expect(errorsOf(rig.health(), 'SCANNER_OVERLONG')).toBeGreaterThan(0);
    expect(rig.manager.scanner!.peakBuffered).toBeLessThanOrEqual(512);
  });

  it('survives unplug and replug', async () => {
    const down = rig.next('health', (e) => !e.health.connected);
    const vanish = rig.sim.vanish(600);
    await down;
    await vanish;
    await rig.next('health', (e) => e.health.connected);
    await until(() => rig.sim.connected, 'the simulator to reopen');
    const text = rig.next('scanner-text');
    await rig.sim.send(CODE);
    expect((await text).text).toBe(CODE);
  });
});

// Its own rig: a scanner whose idle gap (a minute) no scheduling stall on a loaded machine can reach,
// so the code can only end at its CR LF, and a split code can only come from the framer itself.
describe('serial scanner over a pty, one byte per read', () => {
  let rig: Rig<ScannerSimulator>;
  beforeAll(async () => {
    rig = await startRig(
      'scanner',
      (pair) => new ScannerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair }),
      (port) => ({ scanner: { port, baudRate: 9600, idleGapMs: 60_000, maxLength: 512 } }),
    );
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('joins a code that arrives one byte per read into one text', async () => {
    let reads = 0;
    const stopCounting = rig.manager.linkOf('scanner')!.listen({ onData: () => void reads++ });
    rig.sim.maxChunk = 1;
    try {
      const text = rig.next('scanner-text');
      await rig.sim.send(CODE, '\r\n');
      expect((await text).text).toBe(CODE);
    } finally {
      rig.sim.maxChunk = Infinity;
      stopCounting();
    }
    // The bytes really did arrive in many reads (else this would test nothing), and made one code.
    expect(reads).toBeGreaterThan(CODE.length / 2);
    expect(rig.events.filter((e) => e.type === 'scanner-text')).toHaveLength(1);
  });
});

describe('gate relay over a pty', () => {
  let rig: Rig<GateSimulator>;
  beforeAll(async () => {
    rig = await startRig(
      'gate',
      (pair) => new GateSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair }),
      (port) => ({ gate: { driver: 'lcus', port, relay: 2, pulseMs: 80 } }),
    );
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('pulses the configured relay: closed, then open again', async () => {
    expect(await rig.manager.pulseGate()).toEqual({ ok: true, driver: 'lcus', relay: 2, ms: 80 });
    await until(() => rig.sim.pulses.length === 1, 'the pulse to reach the board');
    expect(rig.sim.commands).toEqual([
      { relay: 2, on: true },
      { relay: 2, on: false },
    ]);
    expect(rig.sim.isClosed(2)).toBe(false);
  });

  it('queues pulses one after another', async () => {
    const results = await Promise.all([rig.manager.pulseGate({ relay: 1, ms: 30 }), rig.manager.pulseGate({ relay: 1, ms: 30 })]);
    expect(results.every((r) => r.ok)).toBe(true);
    await until(() => rig.sim.pulses.length === 3, 'both pulses');
    expect(rig.sim.commands.slice(2).map((c) => c.on)).toEqual([true, false, true, false]);
  });

  it('reports GATE_UNAVAILABLE while unplugged and pulses again after replug', async () => {
    const down = rig.next('health', (e) => !e.health.connected);
    const vanish = rig.sim.vanish(600);
    await down;
    expect(await rig.manager.pulseGate()).toEqual({ ok: false, reason: 'GATE_UNAVAILABLE' });
    await vanish;
    await rig.next('health', (e) => e.health.connected);
    await until(() => rig.sim.connected, 'the board to reopen');
    expect((await rig.manager.pulseGate({ ms: 20 })).ok).toBe(true);
    await until(() => rig.sim.pulses.length === 4, 'the pulse after replug');
  });
});
