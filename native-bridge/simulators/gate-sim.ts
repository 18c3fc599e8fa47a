// An LCUS-type relay board on the far end of a pty (devices spec §4): records each relay closing and
// opening as a pulse. Boards send no reply, so neither does this.
import { performance } from 'node:perf_hooks';
import type { GatePulseRecord } from '../../src/core/devices/types.js';
import { RelayCommandParser } from '../gate/codec.js';
import { SimulatorBase, type SimulatorOptions } from './base.js';

export class GateSimulator extends SimulatorBase {
  readonly pulses: GatePulseRecord[] = [];
  /** Relay contacts currently closed, with when they closed (performance.now()). */
  private readonly closedAt = new Map<number, number>();
  /** Every command received, in order (tests). */
  readonly commands: Array<{ relay: number; on: boolean }> = [];
  private readonly parser = new RelayCommandParser({ onCommand: (cmd) => this.onCommand(cmd) });
  private readonly pulseListeners = new Set<(p: GatePulseRecord) => void>();

  constructor(options: SimulatorOptions) {
    super(options);
  }

  isClosed(relay: number): boolean {
    return this.closedAt.has(relay);
  }

  onPulse(listener: (p: GatePulseRecord) => void): () => void {
    this.pulseListeners.add(listener);
    return () => this.pulseListeners.delete(listener);
  }

  protected onBytes(bytes: Buffer): void {
    this.parser.push(bytes);
  }

  private onCommand(cmd: { relay: number; on: boolean }): void {
    this.commands.push(cmd);
    const now = performance.now();
    if (cmd.on) {
      if (!this.closedAt.has(cmd.relay)) this.closedAt.set(cmd.relay, now);
      return;
    }
    const onAt = this.closedAt.get(cmd.relay);
    if (onAt === undefined) return;
    this.closedAt.delete(cmd.relay);
    const pulse: GatePulseRecord = { relay: cmd.relay, onAt: Math.round(Date.now() - (now - onAt)), offAt: Date.now(), ms: Math.round(now - onAt) };
    this.pulses.push(pulse);
    for (const l of this.pulseListeners) l(pulse);
  }
}
