// `kiosk devices …` and `kiosk simulate …`, in-process: decode captured bytes, and each simulator
// driving the matching driver through `kiosk devices test` over a real socat pty.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { demoPerson } from '../../core/demo/people.js';
import { maskDocumentNumber } from '../../core/codes/id-number.js';
import { encodeReadResponse, simulatedPhoto } from '../../../native-bridge/idcard/read-response.js';
import { encodeTextBlock } from '../../../native-bridge/idcard/text-block.js';
import { withModbusCrc } from '../../../native-bridge/thermometer/codec.js';
import { runCli } from '../testing/run-cli.js';
import { main } from '../main.js';

const dir = mkdtempSync(join(tmpdir(), 'kiosk-cli-devices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const zhangsan = demoPerson('zhangsan')!;
const readReplyHex = () => encodeReadResponse(encodeTextBlock(zhangsan), simulatedPhoto('zhangsan')).toString('hex');

describe('kiosk devices decode', () => {
  it('decodes the spec\'s find-OK reply', async () => {
    const r = await runCli(['devices', 'decode', 'idcard', 'AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ device: 'idcard', frames: [{ direction: 'reader-to-host', sw3: '9F', status: 'FIND_OK', dataLength: 4 }] });
  });

  it('names a failed status and a host command', async () => {
    const r = await runCli(['devices', 'decode', 'idcard', 'AA AA AA 96 69 00 03 20 01 22 AA AA AA 96 69 00 04 00 00 80 84']);
    expect(JSON.parse(r.stdout).frames).toEqual([
      { direction: 'host-to-reader', command: 'find', cmd: 0x20, para: 0x01 },
      { direction: 'reader-to-host', sw1: 0, sw2: 0, sw3: '80', status: 'CARD_SW_NO_CARD', dataLength: 0 },
    ]);
  });

  it('decodes a captured read reply into a masked card; --unmasked shows the number', async () => {
    const masked = JSON.parse((await runCli(['devices', 'decode', 'idcard', readReplyHex()])).stdout);
    expect(masked.frames[0].card).toMatchObject({ ok: true, idNumber: maskDocumentNumber(zhangsan.idNumber), masked: true, address: '(masked)', photo: { format: 'wlt', bytes: 1024, decoded: false } });
    expect(JSON.stringify(masked)).not.toContain(zhangsan.idNumber);
    expect(JSON.stringify(masked)).not.toContain(zhangsan.name);
    const open = JSON.parse((await runCli(['devices', 'decode', 'idcard', '--unmasked', readReplyHex()])).stdout);
    expect(open.frames[0].card).toMatchObject({ idNumber: zhangsan.idNumber, name: zhangsan.name, validFrom: '2015-03-10' });
  });

  it('names the field of a card that fails its checks, without its value', async () => {
    const bad = encodeReadResponse(encodeTextBlock({ ...zhangsan, validTo: '20351340' }), simulatedPhoto('zhangsan')).toString('hex');
    const r = await runCli(['devices', 'decode', 'idcard', bad]);
    expect(JSON.parse(r.stdout).frames[0].card).toEqual({ ok: false, reason: 'CARD_DATE_INVALID', field: 'validTo' });
  });

  it('gives the reason when it cannot decode', async () => {
    const notHex = await runCli(['devices', 'decode', 'idcard', 'zz']);
    expect(notHex.code).not.toBe(0);
    expect(notHex.stderr).toContain('HEX_INVALID');
    const badSum = await runCli(['devices', 'decode', 'idcard', 'AA AA AA 96 69 00 04 00 00 80 85']);
    expect(badSum.stderr).toContain('FRAME_CHECKSUM');
    const unknown = await runCli(['devices', 'decode', 'toaster', '00']);
    expect(unknown.stderr).toContain('BAD_REQUEST');
    // A usage error exits 2 here as from `devices list` (README's command table).
    expect(unknown.code).toBe(2);
  });

  it('decodes the spec\'s modbus example: register 0 = 0x0A13 → 25.79 °C (implausible for a body)', async () => {
    const reply = withModbusCrc(Buffer.concat([Buffer.from('01 03 10 0A 13'.replace(/ /g, ''), 'hex'), Buffer.alloc(14)])).toString('hex');
    const r = await runCli(['devices', 'decode', 'thermometer:modbus-rtu', '--count', '8', '--scale', '0.01', reply]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).readings).toEqual([{ sensorC: 25.79, reading: { valid: false, reason: 'THERMO_OUT_OF_RANGE', rawCelsius: 25.79, celsius: 25.79 } }]);
  });

  it('with --data-dir, decodes with that kiosk\'s configured protocol settings and calibration; a flag given still wins', async () => {
    const dataDir = join(dir, 'decode-data');
    mkdirSync(dataDir, { recursive: true });
    const protocol = { name: 'modbus-rtu', address: 1, function: 3, register: 0, count: 1, valueIndex: 0, scale: 0.01, signed: true };
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ devices: { thermometer: { port: '/dev/ttyUSB0', protocol, offsetC: 0.5 } } }));
    // 0x0E4A = 3658 counts: 36.58 °C at the configured 0.01, 365.8 °C at the flag's default 0.1.
    const reply = withModbusCrc(Buffer.from('0103020E4A', 'hex')).toString('hex');
    const r = await runCli(['devices', 'decode', 'thermometer:modbus-rtu', reply, '--data-dir', dataDir]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.readings).toEqual([{ sensorC: 36.58, reading: { valid: true, rawCelsius: 36.58, celsius: 37.08, samples: 1 } }]);
    expect(out.settings).toMatchObject({ scale: 0.01, from: join(dataDir, 'config.json') });
    const flag = JSON.parse((await runCli(['devices', 'decode', 'thermometer:modbus-rtu', reply, '--data-dir', dataDir, '--scale', '0.1'])).stdout);
    expect(flag.readings[0].sensorC).toBeCloseTo(365.8, 5);
    // Without it, the flags' defaults as before; a data directory that is not there is refused.
    expect(JSON.parse((await runCli(['devices', 'decode', 'thermometer:modbus-rtu', reply])).stdout).readings[0].sensorC).toBeCloseTo(365.8, 5);
    // A data directory with another protocol saved: the flags, and the output says why.
    const other = JSON.parse((await runCli(['devices', 'decode', 'thermometer:ascii-line', Buffer.from('36.6\r\n').toString('hex'), '--data-dir', dataDir])).stdout);
    expect(other.settings).toMatchObject({ from: null, note: expect.stringContaining('speaks modbus-rtu, not ascii-line') });
    const bare = join(dir, 'decode-bare');
    mkdirSync(bare, { recursive: true });
    const none = JSON.parse((await runCli(['devices', 'decode', 'thermometer:modbus-rtu', reply, '--data-dir', bare])).stdout);
    expect(none.settings).toMatchObject({ from: null, note: expect.stringContaining('no thermometer saved in') });
    const missing = await runCli(['devices', 'decode', 'thermometer:modbus-rtu', reply, '--data-dir', join(dir, 'no-such-dir')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('BAD_REQUEST');
  });

  it('decodes gy-mcu90614 and ascii-line, and rejects an unknown protocol', async () => {
    const gy = await runCli(['devices', 'decode', 'thermometer:gy-mcu90614', '5A 5A 45 04 0E 4A 09 C4 ' + (0x5a + 0x5a + 0x45 + 0x04 + 0x0e + 0x4a + 0x09 + 0xc4 & 0xff).toString(16)]);
    expect(JSON.parse(gy.stdout).readings[0].reading).toMatchObject({ valid: true, celsius: 36.58 });
    const ascii = await runCli(['devices', 'decode', 'thermometer:ascii-line', Buffer.from('36.6\r\n').toString('hex')]);
    expect(JSON.parse(ascii.stdout).readings[0].sensorC).toBe(36.6);
    const bad = await runCli(['devices', 'decode', 'thermometer:smoke-signal', '00']);
    expect(bad.stderr).toContain('BAD_REQUEST');
    expect(bad.code).toBe(2);
  });

  it('decodes scanner bytes verbatim, without the acknowledgement', async () => {
    const bytes = Buffer.concat([Buffer.from([0x02, 0x00, 0x00, 0x01, 0x00, 0x33, 0x31]), Buffer.from('PHC1:A B$%\r\n', 'latin1')]);
    const r = await runCli(['devices', 'decode', 'scanner', bytes.toString('hex')]);
    expect(JSON.parse(r.stdout)).toEqual({ device: 'scanner', texts: ['PHC1:A B$%'], acks: ['grow'], overlong: 0 });
  });
});

describe('kiosk devices list', () => {
  it('--data-dir: a directory that is not there is BAD_REQUEST; one with a config.json shows its devices beside the ports', async () => {
    const missing = await runCli(['devices', 'list', '--data-dir', join(dir, 'not-a-kiosk')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('BAD_REQUEST');
    const dataDir = join(dir, 'list-data');
    mkdirSync(dataDir, { recursive: true });
    const thermoPort = join(dir, 'list-thermo-missing');
    const protocol = { name: 'modbus-rtu', scale: 0.01 };
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ devices: { idcard: { port: dir }, thermometer: { port: thermoPort, protocol } } }));
    const text = await runCli(['devices', 'list', '--data-dir', dataDir]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`configured in ${join(dataDir, 'config.json')}:`);
    expect(text.stdout).toMatch(new RegExp(`thermometer +${thermoPort} +9600 baud +modbus-rtu +\\(port not found\\)`));
    expect(text.stdout).toMatch(new RegExp(`idcard +${dir} +115200 baud +\\(port there\\)`));
    expect(text.stdout).toMatch(/scanner +not fitted/);
    expect(text.stdout).toMatch(/gate +not fitted/);
    const json = JSON.parse((await runCli(['devices', 'list', '--json', '--data-dir', dataDir])).stdout);
    expect(Array.isArray(json.ports)).toBe(true);
    expect(json.configured.devices).toEqual([
      { device: 'idcard', fitted: true, port: dir, baudRate: 115200, protocol: null, portFound: true },
      { device: 'thermometer', fitted: true, port: thermoPort, baudRate: 9600, protocol: 'modbus-rtu', portFound: false },
      { device: 'scanner', fitted: false, port: null, baudRate: null, protocol: null, portFound: null },
      { device: 'gate', fitted: false, port: null, baudRate: null, protocol: null, portFound: null },
    ]);
  });

  it('lists ports or says none were found, without crashing', async () => {
    const r = await runCli(['devices', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    const json = JSON.parse((await runCli(['devices', 'list', '--json'])).stdout);
    expect(Array.isArray(json.ports)).toBe(true);
    if (json.ports.length === 0) expect(json.note).toMatch(/no ports found/);
  });
});

/** Runs `kiosk simulate …` in-process with a stdin the test writes commands to. */
function startSimulate(args: string[]) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const done = main(['simulate', ...args], { stdin, stdout, stderr: new PassThrough() });
  const waitFor = async (text: string) => {
    const deadline = Date.now() + 15_000;
    while (!out.includes(text)) {
      if (Date.now() > deadline) throw new Error(`simulator never printed "${text}"; got: ${out}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return {
    send: (line: string) => stdin.write(line + '\n'),
    waitFor,
    output: () => out,
    async quit() {
      stdin.write('quit\n');
      return done;
    },
  };
}

describe('kiosk simulate drives kiosk devices test over a pty', () => {
  it('idcard: no card is CARD_SW_NO_CARD; a presented card is read and printed masked', async () => {
    const link = join(dir, 'idcard');
    const sim = startSimulate(['idcard', '--link', link]);
    await sim.waitFor('simulating idcard');
    const none = await runCli(['devices', 'test', 'idcard', '--port', link]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('CARD_SW_NO_CARD');
    sim.send('present mariagarcia');
    await sim.waitFor('ok card mariagarcia');
    const r = await runCli(['devices', 'test', 'idcard', '--port', link]);
    expect(r.code).toBe(0);
    const printed = JSON.parse(r.stdout);
    expect(printed).toMatchObject({ device: 'idcard', ok: true, card: { cardType: 'Y', docType: 'FP', masked: true } });
    expect(r.stdout).not.toContain(demoPerson('mariagarcia')!.idNumber);
    sim.send('fail 33 3');
    await sim.waitFor('ok next 3 read(s)');
    const failed = await runCli(['devices', 'test', 'idcard', '--port', link]);
    expect(failed.stderr).toContain('CARD_SW_VERIFY_FAILED');
    sim.send('bogus');
    await sim.waitFor('error: unknown command "bogus"');
    expect(await sim.quit()).toBe(0);
  });

  it('thermometer (lu90614): a set temperature comes back as a stable reading', async () => {
    const link = join(dir, 'thermo');
    const sim = startSimulate(['thermometer', '--link', link, '--protocol', 'lu90614']);
    await sim.waitFor('simulating thermometer');
    sim.send('temp 37.4');
    await sim.waitFor('ok 37.4');
    const r = await runCli(['devices', 'test', 'thermometer', '--port', link, '--protocol', 'lu90614', '--timeout', '10000']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ device: 'thermometer', ok: true, reading: { valid: true, celsius: 37.4 } });
    expect(await sim.quit()).toBe(0);
  });

  it('thermometer: a reading out of range (nobody in front: the room) is a failed test, exit 1, the reading still printed', async () => {
    const link = join(dir, 'thermo-room');
    // The simulator starts with nobody in front of it: it reads the room (25 °C).
    const sim = startSimulate(['thermometer', '--link', link]);
    await sim.waitFor('simulating thermometer');
    const r = await runCli(['devices', 'test', 'thermometer', '--port', link, '--timeout', '10000']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ device: 'thermometer', ok: false, reading: { valid: false, reason: 'THERMO_OUT_OF_RANGE', rawCelsius: 25 } });
    expect(r.stderr).toContain('THERMO_OUT_OF_RANGE');
    expect(await sim.quit()).toBe(0);
  });

  it('scanner: a code sent by the simulator is what devices test prints, byte for byte', async () => {
    const link = join(dir, 'scan');
    const sim = startSimulate(['scanner', '--link', link]);
    await sim.waitFor('simulating scanner');
    const code = 'PHC1:6BF $%*+-./: Z  ';
    const test = runCli(['devices', 'test', 'scanner', '--port', link, '--timeout', '15000']);
    // The test opens the port first; send until it has (a code sent before the port opens is lost, as on hardware).
    let result: Awaited<typeof test> | null = null;
    void test.then((r) => (result = r));
    while (result === null) {
      sim.send(`send ${code}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    const r = result as Awaited<typeof test>;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).text).toBe(code);
    expect(await sim.quit()).toBe(0);
  });

  it('gate: devices test pulses the relay the simulator watches', async () => {
    const link = join(dir, 'gate');
    const sim = startSimulate(['gate', '--link', link]);
    await sim.waitFor('simulating gate');
    const r = await runCli(['devices', 'test', 'gate', '--port', link, '--relay', '3', '--ms', '50']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ device: 'gate', ok: true, driver: 'lcus', relay: 3, ms: 50 });
    await sim.waitFor('pulse relay 3');
    expect(await sim.quit()).toBe(0);
  });

  it('--script runs commands before stdin (here: a card already on the reader)', async () => {
    const link = join(dir, 'idcard-scripted');
    const script = join(dir, 'script.txt');
    writeFileSync(script, '# a scripted session\npresent huangli\nstatus\n');
    const sim = startSimulate(['idcard', '--link', link, '--script', script]);
    await sim.waitFor('card=huangli');
    const r = await runCli(['devices', 'test', 'idcard', '--port', link]);
    expect(JSON.parse(r.stdout).card).toMatchObject({ docType: 'HMT', cardType: 'J', masked: true });
    expect(await sim.quit()).toBe(0);
  });

  it('without --port, uses the device as config.json configures it', async () => {
    const link = join(dir, 'gate2');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const none = await runCli(['devices', 'test', 'gate', '--data-dir', dataDir]);
    expect(none.stderr).toContain('BAD_REQUEST: no port for gate');
    expect(none.code).toBe(2);
    writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ devices: { gate: { driver: 'lcus', port: link, relay: 4, pulseMs: 40 } } }));
    const sim = startSimulate(['gate', '--link', link]);
    await sim.waitFor('simulating gate');
    const r = await runCli(['devices', 'test', 'gate', '--data-dir', dataDir]);
    expect(JSON.parse(r.stdout)).toEqual({ device: 'gate', ok: true, driver: 'lcus', relay: 4, ms: 40 });
    await sim.waitFor('pulse relay 4');
    expect(await sim.quit()).toBe(0);
  });

  it('a port that does not exist is PORT_UNAVAILABLE, not a crash', async () => {
    // The default timeout (5 s): the missing port is named, not waited out as "cannot open within".
    const r = await runCli(['devices', 'test', 'gate', '--port', join(dir, 'nothing-here')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('PORT_UNAVAILABLE');
    expect(r.stderr).toContain(`port ${join(dir, 'nothing-here')} not found`);
  });
});
