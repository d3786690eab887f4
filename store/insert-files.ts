import { closeSync, constants, ftruncateSync, mkdirSync, openSync, rmSync, writevSync } from 'node:fs';
import { join } from 'node:path';

/** A file holding one insert's rows; `release` hands it back for the next insert. */
export interface InsertFile {
  readonly path: string;
  release(): void;
}

/**
 * The files chDB reads inserts from (`INSERT … SELECT * FROM file(path, …)`), kept and overwritten
 * in place rather than made and deleted per insert: the kernel then copies into page-cache pages
 * the file already has instead of allocating them and freeing them after the insert. Writing 65 MB
 * (one 262 144-row block of flows) took 19–21 ms of CPU as a new file and 9–9.5 ms over the old
 * one (ext4; tmpfs 34–35 and 14.5–15). At most one file per insert in flight.
 */
export class InsertFiles {
  private readonly free: string[] = [];
  private made = 0;

  /** Takes `dir` for its files, emptied first: what is in it was left by a process that died. */
  constructor(private readonly dir: string) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }

  write(chunks: readonly Uint8Array[]): InsertFile {
    const path = this.free.pop() ?? join(this.dir, `insert-${process.pid}-${this.made++}.bin`);
    // No O_TRUNC: truncating would free the pages this is meant to reuse; the end is cut after.
    try {
      const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT);
      try {
        ftruncateSync(fd, writeAll(fd, chunks));
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      this.free.push(path); // a full disk, say: the file stays known, to be reused or cleared
      throw e;
    }
    return { path, release: () => this.free.push(path) };
  }

  /** Deletes the files (the store closes). */
  clear(): void {
    for (const p of this.free.splice(0)) rmSync(p, { force: true });
  }
}

/** Writes every piece to `fd`, returns the bytes written (writev may write less than asked). */
function writeAll(fd: number, chunks: readonly Uint8Array[]): number {
  let total = 0;
  let left = chunks.filter((c) => c.length > 0);
  while (left.length > 0) {
    let n = writevSync(fd, left.slice(0, 1024)); // IOV_MAX
    total += n;
    let i = 0;
    while (i < left.length && n >= left[i].length) n -= left[i++].length;
    left = left.slice(i);
    if (n > 0) left[0] = left[0].subarray(n);
  }
  return total;
}
