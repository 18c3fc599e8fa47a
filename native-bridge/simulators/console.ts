// The simulators' command language, one command a line, shared by `kiosk simulate` (typed or piped
// from a script) and tests: present a card, remove it, set a temperature, send a code, inject noise
// or a corrupt frame, go silent, vanish and come back.
import { randomBytes } from 'node:crypto';
import { DEMO_PEOPLE } from '../../src/core/demo/people.js';
import { parseHexBytes } from '../drivers/scanner-driver.js';
import { IdCardSimulator } from './idcard-sim.js';
import { ThermometerSimulator } from './thermometer-sim.js';
import { ScannerSimulator, type ScannerTerminator } from './scanner-sim.js';
import { GateSimulator } from './gate-sim.js';

export type AnySimulator = IdCardSimulator | ThermometerSimulator | ScannerSimulator | GateSimulator;

export interface ConsoleResult {
  /** One line for the operator: `ok …` or `error: …`. */
  output: string;
  quit?: boolean;
}

const COMMON_HELP = [
  'noise [BYTES]        send random bytes (default 64)',
  'silent on|off        stop / resume answering',
  'vanish [MS]          unplug the device for MS (default 3000) and plug it back in',
  'wait MS              pause (scripts)',
  'status               show the simulator state',
  'quit                 stop the simulator',
];

export function helpFor(sim: AnySimulator): string {
  const own =
    sim instanceof IdCardSimulator
      ? ['present KEY          put a demo person\'s card on the reader', 'remove               take the card away', 'corrupt              break the next reply\'s checksum', 'garble [N]           put N random bytes inside the next reply', 'fail SW3 [N]         answer the next N reads with status SW3 (hex, e.g. 41)', 'people               list the demo people with cards']
      : sim instanceof ThermometerSimulator
        ? ['temp C | temp none   a person at C °C, or nobody (ambient)', 'corrupt              break the next reply', 'exception            answer the next modbus query with an exception']
        : sim instanceof ScannerSimulator
          ? ['send TEXT            send a code (the rest of the line, verbatim)', 'send-raw HEX         send raw bytes', 'terminator crlf|cr|lf|none']
          : ['pulses               list the relay pulses seen'];
  return [...own, ...COMMON_HELP].join('\n');
}

const TERMINATORS: Record<string, ScannerTerminator> = { crlf: '\r\n', cr: '\r', lf: '\n', none: '' };

function status(sim: AnySimulator): string {
  const base = `connected=${sim.connected} silent=${sim.silent}`;
  if (sim instanceof IdCardSimulator) return `${base} card=${sim.presented ?? 'none'}`;
  if (sim instanceof ThermometerSimulator) return `${base} temperature=${sim.temperature ?? 'ambient'}`;
  if (sim instanceof GateSimulator) return `${base} pulses=${sim.pulses.length}`;
  return base;
}

/** Runs one command line against a simulator. Never throws: a bad command is an `error:` line. */
export async function runConsoleCommand(sim: AnySimulator, line: string): Promise<ConsoleResult> {
  // Only the line ending is removed: `send` passes the rest of the line through untouched.
  const raw = line.replace(/\r?\n$/, '');
  const match = /^\s*(\S+)(?: (.*))?$/.exec(raw);
  if (!match || raw.trimStart().startsWith('#')) return { output: '' };
  const command = match[1]!.toLowerCase();
  const rest = match[2] ?? '';
  const arg = rest.trim();
  try {
    switch (command) {
      case 'help':
        return { output: helpFor(sim) };
      case 'quit':
      case 'exit':
        return { output: 'ok bye', quit: true };
      case 'status':
        return { output: `ok ${status(sim)}` };
      case 'wait': {
        const ms = Number(arg);
        if (!Number.isFinite(ms) || ms < 0) return { output: 'error: wait needs milliseconds' };
        await new Promise((r) => setTimeout(r, ms));
        return { output: 'ok' };
      }
      case 'noise': {
        const n = arg ? Number(arg) : 64;
        if (!Number.isInteger(n) || n < 1 || n > 1 << 20) return { output: 'error: noise takes a byte count from 1 to 1048576' };
        await sim.noise(n);
        return { output: `ok sent ${n} noise bytes` };
      }
      case 'silent':
        if (arg !== 'on' && arg !== 'off') return { output: 'error: silent on|off' };
        sim.silent = arg === 'on';
        return { output: `ok silent ${arg}` };
      case 'vanish': {
        const ms = arg ? Number(arg) : 3000;
        if (!Number.isFinite(ms) || ms < 0) return { output: 'error: vanish needs milliseconds' };
        await sim.vanish(ms);
        return { output: 'ok back' };
      }
    }
    if (sim instanceof IdCardSimulator) return idcardCommand(sim, command, arg);
    if (sim instanceof ThermometerSimulator) return thermometerCommand(sim, command, arg);
    if (sim instanceof ScannerSimulator) return await scannerCommand(sim, command, rest);
    return gateCommand(sim, command);
  } catch (err) {
    return { output: `error: ${(err as Error).message}` };
  }
}

function idcardCommand(sim: IdCardSimulator, command: string, arg: string): ConsoleResult {
  switch (command) {
    case 'present':
      sim.present(arg);
      return { output: `ok card ${arg} on the reader` };
    case 'remove':
      sim.remove();
      return { output: 'ok card removed' };
    case 'corrupt':
      sim.corruptNext = true;
      return { output: 'ok next reply corrupt' };
    case 'garble': {
      const n = arg ? Number(arg) : 16;
      if (!Number.isInteger(n) || n < 1 || n > 4096) return { output: 'error: garble takes a byte count from 1 to 4096' };
      sim.garbageInsideNext = randomBytes(n);
      return { output: `ok next reply carries ${n} garbage bytes inside` };
    }
    case 'fail': {
      const [code = '', times = '1'] = arg.split(/\s+/);
      const sw3 = /^(0x)?[0-9a-f]{2}$/i.test(code) ? parseInt(code.replace(/^0x/i, ''), 16) : NaN;
      const count = Number(times);
      if (Number.isNaN(sw3) || !Number.isInteger(count) || count < 1) return { output: 'error: fail takes one hex byte and a count, e.g. fail 41 3' };
      sim.failNextReads(sw3, count);
      return { output: `ok next ${count} read(s) answer SW3 ${code}` };
    }
    case 'people':
      // Keys and card types only: the names and numbers stay in the fixtures.
      return { output: DEMO_PEOPLE.filter((p) => p.cardType !== null).map((p) => `${p.key} (${p.docType}, type '${p.cardType}')`).join('\n') };
  }
  return unknown(command);
}

function thermometerCommand(sim: ThermometerSimulator, command: string, arg: string): ConsoleResult {
  switch (command) {
    case 'temp':
    case 'temperature': {
      if (arg === 'none' || arg === 'ambient') {
        sim.temperature = null;
        return { output: 'ok nobody in front of the sensor' };
      }
      const c = Number(arg);
      if (arg === '' || !Number.isFinite(c) || c < -40 || c > 120) return { output: 'error: temp takes °C between -40 and 120, or none' };
      sim.temperature = c;
      return { output: `ok ${c} °C` };
    }
    case 'corrupt':
      sim.corruptNext = true;
      return { output: 'ok next reply corrupt' };
    case 'exception':
      sim.exceptionNext = true;
      return { output: 'ok next reply is a modbus exception' };
  }
  return unknown(command);
}

async function scannerCommand(sim: ScannerSimulator, command: string, rest: string): Promise<ConsoleResult> {
  switch (command) {
    case 'send':
      if (rest === '') return { output: 'error: send needs the text of a code' };
      await sim.send(rest);
      return { output: `ok sent ${rest.length} characters` };
    case 'send-raw': {
      const bytes = parseHexBytes(rest);
      if (!bytes || bytes.length === 0) return { output: 'error: send-raw takes hex bytes' };
      await sim.sendRaw(bytes);
      return { output: `ok sent ${bytes.length} bytes` };
    }
    case 'terminator': {
      const t = TERMINATORS[rest.trim().toLowerCase()];
      if (t === undefined) return { output: 'error: terminator crlf|cr|lf|none' };
      sim.terminator = t;
      return { output: `ok terminator ${rest.trim()}` };
    }
  }
  return unknown(command);
}

function gateCommand(sim: GateSimulator, command: string): ConsoleResult {
  if (command === 'pulses') return { output: sim.pulses.length ? sim.pulses.map((p) => `relay ${p.relay} ${p.ms} ms`).join('\n') : 'ok no pulses yet' };
  return unknown(command);
}

function unknown(command: string): ConsoleResult {
  return { output: `error: unknown command "${command}" (try help)` };
}
