// Port discovery where udevadm is missing (containers, minimal images): a list or "no ports found",
// never a crash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { listPorts } from './ports.js';

const savedPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = savedPath;
});

describe('listPorts', () => {
  it('falls back to scanning /dev when udevadm cannot be run', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'kiosk-nopath-'));
    try {
      // serialport runs `udevadm` through PATH: an empty directory makes it missing.
      process.env.PATH = empty;
      const list = await listPorts();
      expect(list.source).toBe('dev-scan');
      expect(list.note).toMatch(list.ports.length ? /udevadm is not available/ : /^no ports found/);
      for (const p of list.ports) expect(p.path).toMatch(/^\/dev\//);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

});
