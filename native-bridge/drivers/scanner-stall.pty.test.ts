// A stall of the kiosk itself is not silence on the line (devices spec §3 frames a code by its idle
// gap). When the kiosk's event loop is blocked while a code is crossing the wire, the idle timer fires
// late, after the stall; the gap it "saw" was never observed, and the code must not be cut in two.
// Here the simulator shares the kiosk's event loop, as in the demo, so a stall delays the rest of the
// code as well: the harshest case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScannerSimulator } from '../simulators/scanner-sim.js';
import { startRig, until, type Rig } from '../testing/rig.js';

const CODE = 'PHC1:' + 'NCFOXN%TS3DH3ZSUZK+.V0ETD%65NL-AH-R6IOO6+IUKRG*%R3 $%*+-./:'.repeat(6);

/** Blocks the event loop, as a busy kiosk (a long synchronous step) would. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* busy */
  }
}

describe('serial scanner: a stalled kiosk does not split a code', () => {
  let rig: Rig<ScannerSimulator>;
  beforeAll(async () => {
    rig = await startRig(
      'scanner',
      (pair) => new ScannerSimulator({ devicePath: pair.devicePath, baudRate: 9600, pair }),
      (port) => ({ scanner: { port, baudRate: 9600, idleGapMs: 50, maxLength: 1024 } }),
    );
  });
  afterAll(async () => {
    await rig?.stop();
  });

  it('a code that ends with an idle gap arrives whole across 5 stalls in the middle of it', async () => {
    for (let round = 0; round < 5; round++) {
      const before = rig.events.filter((e) => e.type === 'scanner-text').length;
      const sent = rig.sim.send(CODE, '');
      // At 9600 baud the code takes about 360 ms on the wire: stall once it is under way.
      await new Promise((r) => setTimeout(r, 80 + round * 30));
      stall(250);
      await sent;
      await until(() => rig.events.filter((e) => e.type === 'scanner-text').length > before, 'the code');
      await new Promise((r) => setTimeout(r, 300));
      const texts = rig.events.filter((e) => e.type === 'scanner-text').slice(before).map((e) => (e as { text: string }).text);
      expect(texts.map((t) => t.length)).toEqual([CODE.length]);
      expect(texts[0]).toBe(CODE);
    }
  });
});
