// What a driver reports to: device events, its health tracker, and the frame log (FrameLogEntry in
// src/core/devices/types.ts). The manager builds the log entry (time, device, hex) so a driver only
// says which way the bytes went and what they meant.
import type { DeviceReason } from '../../src/contract/reasons.js';
import type { DeviceEvent } from '../../src/core/devices/types.js';
import type { Clock } from '../serial/clock.js';
import type { HealthTracker } from './health.js';

export interface FrameRecorder {
  /**
   * One frame: `bytes` are shown as hex (capped), `totalBytes` when only a prefix is passed (an ID card
   * read reply: personal data is never handed to the log), `error` when it failed or never came.
   */
  (dir: 'tx' | 'rx', bytes: Uint8Array | null, meaning: string, error?: DeviceReason | null, totalBytes?: number): void;
}

export interface DriverSink {
  emit(event: DeviceEvent): void;
  health: HealthTracker;
  /** The frame log; absent: nobody keeps one. */
  frame?: FrameRecorder;
}

export interface DriverOptions {
  /** Timers and timestamps (default the system clock); unit tests pass a ManualClock. */
  clock?: Clock;
}

/** Bytes shown in a log entry at most; the rest is counted. */
export const FRAME_HEX_LIMIT = 96;

const HEX_BYTE = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

/** Spaced upper-case hex of at most FRAME_HEX_LIMIT bytes, then "…(N bytes)" when there were more. */
export function hexOf(bytes: Uint8Array | null, totalBytes = bytes?.length ?? 0): string {
  if (!bytes || bytes.length === 0) return totalBytes ? `…(${totalBytes} bytes)` : '';
  const shown = Math.min(bytes.length, FRAME_HEX_LIMIT);
  let out = HEX_BYTE[bytes[0]!]!;
  for (let i = 1; i < shown; i++) out += ' ' + HEX_BYTE[bytes[i]!]!;
  return totalBytes > shown ? `${out} …(${totalBytes} bytes)` : out;
}

/** Plain words for a reason in a frame's meaning. */
export function errorWords(reason: DeviceReason, bytes: number): string {
  switch (reason) {
    case 'FRAME_CHECKSUM':
      return 'checksum error';
    case 'FRAME_LENGTH':
      return 'length error';
    case 'FRAME_NOISE':
      return `garbage skipped (${bytes} byte${bytes === 1 ? '' : 's'})`;
    case 'THERMO_MODBUS_EXCEPTION':
      return 'Modbus exception reply';
    case 'THERMO_UNPARSEABLE':
      return 'reply is not a temperature';
    default:
      return reason;
  }
}
