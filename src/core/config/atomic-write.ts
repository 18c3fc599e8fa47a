// Writing a file so that a power cut leaves either the old or the new content, never a torn or
// missing one (config, keys, cached lists). The data is fsynced before the rename, and the directory
// after it: a rename is a change to the directory, and until the directory is on disk a power cut
// can bring back the old name or no file at all (POSIX leaves rename durability to fsync of the
// directory; ext4 with data=ordered does not promise it either). See docs/security.md, "atomic writes".
import * as nodeFs from 'node:fs';
import { dirname } from 'node:path';

/** The few fs calls an atomic write makes; tests inject a recorder to check their order. */
export interface AtomicWriteFs {
  openSync(path: string, flags: string, mode?: number): number;
  writeFileSync(fd: number, data: string | Uint8Array): void;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

const realFs: AtomicWriteFs = nodeFs;

function unlinkQuietly(fs: AtomicWriteFs, path: string): void {
  try {
    fs.unlinkSync(path);
  } catch {
    // Not there (the usual case) or already gone: nothing to clean up.
  }
}

/**
 * Makes the directory entries of `dir` (a rename, a newly created file) durable. Windows cannot open
 * a directory as a file; NTFS journals the rename itself, so there is nothing more to do there.
 */
export function fsyncDirectory(dir: string, fs: AtomicWriteFs = realFs): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes `data` to `file` (mode `mode`, default 0600) atomically and durably. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600, fs: AtomicWriteFs = realFs): void {
  const tmp = `${file}.tmp-${process.pid}`;
  // A leftover from a crash of an earlier process with our pid: created anew (wx) so its mode is ours.
  unlinkQuietly(fs, tmp);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    unlinkQuietly(fs, tmp);
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    unlinkQuietly(fs, tmp);
    throw err;
  }
  fsyncDirectory(dirname(file), fs);
}
