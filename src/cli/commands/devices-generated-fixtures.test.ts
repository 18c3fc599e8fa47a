// Regression over the generated device fixtures (fixtures/devices/captures.json): frames made by the
// project's own encoders (native-bridge/fixtures/generate.ts), decoded through the same
// `kiosk devices decode` an integrator uses. They are not captured traffic: a bug shared by an
// encoder and its decoder cancels out here. Independent bytes (the spec's examples and frames written
// by hand from devices.md) are in devices-spec-bytes.test.ts.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/run-cli.js';
import { RelayCommandParser } from '../../../native-bridge/gate/codec.js';
import { capturesFileText, type Capture } from '../../../native-bridge/fixtures/captures.js';

const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'fixtures', 'devices', 'captures.json');
const text = readFileSync(file, 'utf8');
const captures = (JSON.parse(text) as { captures: Capture[] }).captures;

function protocolArgs(c: Capture): string[] {
  const p = c.protocol!;
  if (p.name !== 'modbus-rtu') return [];
  return ['--address', String(p.address), '--function', String(p.function), '--register', String(p.register), '--count', String(p.count), '--value-index', String(p.valueIndex), '--scale', String(p.scale), ...(p.signed ? [] : ['--unsigned'])];
}

describe('generated device fixtures', () => {
  it('are exactly what the generator makes (regenerate with npx tsx native-bridge/fixtures/generate.ts)', () => {
    expect(text).toBe(capturesFileText());
  });

  for (const c of captures) {
    it(c.name, async () => {
      if (c.device === 'gate') {
        const commands: unknown[] = [];
        new RelayCommandParser({ onCommand: (cmd) => commands.push(cmd) }).push(Buffer.from(c.hex, 'hex'));
        expect({ commands }).toEqual(c.expect);
        return;
      }
      const device = c.device === 'thermometer' ? `thermometer:${c.protocol!.name}` : c.device;
      const r = await runCli(['devices', 'decode', device, '--unmasked', ...(c.device === 'thermometer' ? protocolArgs(c) : []), c.hex]);
      if ('error' in c.expect) {
        expect(r.stderr).toContain(String(c.expect.error));
        return;
      }
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      if (c.device === 'scanner') expect(out.texts).toEqual(c.expect.texts);
      else if (c.device === 'thermometer') expect(out.readings[0].sensorC).toBe(c.expect.celsius);
      else if ('command' in c.expect) expect(out.frames[0].command).toBe(c.expect.command);
      else if ('sw3' in c.expect) expect(parseInt(out.frames[0].sw3, 16)).toBe(c.expect.sw3);
      else expect(out.frames[0].card).toMatchObject({ ok: true, ...c.expect });
    });
  }
});
