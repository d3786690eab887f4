/**
 * Splits a byte stream into lines without building a string per line: the handler gets the chunk
 * and the [start, end) of each line (the `\n` and a trailing `\r` excluded) and decodes only the
 * fields it needs. Only a line that straddles two chunks is copied, into a small carry buffer
 * (STYLE.md §3: parse straight from each incoming chunk).
 *
 * Lifetime: `buf` is valid only during the call; copy what outlives it (strings are copies).
 */
export type LineHandler = (buf: Buffer, start: number, end: number, lineNo: number, offset: number) => void;

const NL = 0x0a;
const CR = 0x0d;

export class LineSplitter {
  private carry: Buffer = Buffer.alloc(0);
  private carryLen = 0;
  /** 1-based number of the next line. */
  private lineNo = 1;
  /** Byte offset of the start of the next line in the whole stream. */
  private offset = 0;

  /** Calls `onLine` for every complete line in `chunk` (plus a carried-over head). */
  push(chunk: Buffer, onLine: LineHandler): void {
    let pos = 0;
    if (this.carryLen > 0) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.keep(chunk, 0);
        return;
      }
      this.append(chunk, 0, nl);
      const line = this.carry;
      let end = this.carryLen;
      if (end > 0 && line[end - 1] === CR) end--;
      const lineStart = this.offset;
      this.offset += this.carryLen + 1;
      this.carryLen = 0;
      onLine(line, 0, end, this.lineNo++, lineStart);
      pos = nl + 1;
    }
    const len = chunk.length;
    while (pos < len) {
      const nl = chunk.indexOf(NL, pos);
      if (nl < 0) break;
      let end = nl;
      if (end > pos && chunk[end - 1] === CR) end--;
      const lineStart = this.offset;
      this.offset += nl + 1 - pos;
      onLine(chunk, pos, end, this.lineNo++, lineStart);
      pos = nl + 1;
    }
    if (pos < len) this.keep(chunk, pos);
  }

  /** Flushes a last line without a trailing newline. */
  end(onLine: LineHandler): void {
    if (this.carryLen === 0) return;
    let end = this.carryLen;
    if (this.carry[end - 1] === CR) end--;
    const n = this.carryLen;
    this.carryLen = 0;
    onLine(this.carry, 0, end, this.lineNo++, this.offset);
    this.offset += n;
  }

  /** Bytes waiting for their newline (the caller may cap this to refuse absurd lines). */
  get pending(): number {
    return this.carryLen;
  }

  private keep(chunk: Buffer, from: number): void {
    this.append(chunk, from, chunk.length);
  }

  private append(chunk: Buffer, from: number, to: number): void {
    const need = this.carryLen + (to - from);
    if (need > this.carry.length) {
      const next = Buffer.allocUnsafe(Math.max(need, this.carry.length * 2, 4096));
      this.carry.copy(next, 0, 0, this.carryLen);
      this.carry = next;
    }
    chunk.copy(this.carry, this.carryLen, from, to);
    this.carryLen = need;
  }
}
