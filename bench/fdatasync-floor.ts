// The physical floor under a durable entry append (bench/store.bench.ts): a write and fdatasync
// shaped like one WAL commit. SQLite's WAL (https://sqlite.org/walformat.html) is a 32-byte header
// then frames of a 24-byte header and one page; once wrapped after a checkpoint it is overwritten in
// place, so a steady-state commit neither allocates blocks nor changes the file's size.
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';

export const WAL_HEADER_BYTES = 32;
export const WAL_FRAME_HEADER_BYTES = 24;

/**
 * The floor a durable commit cannot beat, written as SQLite's WAL writes a commit: `bytes` (the
 * commit's frames) at the next offset of a file already allocated to the warmed WAL's size, wrapping
 * to the start as the WAL does after a checkpoint, then fdatasync. The file is filled and synced
 * once before, so no sample allocates blocks or changes the file's size.
 */
export class InPlaceFloor {
  private readonly fd: number;
  private readonly block: Buffer;
  private offset = WAL_HEADER_BYTES;
  constructor(
    private readonly file: string,
    private readonly size: number,
    bytes: number,
  ) {
    this.block = Buffer.alloc(bytes, 7);
    this.fd = openSync(file, 'w');
    const chunk = Buffer.alloc(1 << 20, 0);
    for (let at = 0; at < size; at += chunk.length) writeSync(this.fd, chunk, 0, Math.min(chunk.length, size - at), at);
    fdatasyncSync(this.fd);
  }
  sample(): number {
    if (this.offset + this.block.length > this.size) this.offset = WAL_HEADER_BYTES;
    const t = performance.now();
    writeSync(this.fd, this.block, 0, this.block.length, this.offset);
    fdatasyncSync(this.fd);
    const ms = performance.now() - t;
    this.offset += this.block.length;
    return ms;
  }
  close(): void {
    closeSync(this.fd);
    rmSync(this.file, { force: true });
  }
}

/** The old floor, for reference: 4 KiB appended to a file that grows on every write. */
export class ExtendingFloor {
  private readonly fd: number;
  private readonly block = Buffer.alloc(4096, 7);
  private offset = 0;
  constructor(private readonly file: string) {
    this.fd = openSync(file, 'w');
  }
  sample(): number {
    const t = performance.now();
    writeSync(this.fd, this.block, 0, this.block.length, this.offset);
    fdatasyncSync(this.fd);
    this.offset += this.block.length;
    return performance.now() - t;
  }
  close(): void {
    closeSync(this.fd);
    rmSync(this.file, { force: true });
  }
}
