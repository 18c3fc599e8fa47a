import { afterEach, describe, expect, it } from 'vitest';
import * as nodeFs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, type AtomicWriteFs } from './atomic-write.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kiosk-atomic-'));
  dirs.push(d);
  return d;
}

/** The real fs, with every call written down as "call path-or-fd-owner". */
function recordingFs(calls: string[]): AtomicWriteFs {
  const pathOf = new Map<number, string>();
  return {
    openSync(path, flags, mode) {
      const fd = nodeFs.openSync(path, flags, mode);
      pathOf.set(fd, path);
      calls.push(`open ${path}`);
      return fd;
    },
    writeFileSync(fd, data) {
      calls.push(`write ${pathOf.get(fd)}`);
      nodeFs.writeFileSync(fd, data);
    },
    fsyncSync(fd) {
      calls.push(`fsync ${pathOf.get(fd)}`);
      nodeFs.fsyncSync(fd);
    },
    closeSync(fd) {
      calls.push(`close ${pathOf.get(fd)}`);
      nodeFs.closeSync(fd);
    },
    renameSync(from, to) {
      calls.push(`rename ${from} -> ${to}`);
      nodeFs.renameSync(from, to);
    },
    unlinkSync(path) {
      nodeFs.unlinkSync(path);
    },
  };
}

describe('writeFileAtomic', () => {
  it.skipIf(process.platform === 'win32')('fsyncs the data before the rename and the directory after it', () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    const tmp = `${file}.tmp-${process.pid}`;
    const calls: string[] = [];
    writeFileAtomic(file, '{"a":1}\n', 0o600, recordingFs(calls));
    expect(calls).toEqual([`open ${tmp}`, `write ${tmp}`, `fsync ${tmp}`, `close ${tmp}`, `rename ${tmp} -> ${file}`, `open ${dir}`, `fsync ${dir}`, `close ${dir}`]);
  });

  it('replaces the content, leaves no temporary file and creates the file 0600 by default', () => {
    const dir = tempDir();
    const file = join(dir, 'trust-list.jws');
    writeFileSync(file, 'old');
    // A temporary file left by a crashed writer, readable by everyone: it must not lend its mode.
    writeFileSync(`${file}.tmp-${process.pid}`, 'stale', { mode: 0o644 });
    writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir)).toEqual(['trust-list.jws']);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file in place when the write fails', () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    writeFileSync(file, 'old');
    const failing: AtomicWriteFs = { ...recordingFs([]), fsyncSync: () => { throw Object.assign(new Error('EIO'), { code: 'EIO' }); } };
    expect(() => writeFileAtomic(file, 'new', 0o600, failing)).toThrow('EIO');
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});
