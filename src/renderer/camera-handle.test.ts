import { describe, expect, it } from 'vitest';
import { DEFAULT_CAMERA_CONFIG } from '../contract/api.js';
import { cameraChanged, decodeArea, framesPerSecond, guardCamera, median, publishGuardCamera, frameRateChoices, resolutionChoices, type GuardCamera } from './camera-handle.js';

describe('the camera screen helpers', () => {
  it('median of the recent decode times, odd and even counts; none is NaN', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('frames per second between two readings of the counters', () => {
    expect(framesPerSecond({ frames: 10 }, { frames: 25 }, 500)).toBe(30);
    expect(framesPerSecond({ frames: 10 }, { frames: 25 }, 0)).toBe(0);
  });

  it('a camera change that needs a new capture: any of device, size, rate, engine, enabled', () => {
    expect(cameraChanged(DEFAULT_CAMERA_CONFIG, { ...DEFAULT_CAMERA_CONFIG })).toBe(false);
    for (const change of [{ deviceId: 'x' }, { width: 1280 }, { height: 720 }, { frameRate: 15 }, { engine: 'zxing-library' as const }, { enabled: false }]) {
      expect(cameraChanged(DEFAULT_CAMERA_CONFIG, { ...DEFAULT_CAMERA_CONFIG, ...change })).toBe(true);
    }
  });

  it('the decode area is the pipeline\'s centre region (0.6 of each side), centred', () => {
    expect(decodeArea()).toEqual({ left: 0.2, top: 0.2, width: 0.6, height: 0.6 });
  });

  it('resolutions: the common ones the camera can give, its maximum and the current one, smallest first, once each', () => {
    expect(resolutionChoices({ width: { max: 1280 }, height: { max: 720 } }, { width: 640, height: 480 })).toEqual([
      { width: 320, height: 240 },
      { width: 640, height: 480 },
      { width: 1280, height: 720 },
    ]);
    expect(resolutionChoices(null, { width: 800, height: 600 })).toEqual([
      { width: 320, height: 240 },
      { width: 640, height: 480 },
      { width: 800, height: 600 },
      { width: 1280, height: 720 },
      { width: 1920, height: 1080 },
    ]);
  });

  // docs/integrator-setup.md, "Camera": the screen offers only what the camera gives; a saved rate
  // above it stays on the list (it is what the form holds) but marked not available, never offered.
  it('frame rates up to what the camera gives; a saved higher one is marked not available', () => {
    expect(frameRateChoices({ frameRate: { max: 20 } }, 30)).toEqual([
      { fps: 10, available: true },
      { fps: 15, available: true },
      { fps: 20, available: true },
      { fps: 30, available: false },
    ]);
    expect(frameRateChoices({ frameRate: { max: 20 } }, 15).map((r) => r.fps)).toEqual([10, 15, 20]);
    expect(frameRateChoices({ frameRate: { max: 29.97 } }, 30).at(-1)).toEqual({ fps: 30, available: true });
    expect(frameRateChoices(null, 30).every((r) => r.available)).toBe(true);
  });

  it('the handle published by the guard screen is the one the console reads (shared through globalThis)', () => {
    const camera = { stats: {}, video: null, currentConfig: DEFAULT_CAMERA_CONFIG, currentStream: null, onStream: () => () => {} } as unknown as GuardCamera;
    publishGuardCamera(camera);
    expect(guardCamera()).toBe(camera);
  });
});
