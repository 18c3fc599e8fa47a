import { describe, expect, it } from 'vitest';
import { chromiumArgs, reasonNotToOpenWindow } from './chromium.js';

describe('kiosk window in Chromium', () => {
  it('prints the URL instead when told to or when there is no display', () => {
    expect(reasonNotToOpenWindow({ KIOSK_NO_BROWSER: '1', DISPLAY: ':0' })).toMatch(/KIOSK_NO_BROWSER/);
    expect(reasonNotToOpenWindow({})).toMatch(/no display/);
    expect(reasonNotToOpenWindow({ DISPLAY: ':0' }, '/nonexistent/chromium')).toMatch(/not found/);
    expect(reasonNotToOpenWindow({ DISPLAY: ':0' }, process.execPath)).toBeNull();
  });

  it('opens an app window or a kiosk with a profile inside the data directory', () => {
    const app = chromiumArgs({ url: 'http://127.0.0.1:1/', dataDir: '/d', mode: 'app' });
    expect(app).toContain('--app=http://127.0.0.1:1/');
    expect(app).toContain('--user-data-dir=/d/chromium-profile');
    const kiosk = chromiumArgs({ url: 'http://127.0.0.1:1/', dataDir: '/d', mode: 'kiosk' });
    expect(kiosk.slice(-2)).toEqual(['--kiosk', 'http://127.0.0.1:1/']);
  });
});
