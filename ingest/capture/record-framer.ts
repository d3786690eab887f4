import { InputError } from '../../model/index.js';

/**
 * Cuts a byte stream into length-prefixed records (pcap packet records, pcapng blocks) without
 * joining chunks: records wholly inside a chunk are handed over as views of that chunk; only a record
 * that straddles two chunks is copied, into one carry buffer that grows to the largest such record.
 *
 * The format supplies `measure`, which looks at the bytes at the start of a record and answers the
 * record's total length, or NEED_MORE when `avail` bytes are not enough to tell. It throws an
 * InputError for a length that is impossible or over the limit, so a corrupt length is never
 * allocated.
 */
export const NEED_MORE = -1;

export interface RecordFormat {
  /** Bytes needed before `measure` can answer (the fixed header). */
  readonly headerBytes: number;
  measure(buf: Buffer, off: number, avail: number, fileOffset: number): number;
  /** One complete record: `buf[off, off+len)`, valid only during the call. */
  record(buf: Buffer, off: number, len: number, fileOffset: number): void;
}

export class RecordFramer {
  private carry: Buffer = Buffer.alloc(64 * 1024);
  private carryLen = 0;
  /**
   * Absolute offset of the next unconsumed byte (the start of the carry when it holds bytes). A
   * Float64Array slot, not a field: offsets pass 2^31 in captures over 2 GiB, and a field that held
   * small integers until then deoptimized the whole inlined packet loop there ("not a Smi"), which V8
   * then compiled again.
   */
  private readonly at = new Float64Array(1);

  constructor(
    private readonly format: RecordFormat,
    startOffset = 0,
  ) {
    this.at[0] = startOffset;
  }

  /** Offset in the stream of the first byte not yet handed over as part of a record. */
  get position(): number {
    return this.at[0];
  }

  /** Bytes held back because their record is not complete yet. */
  get pending(): number {
    return this.carryLen;
  }

  push(chunk: Buffer): void {
    let pos = 0;
    const fmt = this.format;
    if (this.carryLen > 0) {
      pos = this.completeCarry(chunk);
      if (pos < 0) return;
    }
    const end = chunk.length;
    // the chunk's byte 0 in the stream
    const base = this.at[0] - pos;
    while (pos < end) {
      const avail = end - pos;
      if (avail < fmt.headerBytes) break;
      const len = fmt.measure(chunk, pos, avail, base + pos);
      if (len === NEED_MORE || len > avail) break;
      fmt.record(chunk, pos, len, base + pos);
      pos += len;
    }
    this.at[0] = base + pos;
    if (pos < end) this.stash(chunk, pos, end);
  }

  /** Moves bytes from `chunk` into the carry until its record is complete; -1 when the chunk ran out. */
  private completeCarry(chunk: Buffer): number {
    const fmt = this.format;
    let pos = 0;
    for (;;) {
      let need = fmt.headerBytes;
      if (this.carryLen >= need) {
        const len = fmt.measure(this.carry, 0, this.carryLen, this.at[0]);
        need = len === NEED_MORE ? this.carryLen + 1 : len;
      }
      if (this.carryLen >= need) {
        fmt.record(this.carry, 0, need, this.at[0]);
        this.at[0] += need;
        this.carryLen = 0;
        return pos;
      }
      const take = Math.min(need - this.carryLen, chunk.length - pos);
      if (take <= 0) return -1;
      this.ensureCarry(need);
      chunk.copy(this.carry, this.carryLen, pos, pos + take);
      this.carryLen += take;
      pos += take;
      if (this.carryLen < need) return -1;
    }
  }

  private stash(chunk: Buffer, from: number, to: number): void {
    const n = to - from;
    this.ensureCarry(this.carryLen + n);
    chunk.copy(this.carry, this.carryLen, from, to);
    this.carryLen += n;
  }

  private ensureCarry(n: number): void {
    if (n <= this.carry.length) return;
    const next = Buffer.alloc(Math.max(n, this.carry.length * 2));
    this.carry.copy(next, 0, 0, this.carryLen);
    this.carry = next;
  }
}

/** The error for a record whose declared length cannot be right. */
export function badLength(
  file: string,
  offset: number,
  what: string,
  declared: number,
  limit: string,
  record: number,
): InputError {
  return new InputError(
    declared > 0 && limit.startsWith('max') ? 'CW_ERR_INPUT_TOO_LARGE' : 'CW_ERR_INPUT_MALFORMED',
    `${file}: ${what} at byte ${offset} declares length ${declared}, ${limit} (record ${record})`,
    { file, offset, record },
  );
}
