import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKioskLogger, LOG_DIR, LOG_FILE } from './logger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiosk-log-'));
  dirs.push(d);
  return d;
}

describe('kiosk log', () => {
  it('writes one JSON object per line with level, time and component, 0600, and the readable console line', () => {
    const dir = dataDir();
    const consoleLines: string[] = [];
    const logger = createKioskLogger({ dataDir: dir, console: (l) => consoleLines.push(l), journal: false });
    logger.for('upload')('batch of 12 entries acknowledged');
    logger.for('devices')('thermometer reply timeout; retry failed');
    logger.close();
    const file = join(dir, LOG_DIR, LOG_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', component: 'upload', msg: 'batch of 12 entries acknowledged' });
    expect(lines[1]).toMatchObject({ level: 'warn', component: 'devices' });
    expect(new Date(String(lines[0]!.time)).toISOString()).toBe(lines[0]!.time);
    expect(consoleLines).toEqual(['batch of 12 entries acknowledged', 'thermometer reply timeout; retry failed']);
  });

  it('rotates by size and keeps the configured number of files', () => {
    const dir = dataDir();
    const logger = createKioskLogger({ dataDir: dir, console: null, journal: false, settings: { maxFileBytes: 65_536, maxFiles: 2 } });
    const log = logger.for('core');
    const line = 'x'.repeat(1000);
    for (let i = 0; i < 300; i += 1) log(`${i} ${line}`);
    logger.close();
    const files = readdirSync(join(dir, LOG_DIR)).sort();
    expect(files).toEqual([LOG_FILE, `${LOG_FILE}.1`, `${LOG_FILE}.2`]);
    for (const f of files) expect(statSync(join(dir, LOG_DIR, f)).size).toBeLessThanOrEqual(65_536);
    // The newest line is in the current file; the oldest ones were dropped with the third rotation.
    expect(readFileSync(join(dir, LOG_DIR, LOG_FILE), 'utf8')).toContain('"msg":"299 ');
    const all = files.map((f) => readFileSync(join(dir, LOG_DIR, f), 'utf8')).join('');
    expect(all).not.toContain('"msg":"0 ');
    expect(existsSync(join(dir, LOG_DIR, `${LOG_FILE}.3`))).toBe(false);
  });

  it('drops lines below the configured level', () => {
    const dir = dataDir();
    const logger = createKioskLogger({ dataDir: dir, console: null, journal: false, settings: { level: 'warn' } });
    logger.for('core')('started');
    logger.for('core')('store unavailable');
    logger.close();
    const text = readFileSync(join(dir, LOG_DIR, LOG_FILE), 'utf8');
    expect(text).not.toContain('started');
    expect(text).toContain('store unavailable');
  });
});
