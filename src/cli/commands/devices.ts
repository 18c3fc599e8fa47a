// `kiosk devices …`: the integrator's tools for the peripherals (devices spec §1–4).
//   list                                   serial ports on this machine ("no ports found" without udevadm)
//   test idcard|thermometer|scanner|gate   drive one device on --port once and print what it did
//   decode idcard|scanner|thermometer:PROTOCOL HEX   decode captured bytes into one JSON object
// Card data is personal: names, numbers and addresses are masked unless --unmasked (an admin asks).
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
import { CliError, dataDirOf, printJson, withDataDir, type CommandIo } from '../program.js';
import { loadConfig } from '../../core/config/config.js';
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

function decodeThermometer(protocol: ThermometerProtocol, bytes: Buffer): object {
  const readings: Array<{ sensorC: number; reading: TemperatureReading }> = [];
  const errors: Array<{ reason: DeviceReason; bytes: number }> = [];
  const codec = createThermometerCodec(protocol, {
    onReading: (c) => readings.push({ sensorC: c, reading: classifyReading({ minC: 30, maxC: 43, offsetC: 0 }, c, 1) }),
    onError: (reason, n) => errors.push({ reason, bytes: n }),
  });
  codec.push(bytes);
  if (protocol.name === 'ascii-line') codec.push(Buffer.from('\n'));
  if (readings.length === 0) {
    const reason = errors.find((e) => e.reason !== 'FRAME_NOISE')?.reason ?? (codec.buffered > 0 ? 'FRAME_LENGTH' : 'FRAME_NOISE');
    throw new CliError(reason, codec.buffered > 0 ? `no complete reply: ${codec.buffered} bytes of an unfinished one` : 'no valid reply in the bytes');
  }
  return { device: 'thermometer', protocol: protocol.name, readings, errors };
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
  link.start();
  try {
    try {
      await link.waitOpen(timeoutMs);
    } catch {
      throw new CliError('PORT_UNAVAILABLE', `cannot open ${link.path} within ${timeoutMs} ms`);
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
        // Out of range is an answer (nobody in front of the sensor reads the room), not a fault.
        if (!reading.valid && reading.reason !== 'THERMO_OUT_OF_RANGE') throw new CliError(reading.reason, 'no stable reading');
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

  // Every command takes --data-dir (README): listing ports needs no data directory, but a script
  // that passes it to every command must not be refused here.
  withDataDir(devices.command('list'))
    .description('list serial ports (says "no ports found" where udevadm is missing)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await listPorts();
      if (opts.json) return printJson(io, list);
      for (const p of list.ports) io.stdout.write(`${p.path}${p.manufacturer ? `  ${p.manufacturer}` : ''}${p.vendorId ? `  ${p.vendorId}:${p.productId ?? ''}` : ''}\n`);
      if (list.note) io.stdout.write(`${list.note}\n`);
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
      .option('--unmasked', 'show the card unmasked (admins only: personal data)'),
  ).action(async (device: string, hexParts: string[], opts: ThermometerOptions & { unmasked?: boolean }) => {
    const bytes = hexOrFail(hexParts.join(' '));
    if (device === 'idcard') return printJson(io, await decodeIdCard(bytes, opts.unmasked === true));
    if (device === 'scanner') {
      const framed = frameScannerBytes(bytes);
      if (framed.texts.length === 0 && framed.acks.length === 0) throw new CliError(framed.overlong ? 'SCANNER_OVERLONG' : 'FRAME_NOISE', 'no code in the bytes');
      return printJson(io, { device, ...framed });
    }
    const m = /^thermometer:(.+)$/.exec(device);
    if (m) return printJson(io, decodeThermometer(thermometerProtocolOf(opts, m[1]), bytes));
    throw new CliError('BAD_REQUEST', `cannot decode "${device}": idcard, scanner or thermometer:PROTOCOL`);
  });
};
