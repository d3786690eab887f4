/**
 * Column builders for ClickHouse's Native format: one block of rows stored column by column, the
 * format the engine reads with the least work (fixed-width columns are its in-memory arrays, and a
 * LowCardinality column arrives already as dictionary + indexes). Builders are reused block after
 * block (`reset()`), so encoding allocates nothing per row.
 *
 * Layout (ClickHouse docs, "Native format" specification; checked byte for byte against a block
 * chDB writes itself, test/store/native-columns.test.ts):
 *   block          = VarUInt columns, VarUInt rows, then per column: String name, String type, data
 *   String         = VarUInt byte length + UTF-8 bytes, per row
 *   UIntN / Int64  = N/8 bytes little-endian per row; DateTime64(3) = Int64 milliseconds
 *   IPv6           = 16 bytes per row in network order (IPv4 stored IPv4-mapped)
 *   Array(String)  = UInt64 end offset per row (running item count), then every item as a String
 *   LowCardinality(String) = UInt64 keys version (1), UInt64 flags (index width | has additional
 *                    keys | dictionary update), UInt64 key count, the keys as Strings (key 0 is ''),
 *                    UInt64 rows, one index per row (UInt8/16/32 by key count)
 *
 * Fixed-width columns are typed arrays written in place, so the builders assume a little-endian
 * machine (every platform Node ships chDB for); 64-bit integers go in as two 32-bit halves from a
 * JS number (exact up to 2^53), never through BigInt (~1.1 s per 500k rows in the first encoder).
 */
import { InputError, parseIpv4, parseIpv6 } from '../model/index.js';

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error('store/native-columns: the Native encoder needs a little-endian machine');
}

/** A growing byte buffer for variable-length data: VarUInt, String, UInt64 headers. */
export class ByteBuffer {
  buf: Buffer;
  pos = 0;
  private markPos = 0;

  constructor(initialBytes = 1 << 16) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since the last reset; valid until the next write or reset. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  mark(): void {
    this.markPos = this.pos;
  }

  undo(): void {
    this.pos = this.markPos;
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** LEB128, as ClickHouse's VarUInt. */
  varUInt(n: number): void {
    this.ensure(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  /** UInt64 (a non-negative integer below 2^53). */
  u64(n: number): void {
    this.ensure(8);
    this.buf.writeUInt32LE(n >>> 0, this.pos);
    this.buf.writeUInt32LE(Math.floor(n / 4294967296), this.pos + 4);
    this.pos += 8;
  }

  /** A String value; undefined writes ''. */
  str(s: string | undefined): void {
    if (s === undefined || s.length === 0) {
      this.ensure(1);
      this.buf[this.pos++] = 0;
      return;
    }
    const len = s.length;
    this.ensure(len * 3 + 5);
    if (len < 43) {
      // At most 126 UTF-8 bytes: the length fits one LEB128 byte written after the text, and
      // ASCII (nearly every value here) goes byte by byte, cheaper than Buffer.write's call.
      const b = this.buf;
      const start = this.pos + 1;
      let p = start;
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) {
          p = start + b.write(s, start, 'utf8');
          break;
        }
        b[p++] = c;
      }
      b[this.pos] = p - start;
      this.pos = p;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varUInt(n);
    this.buf.write(s, this.pos, 'utf8');
    this.pos += n;
  }
}

/** One column of a block under construction. Rows are counted by the block, not the column. */
export interface NativeColumn {
  readonly name: string;
  readonly type: string;
  /**
   * JavaScript statement writing `value` (an expression) as row `row` of this column, which the
   * generated encoder names `self`: the common case inline, the rest through a method call.
   */
  code(value: string, self: string): string;
  /** Makes room for `rows` rows in all, `adding` of them in the next encoder call. */
  reserve(rows: number, adding: number): void;
  /** Appends the column's data for its first `rows` rows to `out` (views, valid until the next write). */
  data(rows: number, out: Uint8Array[]): void;
  reset(): void;
  /** Remembers the end of the data, so a row that fails half-written can be taken back (`undo`). */
  mark(): void;
  undo(): void;
}

type FixedArray = Uint8Array | Uint16Array | Uint32Array;

const bytesOf = (a: FixedArray, n: number): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, n);

/** A typed array at least `n` long holding `a`'s values (`a` itself when it is). */
function grown<T extends FixedArray>(a: T, n: number, make: (n: number) => T): T {
  if (n <= a.length) return a;
  const next = make(Math.max(n, a.length * 2));
  next.set(a);
  return next;
}

/**
 * A column whose rows are `perRow` elements each of one typed array: the fixed-width types (UInt*,
 * 64-bit as two words, IPv6 as four). The subclasses say how a value is written (`code`).
 */
abstract class FixedWidthColumn<A extends FixedArray> implements NativeColumn {
  values: A;

  constructor(
    readonly name: string,
    readonly type: string,
    private readonly make: (n: number) => A,
    private readonly perRow: number,
  ) {
    this.values = make(1024 * perRow);
  }

  abstract code(value: string, self: string): string;

  reserve(rows: number): void {
    this.values = grown(this.values, rows * this.perRow, this.make);
  }

  data(rows: number, out: Uint8Array[]): void {
    out.push(bytesOf(this.values, rows * this.perRow * this.values.BYTES_PER_ELEMENT));
  }

  reset(): void {}
  mark(): void {}
  undo(): void {}
}

/** UInt8/16/32 from a number; absent is 0. */
export class FixedColumn extends FixedWidthColumn<FixedArray> {
  constructor(name: string, type: string, make: (n: number) => FixedArray) {
    super(name, type, make, 1);
  }

  code(value: string, self: string): string {
    return `${self}.values[row] = ${value} ?? 0;`;
  }
}

const u32 = (n: number): Uint32Array => new Uint32Array(n);

/**
 * UInt64, Int64 or DateTime64(3) (milliseconds, fractions cut as in every other output) from a
 * number: two 32-bit halves, low first; the high one is (v - low) / 2^32, exact for |v| < 2^53
 * and two's complement below 0 (the typed array store wraps it).
 */
export class Int64Column extends FixedWidthColumn<Uint32Array> {
  constructor(
    name: string,
    type: string,
    private readonly floor: boolean,
  ) {
    super(name, type, u32, 2);
  }

  code(value: string, self: string): string {
    const v = this.floor ? `Math.floor(${value} ?? 0)` : `${value} ?? 0`;
    return `{ const v = ${v}; const lo = v >>> 0; const a = ${self}.values; a[row * 2] = lo; a[row * 2 + 1] = (v - lo) / 4294967296; }`;
  }
}

/**
 * String: the values one after another. An absent or empty value, the common case, is one zero
 * byte written inline; room for it is kept free (`reserve`), so it needs no check.
 */
export class StringColumn extends ByteBuffer implements NativeColumn {
  /** Bytes kept free after each value for the zero bytes of the rows still to come. */
  private slack = 0;

  constructor(
    readonly name: string,
    readonly type: string,
  ) {
    super();
  }

  code(value: string, self: string): string {
    return `{ const s = ${value}; if (s === undefined || s.length === 0) ${self}.buf[${self}.pos++] = 0; else ${self}.put(s); }`;
  }

  put(s: string): void {
    this.ensure(s.length * 3 + 5 + this.slack);
    this.str(s);
  }

  reserve(_rows: number, adding: number): void {
    this.slack = adding;
    this.ensure(adding);
  }

  data(_rows: number, out: Uint8Array[]): void {
    out.push(this.view());
  }
}

/** Array(String): running item counts (UInt64, the high half always 0), then the items. */
export class StringsColumn implements NativeColumn {
  offsets = u32(2048);
  /** Items so far: the end offset of the last row. */
  count = 0;
  private readonly items = new ByteBuffer();
  private markCount = 0;

  constructor(
    readonly name: string,
    readonly type: string,
  ) {}

  code(value: string, self: string): string {
    return `{ const a = ${value}; if (a === undefined || a.length === 0) ${self}.offsets[row * 2] = ${self}.count; else ${self}.put(a, row); }`;
  }

  put(a: readonly string[], row: number): void {
    for (let i = 0; i < a.length; i++) this.items.str(a[i]);
    this.count += a.length;
    this.offsets[row * 2] = this.count;
  }

  reserve(rows: number): void {
    this.offsets = grown(this.offsets, rows * 2, u32);
  }

  data(rows: number, out: Uint8Array[]): void {
    out.push(bytesOf(this.offsets, rows * 8), this.items.view());
  }

  reset(): void {
    this.items.reset();
    this.count = 0;
  }

  mark(): void {
    this.items.mark();
    this.markCount = this.count;
  }

  undo(): void {
    this.items.undo();
    this.count = this.markCount;
  }
}

const HAS_ADDITIONAL_KEYS = 1 << 9;
const NEED_UPDATE_DICTIONARY = 1 << 10;

/**
 * LowCardinality(String), sent as the engine stores it: the block's distinct values once, and an
 * index per row. The engine then only merges dictionaries; sent as plain String it hashed every
 * value (an insert of 1 M flows took ~1.6x the engine CPU that way, bench/README.md).
 */
export class LowCardinalityColumn implements NativeColumn {
  indexes = u32(1024);
  /** The value of the last lookup and its index: neighbouring rows mostly share a value (format,
   * file, ingest, state), and a comparison is cheaper than a hash lookup. */
  last = '';
  lastId = 0;
  private readonly keys = new ByteBuffer();
  private readonly ids = new Map<string, number>();
  private narrow8 = new Uint8Array(0);
  private narrow16 = new Uint16Array(0);
  private readonly head = new ByteBuffer(64);

  constructor(
    readonly name: string,
    readonly type: string,
  ) {
    this.reset();
  }

  code(value: string, self: string): string {
    return `{ const s = ${value}; ${self}.indexes[row] = s === undefined ? 0 : s === ${self}.last ? ${self}.lastId : ${self}.id(s); }`;
  }

  /** The index of `s` in this block's dictionary, added if new. */
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(s, id);
      this.keys.str(s);
    }
    this.last = s;
    this.lastId = id;
    return id;
  }

  reserve(rows: number): void {
    this.indexes = grown(this.indexes, rows, u32);
  }

  data(rows: number, out: Uint8Array[]): void {
    const n = this.ids.size;
    const width = n <= 0x100 ? 0 : n <= 0x10000 ? 1 : 2; // UInt8, UInt16, UInt32
    const h = this.head;
    h.reset();
    h.u64(1);
    h.u64(width | HAS_ADDITIONAL_KEYS | NEED_UPDATE_DICTIONARY);
    h.u64(n);
    h.u64(rows);
    out.push(h.buf.subarray(0, 24), this.keys.view(), h.buf.subarray(24, 32));
    const idx = this.indexes.subarray(0, rows);
    if (width === 2) {
      out.push(bytesOf(idx, rows * 4));
    } else if (width === 1) {
      if (this.narrow16.length < rows) this.narrow16 = new Uint16Array(this.indexes.length);
      this.narrow16.set(idx);
      out.push(bytesOf(this.narrow16, rows * 2));
    } else {
      if (this.narrow8.length < rows) this.narrow8 = new Uint8Array(this.indexes.length);
      this.narrow8.set(idx);
      out.push(bytesOf(this.narrow8, rows));
    }
  }

  reset(): void {
    this.ids.clear();
    this.keys.reset();
    this.ids.set('', 0);
    this.keys.str('');
    this.last = '';
    this.lastId = 0;
  }

  // A key added by a row that is then taken back stays in the dictionary, unused: harmless.
  mark(): void {}
  undo(): void {}
}

const swap32 = (v: number): number =>
  (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;

/**
 * Address text → its 16 IPv6 bytes as four little-endian words in a shared pool, for every
 * address column: cameras and their peers repeat, so a text is parsed once, then looked up (a
 * lookup is ~5x cheaper than a parse). The two texts looked up last are checked first: a flow's
 * device and peer are its orig and resp addresses again.
 */
export class AddressWords {
  /** Four words per known address, at `slot * 4`. */
  pool = u32(4096);
  recent0 = '';
  slot0 = 0;
  recent1 = '';
  slot1 = 0;
  private readonly slots = new Map<string, number>();
  private readonly scratch = u32(4);

  constructor() {
    this.clear();
  }

  /** The pool slot of `s` (not ''); fails with CW_ERR_INPUT_MALFORMED for a text that is no address. */
  slot(s: string): number {
    let k = this.slots.get(s);
    if (k === undefined) {
      if (this.slots.size >= 100_000) this.clear();
      k = this.slots.size;
      this.pool = grown(this.pool, k * 4 + 4, u32);
      this.parse(s, k * 4);
      this.slots.set(s, k);
    }
    this.recent1 = this.recent0;
    this.slot1 = this.slot0;
    this.recent0 = s;
    this.slot0 = k;
    return k;
  }

  private parse(s: string, o: number): void {
    const p = this.pool;
    const v4 = s.length <= 15 ? parseIpv4(s) : -1;
    if (v4 >= 0) {
      p[o] = 0;
      p[o + 1] = 0;
      p[o + 2] = 0xffff0000; // bytes 00 00 ff ff: IPv4-mapped
      p[o + 3] = swap32(v4);
      return;
    }
    const be = this.scratch;
    if (!parseIpv6(s, be)) {
      // Readers drop (and count) records whose addresses fail the model rule before they get here.
      throw new InputError('CW_ERR_INPUT_MALFORMED', `not an IP address: '${s.slice(0, 60)}'`);
    }
    for (let i = 0; i < 4; i++) p[o + i] = swap32(be[i]);
  }

  private clear(): void {
    this.slots.clear();
    // Slot 0 is '::' (all zero), the recent entries' placeholder.
    this.slots.set('', 0);
    this.pool.fill(0, 0, 4);
    this.recent0 = '';
    this.slot0 = 0;
    this.recent1 = '';
    this.slot1 = 0;
  }
}

/** IPv6 from a dotted IPv4 or an IPv6 text; undefined or '' writes `::`. */
export class IpColumn extends FixedWidthColumn<Uint32Array> {
  constructor(
    name: string,
    type: string,
    readonly addresses: AddressWords,
  ) {
    super(name, type, u32, 4);
  }

  code(value: string, self: string): string {
    return `${self}.put(${value}, row);`;
  }

  put(s: string | undefined, row: number): void {
    const a = this.addresses;
    const k =
      s === undefined || s.length === 0
        ? 0
        : s === a.recent0
          ? a.slot0
          : s === a.recent1
            ? a.slot1
            : a.slot(s);
    const p = a.pool;
    const d = this.values;
    const o = row * 4;
    const f = k * 4;
    d[o] = p[f];
    d[o + 1] = p[f + 1];
    d[o + 2] = p[f + 2];
    d[o + 3] = p[f + 3];
  }
}

/** Writes `items[from..to)` as rows `row0…` of the columns; generated by `NativeBlock`. */
type EncodeRows<T> = (
  columns: readonly NativeColumn[],
  items: readonly T[],
  from: number,
  to: number,
  row0: number,
) => void;

/**
 * Encoders by source text, so every block of the same columns shares one function and its
 * optimised code: compiled per block (an ingest opens a FlowWriter per file), the function ran
 * interpreted, then was optimised again (~80 ms of TurboFan) for each file; a fresh writer per
 * million flows cost ~0.3–0.8 CPU-s more.
 */
const compiled = new Map<string, EncodeRows<unknown>>();

/**
 * One straight-line function that reads each item once and writes key k into column k, each
 * column's common case inline (its `code`): a generic loop over the columns with `item[key]`
 * was slower (keyed loads and a dispatch per cell), and a loop per column walked the whole
 * batch of objects once per column.
 */
function compileRows<T>(columns: readonly NativeColumn[], keys: readonly string[]): EncodeRows<T> {
  const lines = [
    ...columns.map((_, k) => `const c${k} = columns[${k}];`),
    'for (let i = from, row = row0; i < to; i++, row++) {',
    '  const r = items[i];',
    ...keys.map((key, k) => `  ${columns[k].code(`r[${JSON.stringify(key)}]`, `c${k}`)}`),
    '}',
  ];
  const src = lines.join('\n');
  let f = compiled.get(src);
  if (f === undefined) {
    f = new Function('columns', 'items', 'from', 'to', 'row0', src) as EncodeRows<unknown>;
    compiled.set(src, f);
  }
  return f as EncodeRows<T>;
}

/**
 * A Native block under construction, reused block after block: `add` appends objects as rows
 * (property `keys[k]` into `columns[k]`), `chunks()` gives the block as views for one vectored
 * write, `reset()` starts the next block.
 */
export class NativeBlock<T> {
  /** Rows in the block. */
  rows = 0;
  private readonly encodeRows: EncodeRows<T>;
  private readonly head = new ByteBuffer(4096);

  constructor(
    private readonly columns: readonly NativeColumn[],
    keys: readonly string[],
  ) {
    this.encodeRows = compileRows<T>(columns, keys);
  }

  /**
   * Appends `items[from..to)`, or nothing: a value a column cannot take (an address that is not
   * one) throws, CW_ERR_INPUT_MALFORMED, and the block is as before. `addEach` is the
   * row-by-row path that leaves such items out.
   */
  add(items: readonly T[], from = 0, to = items.length): void {
    const rows = this.rows + (to - from);
    for (const c of this.columns) {
      c.reserve(rows, to - from);
      c.mark();
    }
    try {
      this.encodeRows(this.columns, items, from, to, this.rows);
    } catch (e) {
      for (const c of this.columns) c.undo();
      throw e;
    }
    this.rows = rows;
  }

  /** Appends the items one by one, handing each that fails to `reject`; returns the rows added. */
  addEach(items: readonly T[], reject: (item: T, error: Error) => void): number {
    let n = 0;
    for (let i = 0; i < items.length; i++) {
      try {
        this.add(items, i, i + 1);
        n++;
      } catch (e) {
        reject(items[i], e as Error);
      }
    }
    return n;
  }

  /**
   * The block: its header, then each column's name, type and data, as views over the builders'
   * buffers, valid until the next `add` or `reset`.
   */
  chunks(): Uint8Array[] {
    const head = this.head;
    head.reset();
    head.varUInt(this.columns.length);
    head.varUInt(this.rows);
    // Every column header goes into `head` first; views are cut once it has stopped growing.
    const ends: number[] = [];
    for (const c of this.columns) {
      head.str(c.name);
      head.str(c.type);
      ends.push(head.pos);
    }
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.columns.length; i++) {
      out.push(head.buf.subarray(i === 0 ? 0 : ends[i - 1], ends[i]));
      this.columns[i].data(this.rows, out);
    }
    return out;
  }

  reset(): void {
    this.rows = 0;
    for (const c of this.columns) c.reset();
  }
}
