// The README's configuration reference is the schema's: every key, type, default and meaning, so a
// renamed or misspelt key cannot live on in the README (regenerate: npx tsx scripts/config-doc.ts --write).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { CONFIG_REFERENCE_END, CONFIG_REFERENCE_START, configReferenceRows } from '../src/contract/config-doc.js';
import { README, withConfigReference } from './config-doc.js';

describe('README configuration reference', () => {
  it('is what the schema generates (run `npx tsx scripts/config-doc.ts --write` after changing the schema)', () => {
    const readme = readFileSync(README, 'utf8');
    expect(readme).toContain(CONFIG_REFERENCE_START);
    expect(readme).toContain(CONFIG_REFERENCE_END);
    expect(readme).toBe(withConfigReference(readme));
  });

  it('names every key with a type, a default and a line of meaning', () => {
    const rows = configReferenceRows();
    const keys = rows.map((r) => r.key);
    for (const key of ['venueId', 'policy.feverThresholdC', 'checkpoint.antiPassbackMinutes', 'devices.thermometer.baudRate', 'devices.thermometer.protocol (name: modbus-rtu).register', 'devices.gate (driver: lcus).relay', 'camera.engine', 'store.keyFile', 'upload.collectorUrl', 'admin.pin.hash', 'guards[].id', 'demo.seed']) {
      expect(keys).toContain(key);
    }
    // The names the README used to give, which config.json silently ignored.
    for (const wrong of ['devices.thermometer.baud', 'checkpoint.antiPassback']) expect(keys).not.toContain(wrong);
    for (const r of rows) {
      expect(r.type, r.key).not.toBe('');
      expect(r.default, r.key).not.toBe('');
      expect(r.meaning, `${r.key} needs a .describe() in src/contract/config.ts`).not.toBe('');
    }
  });
});
