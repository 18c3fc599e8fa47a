import { describe, expect, it } from 'vitest';
import { StableReadingFilter, classifyReading } from './thermometer-driver.js';

describe('stable-reading rule', () => {
  it('reports the median once the last N readings lie within the spread', () => {
    const f = new StableReadingFilter(3, 0.3);
    expect(f.add(36.5)).toBeNull();
    expect(f.add(36.7)).toBeNull();
    expect(f.add(36.6)).toBe(36.6);
  });

  it('moving readings (a person stepping in) are not stable', () => {
    const f = new StableReadingFilter(3, 0.3);
    expect([25, 31, 35.8, 36.4, 36.6].map((c) => f.add(c))).toEqual([null, null, null, null, null]);
    expect(f.add(36.5)).toBe(36.5);
  });

  it('one outlier inside the window keeps it unstable until it leaves', () => {
    const f = new StableReadingFilter(3, 0.3);
    expect([36.6, 36.6, 40, 36.6, 36.6, 36.6].map((c) => f.add(c))).toEqual([null, null, null, null, null, 36.6]);
  });
});

describe('plausibility and calibration', () => {
  const config = { minC: 30, maxC: 43, offsetC: 0.4 };
  it('adds the calibration offset', () => {
    expect(classifyReading(config, 36.2, 3)).toEqual({ valid: true, celsius: 36.6, rawCelsius: 36.2, samples: 3 });
  });
  it('a value outside 30–43 °C is invalid, never a temperature', () => {
    // Both values: the sensor's (raw) and the calibrated one the range was applied to.
    expect(classifyReading(config, 25, 3)).toEqual({ valid: false, reason: 'THERMO_OUT_OF_RANGE', rawCelsius: 25, celsius: 25.4 });
    expect(classifyReading(config, 45, 3)).toMatchObject({ valid: false, reason: 'THERMO_OUT_OF_RANGE' });
    expect(classifyReading(config, Number.NaN, 3)).toMatchObject({ valid: false });
  });
  it('a two-point gain: corrected = raw × gain + offset (raw kept)', () => {
    // Two references: a 35.0 °C source read as 34.0, a 40.0 °C one read as 38.5 → gain 5/4.5, offset 35 − 34 × gain.
    const gain = 5 / 4.5;
    const offsetC = 35 - 34 * gain;
    const calibrated = { minC: 30, maxC: 43, offsetC, gain };
    expect(classifyReading(calibrated, 34, 3)).toEqual({ valid: true, celsius: 35, rawCelsius: 34, samples: 3 });
    expect(classifyReading(calibrated, 38.5, 3)).toEqual({ valid: true, celsius: 40, rawCelsius: 38.5, samples: 3 });
    expect(classifyReading(calibrated, 36.7, 3)).toMatchObject({ celsius: 38, rawCelsius: 36.7 });
  });
  it('the range bounds are inclusive', () => {
    expect(classifyReading({ ...config, offsetC: 0 }, 43, 1).valid).toBe(true);
    expect(classifyReading({ ...config, offsetC: 0 }, 30, 1).valid).toBe(true);
  });
});
