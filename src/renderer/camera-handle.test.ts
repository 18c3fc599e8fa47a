import { describe, expect, it } from 'vitest';
import { DEFAULT_CAMERA_CONFIG } from '../contract/api.js';
import { cameraChanged, decodeArea, framesPerSecond, guardCamera, median, publishGuardCamera, resolutionChoices, type GuardCamera } from './camera-handle.js';

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

  it('the handle published by the guard screen is the one the console reads (shared through globalThis)', () => {
    const camera = { stats: {}, video: null, currentConfig: DEFAULT_CAMERA_CONFIG, currentStream: null, onStream: () => () => {} } as unknown as GuardCamera;
    publishGuardCamera(camera);
    expect(guardCamera()).toBe(camera);
  });
});
