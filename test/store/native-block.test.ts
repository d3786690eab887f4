/**
 * The Native encoder against independent writers and readers: byte for byte against a block chDB
 * wrote itself, and flow for flow against chDB reading the same flows as JSON text.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FIELDS, type Flow, type FlowField } from '../../model/index.js';
import { FLOW_NATIVE_STRUCTURE, FlowBlock, openStore, type Store } from '../../store/index.js';
import {
  AddressWords,
  FixedColumn,
  Int64Column,
  IpColumn,
  LowCardinalityColumn,
  NativeBlock,
  StringColumn,
  StringsColumn,
} from '../../store/native-columns.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+|\/\/[^\n]*/g, ''), 'hex');
const joined = (chunks: readonly Uint8Array[]): Buffer => Buffer.concat(chunks);

let dir = '';
let store: Store;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camwatch-native-'));
  store = await openStore({ dataDir: join(dir, 'store') });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Native column builders', () => {
  it('write the bytes chDB writes for the same rows', () => {
    // chDB 3.4 wrote this block itself:
    //   INSERT INTO FUNCTION file('a.native', 'Native', 's LowCardinality(String), a Array(String),
    //     ip IPv6, t DateTime64(3), u UInt64, b UInt8, w UInt16, d UInt32, x String') SELECT … FROM
    //   values(('x', ['p','qq'], '::1', 1500, 2^53-1, 255, 65535, 2^32-1, 'é'),
    //          ('', [], '1.2.3.4', -1, 0, 0, 0, 0, ''),
    //          ('y', ['r'], '2001:db8::ff00:42:8329', 3, 2^32, 1, 2, 3, 'ab'),
    //          ('x', [], '::', 4, 5, 7, 8, 9, ''))            (t in ms since the epoch)
    const expected = hex(`
      09 04                                          // 9 columns, 4 rows
      01 73 16 4c6f7743617264696e616c69747928537472696e6729   // s LowCardinality(String)
      0100000000000000                               // keys version 1
      0006000000000000                               // UInt8 indexes | additional keys | update
      0300000000000000 00 0178 0179                  // 3 keys: '' 'x' 'y'
      0400000000000000 01 00 02 01                   // 4 rows of indexes
      01 61 0d 417272617928537472696e6729            // a Array(String)
      0200000000000000 0200000000000000 0300000000000000 0300000000000000  // end offsets
      0170 027171 0172                               // 'p' 'qq' 'r'
      02 6970 04 49507636                            // ip IPv6
      00000000000000000000000000000001               // ::1
      00000000000000000000ffff01020304               // 1.2.3.4, IPv4-mapped
      20010db8000000000000ff0000428329               // 2001:db8::ff00:42:8329
      00000000000000000000000000000000               // ::
      01 74 0d 4461746554696d653634283329            // t DateTime64(3)
      dc05000000000000 ffffffffffffffff 0300000000000000 0400000000000000  // 1500 -1 3 4
      01 75 06 55496e743634                          // u UInt64
      ffffffffffff1f00 0000000000000000 0000000001000000 0500000000000000  // 2^53-1 0 2^32 5
      01 62 05 55496e7438 ff 00 01 07                // b UInt8
      01 77 06 55496e743136 ffff 0000 0200 0800      // w UInt16
      01 64 06 55496e743332 ffffffff 00000000 03000000 09000000  // d UInt32
      01 78 06 537472696e67 02c3a9 00 026162 00      // x String: 'é' '' 'ab' ''
    `);
    const addresses = new AddressWords();
    const block = new NativeBlock<Record<string, unknown>>(
      [
        new LowCardinalityColumn('s', 'LowCardinality(String)'),
        new StringsColumn('a', 'Array(String)'),
        new IpColumn('ip', 'IPv6', addresses),
        new Int64Column('t', 'DateTime64(3)', true),
        new Int64Column('u', 'UInt64', false),
        new FixedColumn('b', 'UInt8', (n) => new Uint8Array(n)),
        new FixedColumn('w', 'UInt16', (n) => new Uint16Array(n)),
        new FixedColumn('d', 'UInt32', (n) => new Uint32Array(n)),
        new StringColumn('x', 'String'),
      ],
      ['s', 'a', 'ip', 't', 'u', 'b', 'w', 'd', 'x'],
    );
    const rows = [
      {
        s: 'x',
        a: ['p', 'qq'],
        ip: '::1',
        t: 1500.7,
        u: 2 ** 53 - 1,
        b: 255,
        w: 65535,
        d: 2 ** 32 - 1,
        x: 'é',
      },
      { a: [], ip: '1.2.3.4', t: -1, u: 0, b: 0, w: 0, d: 0, x: '' },
      { s: 'y', a: ['r'], ip: '2001:db8::ff00:42:8329', t: 3, u: 2 ** 32, b: 1, w: 2, d: 3, x: 'ab' },
      // absent values are the defaults ('' [] ::)
      { s: 'x', t: 4, u: 5, b: 7, w: 8, d: 9 },
    ];
    block.add(rows.slice(0, 1));
    block.add(rows, 1, 4);
    expect(joined(block.chunks()).toString('hex')).toBe(expected.toString('hex'));
    // reused: the same rows again give the same bytes
    block.reset();
    block.add(rows);
    expect(joined(block.chunks()).toString('hex')).toBe(expected.toString('hex'));
  });

  it('leaves out a row that fails half-written, and the block reads as before', () => {
    const block = new NativeBlock<Record<string, unknown>>(
      [new StringColumn('x', 'String'), new IpColumn('ip', 'IPv6', new AddressWords())],
      ['x', 'ip'],
    );
    const good = [{ x: 'a', ip: '10.0.0.1' }];
    block.add(good);
    const before = joined(block.chunks()).toString('hex');
    const bad = [
      { x: 'b', ip: '10.0.0.2' },
      { x: 'c', ip: '10.0.0.300' },
    ];
    expect(() => block.add(bad)).toThrow(/not an IP address: '10.0.0.300'/);
    expect(joined(block.chunks()).toString('hex')).toBe(before);
    const rejected: unknown[] = [];
    expect(block.addEach(bad, (item) => rejected.push(item))).toBe(1);
    expect(rejected).toEqual([bad[1]]);
    block.reset();
    block.add([...good, bad[0]]);
    const expected = joined(block.chunks()).toString('hex');
    block.reset();
    block.add(good);
    block.addEach(bad, () => {});
    expect(joined(block.chunks()).toString('hex')).toBe(expected);
  });
});

// ---- flows, against chDB reading the same flows as JSON text ------------------------------------

const TIME_MIN = Date.UTC(1900, 0, 1);
const TIME_MAX = Date.UTC(2299, 11, 31);
const UINT_MAX: Record<string, number> = {
  UInt8: 255,
  UInt16: 65535,
  UInt32: 2 ** 32 - 1,
  UInt64: 2 ** 53 - 1,
};
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 40, maxLength: 200 }),
);

/** An arbitrary value for every field of the field table (new fields included). */
function fieldArb(f: FlowField): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case 'timeMs':
      return fc
        .tuple(fc.integer({ min: TIME_MIN, max: TIME_MAX }), fc.constantFrom(0, 0.25, 0.999))
        .map(([ms, frac]) => ms + frac);
    case 'uint':
      return fc.integer({ min: 0, max: UINT_MAX[f.chType] });
    case 'ip':
      return fc.oneof(fc.ipV4(), fc.ipV6());
    case 'strings':
      return fc.array(text, { maxLength: 4 });
    default:
      // LowCardinality columns see repeats and many distinct values alike
      return f.chType.startsWith('LowCardinality') ? fc.oneof(fc.constantFrom('a', 'SF', 'é'), text) : text;
  }
}

const flowArb: fc.Arbitrary<Flow> = fc.record(
  Object.fromEntries(FLOW_FIELDS.map((f) => [f.name, fieldArb(f)])),
  { requiredKeys: FLOW_FIELDS.filter((f) => f.required).map((f) => f.name) },
) as fc.Arbitrary<Flow>;

/** The flow as one JSONEachRow line for the table's columns: absent values as their defaults. */
function jsonRow(flow: Flow): string {
  const row: Record<string, unknown> = {};
  for (const f of FLOW_FIELDS) {
    const v = (flow as Record<string, unknown>)[f.name];
    if (f.kind === 'timeMs') {
      const ms = Math.floor((v as number | undefined) ?? 0);
      row[f.column] = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
    } else if (f.kind === 'ip') row[f.column] = v ?? '::';
    else if (f.kind === 'uint') row[f.column] = v ?? 0;
    else if (f.kind === 'strings') row[f.column] = v ?? [];
    else row[f.column] = v ?? '';
  }
  return JSON.stringify(row);
}

const SELECT = FLOW_FIELDS.map((f) =>
  f.kind === 'timeMs'
    ? `toUnixTimestamp64Milli(${f.column})`
    : f.kind === 'ip'
      ? `toString(${f.column})`
      : f.column,
).join(', ');
const JSON_STRUCTURE = FLOW_FIELDS.map(
  (f) => `${f.column} ${f.kind === 'timeMs' ? "DateTime64(3, 'UTC')" : f.chType}`,
).join(', ');

let seq = 0;
/** chDB reads the flows from a Native file we encoded, and from JSON text; both as JSON rows. */
async function readBoth(
  flows: readonly Flow[],
  block: FlowBlock,
  select = SELECT,
  orderBy = '',
): Promise<[unknown[], unknown[]]> {
  const native = join(dir, `f${seq}.native`);
  const json = join(dir, `f${seq++}.json`);
  block.reset();
  block.add(flows);
  writeFileSync(native, joined(block.chunks()));
  writeFileSync(json, flows.map(jsonRow).join('\n'));
  const read = (path: string, format: string, structure: string) =>
    store.rows(`SELECT ${select} FROM file({path:String}, {format:String}, {structure:String})${orderBy}`, {
      path,
      format,
      structure,
    });
  return [
    await read(native, 'Native', FLOW_NATIVE_STRUCTURE),
    await read(json, 'JSONEachRow', JSON_STRUCTURE),
  ];
}

describe('FlowBlock', () => {
  it('gives chDB the same flows as JSON text does, for arbitrary flows', async () => {
    const block = new FlowBlock();
    await fc.assert(
      fc.asyncProperty(fc.array(flowArb, { minLength: 1, maxLength: 30 }), async (flows) => {
        const [native, json] = await readBoth(flows, block);
        expect(native).toEqual(json);
      }),
      { numRuns: 40 },
    );
  }, 60_000);

  it('keeps LowCardinality values apart past 256 and 65 536 distinct values (wider indexes)', async () => {
    const sample = fc.sample(flowArb, { numRuns: 1, seed: 7 })[0] as Record<string, unknown>;
    const base = Object.fromEntries(
      FLOW_FIELDS.filter((f) => f.required).map((f) => [f.name, sample[f.name]]),
    );
    const block = new FlowBlock();
    for (const n of [300, 70_000]) {
      const flows = Array.from(
        { length: n },
        (_, i) => ({ ...base, sourceFile: `file-${i % (n - 5)}`, sourceRecord: i }) as Flow,
      );
      // Compared in a stated order: ClickHouse promises an order only with ORDER BY (one CI run failed
      // this comparison without it; not reproduced in 3 runs, nor in 60 reads of a 70 000-row file).
      const [native, json] = await readBoth(flows, block, 'source_file', ' ORDER BY source_record');
      expect(native.length).toBe(n);
      // one comparison of the whole text: toEqual over 70k rows takes seconds
      expect(JSON.stringify(native) === JSON.stringify(json)).toBe(true);
    }
  }, 60_000);
});
