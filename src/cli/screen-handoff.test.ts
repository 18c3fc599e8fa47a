import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepLaunchFile, type ScreenHandoff } from './screen-handoff.js';

let dir = '';
let handoff: ScreenHandoff | null = null;
afterEach(() => {
  handoff?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('the screen unit\'s launch file', () => {
  it('holds a fresh URL, owner-only; a taken one is replaced by a new one', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiosk-handoff-'));
    const file = join(dir, 'launch-url');
    // A file left by an earlier run holds a URL that run issued: replaced at start.
    writeFileSync(file, 'http://127.0.0.1:1/?launch=old\n');
    let n = 0;
    handoff = keepLaunchFile(file, () => `http://127.0.0.1:9/?launch=n${++n}`, () => undefined, 10);
    expect(readFileSync(file, 'utf8')).toBe('http://127.0.0.1:9/?launch=n1\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    unlinkSync(file); // the screen's launcher takes it
    await until(() => existsSync(file));
    expect(readFileSync(file, 'utf8')).toBe('http://127.0.0.1:9/?launch=n2\n');
  });
});
