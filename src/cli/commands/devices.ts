// `kiosk devices …`: the integrator's tools for the peripherals (devices spec §1–4).
//   list                                   serial ports on this machine ("no ports found" without udevadm)
//   test idcard|thermometer|scanner|gate   drive one device on --port once and print what it did
//   decode idcard|scanner|thermometer:PROTOCOL HEX   decode captured bytes into one JSON object
// Card data is personal: names, numbers and addresses are masked unless --unmasked (an admin asks).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { DeviceReason } from '../../contract/reasons.js';
import { ThermometerProtocolSchema, type DevicesConfig, type ThermometerProtocol } from '../../core/devices/config.js';
import type { DecodedCard, TemperatureReading } from '../../core/devices/types.js';
import { maskDocumentNumber, maskName } from '../../core/codes/id-number.js';
import { listPorts } from '../../../native-bridge/ports.js';
import { DeviceManager } from '../../../native-bridge/manager.js';
import { parseFrames, toResponse, sw3Reason, SW3, COMMANDS } from '../../../native-bridge/idcard/frame.js';
import { decodeReadResponse } from '../../../native-bridge/idcard/read-response.js';
import { decodeCard } from '../../../native-bridge/drivers/idcard-driver.js';
import { parseHexBytes } from '../../../native-bridge/drivers/scanner-driver.js';
import { frameScannerBytes } from '../../../native-bridge/scanner/framer.js';
import { createThermometerCodec } from '../../../native-bridge/thermometer/codec.js';
import { classifyReading } from '../../../native-bridge/drivers/thermometer-driver.js';
import { CliError, dataDirOf, existingDataDirOf, printJson, withDataDir, type CommandIo } from '../program.js';
import { configPath, loadConfig } from '../../core/config/config.js';
import type { RegisterCommand } from './index.js';

export interface ThermometerOptions {
  protocol?: string;
  address?: string;
  function?: string;
  register?: string;
  count?: string;
  valueIndex?: string;
  scale?: string;
  unsigned?: boolean;
  query?: string;
  mode?: string;
}

/** Adds the thermometer protocol options (devices spec §2: every setting configurable). */
export function withThermometerOptions(cmd: Command): Command {
  return cmd
    .option('--protocol <name>', 'thermometer protocol: modbus-rtu (default), gy-mcu90614, lu90614, ascii-line')
    .option('--address <n>', 'modbus-rtu: slave address', '1')
    .option('--function <n>', 'modbus-rtu: 3 (holding) or 4 (input registers)', '3')
    .option('--register <n>', 'modbus-rtu: first register', '0')
    .option('--count <n>', 'modbus-rtu: registers read', '1')
    .option('--value-index <n>', 'modbus-rtu: which returned register holds the temperature', '0')
    .option('--scale <x>', 'modbus-rtu: °C per count (0.1 or 0.01)', '0.1')
    .option('--unsigned', 'modbus-rtu: the register is unsigned')
    .option('--query <text>', 'ascii-line: text sent to ask for a reading (default: the module streams)')
    .option('--mode <mode>', 'gy-mcu90614: query (ask each poll) or continuous (ask once, then listen)');
}

export function thermometerProtocolOf(opts: ThermometerOptions, name = opts.protocol ?? 'modbus-rtu'): ThermometerProtocol {
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const candidate =
    name === 'modbus-rtu'
      ? { name, address: num(opts.address), function: num(opts.function), register: num(opts.register), count: num(opts.count), valueIndex: num(opts.valueIndex), scale: num(opts.scale), signed: !opts.unsigned }
      : name === 'ascii-line'
        ? { name, query: opts.query ?? null }
        : name === 'gy-mcu90614'
          ? { name, mode: opts.mode }
          : { name };
  const parsed = ThermometerProtocolSchema.safeParse(candidate);
  if (!parsed.success) throw new CliError('BAD_REQUEST', `thermometer protocol "${name}": ${parsed.error.issues.map((i) => `${i.path.join('.') || 'name'} ${i.message}`).join('; ')}`);
  if (parsed.data.name === 'modbus-rtu' && parsed.data.valueIndex >= parsed.data.count) throw new CliError('BAD_REQUEST', '--value-index must be less than --count');
  return parsed.data;
}

/** A card as the CLI prints it: masked unless an admin asks, the photo summarised. */
const CARD_FIELD_ORDER: ReadonlyArray<keyof DecodedCard> = [
  'docType', 'cardType', 'name', 'nameEn', 'sex', 'ethnicGroup', 'birthDate', 'address', 'idNumber', 'authority',
  'validFrom', 'validTo', 'passNumber', 'issueCount', 'nationality', 'cardVersion', 'authorityCode',
];

export function cardForDisplay(card: DecodedCard, unmasked: boolean): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const key of CARD_FIELD_ORDER) shown[key] = card[key];
  shown.photo = { format: card.photo.format, bytes: card.photo.bytes.length, decoded: card.photo.decoded !== null };
  if (!unmasked) {
    shown.name = maskName(card.name);
    if (card.nameEn) shown.nameEn = maskName(card.nameEn);
    shown.idNumber = maskDocumentNumber(card.idNumber, card.docType);
    if (card.address) shown.address = '(masked)';
    if (card.passNumber) shown.passNumber = maskDocumentNumber(card.passNumber);
    shown.birthDate = `${card.birthDate.slice(0, 4)}-**-**`;
    shown.masked = true;
  }
  return shown;
}

function hexOrFail(hex: string): Buffer {
  const bytes = parseHexBytes(hex);
  if (!bytes || bytes.length === 0) throw new CliError('HEX_INVALID', 'expected hex bytes, e.g. "AA AA AA 96 69 00 04 00 00 80 84"');
  return bytes;
}

const COMMAND_BY_BYTES = new Map(Object.entries(COMMANDS).map(([name, [cmd, para]]) => [`${cmd}:${para}`, name]));

async function decodeIdCard(bytes: Buffer, unmasked: boolean): Promise<object> {
  const { frames, discarded, leftover } = parseFrames(bytes);
  if (frames.length === 0) {
    const reason = discarded.find((d) => d.reason !== 'FRAME_NOISE')?.reason ?? (leftover > 0 ? 'FRAME_LENGTH' : 'FRAME_NOISE');
    throw new CliError(reason, leftover > 0 ? `no complete frame: ${leftover} bytes of an unfinished frame` : 'no valid frame in the bytes');
  }
  const decoded = [];
  for (const body of frames) {
    // LEN 3 is a host command (CMD PARA); the reader's replies carry SW1 SW2 SW3.
    const command = body.length === 2 ? COMMAND_BY_BYTES.get(`${body[0]}:${body[1]}`) : undefined;
    if (body.length === 2) {
      decoded.push({ direction: 'host-to-reader', command: command ?? 'unknown', cmd: body[0], para: body[1] });
      continue;
    }
    const r = toResponse(body)!;
    const status = r.sw3 === SW3.SUCCESS ? 'SUCCESS' : r.sw3 === SW3.FIND_OK ? 'FIND_OK' : sw3Reason(r.sw3);
    const entry: Record<string, unknown> = { direction: 'reader-to-host', sw1: r.sw1, sw2: r.sw2, sw3: r.sw3.toString(16).padStart(2, '0').toUpperCase(), status, dataLength: r.data.length };
    if (r.sw3 === SW3.SUCCESS && r.data.length > 256) {
      // A read reply: 2 length fields (30 01) or 3 (30 10); try the plain one first.
      let blocks = decodeReadResponse(r, false);
      if (!blocks.ok) blocks = decodeReadResponse(r, true);
      if (!blocks.ok) entry.card = { ok: false, reason: blocks.reason };
      else {
        const card = await decodeCard(blocks.blocks);
        entry.card = card.ok ? { ok: true, ...cardForDisplay(card.card, unmasked) } : { ok: false, reason: card.reason, field: card.field ?? null };
      }
    }
    decoded.push(entry);
  }
  return { device: 'idcard', frames: decoded, discarded };
}

/** The flags of the thermometer protocol options (withThermometerOptions) and the protocol key each sets. */
const PROTOCOL_FLAGS: ReadonlyArray<[keyof ThermometerOptions, string]> = [
  ['address', 'address'],
  ['function', 'function'],
  ['register', 'register'],
  ['count', 'count'],
  ['valueIndex', 'valueIndex'],
  ['scale', 'scale'],
  ['unsigned', 'signed'],
  ['query', 'query'],
  ['mode', 'mode'],
];

type Calibration = { minC: number; maxC: number; offsetC: number; gain: number };
const UNCALIBRATED: Calibration = { minC: 30, maxC: 43, offsetC: 0, gain: 1 };

/**
 * The protocol a decode uses. Given a data directory (--data-dir or $KIOSK_DATA_DIR), that kiosk's
 * configured thermometer (config.json `devices.thermometer`) when it speaks this protocol: its
 * settings (a Modbus scale of 0.01, a register) and its calibration, so captured bytes decode as
 * the kiosk reads them; a flag typed on the command line still wins over the file. Otherwise the
 * flags and their defaults.
 */
function decodeProtocolOf(opts: ThermometerOptions & { dataDir?: string }, cmd: Command | undefined, name: string): { protocol: ThermometerProtocol; calibration: Calibration; from: string | null; note?: string } {
  const given = opts.dataDir ?? process.env.KIOSK_DATA_DIR;
  const flags = thermometerProtocolOf(opts, name);
  if (given === undefined || given === '') return { protocol: flags, calibration: UNCALIBRATED, from: null };
  const dataDir = existingDataDirOf({ dataDir: given });
  const configured = configuredDevices(dataDir).thermometer;
  // A data directory given but not used says why, so `"from": null` is not a puzzle.
  if (!configured) return { protocol: flags, calibration: UNCALIBRATED, from: null, note: `no thermometer saved in ${configPath(dataDir)}: decoded with the flags and their defaults, uncalibrated` };
  if (configured.protocol.name !== flags.name) {
    return { protocol: flags, calibration: UNCALIBRATED, from: null, note: `the thermometer saved in ${configPath(dataDir)} speaks ${configured.protocol.name}, not ${flags.name}: decoded with the flags and their defaults, uncalibrated` };
  }
  const typed = (flag: keyof ThermometerOptions) => cmd?.getOptionValueSource(flag) === 'cli';
  const merged: Record<string, unknown> = { ...configured.protocol };
  for (const [flag, key] of PROTOCOL_FLAGS) if (typed(flag) && key in flags) merged[key] = (flags as Record<string, unknown>)[key];
  const parsed = ThermometerProtocolSchema.safeParse(merged);
  if (!parsed.success) throw new CliError('BAD_REQUEST', `thermometer protocol "${name}": ${parsed.error.issues.map((i) => `${i.path.join('.') || 'name'} ${i.message}`).join('; ')}`);
  const { minC, maxC, offsetC, gain } = configured;
  return { protocol: parsed.data, calibration: { minC, maxC, offsetC, gain }, from: configPath(dataDir) };
}

function decodeThermometer(protocol: ThermometerProtocol, bytes: Buffer, calibration: Calibration = UNCALIBRATED, from: string | null = null, note?: string): object {
  const readings: Array<{ sensorC: number; reading: TemperatureReading }> = [];
  const errors: Array<{ reason: DeviceReason; bytes: number }> = [];
  const codec = createThermometerCodec(protocol, {
    onReading: (c) => readings.push({ sensorC: c, reading: classifyReading(calibration, c, 1) }),
    onError: (reason, n) => errors.push({ reason, bytes: n }),
  });
  codec.push(bytes);
  if (protocol.name === 'ascii-line') codec.push(Buffer.from('\n'));
  if (readings.length === 0) {
    const reason = errors.find((e) => e.reason !== 'FRAME_NOISE')?.reason ?? (codec.buffered > 0 ? 'FRAME_LENGTH' : 'FRAME_NOISE');
    throw new CliError(reason, codec.buffered > 0 ? `no complete reply: ${codec.buffered} bytes of an unfinished one` : 'no valid reply in the bytes');
  }
  // The settings decoded with, and where they came from (null: the flags), so a surprising value is explained.
  const settings = { ...protocol, ...(from !== null ? { offsetC: calibration.offsetC, gain: calibration.gain } : {}), from, ...(note ? { note } : {}) };
  return { device: 'thermometer', protocol: protocol.name, settings, readings, errors };
}

async function withManager<T>(
  kind: 'idcard' | 'thermometer' | 'scanner' | 'gate',
  config: ConstructorParameters<typeof DeviceManager>[0],
  timeoutMs: number,
  body: (m: DeviceManager) => Promise<T>,
): Promise<T> {
  const manager = new DeviceManager(config);
  // `devices test` drives the device itself: only the link is started, not the polling loops.
  const link = manager.linkOf(kind)!;
  // A port that is not there is said at once, not after the open timeout (the link retries opening
  // it, as it does for an adapter unplugged at the door).
  try {
    if (!existsSync(link.path)) throw new CliError('PORT_UNAVAILABLE', `port ${link.path} not found`);
    link.start();
    try {
      await link.waitOpen(timeoutMs);
    } catch {
      // The port is there (checked above) but does not open: most often another program holds it.
      throw new CliError('PORT_UNAVAILABLE', `cannot open ${link.path} within ${timeoutMs} ms: is it in use by another program (a running kiosk, a terminal)?`);
    }
    return await body(manager);
  } finally {
    await manager.stop();
  }
}

interface TestOptions extends ThermometerOptions {
  dataDir?: string;
  port?: string;
  baud?: string;
  timeout: string;
  unmasked?: boolean;
  relay?: string;
  ms?: string;
  trigger?: string;
}

/**
 * The `devices` section of the kiosk's config.json (used when --port is not given). The whole
 * document is checked, as at start: an invalid one is CONFIG_INVALID naming the path.
 */
function configuredDevices(dataDir: string): DevicesConfig {
  return loadConfig(dataDir).devices;
}

/** One configured device as `devices list` shows it: fitted or not, port, baud, protocol, whether the port is there. */
function configuredRows(devices: DevicesConfig): Array<{ device: string; fitted: boolean; port: string | null; baudRate: number | null; protocol: string | null; portFound: boolean | null }> {
  const sections = { idcard: devices.idcard, thermometer: devices.thermometer, scanner: devices.scanner, gate: devices.gate.driver === 'lcus' ? devices.gate : null };
  return Object.entries(sections).map(([device, c]) =>
    c === null
      ? { device, fitted: false, port: null, baudRate: null, protocol: null, portFound: null }
      : // existsSync only (a stat): listing never opens a port another program may hold.
        { device, fitted: true, port: c.port, baudRate: c.baudRate, protocol: 'protocol' in c ? c.protocol.name : null, portFound: existsSync(c.port) },
  );
}

async function testDevice(io: CommandIo, device: string, opts: TestOptions): Promise<void> {
  if (!['idcard', 'thermometer', 'scanner', 'gate'].includes(device)) throw new CliError('BAD_REQUEST', `unknown device "${device}": idcard, thermometer, scanner or gate`);
  const timeoutMs = Number(opts.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new CliError('BAD_REQUEST', '--timeout must be milliseconds');
  const baud = opts.baud === undefined ? undefined : Number(opts.baud);
  if (baud !== undefined && !(Number.isInteger(baud) && baud > 0)) throw new CliError('BAD_REQUEST', '--baud must be a positive integer');
  // Without --port, the device as the kiosk's configuration has it; flags given override it.
  const configured = opts.port === undefined ? configuredDevices(dataDirOf(opts)) : null;
  const fromConfig = (configured ? (device === 'gate' ? (configured.gate.driver === 'lcus' ? configured.gate : null) : configured[device as 'idcard' | 'thermometer' | 'scanner']) : null) ?? {};
  const port = opts.port ?? (fromConfig as { port?: string }).port;
  if (!port) throw new CliError('BAD_REQUEST', `no port for ${device}: pass --port, or configure devices.${device} in config.json`);
  const common = { ...fromConfig, port, ...(baud ? { baudRate: baud } : {}) };
  switch (device) {
    case 'idcard':
      return withManager('idcard', { idcard: common }, timeoutMs, async (m) => {
        const result = await m.idcard!.readOnce();
        if (!result.ok) throw new CliError(result.reason, 'the reader did not deliver a card');
        printJson(io, { device, ok: true, card: cardForDisplay(result.card, opts.unmasked === true) });
      });
    case 'thermometer': {
      const configuredProtocol = (fromConfig as { protocol?: ThermometerProtocol }).protocol;
      const protocol = opts.protocol === undefined && configuredProtocol ? configuredProtocol : thermometerProtocolOf(opts);
      return withManager('thermometer', { thermometer: { ...common, protocol } }, timeoutMs, async (m) => {
        m.thermometer!.start();
        const reading = await m.readTemperature(timeoutMs);
        printJson(io, { device, ok: reading.valid, protocol: protocol.name, reading });
        // What the sensor said is printed either way; a test without a valid body temperature failed
        // (exit 1), whatever the reason: a script must not read "ok": false as a pass. Out of range
        // is most often nobody in front of the sensor (it reads the room).
        if (!reading.valid) {
          const raw = reading.rawCelsius === null ? '' : ` (raw ${reading.rawCelsius.toFixed(2)} °C)`;
          throw new CliError(reading.reason, reading.reason === 'THERMO_OUT_OF_RANGE' ? `reading out of range${raw}: nobody in front of the sensor, or a wrong scale` : `no stable reading with protocol ${protocol.name}${opts.protocol === undefined && !configuredProtocol ? " (the default; --protocol names the sensor's)" : ''}`);
        }
      });
    }
    case 'scanner':
      return withManager('scanner', { scanner: { ...common, ...(opts.trigger ? { triggerHex: opts.trigger } : {}) } }, timeoutMs, async (m) => {
        const text = new Promise<string | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), timeoutMs);
          m.onEvent((e) => {
            if (e.type === 'scanner-text') {
              clearTimeout(timer);
              resolve(e.text);
            }
          });
        });
        await m.scanner!.trigger();
        const got = await text;
        if (got === null) throw new CliError('FRAME_TIMEOUT', `no code within ${timeoutMs} ms`);
        printJson(io, { device, ok: true, text: got, length: got.length });
      });
    default: {
      const relay = opts.relay === undefined ? undefined : Number(opts.relay);
      const ms = opts.ms === undefined ? undefined : Number(opts.ms);
      if (relay !== undefined && !(Number.isInteger(relay) && relay >= 1 && relay <= 8)) throw new CliError('BAD_REQUEST', '--relay must be 1–8');
      if (ms !== undefined && !(Number.isInteger(ms) && ms >= 20 && ms <= 10_000)) throw new CliError('BAD_REQUEST', '--ms must be 20–10000');
      return withManager('gate', { gate: { driver: 'lcus', ...common, ...(relay ? { relay } : {}), ...(ms ? { pulseMs: ms } : {}) } }, timeoutMs, async (m) => {
        const result = await m.pulseGate();
        if (!result.ok) throw new CliError(result.reason, 'the gate relay is not reachable');
        printJson(io, { device, ...result });
      });
    }
  }
}

export const register: RegisterCommand = (program, io) => {
  const devices = program.command('devices').description('peripherals: list ports, test a device, decode captured bytes');

  // Every command takes --data-dir (README): listing ports needs no data directory; with one, the
  // devices its config.json configures are shown beside the ports found.
  withDataDir(devices.command('list'))
    .description('list serial ports (says "no ports found" where udevadm is missing) and the devices config.json configures (port, baud, protocol, fitted)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean; dataDir?: string }) => {
      // A data directory named (--data-dir, $KIOSK_DATA_DIR) must be there, as for the other
      // commands: a typo would otherwise list "nothing configured" for a kiosk that has devices.
      const given = opts.dataDir ?? process.env.KIOSK_DATA_DIR;
      const dataDir = given !== undefined && given !== '' ? existingDataDirOf({ dataDir: given }) : dataDirOf(opts);
      const list = await listPorts();
      const file = configPath(dataDir);
      // The ports first: a config.json that does not validate is reported after them (CONFIG_INVALID).
      const configured = () => (existsSync(file) ? { file, devices: configuredRows(configuredDevices(dataDir)) } : null);
      if (opts.json) return printJson(io, { ...list, configured: configured() });
      for (const p of list.ports) io.stdout.write(`${p.path}${p.manufacturer ? `  ${p.manufacturer}` : ''}${p.vendorId ? `  ${p.vendorId}:${p.productId ?? ''}` : ''}\n`);
      if (list.note) io.stdout.write(`${list.note}\n`);
      const shown = configured();
      if (!shown) {
        io.stdout.write(`no config.json in ${dataDir}: no device configured\n`);
        return;
      }
      io.stdout.write(`configured in ${shown.file}:\n`);
      for (const d of shown.devices) {
        if (!d.fitted) io.stdout.write(`  ${d.device.padEnd(12)} not fitted\n`);
        else io.stdout.write(`  ${d.device.padEnd(12)} ${d.port}  ${d.baudRate} baud${d.protocol ? `  ${d.protocol}` : ''}  (${d.portFound ? 'port there' : 'port not found'})\n`);
      }
    });

  withThermometerOptions(
    withDataDir(devices.command('test'))
      .description('exercise one device once: read a card, a temperature, a code, or pulse the gate (port from --port or config.json devices)')
      .argument('<device>', 'idcard | thermometer | scanner | gate')
      .option('--port <path>', 'serial port (e.g. /dev/ttyUSB0, or a simulator link)')
      .option('--baud <n>', 'baud rate (default per device: 115200 idcard, 9600 others)')
      .option('--timeout <ms>', 'how long to wait', '5000')
      .option('--unmasked', 'show the card unmasked (admins only: personal data)')
      .option('--relay <n>', 'gate: relay number')
      .option('--ms <n>', 'gate: pulse length in ms')
      .option('--trigger <hex>', 'scanner: command that triggers a read (e.g. "7E 00 08 01 00 02 01 AB CD")'),
  ).action((device: string, opts: TestOptions) => testDevice(io, device, opts));

  withThermometerOptions(
    withDataDir(devices.command('decode'))
      .description('decode captured bytes (hex) into one JSON object: idcard, scanner, or thermometer:PROTOCOL')
      .argument('<device>', 'idcard | scanner | thermometer:modbus-rtu | thermometer:gy-mcu90614 | thermometer:lu90614 | thermometer:ascii-line')
      .argument('<hex...>', 'the bytes as hex (spaces allowed)')
      .addHelpText('after', '\nWith --data-dir (or $KIOSK_DATA_DIR), a thermometer decodes with that kiosk\'s configured protocol settings and calibration (config.json devices.thermometer, when it speaks that protocol); a flag given overrides them.')
      .option('--unmasked', 'show the card unmasked (admins only: personal data)'),
  ).action(async (device: string, hexParts: string[], opts: ThermometerOptions & { unmasked?: boolean; dataDir?: string }, cmd?: Command) => {
    const bytes = hexOrFail(hexParts.join(' '));
    if (device === 'idcard') return printJson(io, await decodeIdCard(bytes, opts.unmasked === true));
    if (device === 'scanner') {
      const framed = frameScannerBytes(bytes);
      if (framed.texts.length === 0 && framed.acks.length === 0) throw new CliError(framed.overlong ? 'SCANNER_OVERLONG' : 'FRAME_NOISE', 'no code in the bytes');
      return printJson(io, { device, ...framed });
    }
    const m = /^thermometer:(.+)$/.exec(device);
    if (m) {
      const { protocol, calibration, from, note } = decodeProtocolOf(opts, cmd, m[1]!);
      return printJson(io, decodeThermometer(protocol, bytes, calibration, from, note));
    }
    throw new CliError('BAD_REQUEST', `cannot decode "${device}": idcard, scanner or thermometer:PROTOCOL`);
  });
};
